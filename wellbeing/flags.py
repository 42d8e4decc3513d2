"""Rules: one check-in (plus the person's own history) → level and every reason.

Levels are ``"none"``, ``"watch"`` and ``"urgent"`` (the values of ``core.models.FlagLevel``).
Each rule below is independent; every rule that fires adds one :class:`Reason`, and the level is
the most severe reason's severity. So a WHO-5 raw score of 5 gives *both* ``who5_very_low``
(urgent) and ``who5_low`` (watch): the list is complete, not de-duplicated.

Urgent (show support contacts at once; sources in /work/shared/notes/domain.md):

* ``k6_serious`` — K6 ≥ 13: serious psychological distress (Kessler et al. 2003; about 3 % of
  Japanese adults score this high).
* ``who5_very_low`` — WHO-5 raw ≤ 7 (≤ 28 %): the likely-depression screen of the WHO-5
  literature (Topp et al. 2015). Our notes mark this cut-off "unconfirmed in our search"; it is
  kept because missing a person in distress costs more than an extra conversation.
* ``harassment_threat`` — the "threats" kind was ticked this week.
* ``harassment_frequent`` — customer harassment 4+ times this week (the worst level).
  Choice: *both* a threat and 4+ exposures are "severe" — a threat because of its content (the
  2026 カスハラ duty asks employers to respond quickly after incidents), 4+ because repeated
  exposure in one week is itself severe whatever the kinds, and kinds are optional to tick.
* ``one_on_one_requested`` — the person asked for a one-on-one (a request is answered quickly,
  like the Stress Check's 面接指導 request).

Watch:

* ``who5_low`` — WHO-5 raw < 13 (poor wellbeing; screen further — WHO-5 guidance).
* ``who5_item_low`` — any WHO-5 item ≤ 1 (same guidance).
* ``k6_elevated`` — K6 ≥ 10 (the level Japan's national survey reports as mood/anxiety
  disorder).
* ``who5_drop`` — WHO-5 % at least 10 points below the person's own baseline (a 10-point change
  is meaningful — WHO-5 guidance; users ask for own-baseline alerts). Baseline = mean WHO-5 %
  of the previous ``BASELINE_CHECKINS`` (4) check-ins. Choice: the rule needs all 4 — with
  fewer the mean is noisy (each check-in moves it by 25 % of its weight more) and a person's
  first weeks would be judged against a baseline that is not yet theirs.
* Geppo-style worsening of the job items (Geppo alerts, domain notes):
  ``job_item_worst`` — an item at its worst level;
  ``job_item_drop`` — an item ≥ 2 levels worse than at the last check-in *and* now in the two
  worst levels (Geppo's wording; with our 4-level items any 2-level drop lands there anyway);
  ``job_items_several_poor`` — ≥ 2 items in the two worst levels.
  All four ordered job items take part, harassment exposure included (so 4+ exposures also
  gives ``job_item_worst``).
* ``roleplay_load`` — any *other* watch-severity reason fired in a week in which the person
  practised ≥ 2 harassment role-plays. Urgent reasons of the person's own state (K6 ≥ 13,
  WHO-5 ≤ 7) always come with their watch counterparts, so "any watch reason" covers them; a
  one-on-one request or a reported incident alone is not "worsening" and does not trigger it.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from wellbeing.instruments import (
    JOB_ITEMS,
    JOB_ITEMS_BY_ID,
    WHO5,
    WHO5_PCT_FACTOR,
    JobAnswers,
    JobItem,
    validate_k6,
    validate_who5,
)
from wellbeing.texts import REASON_TEXTS, RESULT_ADDENDA, RESULT_TEXTS, TIPS, Text

LevelName = Literal["none", "watch", "urgent"]
LEVELS: tuple[LevelName, ...] = ("none", "watch", "urgent")  # least → most severe

# --- cut-offs, each named once (sources in the module docstring) --------------------------------
K6_URGENT_MIN = 13  # K6 ≥ 13 → urgent
K6_WATCH_MIN = 10  # K6 ≥ 10 → watch
WHO5_URGENT_RAW_MAX = 7  # WHO-5 raw ≤ 7 → urgent
WHO5_WATCH_RAW_BELOW = 13  # WHO-5 raw < 13 → watch
WHO5_ITEM_LOW_MAX = 1  # any WHO-5 item ≤ 1 → watch
BASELINE_CHECKINS = 4  # baseline = mean of the previous 4 check-ins
BASELINE_DROP_PP = 10.0  # drop ≥ 10 percentage points → watch
JOB_DROP_LEVELS = 2  # Geppo: a drop of ≥ 2 levels …
JOB_POOR_LEVELS = 2  # … into the two worst levels; ≥ 2 items there → watch
JOB_POOR_ITEMS_MIN = 2
ROLEPLAY_WEEK_MIN = 2  # ≥ 2 harassment role-plays in the week
HARASSMENT_SEVERE_KIND = "threats"
_EPS = 1e-9  # float tolerance for the baseline rule (percentages are sums of quarters)

URGENT_CODES = (
    "k6_serious",
    "who5_very_low",
    "harassment_threat",
    "harassment_frequent",
    "one_on_one_requested",
)
WATCH_CODES = (
    "who5_low",
    "who5_item_low",
    "k6_elevated",
    "who5_drop",
    "job_item_worst",
    "job_item_drop",
    "job_items_several_poor",
    "roleplay_load",
)
SEVERITY: dict[str, LevelName] = {
    **{c: "urgent" for c in URGENT_CODES},
    **{c: "watch" for c in WATCH_CODES},
}


@dataclass(frozen=True)
class Reason:
    """Why a check-in was flagged. ``item`` names the job item for the per-item job rules."""

    code: str
    severity: LevelName
    ja: str
    en: str
    item: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "ja": self.ja,
            "en": self.en,
        }
        if self.item is not None:
            d["item"] = self.item
        return d


def _reason(code: str, item: str | None = None) -> Reason:
    text = REASON_TEXTS[code]
    if item is not None:
        short = JOB_ITEMS_BY_ID[item].short
        text = Text(text.ja.format(item=short.ja), text.en.format(item=short.en))
    return Reason(code=code, severity=SEVERITY[code], ja=text.ja, en=text.en, item=item)


def _poor_from(item: JobItem) -> int:
    """Index of the first of the item's ``JOB_POOR_LEVELS`` worst levels."""
    return item.worst - (JOB_POOR_LEVELS - 1)


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess`: scores, level, every reason, and whether to show support
    contacts right away."""

    who5_raw: int
    who5_pct: int
    k6_total: int | None
    level: LevelName
    reasons: tuple[Reason, ...]
    who5_baseline_pct: float | None
    show_support_contacts: bool

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        return {
            "who5_raw": self.who5_raw,
            "who5_pct": self.who5_pct,
            "k6_total": self.k6_total,
            "level": self.level,
            "reasons": [r.to_dict() for r in self.reasons],
            "who5_baseline_pct": self.who5_baseline_pct,
            "show_support_contacts": self.show_support_contacts,
        }


# --- the rules ------------------------------------------------------------------------------------


def who5_baseline(history_who5_raw: Sequence[Any]) -> float | None:
    """Baseline WHO-5 % = mean of the last ``BASELINE_CHECKINS`` previous raw scores × 4.

    ``history_who5_raw`` is oldest first. Returns ``None`` when there are fewer than 4 previous
    check-ins (no baseline yet). Raises ValueError for a raw score outside 0–25.
    """
    history = _validate_history(history_who5_raw)
    if len(history) < BASELINE_CHECKINS:
        return None
    last = history[-BASELINE_CHECKINS:]
    return sum(last) * WHO5_PCT_FACTOR / BASELINE_CHECKINS


def who5_dropped(current_pct: float, baseline_pct: float | None) -> bool:
    """True when ``current_pct`` is at least 10 points below ``baseline_pct``."""
    if baseline_pct is None:
        return False
    return baseline_pct - current_pct >= BASELINE_DROP_PP - _EPS


def _validate_history(history: Sequence[Any]) -> tuple[int, ...]:
    if isinstance(history, (str, bytes)) or history is None:
        raise ValueError("history_who5_raw must be a list of raw WHO-5 scores")
    out = []
    for i, v in enumerate(history, start=1):
        try:
            if isinstance(v, bool):
                raise TypeError
            iv = operator.index(v)
        except TypeError:
            raise ValueError(f"history_who5_raw: entry {i} must be an integer, got {v!r}") from None
        if not 0 <= iv <= WHO5.max_total:
            raise ValueError(
                f"history_who5_raw: entry {i} must be between 0 and {WHO5.max_total}, got {iv}"
            )
        out.append(iv)
    return tuple(out)


def job_reasons(job: JobAnswers, previous_job: JobAnswers | None = None) -> list[Reason]:
    """Geppo-style worsening of the ordered job items (see module docstring)."""
    reasons: list[Reason] = []
    now = job.levels()
    before = previous_job.levels() if previous_job is not None else None
    poor_items = 0
    for item in JOB_ITEMS:
        lv = now[item.id]
        if lv >= _poor_from(item):
            poor_items += 1
        if lv == item.worst:
            reasons.append(_reason("job_item_worst", item.id))
    for item in JOB_ITEMS:
        if before is None:
            break
        lv = now[item.id]
        if lv - before[item.id] >= JOB_DROP_LEVELS and lv >= _poor_from(item):
            reasons.append(_reason("job_item_drop", item.id))
    if poor_items >= JOB_POOR_ITEMS_MIN:
        reasons.append(_reason("job_items_several_poor"))
    return reasons


def assess(
    who5: Sequence[Any],
    k6: Sequence[Any] | None = None,
    job: JobAnswers | None = None,
    *,
    history_who5_raw: Sequence[Any] = (),
    previous_job: JobAnswers | None = None,
    harassment_roleplays: int = 0,
) -> Assessment:
    """Score one check-in and list every reason to look at it.

    Parameters
    ----------
    who5: the five WHO-5 answers, each 0–5 (いつも = 5 … まったくない = 0).
    k6: the six K6 answers, each 0–4, or ``None`` when the K6 was not due (see ``k6_due``).
    job: the job items, or ``None`` if that part was skipped.
    history_who5_raw: the person's previous WHO-5 raw scores (0–25), oldest first, *not*
        including this check-in. The last 4 form the baseline.
    previous_job: the job answers of the person's last check-in (for the 2-level drop rule).
    harassment_roleplays: harassment role-plays the person practised this week (≥ 0).

    Raises ValueError for a wrong number of answers, an out-of-range or non-integer answer, or
    a negative role-play count — never a wrong score.
    """
    w = validate_who5(who5)
    k = validate_k6(k6)
    if job is not None and not isinstance(job, JobAnswers):
        raise ValueError("job must be a JobAnswers (use JobAnswers.from_dict for plain data)")
    if previous_job is not None and not isinstance(previous_job, JobAnswers):
        raise ValueError("previous_job must be a JobAnswers")
    if isinstance(harassment_roleplays, bool) or not isinstance(harassment_roleplays, int):
        raise ValueError(f"harassment_roleplays must be an integer, got {harassment_roleplays!r}")  # noqa: TRY004
    if harassment_roleplays < 0:
        raise ValueError(f"harassment_roleplays must be 0 or more, got {harassment_roleplays}")

    raw = sum(w)
    pct = raw * WHO5_PCT_FACTOR
    k6_sum = None if k is None else sum(k)
    baseline = who5_baseline(history_who5_raw)

    reasons: list[Reason] = []
    # urgent
    if k6_sum is not None and k6_sum >= K6_URGENT_MIN:
        reasons.append(_reason("k6_serious"))
    if raw <= WHO5_URGENT_RAW_MAX:
        reasons.append(_reason("who5_very_low"))
    if job is not None:
        if HARASSMENT_SEVERE_KIND in job.harassment_kinds:
            reasons.append(_reason("harassment_threat"))
        if job.harassment == "four_plus":
            reasons.append(_reason("harassment_frequent"))
        if job.one_on_one:
            reasons.append(_reason("one_on_one_requested"))
    # watch
    if raw < WHO5_WATCH_RAW_BELOW:
        reasons.append(_reason("who5_low"))
    if min(w) <= WHO5_ITEM_LOW_MAX:
        reasons.append(_reason("who5_item_low"))
    if k6_sum is not None and k6_sum >= K6_WATCH_MIN:
        reasons.append(_reason("k6_elevated"))
    if who5_dropped(pct, baseline):
        reasons.append(_reason("who5_drop"))
    if job is not None:
        reasons.extend(job_reasons(job, previous_job))
    if harassment_roleplays >= ROLEPLAY_WEEK_MIN and any(r.severity == "watch" for r in reasons):
        reasons.append(_reason("roleplay_load"))

    level = level_of(reasons)
    return Assessment(
        who5_raw=raw,
        who5_pct=pct,
        k6_total=k6_sum,
        level=level,
        reasons=tuple(reasons),
        who5_baseline_pct=baseline,
        show_support_contacts=level == "urgent",
    )


def level_of(reasons: Iterable[Reason]) -> LevelName:
    """The most severe severity among ``reasons`` (``"none"`` when there are none)."""
    worst = 0
    for r in reasons:
        worst = max(worst, LEVELS.index(r.severity))
    return LEVELS[worst]


#: A reason that only repeats a more severe one of the same measure (K6 ≥ 10 next to K6 ≥ 13).
SUBSUMED_BY: dict[str, str] = {"k6_elevated": "k6_serious", "who5_low": "who5_very_low"}


def most_severe_of_each_kind(reasons: Iterable[Any]) -> list[Any]:
    """``reasons`` without those a more severe reason of the same kind already says, in order.

    For what a person chooses to share and what HR reads; the assessment itself stays complete.
    Works on :class:`Reason` objects and on stored reason dicts (``{"code": …}``)."""
    items = list(reasons)

    def code(r: Any) -> str:
        return r["code"] if isinstance(r, dict) else r.code

    present = {code(r) for r in items}
    return [r for r in items if SUBSUMED_BY.get(code(r)) not in present]


# --- what the person sees right after submitting --------------------------------------------------


@dataclass(frozen=True)
class Feedback:
    """Kind words for the person, self-care tips, and whether to show support contacts now.

    Never names the level or a label; ``show_support_contacts`` tells the page to render the
    configured contacts (``Settings.support_contacts``) at once, above the fold.
    """

    message: Text
    tips: tuple[Text, ...]
    show_support_contacts: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "message": self.message.as_dict(),
            "tips": [t.as_dict() for t in self.tips],
            "show_support_contacts": self.show_support_contacts,
        }


MAX_TIPS = 3
STATE_URGENT_CODES = frozenset({"k6_serious", "who5_very_low"})


def feedback(
    assessment: Assessment, job: JobAnswers | None = None, harassment_roleplays: int = 0
) -> Feedback:
    """The text shown to the person after a check-in (see :data:`wellbeing.texts.RESULT_TEXTS`).

    Tips are picked from what was answered (sleep, someone to consult, workload, harassment,
    role-play load, mood), at most ``MAX_TIPS``, falling back to general tips.
    """
    codes = set(assessment.codes)
    # The opening follows the person's own state, not the level: an urgent level that comes
    # only from a request or a reported incident opens with plain thanks, and the addenda
    # below answer the request / the incident.
    if codes & STATE_URGENT_CODES:
        opening = "urgent"
    elif assessment.level != "none" and any(r.severity == "watch" for r in assessment.reasons):
        opening = "watch"
    elif assessment.level == "urgent" or (job is not None and job.harassment != "none"):
        opening = "thanks"  # not 「この調子で」 right after a reported incident
    else:
        opening = "none"
    parts = [RESULT_TEXTS[opening]]
    if "one_on_one_requested" in codes:
        parts.append(RESULT_ADDENDA["one_on_one_requested"])
    if job is not None and job.harassment != "none":
        parts.append(RESULT_ADDENDA["harassment_reported"])
    if "harassment_threat" in codes:
        parts.append(RESULT_ADDENDA["harassment_threat"])
    message = Text(
        "".join(p.ja for p in parts),
        " ".join(p.en for p in parts),
    )

    keys: list[str] = []
    if job is not None:
        if job.harassment != "none":
            keys.append("harassment")
        # a tip for each of these items answered in its two worst levels
        for item_id in ("sleep", "consult", "workload"):
            if job.level(item_id) >= _poor_from(JOB_ITEMS_BY_ID[item_id]):
                keys.append(item_id)
    if "roleplay_load" in codes or harassment_roleplays >= ROLEPLAY_WEEK_MIN:
        keys.append("roleplay_load")
    if codes & {"who5_low", "who5_item_low", "who5_drop"}:
        keys.append("mood")
    keys.extend(("general_break", "general_boundary"))
    seen: list[str] = []
    for key in keys:
        if key not in seen:
            seen.append(key)
    tips = tuple(TIPS[k] for k in seen[:MAX_TIPS])
    return Feedback(
        message=message, tips=tips, show_support_contacts=assessment.show_support_contacts
    )
