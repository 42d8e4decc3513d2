"""core.jobs on SQLite and PostgreSQL: enqueue with dedupe, the atomic claim, leases and
heartbeats, the reaper (requeue, give up, resend lost messages), release and retry."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from core import jobs
from core.db import get_engine
from core.models import Attempt, AttemptStatus, Job, JobKind, JobState, utcnow


def fresh(job_id: int) -> Job:
    with Session(get_engine()) as s:
        job = s.get(Job, job_id)
        s.expunge(job)
        return job


def test_enqueue_writes_a_queued_row_and_dedupes_active_jobs(any_db_env, parked_queue):
    a = jobs.enqueue(JobKind.analyse, target_id=7, dedupe_key="attempt:7")
    b = jobs.enqueue(JobKind.analyse, target_id=7, dedupe_key="attempt:7")
    assert a.id == b.id
    row = fresh(a.id)
    assert row.state == JobState.queued and row.attempts == 0 and row.dispatched_at is not None
    with Session(get_engine()) as s:
        assert jobs.claim(s, a.id, "w1")
    with Session(get_engine()) as s:
        s.exec(select(Job))  # a finished job no longer dedupes: a new one is written
        job = s.get(Job, a.id)
        job.state = JobState.done
        s.add(job)
        s.commit()
    c = jobs.enqueue(JobKind.analyse, target_id=7, dedupe_key="attempt:7")
    assert c.id != a.id
    once = jobs.enqueue(JobKind.voices, dedupe_key="voices:abc", once=True)
    with Session(get_engine()) as s:
        job = s.get(Job, once.id)
        job.state = JobState.done
        s.add(job)
        s.commit()
    assert jobs.enqueue(JobKind.voices, dedupe_key="voices:abc", once=True).id == once.id


def test_claim_is_exclusive_until_the_lease_expires(any_db_env, parked_queue):
    job = jobs.enqueue(JobKind.analyse, target_id=1)
    with Session(get_engine()) as s:
        assert jobs.claim(s, job.id, "w1", lease_seconds=30)
        assert not jobs.claim(s, job.id, "w2", lease_seconds=30)  # a duplicate delivery
        assert jobs.heartbeat(job.id, "w1", lease_seconds=30)
        assert not jobs.heartbeat(job.id, "w2", lease_seconds=30)
        later = utcnow() + timedelta(seconds=31)
        assert jobs.claim(s, job.id, "w2", now=later, lease_seconds=30)  # w1 stopped beating
    row = fresh(job.id)
    assert (row.state, row.worker_id, row.attempts) == (JobState.running, "w2", 2)
    assert not jobs.heartbeat(job.id, "w1")  # w1 learns it lost the job
    ctx = jobs.JobContext(job=row, worker="w1")
    with Session(get_engine()) as s, pytest.raises(jobs.LeaseLost):
        ctx.commit(s)  # ... and cannot mark it done over w2
    ctx2 = jobs.JobContext(job=row, worker="w2")
    with Session(get_engine()) as s:
        ctx2.commit(s)
    assert fresh(job.id).state == JobState.done


def test_racing_claims_have_exactly_one_winner(any_db_env, parked_queue):
    job = jobs.enqueue(JobKind.analyse, target_id=1)
    barrier = threading.Barrier(8)
    wins: list[str] = []

    def race(name: str) -> None:
        with Session(get_engine()) as s:
            barrier.wait()
            if jobs.claim(s, job.id, name):
                wins.append(name)

    threads = [threading.Thread(target=race, args=(f"w{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(wins) == 1
    assert fresh(job.id).worker_id == wins[0]


def test_reaper_requeues_an_expired_lease_then_gives_up_and_fails_the_attempt(
        any_db_env, parked_queue, staff_attempt):
    import services.jobs  # noqa: F401  (the analyse handler marks the attempt on give-up)

    attempt = staff_attempt(status=AttemptStatus.analysing)
    job = jobs.enqueue(JobKind.analyse, target_id=attempt.id, max_attempts=2)
    with Session(get_engine()) as s:
        assert jobs.claim(s, job.id, "dead-1", lease_seconds=10)
    report = jobs.reap(utcnow() + timedelta(seconds=11))
    assert report.requeued == [job.id] and report.failed == []
    row = fresh(job.id)
    assert row.state == JobState.queued and row.worker_id is None and row.attempts == 1
    with Session(get_engine()) as s:
        assert jobs.claim(s, job.id, "dead-2", lease_seconds=10)
    report = jobs.reap(utcnow() + timedelta(seconds=11))
    assert report.failed == [job.id]
    row = fresh(job.id)
    assert row.state == JobState.failed and "2 回" in row.error
    with Session(get_engine()) as s:
        a = s.get(Attempt, attempt.id)
        assert a.status == AttemptStatus.failed and "録音は保存されています" in a.error
        assert not jobs.claim(s, job.id, "late", now=utcnow() + timedelta(hours=1))


def test_reaper_resends_queued_jobs_whose_message_was_lost(any_db_env, parked_queue,
                                                           monkeypatch):
    job = jobs.enqueue(JobKind.analyse, target_id=3)
    assert jobs.reap().resent == []  # just sent: not lost
    later = utcnow() + timedelta(hours=1)
    report = jobs.reap(later)
    assert report.resent == [job.id]


def test_release_puts_held_jobs_back_without_counting_the_try(any_db_env, parked_queue):
    job = jobs.enqueue(JobKind.analyse, target_id=5)
    with Session(get_engine()) as s:
        assert jobs.claim(s, job.id, "stopping")
    assert jobs.release("stopping") == [job.id]
    row = fresh(job.id)
    assert (row.state, row.attempts, row.worker_id) == (JobState.queued, 0, None)


def test_enqueue_survives_an_unreachable_queue(any_db_env, monkeypatch):
    from tests.conftest import _reset_caches

    monkeypatch.setenv("DOJO_QUEUE_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    _reset_caches()
    job = jobs.enqueue(JobKind.analyse, target_id=9)
    assert fresh(job.id).state == JobState.queued  # kept; the reaper sends it later
