"""Real worker processes (``python -m core.worker``) on the real PostgreSQL and Redis of this
machine, each "machine" with its own data directory, all sharing one storage directory:

- a worker SIGKILLed mid-analysis: the attempt is finished by another worker after the lease;
- jobs delivered several times to two racing workers: each job runs exactly once;
- a worker on a second machine takes jobs from the same queue.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlmodel import Session

from core import jobs
from core.db import get_engine, migrate
from core.models import Attempt, AttemptStatus, Job, JobState
from tests.conftest import ROOT, _reset_caches

REDIS_URL = os.environ.get("DOJO_TEST_REDIS", "redis://127.0.0.1:6379/0")
DATA = ROOT / "tests" / "data"
LEASE = 3.0

pytestmark = pytest.mark.slow


@pytest.fixture
def cluster(pg_url, tmp_path, monkeypatch, analysis_cache):
    """One PostgreSQL database, one Redis queue (a fresh name), one shared storage directory;
    ``start(name)`` starts a worker "machine" with its own data directory."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"Redis is required for these tests and is not reachable: {e}")
    shared = tmp_path / "shared"
    queue_name = f"dojo-test-{uuid.uuid4().hex[:8]}"
    env = {
        "DOJO_DATABASE_URL": pg_url,
        "DOJO_QUEUE_URL": REDIS_URL,
        "DOJO_QUEUE_NAME": queue_name,
        "DOJO_STORAGE_DIR": str(shared),
        "DOJO_WORKER_MODE": "external",
        "DOJO_JOB_LEASE_SECONDS": str(LEASE),
        "DOJO_JOB_REAP_SECONDS": "0.5",
        "DOJO_WHISPER_THREADS": "1",
        "DOJO_DEMO_MODE": "false",
        "DOJO_PRERENDER_VOICES": "false",  # no TTS beside the analyses under test
    }
    # This test process is the "web machine": same database, queue and storage.
    monkeypatch.setenv("DOJO_DATA_DIR", str(tmp_path / "web"))
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    _reset_caches()
    migrate(pg_url)
    workers: list[Worker] = []

    def start(name: str) -> Worker:
        data = tmp_path / name
        data.mkdir()
        (data / "models").symlink_to(analysis_cache / "models", target_is_directory=True)
        child = {k: v for k, v in os.environ.items() if not k.startswith("DOJO_")}
        child.update(env, DOJO_DATA_DIR=str(data), PYTHONUNBUFFERED="1")
        log = tmp_path / f"{name}.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "core.worker"], cwd=ROOT, env=child,
                                    stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        w = Worker(name, proc, log)
        workers.append(w)
        w.wait_for("worker .* on ")
        return w

    yield start
    for w in workers:
        w.kill()
    redis.Redis.from_url(REDIS_URL).delete(*[k for k in redis.Redis.from_url(REDIS_URL)
                                             .keys(f"*{queue_name}*")] or ["-"])
    _reset_caches()


