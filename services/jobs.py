"""The app's background jobs (handlers registered with ``core.jobs``) and what screens ask about
them: the state of my attempt's analysis, a retry, whether a customer line is rendered yet.

Kinds:
- ``analyse`` / ``rescore`` (target: an attempt): ``services.practice._run_analysis`` on a
  worker; the attempt goes ``stored`` → ``analysing`` → ``done`` / ``no_speech`` / ``failed``.
  A worker that dies mid-analysis leaves the attempt ``analysing``; the reaper gives the job to
  another worker, and after ``max_attempts`` marks the attempt ``failed`` with a message.
- ``voice`` (payload: scenario and turn id): renders one customer line into the voice cache.
- ``voices``: finds every customer line not rendered yet and enqueues a ``voice`` job for it;
  keyed by a fingerprint of the scenario files, so it runs at first start and again whenever
  a scenario file changes (``ensure_voices``, called by every worker once a minute).
- ``retention``: ``services.data_rights.retention_sweep(session, now)`` when that module exists.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, col, select

from core import jobs
from core.config import get_settings
from core.db import get_engine
from core.models import Attempt, AttemptStatus, Job, JobKind, JobState, utcnow

log = logging.getLogger(__name__)

ANALYSIS_KINDS = (JobKind.analyse, JobKind.rescore)
PENDING = (AttemptStatus.stored, AttemptStatus.analysing)


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


def _catalogue():
    try:
        from services.catalogue import catalogue
    except ImportError:  # before the catalogue had its own module
        from services.practice import load_scenarios as catalogue
    return catalogue()


def _scenarios_dir() -> Path:
    from scenarios.loader import DEFAULT_DIRECTORY

    try:
        from services.catalogue import SCENARIOS_DIR
    except ImportError:
        from services.practice import SCENARIOS_DIR
    return Path(SCENARIOS_DIR) if SCENARIOS_DIR is not None else DEFAULT_DIRECTORY


def _analyse(session: Session, attempt: Attempt, progress) -> Attempt:
    from services import practice

    run = getattr(practice, "run_analysis", None) or practice._run_analysis
    return run(session, attempt, progress=progress)


# --------------------------------------------------------------------------- handlers


def _attempt_given_up(session: Session, job: Job, message: str) -> None:
    attempt = session.get(Attempt, job.target_id) if job.target_id else None
    if attempt is not None and attempt.status in PENDING:
        attempt.status = AttemptStatus.failed
        attempt.error = message
        attempt.analysed_at = utcnow()
        session.add(attempt)
        session.flush()


@jobs.register(JobKind.analyse, on_give_up=_attempt_given_up)
@jobs.register(JobKind.rescore, on_give_up=_attempt_given_up)
def analyse_job(ctx: jobs.JobContext) -> None:
    with _session() as s:
        attempt = s.get(Attempt, ctx.job.target_id)
        if attempt is None:
            ctx.commit(s, state=JobState.failed, error=f"attempt {ctx.job.target_id} not found")
            return
        attempt.status = AttemptStatus.analysing
        attempt.error = None
        s.add(attempt)
        s.commit()
        _analyse(s, attempt, ctx.stage)
        if attempt.status == AttemptStatus.failed:
            ctx.commit(s, state=JobState.failed, error=attempt.error)
        else:
            ctx.commit(s)


@jobs.register(JobKind.voice)
def voice_job(ctx: jobs.JobContext) -> None:
    from scenarios import voice

    payload = ctx.job.payload or {}
    scenario = _catalogue().get(payload.get("scenario_id") or "")
    if scenario is None:
        raise LookupError(f"scenario {payload.get('scenario_id')!r} not found")
    turn = scenario.turn(payload.get("turn_id"))
    voice.render_turn(scenario, turn, get_settings().voice_cache_dir)


@jobs.register(JobKind.voices)
def voices_job(ctx: jobs.JobContext) -> None:
    from services import practice

    catalogue = _catalogue()
    queued = 0
    for scenario in sorted(catalogue.scenarios.values(), key=lambda s: (s.difficulty, s.id)):
        for turn in scenario.turns:
            if practice.voice_path(scenario, turn, render=False) is None:
                enqueue_voice(scenario, turn)
                queued += 1
    log.info("voices: %d customer lines to render", queued)


@jobs.register(JobKind.retention)
def retention_job(ctx: jobs.JobContext) -> None:
    try:
        from services import data_rights
    except ImportError:
        return
    sweep = getattr(data_rights, "retention_sweep", None)
    if sweep is None:
        return
    with _session() as s:
        sweep(s, now=utcnow())
        ctx.commit(s)


# --------------------------------------------------------------------------- enqueue


def enqueue_analysis(attempt_id: int, *, rescore: bool = False) -> Job:
    """Queue the analysis of a stored attempt (or the one already queued or running for it)."""
    kind = JobKind.rescore if rescore else JobKind.analyse
    return jobs.enqueue(kind, target_id=attempt_id, dedupe_key=f"attempt:{attempt_id}")


def retry_analysis(session: Session, attempt: Attempt) -> Job:
    """A failed (or stuck) attempt analysed again: back to ``stored`` and queued (commits)."""
    if attempt.status not in (AttemptStatus.failed, *PENDING):
        raise ValueError(f"attempt {attempt.id} is {attempt.status}, nothing to retry")
    attempt.status = AttemptStatus.stored
    attempt.error = None
    session.add(attempt)
    session.commit()
    return enqueue_analysis(attempt.id)


def enqueue_voice(scenario, turn, *, urgent: bool = False) -> Job:
    """Render one customer line in the background (``urgent``: someone is waiting for it)."""
    from scenarios import voice

    path = voice.cached_path(turn.customer, voice=scenario.persona.voice,
                             speed=scenario.speed_for(turn),
                             cache_dir=get_settings().voice_cache_dir)
    payload = {"scenario_id": scenario.id, "turn_id": turn.id}
    if urgent:
        payload["priority"] = 90
    return jobs.enqueue(JobKind.voice, payload=payload, dedupe_key=f"voice:{path.name}")


def catalogue_fingerprint() -> str:
    """A hash of the scenario files (names, sizes, times): changes when any file changes."""
    folder = _scenarios_dir()
    digest = hashlib.sha256(get_settings().voice_cache_dir.resolve().as_posix().encode())
    for path in sorted(Path(folder).rglob("*")):
        if path.is_file() and path.suffix in {".yaml", ".yml", ".toml", ".json"}:
            st = path.stat()
            digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def ensure_voices() -> Job | None:
    """Once per version of the scenario files: render every customer line not rendered yet
    (unless ``DOJO_PRERENDER_VOICES=false``)."""
    if not get_settings().prerender_voices:
        return None
    return jobs.enqueue(JobKind.voices, dedupe_key=f"voices:{catalogue_fingerprint()}", once=True)


def ensure_retention(now: datetime | None = None) -> Job | None:
    """Once an hour: the data-rights retention sweep (if that module exists)."""
    try:
        from services import data_rights
    except ImportError:
        return None
    if not hasattr(data_rights, "retention_sweep"):
        return None
    now = now or utcnow()
    return jobs.enqueue(JobKind.retention, dedupe_key=f"retention:{now:%Y-%m-%dT%H}", once=True)


def recover_attempts(older_than: float = 0.0) -> list[int]:
    """Every attempt still ``stored`` or ``analysing`` without a live job gets one (a restart
    of everything, a page that died between storing and queueing, or attempts stored before the
    queue existed). ``older_than``: only attempts stored that many seconds ago or earlier.
    Returns the attempt ids."""
    from datetime import timedelta

    cutoff = utcnow() - timedelta(seconds=older_than)
    with _session() as s:
        pending = s.exec(select(Attempt.id).where(col(Attempt.status).in_(PENDING),
                                                  Attempt.created_at <= cutoff)).all()
        live = set(s.exec(select(Job.target_id).where(
            col(Job.kind).in_([str(k) for k in ANALYSIS_KINDS]),
            col(Job.state).in_([str(x) for x in jobs.ACTIVE]))).all())
    missing = [i for i in pending if i not in live]
    for attempt_id in missing:
        enqueue_analysis(attempt_id)
    return missing


# --------------------------------------------------------------------------- what screens ask


@dataclass(frozen=True)
class AnalysisState:
    """Where an attempt's analysis is, for the page that polls it."""

    attempt_status: AttemptStatus
    job_state: JobState | None
    stage: str | None
    tries: int
    max_tries: int
    error: str | None
    waiting_seconds: float | None  # since it was queued (or since the try began)
    ahead: int | None = None  # analyses queued before this one

    @property
    def pending(self) -> bool:
        return self.attempt_status in PENDING

    @property
    def queued(self) -> bool:
        return self.job_state == JobState.queued

    @property
    def running(self) -> bool:
        return self.job_state == JobState.running

    @property
    def retrying(self) -> bool:
        return self.tries > 1 and self.pending


