"""HR's wellbeing trends (incidents themselves are in :mod:`services.incidents`).

Trends are aggregated IN SQL (GROUP BY team and ISO week; works on SQLite and PostgreSQL), then
passed through the pure rules of :mod:`wellbeing.trends` (minimum group size, complementary
suppression against subtraction, open weeks hidden). Nothing per person leaves this module:
free text only through ``suppress_free_text`` (groups of ≥ ``min_group_size_free_text``,
sorted, no author), incident counts only beside cells that are shown, CSV of aggregates only.
Functions flush, the caller commits. No streamlit, altair or pandas here: the page draws
:func:`cell_records` with ``ui.charts.trend_charts``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, select

from core import access, audit
from core.access import Viewer
from core.clock import local_today
from core.config import Settings, get_settings
from core.csvsafe import write_csv
from core.errors import NotAllowed
from core.i18n import t
from core.models import (
    CheckIn,
    Consent,
    ConsentKind,
    FlagLevel,
    Incident,
    Role,
    Team,
    TrendRollup,
    User,
    utcnow,
)
from services.checkin import TEXT_SEPARATOR
from wellbeing.instruments import HARASSMENT, JOB_ITEMS, K6, week_start
from wellbeing.trends import (
    K6_BUCKETS,
    AggregateRow,
    FreeTextCell,
    FreeTextGroup,
    ParticipationCell,
    TrendCell,
    k6_bucket,
    participation,
    suppress_free_text,
    suppress_trends,
)

# --- HR trends: aggregation in SQL ---------------------------------------------------------------

# Job items whose mean rank is shown. Harassment exposure has its own column (its rank index).
_JSON_ITEMS = tuple(item for item in JOB_ITEMS if item.id != HARASSMENT.id)


def _rank(item):
    """SQL: the rank (0 = best) of the stored answer key of ``item``, from the package's order."""
    return case({key: i for i, key in enumerate(item.keys)},
                value=CheckIn.job[item.id].as_string(), else_=None)


def _count_if(condition):
    return func.sum(case((condition, 1), else_=0))


# K6 totals per histogram bucket, from the package's own bucket function (no cut-off here)
_K6_TOTALS = {b: [t for t in range(K6.max_total + 1) if k6_bucket(t) == b] for b in K6_BUCKETS}


def aggregate_rows(session: Session, first_week: date, last_week: date,
                   team_names: dict[int, str] | None = None) -> list[AggregateRow]:
    """Raw aggregates per team and week (plus the company total per week, ``team=None``) for
    weeks ``first_week``..``last_week``. NOT for display: pass through :func:`trends_report`."""
    return _aggregate(session, first_week, last_week, team_names, texts_before=None)[0]


def _aggregate(session: Session, first_week: date, last_week: date,
               team_names: dict[int, str] | None, texts_before: date | None,
               ) -> tuple[list[AggregateRow], dict[tuple[str | None, date], list[str]]]:
    """ONE scan of the check-ins of the weeks, grouped by week and team: counts, sums, K6
    buckets, job-item rank sums, and the free texts of weeks before ``texts_before``.

    Consent withdrawal and erasure (``services.data_rights``): check-ins of people who withdrew
    their wellbeing consent (and have not given it again) are not counted; a closed week that was frozen (``TrendRollup``,
    written before any of its check-ins was withdrawn, erased or expired) is counted from its
    frozen sums, so what HR saw for a closed week never changes. Free texts always come from
    the rows (erased or withdrawn texts are gone)."""
    width = len(_SUM_NAMES)
    names = team_names if team_names is not None else _team_names(session)
    frozen = _rollups(session, first_week, last_week)
    frozen_weeks = {week for week, _ in frozen}
    scanned = [(week, team_id, None if week in frozen_weeks else values, row_texts)
               for week, team_id, values, row_texts
               in _scan(session, first_week, last_week, texts_before)]
    scanned += [(week, team_id, values, None) for (week, team_id), values in frozen.items()]

    # sums per (team name | None for the total, week); people in no team count in the total only
    sums: dict[tuple[str | None, date], list[float]] = {}
    texts: dict[tuple[str | None, date], list[str]] = defaultdict(list)
    for week, team_id, values, row_texts in scanned:
        keys = [(None, week)] + ([(names[team_id], week)] if team_id in names else [])
        for key in keys:
            if values is not None:
                acc = sums.setdefault(key, [0] * width)
                for i, v in enumerate(values):
                    acc[i] += v
            if row_texts:
                texts[key].extend(row_texts)
    out = []
    k6_at = 6 + 2 * len(_JSON_ITEMS)
    for (team, week), v in sorted(sums.items(), key=lambda kv: (kv[0][1], kv[0][0] or "")):
        n = int(v[0])
        if not n:
            continue
        means = {HARASSMENT.id: v[5] / n}
        for i, item in enumerate(_JSON_ITEMS):
            total, answered = v[6 + 2 * i], v[7 + 2 * i]
            if answered:
                means[item.id] = total / answered
        hist = {b: int(v[k6_at + i]) for i, b in enumerate(K6_BUCKETS) if v[k6_at + i]}
        out.append(AggregateRow(team=team, week=week, n_respondents=n, who5_mean=v[1] / n,
                                share_watch=v[2] / n, share_urgent=v[3] / n, k6_histogram=hist,
                                job_item_means=means, harassment_reports=int(v[4])))
    return out, texts


