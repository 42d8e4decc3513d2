"""My progress (staff): the viewer's own practice over time, best score per scenario, and the
trainers' feedback on their attempts (new until seen). No streamlit.

"Passed" is asked of :func:`services.analysis_result.verdict` (the verdict of record, with the
pass mark used at scoring time), never recomputed here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from analysis.score import Baseline
from core.access import Viewer
from core.models import AttemptKind, AttemptStatus
from scenarios.loader import Catalogue
from services import catalogue as scenario_catalogue
from services import review
from services.analysis_result import read, verdict
from services.calibration import current_baseline
from services.calls import calls_by_scenario
from services.practice import own_attempts

# The metrics the progress page follows over time: key -> catalogue key of its label.
TREND_METRICS: dict[str, str] = {
    "score": "progress.metric_score",
    "morae_per_s_span": "progress.metric_pace",
    "f0_sd_st": "progress.metric_pitch_spread",
    "filler_ratio": "progress.metric_fillers",
    "long_pause_count": "progress.metric_long_pauses",
}


@dataclass
class ProgressRow:
    """One analysed practice answer."""

    attempt_id: int
    created_at: datetime
    scenario_id: str | None
    title: str
    turn_id: str | None
    score: int | None  # the trainer's score when they gave one, else the automatic one
    passed: bool | None
    pass_mark: float | None  # the mark it was judged against
    metrics: dict[str, Any]  # the TREND_METRICS delivery measures (None when not measured)
    auto_score: int | None = None  # the automatic score (shown beside a trainer's)
    reviewed: bool = False  # a trainer gave the score


@dataclass
class BestRow:
    """One scenario the viewer tried."""

    scenario_id: str | None
    title: str
    attempts: int = 0
    best_score: int | None = None
    passed: bool = False  # a whole call passed (services.calls; bands.toml [call])
    last_at: datetime | None = None
    calls: int = 0  # finished calls
    passed_calls: int = 0


@dataclass
class ProgressData:
    rows: list[ProgressRow]  # oldest first
    best: list[BestRow]
    baseline: Baseline | None
    feedback: list[review.Feedback] = field(default_factory=list)


def progress_for(session: Session, viewer: Viewer, *,
                 catalogue: Catalogue | None = None) -> ProgressData:
    """The viewer's own practice over time: metrics per attempt and best score per scenario."""
    catalogue = catalogue if catalogue is not None else scenario_catalogue.catalogue()

    def title(scenario_id: str | None) -> str:
        s = catalogue.get(scenario_id) if scenario_id else None
        return s.title if s is not None else (scenario_id or "")

    rows: list[ProgressRow] = []
    best: dict[str, BestRow] = {}
    own = own_attempts(session, viewer, kind=AttemptKind.practice)
    reviews = review.latest_reviews(session, [a.id for a in own if a.id is not None])
    for a in own:
        entry = best.setdefault(a.scenario_id or "", BestRow(a.scenario_id, title(a.scenario_id)))
        entry.attempts += 1
        entry.last_at = a.created_at
        if a.status != AttemptStatus.done:
            continue
        result = read(a.result)
        r = reviews.get(a.id)
        override = r.score_override if r is not None else None
        v = verdict(a, result, score_override=override)
        measures = result.metrics.as_mapping() if result is not None else {}
        rows.append(ProgressRow(
            attempt_id=a.id, created_at=a.created_at, scenario_id=a.scenario_id,
            title=entry.title, turn_id=a.turn_id, score=v.score, passed=v.passed,
            pass_mark=v.pass_mark, auto_score=a.score, reviewed=override is not None,
            metrics={k: measures.get(k) for k in TREND_METRICS if k != "score"},
        ))
        if v.score is not None and (entry.best_score is None or v.score > entry.best_score):
            entry.best_score = v.score
    for sid, stats in calls_by_scenario(session, viewer).items():
        if sid in best:  # passed = a whole call passed, not its best answer
            b = best[sid]
            b.calls, b.passed_calls, b.passed = stats.calls, stats.passed, stats.done
    return ProgressData(rows=rows, best=list(best.values()),
                        baseline=current_baseline(session, viewer.id),
                        feedback=feedback_for(session, viewer))


def feedback_for(session: Session, viewer: Viewer) -> list[review.Feedback]:
    """Reviews and comments on the viewer's own attempts, newest first, each with a ``new``
    flag."""
    return list(review.feedback_for_trainee(session, viewer))


def attempt_feedback(session: Session, viewer: Viewer, attempt_id: int) -> list[review.Feedback]:
    """The trainers' review and comments on one of the viewer's own attempts (comments in the
    order of the recording, then by time); [] for anyone else's attempt."""
    items = [f for f in review.feedback_for_trainee(session, viewer) if f.attempt_id == attempt_id]
    return sorted(items, key=lambda f: (f.kind != "review", f.at_seconds is None,
                                        f.at_seconds or 0.0, f.at))


def mark_feedback_seen(session: Session, viewer: Viewer, attempt_id: int) -> int:
    """Mark the reviews and comments on one of the viewer's own attempts as seen (commits);
    returns how many were new. PermissionError for someone else's attempt."""
    return review.mark_feedback_seen(session, viewer, attempt_id)