class Worker:
    def __init__(self, name: str, proc: subprocess.Popen, log: Path):
        self.name, self.proc, self.log = name, proc, log

    @property
    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_for(self, pattern: str, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not re.search(pattern, self.text):
            if self.proc.poll() is not None:
                pytest.fail(f"worker {self.name} exited:\n{self.text[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker {self.name}: no {pattern!r} in {timeout}s:\n{self.text[-3000:]}")
            time.sleep(0.1)

    def kill(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def long_answer(seconds: float = 30.0) -> bytes:
    """A ~30 s answer: the apology clip repeated (so the kill lands inside Whisper)."""
    samples, sr = sf.read(DATA / "answer_apology.flac", dtype="int16")
    reps = int(np.ceil(seconds * sr / len(samples)))
    buf = io.BytesIO()
    sf.write(buf, np.tile(samples, reps)[: int(seconds * sr)], sr, format="WAV",
             subtype="PCM_16")
    return buf.getvalue()


def store_attempts(n: int, data: bytes, filename: str) -> list[int]:
    from core.access import SYSTEM, viewer_for
    from services import practice
    from services.users import create_user

    ids = []
    with Session(get_engine(), expire_on_commit=False) as s:
        user = create_user(s, username=f"u{uuid.uuid4().hex[:6]}", display_name="u",
                           role="staff", password="password123", team_name="東京",
                           viewer=SYSTEM)
        s.commit()
        viewer = viewer_for(s, user)
        for _ in range(n):
            ids.append(practice.submit_calibration(s, viewer=viewer, data=data,
                                                   filename=filename).id)
    return ids


def job_row(job_id: int) -> Job:
    with Session(get_engine()) as s:
        job = s.get(Job, job_id)
        s.expunge(job)
        return job


def wait_until(check, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.2)


def test_a_worker_killed_mid_analysis_is_replaced_and_the_attempt_completes(cluster):
    from services import jobs as app_jobs

    first = cluster("machine-a")
    (attempt_id,) = store_attempts(1, long_answer(), "answer.wav")
    job = app_jobs.enqueue_analysis(attempt_id)
    wait_until(lambda: job_row(job.id).stage == "transcribe", 120, "Whisper to start")
    held = job_row(job.id)
    assert held.state == JobState.running and held.worker_id.split(":")[1] == str(first.proc.pid)
    first.kill()  # SIGKILL: no clean-up, the lease is simply no longer extended
    with Session(get_engine()) as s:
        assert s.get(Attempt, attempt_id).status == AttemptStatus.analysing  # stuck, for now
    second = cluster("machine-b")  # another "machine": own data dir, same DB/queue/storage
    done = wait_until(lambda: job_row(job.id).state in (JobState.done, JobState.failed)
                      and job_row(job.id), 240, "the analysis to finish on machine-b")
    assert done.state == JobState.done, done.error
    assert done.attempts == 2 and done.worker_id.split(":")[1] == str(second.proc.pid)
    with Session(get_engine()) as s:
        attempt = s.get(Attempt, attempt_id)
        assert attempt.status == AttemptStatus.done and attempt.result
    assert f"job {job.id} (analyse) claimed by" in second.text


def test_racing_workers_run_each_job_once_even_when_delivered_three_times(cluster):
    from services import jobs as app_jobs

    a, b = cluster("machine-a"), cluster("machine-b")
    ids = store_attempts(6, (DATA / "answer_rude.flac").read_bytes(), "answer.flac")
    queued = [app_jobs.enqueue_analysis(i) for i in ids]
    for job in queued:  # the transport delivers every job twice more
        jobs.dispatch(job.id)
        jobs.dispatch(job.id)
    wait_until(lambda: all(job_row(j.id).state == JobState.done for j in queued), 240,
               "every job to finish")
    duplicates = 2 * len(queued)
    wait_until(lambda: len(re.findall(r"not claimed", a.text + b.text)) >= duplicates, 60,
               "every duplicate delivery to be refused")
    time.sleep(1.0)
    logs = a.text + b.text
    for job in queued:
        assert len(re.findall(rf"job {job.id} \(analyse\) claimed by", logs)) == 1, logs[-3000:]
        assert job_row(job.id).attempts == 1
    # Every duplicate was refused; under load the reaper may resend a message it thinks was
    # lost, which is one more refused delivery, never a second run (asserted above).
    assert len(re.findall(r"not claimed", logs)) >= duplicates
    with Session(get_engine()) as s:
        assert all(s.get(Attempt, i).status == AttemptStatus.done for i in ids)
    machines = {job_row(j.id).worker_id.split(":")[1] for j in queued}
    assert machines == {str(a.proc.pid), str(b.proc.pid)}  # the second machine took jobs too


def test_a_restart_recovers_attempts_left_stored_or_analysing_without_a_job(cluster):
    with Session(get_engine(), expire_on_commit=False) as s:
        ids = store_attempts(2, (DATA / "answer_rude.flac").read_bytes(), "answer.flac")
        stuck = s.get(Attempt, ids[1])
        stuck.status = AttemptStatus.analysing  # the process analysing it died with everything
        s.add(stuck)
        s.commit()
    cluster("machine-a")  # nothing was queued: the worker finds them at start

    def finished() -> bool:
        with Session(get_engine()) as s:
            return all(s.get(Attempt, i).status == AttemptStatus.done for i in ids)

    wait_until(finished, 180, "both attempts to be analysed after the restart")


def test_the_embedded_worker_stops_when_its_web_process_dies(tmp_path, monkeypatch):
    """The worker the web process starts (DOJO_WORKER_MODE=embedded) exits when that process is
    SIGKILLed, so no orphan keeps analysing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOJO_")}
    env.update(DOJO_DATA_DIR=str(tmp_path / "data"), DOJO_WORKER_MODE="embedded",
               DOJO_PRERENDER_VOICES="false", DOJO_JOB_REAP_SECONDS="0.5")
    script = ("from core.db import init_db; init_db()\n"
              "from core.worker import start_embedded; p = start_embedded()\n"
              "print(p.pid, flush=True)\n"
              "import time; time.sleep(600)")
    parent = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True, start_new_session=True)
    child_pid = int(parent.stdout.readline())
    try:
        os.kill(child_pid, 0)  # the worker runs
        time.sleep(1.0)
        parent.kill()
        parent.wait(timeout=10)

        def gone() -> bool:
            try:
                os.kill(child_pid, 0)
            except ProcessLookupError:
                return True
            # a zombie until its (dead) parent's reaper collects it: look at its state
            stat = Path(f"/proc/{child_pid}/stat")
            return stat.exists() and stat.read_text().split()[2] == "Z"

        wait_until(gone, 30, "the embedded worker to stop after its parent died")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child_pid, signal.SIGKILL)