# The sums of one (week, team) group, by name (the order of the SQL columns; TrendRollup.sums)
_SUM_NAMES = ("n", "who5_sum", "watch", "urgent", "harassed", "harassment_sum",
              *[f"{item.id}_{part}" for item in _JSON_ITEMS for part in ("rank_sum", "ranked")],
              *[f"k6_{b}" for b in K6_BUCKETS])


def _withdrawn():
    """SQL: the people who withdrew their wellbeing consent and have not given it again (HR
    aggregates count them no longer; a check-in exists only with consent, so everybody else
    counts)."""
    in_force = select(Consent.user_id).where(Consent.kind == ConsentKind.wellbeing,
                                             Consent.withdrawn_at.is_(None))
    return select(Consent.user_id).where(Consent.kind == ConsentKind.wellbeing,
                                         Consent.withdrawn_at.is_not(None),
                                         Consent.user_id.not_in(in_force))


def _scan(session: Session, first_week: date, last_week: date, texts_before: date | None):
    """``(week, team_id, sums in _SUM_NAMES order, free texts or None)`` per group, from the
    check-ins of people who have not withdrawn consent (texts only of weeks before ``texts_before``)."""
    cols = [func.count(), func.sum(CheckIn.who5_pct),
            _count_if(CheckIn.level == FlagLevel.watch), _count_if(CheckIn.level == FlagLevel.urgent),
            _count_if(CheckIn.harassment_count > 0), func.sum(CheckIn.harassment_count)]
    for item in _JSON_ITEMS:
        rank = _rank(item)
        cols += [func.sum(rank), func.count(rank)]
    cols += [_count_if(CheckIn.k6_total.in_(_K6_TOTALS[b])) for b in K6_BUCKETS]
    with_texts = texts_before is not None
    if with_texts:
        text = case((CheckIn.week_start < texts_before, CheckIn.free_text), else_=None)
        cols.append(func.aggregate_strings(text, TEXT_SEPARATOR))
    stmt = (select(CheckIn.week_start, CheckIn.team_id, *cols)
            .where(CheckIn.week_start >= first_week, CheckIn.week_start <= last_week,
                   CheckIn.user_id.not_in(_withdrawn()))
            .group_by(CheckIn.week_start, CheckIn.team_id))
    width = len(_SUM_NAMES)
    for row in session.connection().execute(stmt):
        texts = row[-1].split(TEXT_SEPARATOR) if with_texts and row[-1] else None
        yield _as_date(row[0]), row[1], [v or 0 for v in row[2:2 + width]], texts


def _rollups(session: Session, first_week: date, last_week: date,
             ) -> dict[tuple[date, int | None], list[float]]:
    stmt = select(TrendRollup).where(TrendRollup.week_start >= first_week,
                                     TrendRollup.week_start <= last_week)
    return {(_as_date(r.week_start), r.team_id): [r.sums.get(k, 0) for k in _SUM_NAMES]
            for r in session.exec(stmt).all()}


def freeze_closed_weeks(session: Session, weeks, *, now: datetime | None = None) -> int:
    """Freeze the HR-trend sums of each CLOSED week in ``weeks`` that is not frozen yet (one
    ``TrendRollup`` per team with answers). Called before check-ins of a closed week are
    erased, withdrawn from aggregates or expire, so that week's totals stay as HR saw them.
    Returns the number of weeks frozen. Flushes."""
    now = now or utcnow()
    open_from = week_start(local_today(now))
    todo = sorted({_as_date(w) for w in weeks if _as_date(w) < open_from})
    if not todo:
        return 0
    done = set(session.exec(select(TrendRollup.week_start)
                            .where(TrendRollup.week_start.in_(todo))).all())
    todo = [w for w in todo if w not in {_as_date(d) for d in done}]
    for week in todo:
        for _, team_id, values, _ in _scan(session, week, week, None):
            session.add(TrendRollup(week_start=week, team_id=team_id,
                                    sums=dict(zip(_SUM_NAMES, values, strict=True)),
                                    frozen_at=now))
    session.flush()
    return len(todo)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def _team_names(session: Session) -> dict[int, str]:
    return dict(session.exec(select(Team.id, Team.name)).all())


