"""Team progress for trainers: per person of their teams, the score trend (the trainer's score
where overridden), scenarios completed, pass rate and latest review; the customer-harassment
(カスハラ) training completion record; the table rows a page shows and their CSV export; the
trend chart.

Access is decided by :mod:`core.access`; reviews are read through :mod:`services.review`. No
wellbeing data here, and no streamlit (the trend chart is ``ui.charts.team_trend_chart``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import Session, select

from core import access, audit
from core.access import Viewer
from core.clock import as_utc, format_local, local_day_start
from core.csvsafe import write_csv
from core.errors import NotAllowed
from core.i18n import t
from core.models import Attempt, AttemptStatus, Role, Team, User
from services.analysis_result import read, verdict
from services.catalogue import harassment_scenarios
from services.catalogue import title as catalogue_title
from services.review import effective_score, latest_reviews, user_names, visible_attempts_stmt


@dataclass(frozen=True)
class TrendPoint:
    at: datetime
    score: int  # effective (the trainer's when overridden)
    auto_score: int | None
    scenario_id: str | None
    attempt_id: int
    passed: bool | None = None  # the effective score against the pass mark used at scoring
    pass_mark: float | None = None


@dataclass(frozen=True)
class LatestReview:
    attempt_id: int
    reviewed_at: datetime
    trainer_name: str
    score_override: int | None
    auto_score: int | None


@dataclass
class PersonProgress:
    user_id: int
    display_name: str
    team_name: str
    attempts: int  # analysed practice answers in the period
    trend: list[TrendPoint]  # oldest first
    scenarios_completed: list[str]  # scenario ids with a finished call in the period
    pass_rate: float | None  # share of scored answers that passed (effective score, stored mark)
    mean_score: float | None
    latest_review: LatestReview | None


@dataclass(frozen=True)
class HarassmentCompletion:
    """Who completed which カスハラ training scenario and when (the employer's record)."""

    user_id: int
    display_name: str
    team_name: str
    scenario_id: str
    scenario_title: str
    completed_at: datetime | None  # first finished call; None = not yet
    completions: int


@dataclass
class TeamProgress:
    teams: list[tuple[int, str]]  # the teams shown
    people: list[PersonProgress]
    harassment: list[HarassmentCompletion]
    harassment_scenarios: list[tuple[str, str]]  # (id, title)


def visible_teams(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    """The teams whose progress ``viewer`` may see: (id, name), by name."""
    ids = [tid for tid in viewer.coached_team_ids if access.can_see_team_progress(viewer, tid)]
    if not ids:
        return []
    rows = session.exec(select(Team.id, Team.name).where(Team.id.in_(ids))).all()
    return sorted(rows, key=lambda r: r[1])


def _harassment_scenarios(catalogue: Any) -> list[tuple[str, str]]:
    return [(s.id, s.title) for s in harassment_scenarios(catalogue)]


def _completed(a: Attempt) -> bool:
    """The answer that ended a call: analysed, with no next turn."""
    return a.status == AttemptStatus.done and a.scenario_id is not None and a.next_turn_id is None


def team_progress(
    session: Session,
    viewer: Viewer,
    *,
    team_id: int | None = None,
    user_ids: Sequence[int] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    catalogue: Any = None,
) -> TeamProgress:
    """Per person of the viewer's teams: score trend, scenarios completed, pass rate and latest
    review; and the harassment-training completion of each person for each カスハラ scenario.

    ``catalogue``: the scenario catalogue (default: ``services.catalogue.catalogue()``).
    Refuses (:class:`core.errors.NotAllowed`) a ``team_id`` the viewer may not see.
    """
    teams = visible_teams(session, viewer)
    if team_id is not None:
        if not access.can_see_team_progress(viewer, team_id):
            raise NotAllowed()
        teams = [t_ for t_ in teams if t_[0] == team_id]
    team_names = dict(teams)
    stmt = select(User).where(User.team_id.in_(list(team_names) or [-1]),
                              User.role == Role.staff, User.active.is_(True))
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(list(user_ids) or [-1]))
    people = sorted(session.exec(stmt).all(), key=lambda u: (u.display_name, u.id))
    person_ids = [u.id for u in people]

    astmt = visible_attempts_stmt(viewer).where(Attempt.user_id.in_(person_ids or [-1]))
    if date_from is not None:
        astmt = astmt.where(Attempt.created_at >= local_day_start(date_from))
    if date_to is not None:
        astmt = astmt.where(Attempt.created_at < local_day_start(date_to + timedelta(days=1)))
    attempts = [a for a, _ in session.exec(astmt.order_by(Attempt.created_at, Attempt.id)).all()]
    reviews = latest_reviews(session, [a.id for a in attempts])
    trainer_names = user_names(session, [r.trainer_id for r in reviews.values()])
    by_person: dict[int, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_person[a.user_id].append(a)

    out_people = []
    for u in people:
        mine = by_person.get(u.id, [])
        trend = []
        for a in mine:
            review = reviews.get(a.id)
            score = effective_score(a, review)
            if score is not None:
                v = verdict(a, read(a.result),
                            score_override=review.score_override if review is not None else None)
                trend.append(TrendPoint(as_utc(a.created_at), score, a.score, a.scenario_id, a.id,
                                        v.passed, v.pass_mark))
        latest = None
        reviewed = [(reviews[a.id], a) for a in mine if a.id in reviews]
        if reviewed:
            r, a = max(reviewed, key=lambda ra: (as_utc(ra[0].reviewed_at), ra[0].id))
            latest = LatestReview(a.id, as_utc(r.reviewed_at), trainer_names.get(r.trainer_id, ""),
                                  r.score_override, a.score)
        scores = [p.score for p in trend]
        judged = [p.passed for p in trend if p.passed is not None]
        out_people.append(PersonProgress(
            user_id=u.id, display_name=u.display_name, team_name=team_names.get(u.team_id, ""),
            attempts=sum(a.status == AttemptStatus.done for a in mine),
            trend=trend,
            scenarios_completed=sorted({a.scenario_id for a in mine if _completed(a)}),
            pass_rate=sum(judged) / len(judged) if judged else None,
            mean_score=sum(scores) / len(scores) if scores else None,
            latest_review=latest,
        ))

    h_scenarios = _harassment_scenarios(catalogue)
    harassment = []
    for u in people:
        for sid, title in h_scenarios:
            done = [a for a in by_person.get(u.id, []) if a.scenario_id == sid and _completed(a)]
            harassment.append(HarassmentCompletion(
                user_id=u.id, display_name=u.display_name,
                team_name=team_names.get(u.team_id, ""), scenario_id=sid, scenario_title=title,
                completed_at=min((as_utc(a.created_at) for a in done), default=None),
                completions=len(done),
            ))
    return TeamProgress(teams=teams, people=out_people, harassment=harassment,
                        harassment_scenarios=h_scenarios)


def scenario_title(scenario_id: str, lang: str = "ja") -> str:
    """A scenario's title in ``lang`` (its id only when the scenario no longer exists)."""
    return catalogue_title(scenario_id, lang)


def progress_rows(progress: TeamProgress, lang: str = "ja") -> list[dict[str, Any]]:
    """The team-progress table exactly as the page shows it (column names in ``lang``)."""
    def col(key: str) -> str:
        return t(f"team.col_{key}", lang)

    rows = []
    for p in progress.people:
        last = p.trend[-1].score if p.trend else None
        lr = p.latest_review
        rows.append({
            col("name"): p.display_name,
            col("team"): p.team_name,
            col("attempts"): p.attempts,
            col("mean_score"): round(p.mean_score, 1) if p.mean_score is not None else None,
            col("latest_score"): last,
            col("pass_rate"): round(100 * p.pass_rate) if p.pass_rate is not None else None,
            col("completed"): len(p.scenarios_completed),
            # scenario titles, not ids (issue 13: ids in the CSV)
            col("completed_ids"): "／".join(scenario_title(sid, lang) for sid in p.scenarios_completed),
            col("latest_review"): format_local(lr.reviewed_at) if lr else "",
            col("latest_override"): lr.score_override if lr else None,
        })
    return rows


def harassment_rows(progress: TeamProgress, lang: str = "ja") -> list[dict[str, Any]]:
    """The harassment-training completion table as the page shows it."""
    def col(key: str) -> str:
        return t(f"team.col_{key}", lang)

    return [
        {
            col("name"): h.display_name,
            col("team"): h.team_name,
            col("scenario"): h.scenario_title,
            col("completed_flag"): t("team.yes" if h.completed_at else "team.no", lang),
            col("completed_at"): format_local(h.completed_at),
            col("completions"): h.completions,
        }
        for h in progress.harassment
    ]


def team_progress_csv(rows: Sequence[Mapping[str, Any]]) -> bytes:
    """CSV (UTF-8 with BOM, for Excel) of exactly ``rows``: the rows the page shows. Written by
    :func:`core.csvsafe.write_csv`: a name such as ``=HYPERLINK(…)`` stays text."""
    return write_csv(rows)


def record_export(session: Session, viewer: Viewer, *, what: str, n_rows: int) -> None:
    """Audit a CSV export (the page calls it when the download button is clicked)."""
    if not access.can_export_team_progress(viewer):
        raise NotAllowed()
    audit.record_by(session, viewer, audit.Action.export_csv, what, None, f"rows={n_rows}")
    session.flush()
