"""The personal baseline: a person's usual pitch and pace, from their newest usable calibration
recording (the neutral sentence read aloud). Storing and analysing a calibration recording is
:func:`services.practice.submit_calibration` / :func:`services.practice.analyse_attempt`.

Plain functions taking a session (and the viewer); no streamlit.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from analysis.result import AnalysisResult
from analysis.score import Baseline, make_baseline
from core import access
from core.access import Viewer
from core.models import Attempt, AttemptKind, AttemptStatus, User
from services.analysis_result import read


def baseline_of(result: AnalysisResult | None) -> Baseline | None:
    """The baseline a calibration result gives (None: no speech, or no usable pitch or pace)."""
    if result is None or result.no_speech:
        return None
    try:
        return make_baseline(result.metrics)
    except (ValueError, TypeError):
        return None


def usable_calibration(attempt: Attempt) -> bool:
    """Does this analysed calibration give a baseline (speech with pitch and pace)?"""
    return attempt.status == AttemptStatus.done and baseline_of(read(attempt.result)) is not None


def current_baseline(session: Session, user_id: int) -> Baseline | None:
    """The baseline from the person's newest usable calibration, or None."""
    stmt = (
        select(Attempt)
        .where(Attempt.user_id == user_id, Attempt.kind == AttemptKind.calibration,
               Attempt.status == AttemptStatus.done)
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
    )
    for attempt in session.exec(stmt).all():
        baseline = baseline_of(read(attempt.result))
        if baseline is not None:
            return baseline
    return None


def latest_calibration(session: Session, viewer: Viewer) -> Attempt | None:
    """The viewer's newest calibration recording, whatever became of it."""
    stmt = (
        select(Attempt)
        .join(User, User.id == Attempt.user_id)
        .where(access.attempts_filter(viewer), Attempt.user_id == viewer.id,
               Attempt.kind == AttemptKind.calibration)
        .order_by(Attempt.created_at.desc(), Attempt.id.desc())
    )
    return session.exec(stmt).first()


@dataclass(frozen=True)
class CalibrationState:
    """What the calibration screen shows: the baseline in use and the newest recording."""

    baseline: Baseline | None
    latest: Attempt | None

    @property
    def latest_usable(self) -> bool:
        return self.latest is not None and usable_calibration(self.latest)

    @property
    def retryable(self) -> bool:
        """The newest recording was stored but not (successfully) analysed: offer a retry."""
        return self.latest is not None and self.latest.status in (
            AttemptStatus.failed, AttemptStatus.stored, AttemptStatus.analysing)


def calibration_state(session: Session, viewer: Viewer) -> CalibrationState:
    return CalibrationState(current_baseline(session, viewer.id), latest_calibration(session, viewer))