def team_sizes(session: Session) -> dict[str, int]:
    """Active staff per team (teams with nobody are left out)."""
    stmt = (select(Team.name, func.count(User.id)).join(User, User.team_id == Team.id)
            .where(User.role == Role.staff, User.active.is_(True)).group_by(Team.name))
    return {name: int(n) for name, n in session.exec(stmt).all()}


def incident_counts(session: Session, first_week: date, last_week: date,
                    team_names: dict[int, str] | None = None) -> dict[tuple[str | None, date], int]:
    """Incidents per (team, week of occurrence) and per (None = company, week). Raw counts:
    show only beside trend cells that are shown."""
    names = team_names if team_names is not None else _team_names(session)
    stmt = (select(Incident.team_id, Incident.occurred_on, func.count())
            .where(Incident.occurred_on >= first_week,
                   Incident.occurred_on < last_week + timedelta(days=7))
            .group_by(Incident.team_id, Incident.occurred_on))
    out: dict[tuple[str | None, date], int] = defaultdict(int)
    for team_id, day, n in session.exec(stmt).all():
        week = week_start(_as_date(day))
        out[(None, week)] += n
        if team_id in names:
            out[(names[team_id], week)] += n
    return dict(out)


# --- HR trends: what may be shown ----------------------------------------------------------------


@dataclass(frozen=True)
class TrendsReport:
    """Everything the trends page shows; suppressed cells carry a reason, never values."""

    weeks: tuple[date, ...]
    teams: tuple[str, ...]
    cells: tuple[TrendCell, ...]  # one per team and week with data, plus team=None totals
    participation: tuple[ParticipationCell, ...]
    free_text: tuple[FreeTextCell, ...]
    incidents: dict[tuple[str | None, date], int] = field(default_factory=dict)


def trends_report(session: Session, viewer: Viewer, today: date, *, weeks: int = 12,
                  settings: Settings | None = None, audit_view: bool = True) -> TrendsReport:
    """HR trends for the ``weeks`` ISO weeks up to and including ``today``'s (the open week is
    hidden by the rules). Every view is audited."""
    if not access.can_see_wellbeing_aggregates(viewer):
        raise NotAllowed()
    settings = settings or get_settings()
    last = week_start(today)
    first = last - timedelta(weeks=weeks - 1)
    names = _team_names(session)
    rows, texts = _aggregate(session, first, last, names, texts_before=last)
    cells = suppress_trends(rows, today=today, min_group_size=settings.min_group_size)
    sizes = team_sizes(session)
    part: list[ParticipationCell] = []
    team_rows_by_week: dict[date, list[AggregateRow]] = defaultdict(list)
    for r in rows:
        if r.team is not None:
            team_rows_by_week[r.week].append(r)
    for week, team_rows in sorted(team_rows_by_week.items()):
        # sizes are today's; a past week with more respondents than today's size (people moved
        # or left) counts its respondents as the size, so a rate never exceeds 100 %
        week_sizes = dict(sizes)
        for r in team_rows:
            week_sizes[r.team] = max(week_sizes.get(r.team, 0), r.n_respondents)
        if team_rows:
            part += participation(team_rows, week_sizes, min_group_size=settings.min_group_size)
    groups = [FreeTextGroup(team=r.team, week=r.week, n_respondents=r.n_respondents,
                            texts=tuple(texts.get((r.team, r.week), ()))) for r in rows]
    free = suppress_free_text(groups,
                              today=today,
                              min_group_size_free_text=settings.min_group_size_free_text)
    raw_incidents = incident_counts(session, first, last, names)
    shown = {(c.team, c.week) for c in cells if not c.suppressed}
    incidents = {k: raw_incidents.get(k, 0) for k in shown}
    if audit_view:
        record_trends_view(session, viewer, today, weeks=weeks)
    teams = tuple(sorted({r.team for r in rows if r.team is not None} | set(sizes)))
    return TrendsReport(weeks=tuple(first + timedelta(weeks=i) for i in range(weeks)),
                        teams=teams, cells=tuple(cells), participation=tuple(part),
                        free_text=tuple(free), incidents=incidents)


def record_trends_view(session: Session, viewer: Viewer, today: date, *, weeks: int) -> None:
    """Audit one view of the trends (for a page that caches :func:`trends_report`)."""
    if not access.can_see_wellbeing_aggregates(viewer):
        raise NotAllowed()
    last = week_start(today)
    first = last - timedelta(weeks=weeks - 1)
    audit.record_by(session, viewer, audit.Action.view_trends, "trends", None,
                    f"{first.isoformat()}..{last.isoformat()}")
    session.flush()