def analysis_state(session: Session, attempt: Attempt) -> AnalysisState:
    job = jobs.latest_for(session, ANALYSIS_KINDS, attempt.id)
    now = utcnow()
    waiting = None
    ahead = None
    if job is not None:
        since = job.started_at if job.state == JobState.running else job.created_at
        waiting = (now - since).total_seconds() if since else None
        if job.state == JobState.queued:
            ahead = len(session.exec(select(Job.id).where(
                col(Job.kind).in_([str(k) for k in ANALYSIS_KINDS]),
                Job.state == JobState.queued, col(Job.id) < job.id)).all())
    return AnalysisState(
        attempt_status=AttemptStatus(attempt.status),
        job_state=JobState(job.state) if job else None,
        stage=job.stage if job else None,
        tries=job.attempts if job else 0,
        max_tries=job.max_attempts if job else get_settings().job_max_attempts,
        error=attempt.error or (job.error if job else None),
        waiting_seconds=waiting,
        ahead=ahead,
    )


def voice_ready(scenario, turn) -> Path | None:
    """The rendered customer line, or None; when missing, its render is queued (urgent)."""
    from core import queue
    from services import practice

    path = practice.voice_path(scenario, turn, render=False)
    if path is None and not queue.is_immediate():  # immediate (tests): rendered on demand
        try:
            enqueue_voice(scenario, turn, urgent=True)
        except Exception as exc:  # noqa: BLE001 - the text is enough to practise
            log.warning("could not queue the voice of %s/%s: %r", scenario.id, turn.id, exc)
    return path


@dataclass(frozen=True)
class OpenAttempt:
    """An attempt of the viewer's that is not analysed (waiting, analysing or failed)."""

    id: int
    kind: str
    scenario_id: str | None
    status: AttemptStatus
    created_at: datetime
    error: str | None


def open_attempts(session: Session, viewer, *, limit: int = 20) -> list[OpenAttempt]:
    """The viewer's own attempts still waiting, in analysis or failed, newest first (what the
    practice and progress pages list, with a way to open and retry each)."""
    from core.models import AttemptKind
    from services import practice

    rows = [a for kind in (AttemptKind.practice, AttemptKind.calibration)
            for a in practice.own_attempts(session, viewer, kind=kind)
            if a.status in (*PENDING, AttemptStatus.failed)]
    rows.sort(key=lambda a: (a.created_at, a.id), reverse=True)
    return [OpenAttempt(a.id, str(a.kind), a.scenario_id, AttemptStatus(a.status), a.created_at,
                        a.error) for a in rows[:limit]]
