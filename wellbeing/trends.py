"""Aggregation rules for HR trends: minimum group size, anti-differencing, participation.

The SQL aggregation is done by the database layer; it passes plain :class:`AggregateRow` s
(one per team and ISO week, plus optionally one company-total row per week with
``team=None``). These functions decide what may be shown and return every cell — suppressed
cells are *marked*, never dropped, so the page can print 「個人が特定されないよう非表示」
(:data:`wellbeing.texts.SUPPRESSION_NOTICES`).

Rules (sources: /work/shared/notes/domain.md, "How the best pulse tools flag and protect"):

1. **Minimum group size.** A cell with fewer than ``min_group_size`` respondents (default 5, as
   Culture Amp and Viva Glint; ``Settings.min_group_size``) is suppressed (reason
   ``small_group``). Free text needs ``min_group_size_free_text`` (default 10, as Glint for
   comments; ``Settings.min_group_size_free_text``), is returned without any link to a person
   and in sorted order (submission order could identify the writer).
2. **Anti-differencing (complementary suppression).** Teams partition the company, so a shown
   company total minus the shown teams reveals the rest. For each week, the *residual*
   ``total.n − Σ n of shown teams`` must be 0 or ≥ ``min_group_size``; when it is not, the
   smallest shown team (ties: team name) is suppressed too (reason ``complementary``). One extra
   team always suffices, because a shown team already has n ≥ min. The residual also covers
   people in no team (a total larger than the sum of its teams).
   *Choice: suppress the next-smallest team, not the total* — the company total is the one
   series HR reads every week and it must not have holes whenever a small team exists; hiding
   the smallest shown team loses the least detail. (Peakon blocks the same attack on
   overlapping groups.) The same rule runs separately for the K6 histogram (only people due
   for the K6 answer it, so its n is smaller than the cell's), for free text (with the
   free-text minimum) and for participation (on team sizes).
3. **Open weeks are not shown** (reason ``week_open``): a week's cells appear only once the week
   is over (``week < week_start(today)``). Otherwise a cell seen on Wednesday with n = 5 and
   again on Friday with n = 6 reveals the sixth person's answers by difference of sums.
   This relies on the database filing each check-in under the week it was submitted in and
   never accepting a check-in for a closed week.
4. **Week-over-week differences are not guarded further (documented choice).** A team with
   n = 5 one week and n = 6 the next does not reveal the newcomer: every member answers afresh
   each week, so the difference of sums mixes six people's changes, not one person's answer.
   The residual risk — members whose answers do not change at all — is accepted, as in the
   pulse tools we studied. Rolling windows (e.g. "last 4 weeks") that overlap *would* allow
   the attack and must not be built from these rows without a new rule here.

Also not guarded here: other partitions (by role, tenure…) shown next to teams would need the
same residual rule across them; the trends page should offer teams × weeks only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from wellbeing.instruments import JOB_ITEMS_BY_ID, week_start
from wellbeing.texts import SUPPRESSION_NOTICES, Text

DEFAULT_MIN_GROUP_SIZE = 5  # Culture Amp 5, Viva Glint 5 for scores
DEFAULT_MIN_GROUP_SIZE_FREE_TEXT = 10  # Viva Glint 10 for comments

#: K6 histogram buckets, from the cut-offs in the domain notes (≥ 5 moderate, ≥ 10, ≥ 13).
K6_BUCKETS: tuple[str, ...] = ("0-4", "5-9", "10-12", "13-24")

SUPPRESSION_REASONS = ("small_group", "complementary", "week_open")


def k6_bucket(total: int) -> str:
    """The histogram bucket of a K6 total 0–24 (for the SQL side to group by)."""
    if isinstance(total, bool) or not isinstance(total, int) or not 0 <= total <= 24:
        raise ValueError(f"K6 total must be an integer 0–24, got {total!r}")
    if total <= 4:
        return "0-4"
    if total <= 9:
        return "5-9"
    if total <= 12:
        return "10-12"
    return "13-24"


# --- input --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AggregateRow:
    """One team's (``team=None``: the whole company's) aggregates for one ISO week.

    n_respondents: people who checked in that week.
    who5_mean: mean WHO-5 **percentage** (0–100), ``None`` when n = 0.
    share_watch / share_urgent: fraction (0–1) of respondents at level watch / urgent.
    k6_histogram: ``{bucket: count}`` over :data:`K6_BUCKETS` for respondents who answered the
        K6 that week (every 4 weeks per person, so usually fewer than n).
    job_item_means: ``{job item id: mean rank}`` (0 = best … 3 = worst).
    harassment_reports: respondents who reported any customer harassment that week (≤ n).
    """

    team: str | None
    week: date
    n_respondents: int
    who5_mean: float | None = None
    share_watch: float = 0.0
    share_urgent: float = 0.0
    k6_histogram: Mapping[str, int] = field(default_factory=dict)
    job_item_means: Mapping[str, float] = field(default_factory=dict)
    harassment_reports: int = 0

    def __post_init__(self) -> None:
        where = f"row ({self.team!r}, {self.week})"
        if self.team is not None and (not isinstance(self.team, str) or not self.team):
            raise ValueError(f"{where}: team must be a non-empty string or None (company total)")
        if not isinstance(self.week, date) or week_start(self.week) != self.week:
            raise ValueError(f"{where}: week must be the Monday of an ISO week")
        _check_count(self.n_respondents, f"{where}: n_respondents")
        if self.who5_mean is not None and not 0 <= self.who5_mean <= 100:
            raise ValueError(f"{where}: who5_mean is a percentage 0–100, got {self.who5_mean}")
        for name in ("share_watch", "share_urgent"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"{where}: {name} must be a fraction 0–1, got {v}")
        unknown = sorted(set(self.k6_histogram) - set(K6_BUCKETS))
        if unknown:
            raise ValueError(f"{where}: unknown K6 bucket(s) {unknown}; expected {K6_BUCKETS}")
        for b, c in self.k6_histogram.items():
            _check_count(c, f"{where}: k6_histogram[{b!r}]")
        if self.k6_n > self.n_respondents:
            raise ValueError(f"{where}: K6 histogram counts {self.k6_n} > n {self.n_respondents}")
        unknown = sorted(set(self.job_item_means) - set(JOB_ITEMS_BY_ID))
        if unknown:
            raise ValueError(f"{where}: unknown job item(s) {unknown}")
        for item_id, m in self.job_item_means.items():
            worst = JOB_ITEMS_BY_ID[item_id].worst
            if not 0 <= m <= worst:
                raise ValueError(f"{where}: mean rank of {item_id!r} must be 0–{worst}, got {m}")
        _check_count(self.harassment_reports, f"{where}: harassment_reports")
        if self.harassment_reports > self.n_respondents:
            raise ValueError(f"{where}: harassment_reports > n_respondents")

    @property
    def k6_n(self) -> int:
        return sum(self.k6_histogram.values())

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AggregateRow:
        return cls(**dict(data))


@dataclass(frozen=True)
class FreeTextGroup:
    """The free texts of one team (``None``: company) in one week, and its respondent count."""

    team: str | None
    week: date
    n_respondents: int
    texts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"free text ({self.team!r}, {self.week})"
        if not isinstance(self.week, date) or week_start(self.week) != self.week:
            raise ValueError(f"{where}: week must be the Monday of an ISO week")
        _check_count(self.n_respondents, f"{where}: n_respondents")
        if isinstance(self.texts, str):
            raise ValueError(f"{where}: texts must be a list of strings")  # noqa: TRY004
        if len(self.texts) > self.n_respondents:
            raise ValueError(f"{where}: more texts than respondents")


def _check_count(v: Any, what: str) -> None:
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"{what} must be an integer ≥ 0, got {v!r}")


def _check_min(min_size: int, what: str) -> None:
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 1:
        raise ValueError(f"{what} must be an integer ≥ 1, got {min_size!r}")


# --- output -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendCell:
    """What the trends page may show for one team (``None``: company) and week.

    When ``suppressed`` every value is ``None`` and ``reason`` says why; :attr:`notice` is the
    text to show instead. The K6 histogram can be hidden on its own (``k6_reason``) while the
    rest of the cell is shown.
    """

    team: str | None
    week: date
    suppressed: bool
    reason: str | None = None
    n_respondents: int | None = None
    who5_mean: float | None = None
    share_watch: float | None = None
    share_urgent: float | None = None
    job_item_means: Mapping[str, float] | None = None
    harassment_reports: int | None = None
    k6_histogram: Mapping[str, int] | None = None
    k6_reason: str | None = None

    @property
    def notice(self) -> Text | None:
        return SUPPRESSION_NOTICES[self.reason] if self.reason else None

    @property
    def k6_notice(self) -> Text | None:
        return SUPPRESSION_NOTICES[self.k6_reason] if self.k6_reason else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "team": self.team,
            "week": self.week.isoformat(),
            "suppressed": self.suppressed,
            "reason": self.reason,
            "notice": self.notice.as_dict() if self.notice else None,
            "n_respondents": self.n_respondents,
            "who5_mean": self.who5_mean,
            "share_watch": self.share_watch,
            "share_urgent": self.share_urgent,
            "job_item_means": dict(self.job_item_means) if self.job_item_means else None,
            "harassment_reports": self.harassment_reports,
            "k6_histogram": dict(self.k6_histogram) if self.k6_histogram is not None else None,
            "k6_reason": self.k6_reason,
        }


@dataclass(frozen=True)
class FreeTextCell:
    """Free texts of one group and week, sorted, or suppressed with a reason."""

    team: str | None
    week: date
    suppressed: bool
    reason: str | None = None
    texts: tuple[str, ...] | None = None

    @property
    def notice(self) -> Text | None:
        return SUPPRESSION_NOTICES[self.reason] if self.reason else None


@dataclass(frozen=True)
class ParticipationCell:
    """Respondents / team size for one team (``None``: company) and week."""

    team: str | None
    week: date
    suppressed: bool
    reason: str | None = None
    team_size: int | None = None
    n_respondents: int | None = None
    rate: float | None = None

    @property
    def notice(self) -> Text | None:
        return SUPPRESSION_NOTICES[self.reason] if self.reason else None


# --- the one rule for small groups and differencing ----------------------------------------------


def protect(
    team_ns: Mapping[str, int],
    total_n: int | None,
    min_size: int,
    already_hidden: Mapping[str, str] | None = None,
) -> tuple[dict[str, str], str | None]:
    """Decide which cells of one week to hide.

    team_ns: ``{team: n}`` for the teams of one week (a partition of the company, possibly
        missing people in no team).
    total_n: n of the company-total cell, or ``None`` when no total is shown.
    already_hidden: teams hidden for another reason (kept hidden; they count in the residual).

    Returns ``({team: reason} for hidden teams, reason the total is hidden or None)``.
    Rules 1 and 2 of the module docstring. Raises ValueError when the teams add up to more
    than the total.
    """
    _check_min(min_size, "min group size")
    hidden: dict[str, str] = dict(already_hidden or {})
    for team, n in team_ns.items():
        if team not in hidden and n < min_size:
            hidden[team] = "small_group"
    if total_n is None:
        return hidden, None
    if sum(team_ns.values()) > total_n:
        raise ValueError(f"teams add up to {sum(team_ns.values())}, more than the total {total_n}")
    if total_n < min_size:
        return hidden, "small_group"
    shown = sorted((n, team) for team, n in team_ns.items() if team not in hidden)
    residual = total_n - sum(n for n, _ in shown)
    if 0 < residual < min_size:
        # A shown team has n ≥ min_size, so hiding the smallest one makes the residual ≥ min.
        # (If no team is shown, the residual is the total itself, which is ≥ min here.)
        _, team = shown[0]
        hidden[team] = "complementary"
    return hidden, None


def _by_week(items: Iterable[Any]) -> dict[date, dict[str | None, Any]]:
    weeks: dict[date, dict[str | None, Any]] = {}
    for it in items:
        cells = weeks.setdefault(it.week, {})
        if it.team in cells:
            label = "company total" if it.team is None else f"team {it.team!r}"
            raise ValueError(f"two rows for {label} in week {it.week}")
        cells[it.team] = it
    return weeks


def _is_open(week: date, today: date) -> bool:
    return week >= week_start(today)


def suppress_trends(
    rows: Sequence[AggregateRow],
    *,
    today: date,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> list[TrendCell]:
    """Apply the rules to aggregate rows; one :class:`TrendCell` per row, in input order.

    ``today`` is required: it closes the current week (rule 3). Pass ``min_group_size`` from
    ``Settings.min_group_size``.
    """
    _check_min(min_group_size, "min_group_size")
    rows = [AggregateRow.from_dict(r) if isinstance(r, Mapping) else r for r in rows]
    decided: dict[tuple[date, str | None], tuple[str | None, str | None]] = {}
    for week, cells in _by_week(rows).items():
        total = cells.get(None)
        teams = {t: r for t, r in cells.items() if t is not None}
        if _is_open(week, today):
            for t in cells:
                decided[(week, t)] = ("week_open", None)
            continue
        hidden, total_reason = protect(
            {t: r.n_respondents for t, r in teams.items()},
            None if total is None else total.n_respondents,
            min_group_size,
        )
        # The K6 histogram: same rule on the K6 respondents, cells hidden above stay hidden.
        k6_hidden, k6_total_reason = protect(
            {t: r.k6_n for t, r in teams.items()},
            None if total is None or total_reason else total.k6_n,
            min_group_size,
            already_hidden=hidden,
        )
        for t in teams:
            decided[(week, t)] = (hidden.get(t), k6_hidden.get(t))
        if total is not None:
            decided[(week, None)] = (total_reason, total_reason or k6_total_reason)
    out = []
    for r in rows:
        reason, k6_reason = decided[(r.week, r.team)]
        if reason is not None:
            out.append(TrendCell(team=r.team, week=r.week, suppressed=True, reason=reason))
            continue
        out.append(
            TrendCell(
                team=r.team,
                week=r.week,
                suppressed=False,
                n_respondents=r.n_respondents,
                who5_mean=r.who5_mean,
                share_watch=r.share_watch,
                share_urgent=r.share_urgent,
                job_item_means=dict(r.job_item_means),
                harassment_reports=r.harassment_reports,
                k6_histogram=None
                if k6_reason
                else {b: r.k6_histogram.get(b, 0) for b in K6_BUCKETS},
                k6_reason=k6_reason,
            )
        )
    return out


def suppress_free_text(
    groups: Sequence[FreeTextGroup],
    *,
    today: date,
    min_group_size_free_text: int = DEFAULT_MIN_GROUP_SIZE_FREE_TEXT,
) -> list[FreeTextCell]:
    """Free texts per group and week with the free-text minimum and the differencing rule.

    Shown texts are stripped, empty ones dropped, and sorted (no submission order, no author).
    One :class:`FreeTextCell` per group, in input order.
    """
    _check_min(min_group_size_free_text, "min_group_size_free_text")
    decided: dict[tuple[date, str | None], str | None] = {}
    for week, cells in _by_week(groups).items():
        if _is_open(week, today):
            for t in cells:
                decided[(week, t)] = "week_open"
            continue
        total = cells.get(None)
        hidden, total_reason = protect(
            {t: g.n_respondents for t, g in cells.items() if t is not None},
            None if total is None else total.n_respondents,
            min_group_size_free_text,
        )
        for t in cells:
            decided[(week, t)] = total_reason if t is None else hidden.get(t)
    out = []
    for g in groups:
        reason = decided[(g.week, g.team)]
        if reason is not None:
            out.append(FreeTextCell(team=g.team, week=g.week, suppressed=True, reason=reason))
        else:
            texts = tuple(sorted(t.strip() for t in g.texts if t and t.strip()))
            out.append(FreeTextCell(team=g.team, week=g.week, suppressed=False, texts=texts))
    return out


# --- participation ------------------------------------------------------------------------------


def participation_rate(n_respondents: int, team_size: int) -> float | None:
    """Respondents ÷ team size (0–1); ``None`` for an empty team. ValueError when n > size."""
    _check_count(n_respondents, "n_respondents")
    _check_count(team_size, "team_size")
    if n_respondents > team_size:
        raise ValueError(f"{n_respondents} respondents but the team has {team_size} members")
    if team_size == 0:
        return None
    return n_respondents / team_size


def participation(
    rows: Sequence[AggregateRow],
    team_sizes: Mapping[str, int],
    *,
    min_group_size: int = DEFAULT_MIN_GROUP_SIZE,
) -> list[ParticipationCell]:
    """Participation per team and week, plus the company (``team=None``) per week.

    For every week present in ``rows`` and every team in ``team_sizes`` (a team without a row
    had 0 respondents). The company row counts the teams only: respondents summed over the teams
    ÷ the sum of ``team_sizes`` (a total row's n may include people in no team, who have no
    size to divide by).
    Teams with fewer than ``min_group_size`` *members* are hidden (a rate over 2 people says who
    did not check in), with the differencing rule on team sizes. Open weeks are shown: counts
    are not health data and HR uses them for reminders. Output is sorted by week, then the
    company first, then team name.
    """
    _check_min(min_group_size, "min_group_size")
    for t, size in team_sizes.items():
        _check_count(size, f"team_sizes[{t!r}]")
    out: list[ParticipationCell] = []
    for week, cells in sorted(_by_week(rows).items()):
        unknown = sorted(t for t in cells if t is not None and t not in team_sizes)
        if unknown:
            raise ValueError(f"week {week}: rows for team(s) {unknown} missing from team_sizes")
        ns = {t: (cells[t].n_respondents if t in cells else 0) for t in team_sizes}
        company_size = sum(team_sizes.values())
        company_n = sum(ns.values())
        hidden, total_reason = protect(dict(team_sizes), company_size, min_group_size)
        out.append(_participation_cell(None, week, company_size, company_n, total_reason))
        for t in sorted(team_sizes):
            out.append(_participation_cell(t, week, team_sizes[t], ns[t], hidden.get(t)))
    return out


def _participation_cell(
    team: str | None, week: date, size: int, n: int, reason: str | None
) -> ParticipationCell:
    rate = participation_rate(n, size)  # validates n ≤ size even when hidden
    if reason is not None:
        return ParticipationCell(team=team, week=week, suppressed=True, reason=reason)
    return ParticipationCell(
        team=team, week=week, suppressed=False, team_size=size, n_respondents=n, rate=rate
    )
