"""Background jobs: the durable state in the ``job`` table, the transport in ``core.queue``.

Life of a job::

    enqueue ──► queued ──claim──► running ──► done
                  ▲                  │  ╲
                  │   lease expired  │   ╲──► failed (the work failed, or its worker died
                  └──── (reaper) ────┘          ``max_attempts`` times)

- **enqueue** writes the row (committed) and then sends its id through the queue. A job with
  the same ``dedupe_key`` that is still queued or running is returned instead of a new one.
- **claim** is one ``UPDATE … WHERE state = 'queued' OR (state = 'running' AND lease expired)``:
  only one worker can win it, on SQLite and on PostgreSQL, however often the queue delivers.
- **heartbeat**: while the work runs, a thread of the worker extends ``lease_until``.
- **finish** is again conditional on the worker still holding the job; the handler's writes
  and the ``done`` mark go in one transaction (``JobContext.commit``), so a worker that lost its
  lease (paused, partitioned) cannot overwrite the result of the one that took over.
- **reap** (every worker, every ``job_reap_seconds``): a running job whose lease expired is put
  back to queued and sent again, or marked failed once it has had ``max_attempts`` tries; a
  queued job whose message was lost (Redis restarted) is sent again.

Handlers are registered by kind (``register``); ``services.jobs`` registers the app's.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, update
from sqlmodel import Session, col, select

from core.config import get_settings
from core.db import get_engine
from core.models import Job, JobKind, JobState, utcnow

log = logging.getLogger(__name__)

ACTIVE = (JobState.queued, JobState.running)
Handler = Callable[["JobContext"], None]
HANDLERS: dict[str, Handler] = {}
# Called when a job fails for good (reaper or handler): lets the owner of the target mark it
# (an attempt becomes ``failed`` with the message). kind -> callback(session, job, message).
ON_GIVE_UP: dict[str, Callable[[Session, Job, str], None]] = {}

# Queue priority by kind: a trainee waits for an analysis, nobody waits for a sweep. A job's
# payload may raise its own (a customer line someone is waiting to hear).
PRIORITY = {JobKind.analyse: 100, JobKind.rescore: 50, JobKind.voice: 20, JobKind.voices: 10,
            JobKind.retention: 5}

_WORKER_ID = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


_local = threading.local()


class listening:
    """``with listening(fn):`` — jobs run in this thread (immediate mode) also report their
    stages to ``fn`` (a page's status box), not only to the job row."""

    def __init__(self, fn: Callable[[str], None]):
        self.fn = fn

    def __enter__(self):
        _local.listener = self.fn
        return self

    def __exit__(self, *exc) -> None:
        _local.listener = None


class LeaseLost(RuntimeError):
    """This worker no longer holds the job (its lease expired and another worker took it)."""


def worker_id() -> str:
    """This process's name in ``job.worker_id``: host, pid and a random suffix."""
    return _WORKER_ID


def register(kind: str | JobKind, *, on_give_up: Callable[[Session, Job, str], None] | None = None):
    """Decorator: ``fn(ctx: JobContext)`` does the work of jobs of ``kind``."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[str(kind)] = fn
        if on_give_up is not None:
            ON_GIVE_UP[str(kind)] = on_give_up
        return fn

    return deco


def _ensure_handlers() -> None:
    if not HANDLERS:
        # The app's handlers live with the services that own the data they write.
        import services.jobs  # noqa: F401


def _session() -> Session:
    return Session(get_engine(), expire_on_commit=False)


# --------------------------------------------------------------------------- enqueue


def find_active(session: Session, dedupe_key: str) -> Job | None:
    stmt = (select(Job).where(Job.dedupe_key == dedupe_key, col(Job.state).in_(ACTIVE))
            .order_by(col(Job.id).desc()))
    return session.exec(stmt).first()


def enqueue(kind: str | JobKind, *, target_id: int | None = None,
            payload: dict[str, Any] | None = None, dedupe_key: str | None = None,
            max_attempts: int | None = None, session: Session | None = None,
            once: bool = False) -> Job:
    """Write a job (committed) and send it through the queue; returns the row.

    With ``dedupe_key``, a queued or running job with that key is returned instead (with
    ``once``, any job with that key, finished or not). If the queue cannot be reached the job
    stays queued and the reaper sends it later.
    """
    own = session is None
    s = session or _session()
    try:
        if dedupe_key:
            existing = find_active(s, dedupe_key)
            if existing is None and once:
                existing = s.exec(select(Job).where(Job.dedupe_key == dedupe_key)).first()
            if existing is not None:
                return existing
        job = Job(kind=str(kind), target_id=target_id, payload=payload or {},
                  dedupe_key=dedupe_key,
                  max_attempts=max_attempts or get_settings().job_max_attempts)
        s.add(job)
        s.commit()
        s.refresh(job)
    finally:
        if own:
            s.close()
    dispatch(job.id)
    return job


def _priority(job: Job) -> int:
    try:
        default = PRIORITY.get(JobKind(job.kind), 0) if job.kind in set(JobKind) else 0
        return int((job.payload or {}).get("priority", default))
    except (TypeError, ValueError):
        return 0


def dispatch(job_id: int) -> bool:
    """Send ``job_id`` through the queue and note when; False if the queue is unreachable."""
    from core import queue

    with _session() as s:
        job = s.get(Job, job_id)
        if job is None:
            return False
        priority = _priority(job)
        job.dispatched_at = utcnow()
        s.add(job)
        s.commit()
    try:
        queue.send(job_id, priority)
    except Exception as exc:  # noqa: BLE001 - the row is safe; the reaper sends it again
        log.warning("could not send job %s to the queue: %r", job_id, exc)
        return False
    return True


# --------------------------------------------------------------------------- claim, heartbeat


def claim(session: Session, job_id: int, worker: str, *, now: datetime | None = None,
          lease_seconds: float | None = None) -> bool:
    """Take ``job_id`` for ``worker`` if nobody holds it; one atomic UPDATE (commits)."""
    now = now or utcnow()
    lease = timedelta(seconds=lease_seconds or get_settings().job_lease_seconds)
    stmt = (
        update(Job)
        .where(
            Job.id == job_id,
            Job.attempts < Job.max_attempts,
            or_(Job.state == JobState.queued,
                and_(Job.state == JobState.running, Job.lease_until < now)),
        )
        .values(state=JobState.running, worker_id=worker, attempts=Job.attempts + 1,
                lease_until=now + lease, heartbeat_at=now, started_at=now, stage=None,
                error=None)
    )
    won = session.exec(stmt).rowcount == 1  # type: ignore[attr-defined]
    session.commit()
    return won


def heartbeat(job_id: int, worker: str, *, lease_seconds: float | None = None) -> bool:
    """Extend the lease; False when this worker no longer holds the job."""
    now = utcnow()
    lease = timedelta(seconds=lease_seconds or get_settings().job_lease_seconds)
    with _session() as s:
        n = s.exec(update(Job).where(Job.id == job_id, Job.worker_id == worker,
                                     Job.state == JobState.running)
                   .values(lease_until=now + lease, heartbeat_at=now)).rowcount
        s.commit()
    return n == 1


class _Heartbeat(threading.Thread):
    def __init__(self, job_id: int, worker: str, lease_seconds: float):
        super().__init__(name=f"heartbeat-{job_id}", daemon=True)
        self.job_id, self.worker, self.lease = job_id, worker, lease_seconds
        self.stopped = threading.Event()
        self.lost = threading.Event()

    def run(self) -> None:
        interval = max(self.lease / 3.0, 0.2)
        while not self.stopped.wait(interval):
            try:
                if not heartbeat(self.job_id, self.worker, lease_seconds=self.lease):
                    self.lost.set()
                    return
            except Exception as exc:  # noqa: BLE001 - a database blip; try again next beat
                log.warning("heartbeat of job %s failed: %r", self.job_id, exc)


@dataclass
class JobContext:
    """What a handler gets: the job (as claimed), its worker, stage reporting and a commit that
    also marks the job done only if this worker still holds it."""

    job: Job
    worker: str
    _beat: _Heartbeat | None = None
    finished: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def lost(self) -> bool:
        return self._beat is not None and self._beat.lost.is_set()

    def stage(self, name: str) -> None:
        """Record the stage the work is at (the page shows it while polling)."""
        listener = getattr(_local, "listener", None)
        if listener is not None:
            listener(name)
        with _session() as s:
            s.exec(update(Job).where(Job.id == self.job.id, Job.worker_id == self.worker,
                                     Job.state == JobState.running).values(stage=name[:40]))
            s.commit()

    def commit(self, session: Session, *, state: JobState = JobState.done,
               error: str | None = None) -> None:
        """Mark the job ``state`` in ``session`` and commit it together with the handler's
        writes; raises ``LeaseLost`` (and rolls back) if another worker holds the job now."""
        n = session.exec(
            update(Job).where(Job.id == self.job.id, Job.worker_id == self.worker,
                              Job.state == JobState.running)
            .values(state=state, error=error, finished_at=utcnow(), lease_until=None)
        ).rowcount
        if n != 1:
            session.rollback()
            raise LeaseLost(f"job {self.job.id} is no longer held by {self.worker}")
        session.commit()
        self.finished = True


def execute(job_id: int, worker: str | None = None) -> bool:
    """Claim and run one job (what the queue's task does). False if it was not ours to run."""
    _ensure_handlers()
    worker = worker or worker_id()
    lease = get_settings().job_lease_seconds
    with _session() as s:
        if not claim(s, job_id, worker, lease_seconds=lease):
            log.info("job %s not claimed (running elsewhere, finished, or out of attempts)",
                     job_id)
            return False
        job = s.get(Job, job_id)
        s.expunge(job)
    log.info("job %s (%s) claimed by %s, try %s of %s", job_id, job.kind, worker, job.attempts,
             job.max_attempts)
    handler = HANDLERS.get(str(job.kind))
    beat = _Heartbeat(job_id, worker, lease)
    ctx = JobContext(job=job, worker=worker, _beat=beat)
    beat.start()
    try:
        if handler is None:
            raise LookupError(f"no handler for job kind {job.kind!r}")
        handler(ctx)
        if not ctx.finished:
            with _session() as s:
                ctx.commit(s)
    except LeaseLost as exc:
        log.warning("%s", exc)
        return False
    except Exception as exc:
        log.exception("job %s (%s) failed", job_id, job.kind)
        message = f"{type(exc).__name__}: {exc}"[:500]
        try:
            with _session() as s:
                give_up = ON_GIVE_UP.get(str(job.kind))
                if give_up is not None:
                    give_up(s, job, message)
                ctx.commit(s, state=JobState.failed, error=message)
        except LeaseLost:
            return False
    finally:
        beat.stopped.set()
    return True


# --------------------------------------------------------------------------- reaper


@dataclass
class ReapReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    resent: list[int] = field(default_factory=list)


def give_up_message(attempts: int) -> str:
    return (f"解析の処理が {attempts} 回とも途中で止まりました（ワーカーの停止・メモリ不足など）。"
            "録音は保存されています。再試行してください。")


def reap(now: datetime | None = None) -> ReapReport:
    """Recover what dead workers and lost messages left behind (safe to run anywhere, often)."""
    now = now or utcnow()
    settings = get_settings()
    report = ReapReport()
    with _session() as s:
        expired = s.exec(select(Job).where(Job.state == JobState.running,
                                           col(Job.lease_until) < now)).all()
        for job in expired:
            guard = (Job.id == job.id, Job.state == JobState.running, Job.lease_until < now)
            if job.attempts >= job.max_attempts:
                message = give_up_message(job.attempts)
                n = s.exec(update(Job).where(*guard).values(
                    state=JobState.failed, error=message, finished_at=now,
                    lease_until=None)).rowcount
                if n == 1:
                    give_up = ON_GIVE_UP.get(str(job.kind))
                    if give_up is not None:
                        give_up(s, job, message)
                    report.failed.append(job.id)
            else:
                n = s.exec(update(Job).where(*guard).values(
                    state=JobState.queued, worker_id=None, lease_until=None,
                    stage=None)).rowcount
                if n == 1:
                    report.requeued.append(job.id)
            s.commit()
        stale = now - timedelta(seconds=settings.job_redispatch_seconds)
        lost = s.exec(select(Job.id).where(
            Job.state == JobState.queued,
            or_(col(Job.dispatched_at).is_(None), col(Job.dispatched_at) < stale),
        )).all()
        report.resent = [i for i in lost if i not in report.requeued]
    for job_id in [*report.requeued, *report.resent]:
        dispatch(job_id)
    if report.requeued or report.failed or report.resent:
        log.info("reaper: requeued %s, failed %s, resent %s", report.requeued, report.failed,
                 report.resent)
    return report


def release(worker: str) -> list[int]:
    """Put the jobs ``worker`` still holds back in the queue (a clean shutdown mid-job); the
    interrupted try is not counted."""
    with _session() as s:
        ids = list(s.exec(select(Job.id).where(Job.worker_id == worker,
                                               Job.state == JobState.running)).all())
        if ids:
            s.exec(update(Job).where(col(Job.id).in_(ids), Job.state == JobState.running,
                                     Job.worker_id == worker)
                   .values(state=JobState.queued, worker_id=None, lease_until=None, stage=None,
                           attempts=Job.attempts - 1))
            s.commit()
    for job_id in ids:
        dispatch(job_id)
    return ids


def retry(job_id: int) -> Job:
    """A failed job again, as a new job with the same kind, target and payload."""
    with _session() as s:
        old = s.get(Job, job_id)
        if old is None:
            raise LookupError(f"job {job_id} not found")
        kind, target, payload, key = old.kind, old.target_id, dict(old.payload or {}), old.dedupe_key
    return enqueue(kind, target_id=target, payload=payload, dedupe_key=key)


def latest_for(session: Session, kind: str | JobKind | tuple, target_id: int) -> Job | None:
    kinds = [str(k) for k in kind] if isinstance(kind, tuple) else [str(kind)]
    stmt = (select(Job).where(col(Job.kind).in_(kinds), Job.target_id == target_id)
            .order_by(col(Job.id).desc()))
    return session.exec(stmt).first()


def counts(session: Session) -> dict[str, int]:
    """Jobs per state (for the admin status line and the benchmark)."""
    out = {str(state): 0 for state in JobState}
    for state in session.exec(select(Job.state)).all():
        out[str(state)] += 1
    return out
