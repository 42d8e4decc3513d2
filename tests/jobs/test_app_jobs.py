"""services.jobs: the analysis as a job (immediate mode: the real pipeline in this process),
the state a page polls, retry, recovery after a restart, voices, retention, shared storage."""

from __future__ import annotations

import sys
import types

import pytest
from sqlmodel import Session, select

from core import jobs, storage
from core.config import get_settings
from core.db import get_engine
from core.models import Attempt, AttemptStatus, Job, JobKind, JobState
from services import jobs as app_jobs


def attempt_row(attempt_id: int) -> Attempt:
    with Session(get_engine()) as s:
        a = s.get(Attempt, attempt_id)
        s.expunge(a)
        return a


@pytest.mark.slow
def test_immediate_mode_runs_the_real_analysis_and_records_stages(practice_env, staff_attempt):
    attempt = staff_attempt(clip="calibration_neutral.flac")
    job = app_jobs.enqueue_analysis(attempt.id)
    with Session(get_engine()) as s:
        row = s.get(Job, job.id)
        assert row.state == JobState.done and row.attempts == 1 and row.finished_at
        assert row.stage == "score"  # the last stage the pipeline reported
        a = s.get(Attempt, attempt.id)
        assert a.status == AttemptStatus.done and a.result
        state = app_jobs.analysis_state(s, a)
    assert not state.pending and state.job_state == JobState.done and state.tries == 1


def test_a_failed_analysis_fails_its_job_and_retry_queues_it_again(app_env, parked_queue,
                                                                   staff_attempt):
    attempt = staff_attempt()
    # the recording is gone: the analysis fails with a message, the attempt keeps its row
    storage.recording_path(attempt.audio_path).unlink()
    import os

    from tests.conftest import _reset_caches
    os.environ["DOJO_QUEUE_URL"] = "immediate"
    _reset_caches()
    try:
        job = app_jobs.enqueue_analysis(attempt.id)
    finally:
        os.environ.pop("DOJO_QUEUE_URL")
    with Session(get_engine()) as s:
        assert s.get(Job, job.id).state == JobState.failed
        a = s.get(Attempt, attempt.id)
        assert a.status == AttemptStatus.failed and a.error
        state = app_jobs.analysis_state(s, a)
        assert state.error and not state.pending
    _reset_caches()
    with Session(get_engine(), expire_on_commit=False) as s:
        again = app_jobs.retry_analysis(s, s.get(Attempt, attempt.id))
    assert again.id != job.id and again.state == JobState.queued
    assert attempt_row(attempt.id).status == AttemptStatus.stored


def test_queued_state_says_how_many_analyses_are_ahead(app_env, parked_queue, staff_attempt):
    first, second = staff_attempt(), staff_attempt()
    app_jobs.enqueue_analysis(first.id)
    app_jobs.enqueue_analysis(second.id)
    with Session(get_engine()) as s:
        state = app_jobs.analysis_state(s, s.get(Attempt, second.id))
    assert state.pending and state.queued and state.ahead == 1


def test_recover_attempts_queues_every_stored_or_analysing_attempt_without_a_job(
        any_db_env, parked_queue, staff_attempt):
    stored = staff_attempt(status=AttemptStatus.stored)
    stuck = staff_attempt(status=AttemptStatus.analysing)
    done = staff_attempt(status=AttemptStatus.done)
    has_job = staff_attempt(status=AttemptStatus.stored)
    app_jobs.enqueue_analysis(has_job.id)
    assert app_jobs.recover_attempts(older_than=3600) == []  # just stored: its page queues it
    assert sorted(app_jobs.recover_attempts()) == sorted([stored.id, stuck.id])
    assert app_jobs.recover_attempts() == []  # now every pending attempt has a live job
    with Session(get_engine()) as s:
        targets = s.exec(select(Job.target_id)).all()
    assert done.id not in targets


def test_voices_job_queues_each_missing_line_once_per_catalogue_version(app_env, parked_queue):
    first = app_jobs.ensure_voices()
    assert app_jobs.ensure_voices().id == first.id  # same scenario files: nothing new
    ctx = jobs.JobContext(job=first, worker="test")
    app_jobs.voices_job(ctx)  # the sweep itself (rendering is the voice jobs' work)
    with Session(get_engine()) as s:
        voice_jobs = s.exec(select(Job).where(Job.kind == JobKind.voice)).all()

    lines = sum(len(sc.turns) for sc in app_jobs._catalogue().scenarios.values())
    assert 0 < len(voice_jobs) <= lines
    assert len({j.dedupe_key for j in voice_jobs}) == len(voice_jobs)
    app_jobs.voices_job(ctx)  # run again: the same lines are already queued
    with Session(get_engine()) as s:
        assert len(s.exec(select(Job).where(Job.kind == JobKind.voice)).all()) == len(voice_jobs)


def test_retention_sweep_runs_as_a_job_when_the_data_rights_module_has_it(app_env,
                                                                           monkeypatch):
    calls = []
    module = types.ModuleType("services.data_rights")
    module.retention_sweep = lambda session, now: calls.append(now)  # stands in until it lands
    if "services.data_rights" not in sys.modules:
        monkeypatch.setitem(sys.modules, "services.data_rights", module)
        import services

        monkeypatch.setattr(services, "data_rights", module, raising=False)
        job = app_jobs.ensure_retention()
        assert job is not None and len(calls) == 1  # immediate mode: ran at once
        assert app_jobs.ensure_retention().id == job.id  # once an hour
    else:  # the real module is there: the sweep runs for real
        job = app_jobs.ensure_retention()
        assert job is not None
    with Session(get_engine()) as s:
        assert s.get(Job, job.id).state == JobState.done


def test_storage_dir_puts_recordings_and_voices_in_the_shared_directory(app_env, monkeypatch,
                                                                        tmp_path):
    from tests.conftest import _reset_caches

    shared = tmp_path / "shared"
    monkeypatch.setenv("DOJO_STORAGE_DIR", str(shared))
    _reset_caches()
    relative, _sha = storage.save_recording(3, b"RIFFdata", suffix=".wav")
    assert (shared / "recordings" / relative).read_bytes() == b"RIFFdata"
    assert storage.recording_path(relative) == (shared / "recordings" / relative).resolve()
    assert get_settings().voice_cache_dir == shared / "voices"
    assert not (app_env / "recordings" / relative).exists()


def test_open_attempts_lists_the_viewers_waiting_and_failed_answers_newest_first(
        app_env, parked_queue, staff_attempt):
    from core.access import viewer_for
    from core.models import User

    waiting = staff_attempt(status=AttemptStatus.stored)
    with Session(get_engine(), expire_on_commit=False) as s:
        owner = s.get(User, waiting.user_id)
        viewer = viewer_for(s, owner)
        for status in (AttemptStatus.failed, AttemptStatus.done, AttemptStatus.analysing):
            a = Attempt(user_id=owner.id, audio_path=waiting.audio_path, status=status,
                        kind=waiting.kind)
            s.add(a)
            s.commit()
        other = staff_attempt(status=AttemptStatus.failed)  # someone else's
        rows = app_jobs.open_attempts(s, viewer)
    assert [r.status for r in rows] == [AttemptStatus.analysing, AttemptStatus.failed,
                                        AttemptStatus.stored]
    assert other.id not in {r.id for r in rows}