# --- HR trends: CSV and charts (aggregates only) ------------------------------------------------


def cell_records(report: TrendsReport, lang: str = "ja") -> list[dict[str, object]]:
    """One plain row per team (or company total, ``team`` = its label) and week, by week;
    suppressed cells have only a ``note``. Columns: week, team, note, n, participation,
    who5_mean, share_watch, share_urgent, harassment_reports, incidents, k6_<bucket>…,
    job_<item>… (shares as fractions)."""
    part = {(p.team, p.week): p for p in report.participation}
    total = t("trends.company_total", lang)
    out = []
    for c in sorted(report.cells, key=lambda c: (c.week, c.team is not None, c.team or "")):
        p = part.get((c.team, c.week))
        rec: dict[str, object] = {
            "week": c.week.isoformat(), "team": c.team or total,
            "note": c.notice.get(lang) if c.suppressed and c.notice else "",
            "n": c.n_respondents, "participation": None if p is None or p.suppressed else p.rate,
            "who5_mean": c.who5_mean, "share_watch": c.share_watch,
            "share_urgent": c.share_urgent, "harassment_reports": c.harassment_reports,
            "incidents": report.incidents.get((c.team, c.week)),
        }
        for b in K6_BUCKETS:
            rec[f"k6_{b}"] = None if c.k6_histogram is None else c.k6_histogram.get(b, 0)
        for item in JOB_ITEMS:
            rec[f"job_{item.id}"] = None if c.job_item_means is None else c.job_item_means.get(item.id)
        out.append(rec)
    return out


_PERCENT_COLUMNS = ("participation", "share_watch", "share_urgent")


def display_rows(report: TrendsReport, lang: str = "ja") -> list[dict[str, object]]:
    """The aggregates as HR reads them, one row per :func:`cell_records` row (same order):
    headers in ``lang``, shares in %, one decimal, and an empty cell (not "None") where a value
    is hidden or does not exist."""
    labels = {
        "week": t("trends.col_week", lang), "team": t("trends.col_team", lang),
        "note": t("trends.col_note", lang), "n": t("trends.col_n", lang),
        "participation": t("trends.participation", lang) + "（%）",
        "who5_mean": t("trends.who5_mean", lang),
        "share_watch": t("trends.share_watch", lang) + "（%）",
        "share_urgent": t("trends.share_urgent", lang) + "（%）",
        "harassment_reports": t("trends.harassment_reports", lang),
        "incidents": t("trends.incidents", lang),
    }
    for b in K6_BUCKETS:
        labels[f"k6_{b}"] = t("trends.col_k6", lang, bucket=b)
    for item in JOB_ITEMS:
        labels[f"job_{item.id}"] = t("trends.col_job", lang, item=item.short.get(lang))
    out = []
    for rec in cell_records(report, lang):
        row: dict[str, object] = {}
        for col, v in rec.items():
            if col not in ("week", "team", "note"):
                scale = 100.0 if col in _PERCENT_COLUMNS else 1.0
                digits = 0 if col in ("n", "harassment_reports", "incidents") or col.startswith(
                    "k6_") else 1
                v = ("" if v is None or (isinstance(v, float) and math.isnan(v))
                     else f"{float(v) * scale:.{digits}f}")
            row[labels[col]] = v
        out.append(row)
    return out


def trends_csv(session: Session, viewer: Viewer, report: TrendsReport, lang: str = "ja") -> bytes:
    """CSV of the aggregates shown (suppressed cells stay empty with their note). Audited."""
    if not access.can_see_wellbeing_aggregates(viewer):
        raise NotAllowed()
    records = cell_records(report, lang)
    columns = list(records[0]) if records else ["week", "team", "note"]
    rows = [{k: round(v, 4) if isinstance(v, float) else v for k, v in rec.items()}
            for rec in records]
    audit.record_by(session, viewer, audit.Action.export_csv, "trends", None, f"{len(records)} rows")
    session.flush()
    return write_csv(rows, columns)  # core.csvsafe: BOM for Excel, no formula cells


DEFAULT_MAX_TEAMS = 8  # more lines than this are unreadable; HR adds teams by hand


def default_chart_teams(report: TrendsReport) -> list[str | None]:
    """What the page draws before HR chooses: the company total, plus every team when there
    are at most ``DEFAULT_MAX_TEAMS`` of them."""
    return [None, *report.teams] if len(report.teams) <= DEFAULT_MAX_TEAMS else [None]

