"""The worker process: ``python -m core.worker`` (any number, on any machine).

It runs a Huey consumer on the configured queue (``DOJO_QUEUE_URL``) and, beside it, a
maintenance thread that every ``job_reap_seconds`` reaps expired leases and lost messages and
once a minute queues the periodic work (customer voices when the scenario files changed, the
retention sweep once an hour). The maintenance thread is not a queued task on purpose: it must
run while every consumer thread is busy with Whisper, and sub-minute (Huey's periodic tasks
are per minute).

At start it recovers what a restart left behind: expired leases, queued jobs whose message is
gone, and attempts still ``stored`` or ``analysing`` without a live job.

Stopping: SIGINT waits for the running job; SIGTERM stops at once and puts the job it held back
in the queue (the reaper would retry it anyway after the lease; SIGKILL leaves it to the reaper).
``--parent-pid`` (the embedded worker the web process starts) stops when that process is gone.
"""

from __future__ import annotations

import argparse
import atexit
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from core import jobs, queue
from core.config import get_settings

log = logging.getLogger("core.worker")
ROOT = Path(__file__).resolve().parent.parent
PERIODIC_SECONDS = 60.0


def recover() -> None:
    """What a restart left behind: expired leases, lost messages, attempts without a job."""
    from services import jobs as app_jobs

    jobs.reap()
    recovered = app_jobs.recover_attempts()
    if recovered:
        log.info("recovered the analysis of attempts %s", recovered)


def periodic() -> None:
    from services import jobs as app_jobs

    app_jobs.recover_attempts(older_than=PERIODIC_SECONDS)  # stored, but never queued
    app_jobs.ensure_voices()
    app_jobs.ensure_retention()


class Maintenance(threading.Thread):
    def __init__(self, parent_pid: int | None = None):
        super().__init__(name="maintenance", daemon=True)
        self.parent_pid = parent_pid
        self.stopped = threading.Event()

    def run(self) -> None:
        settings = get_settings()
        tick = max(min(settings.job_reap_seconds, 2.0), 0.2)
        next_reap = next_periodic = time.monotonic()
        while not self.stopped.wait(tick):
            if self.parent_pid and not _alive(self.parent_pid):
                log.info("parent %s is gone: stopping", self.parent_pid)
                os.kill(os.getpid(), signal.SIGTERM)
                return
            now = time.monotonic()
            if now < next_reap:
                continue
            next_reap = now + settings.job_reap_seconds
            try:
                jobs.reap()
                if now >= next_periodic:
                    next_periodic = time.monotonic() + PERIODIC_SECONDS
                    periodic()
            except Exception as exc:  # noqa: BLE001 - try again next round
                log.warning("maintenance failed: %r", exc)


def _alive(pid: int) -> bool:
    if os.getppid() != pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def run(concurrency: int | None = None, parent_pid: int | None = None) -> int:
    settings = get_settings()
    if queue.is_immediate():
        log.error("DOJO_QUEUE_URL=immediate runs jobs in the enqueuing process: no worker needed")
        return 2
    import services.jobs  # noqa: F401  (registers the handlers)

    if settings.worker_nice > 0 and hasattr(os, "nice"):
        os.nice(min(settings.worker_nice, 19))  # Whisper yields the CPU to the web process
    worker = jobs.worker_id()
    log.info("worker %s on %s (database %s)", worker, settings.resolved_queue_url.split("@")[-1],
             settings.resolved_database_url.split("@")[-1])
    recover()
    try:
        periodic()
    except Exception as exc:  # noqa: BLE001
        log.warning("periodic work not queued: %r", exc)
    maintenance = Maintenance(parent_pid)
    maintenance.start()
    consumer = queue.get_huey().create_consumer(
        workers=concurrency or settings.worker_concurrency, worker_type="thread",
        periodic=False, check_worker_health=True)
    try:
        consumer.run()
    finally:
        maintenance.stopped.set()
        released = jobs.release(worker)
        if released:
            log.info("released jobs %s back to the queue", released)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Complaint Dojo background worker")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="jobs at once in this process (default DOJO_WORKER_CONCURRENCY)")
    parser.add_argument("--parent-pid", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(levelname)s %(message)s")
    logging.getLogger("huey").setLevel(logging.WARNING)
    code = run(args.concurrency, args.parent_pid)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # worker threads may still be inside Whisper; their jobs were released


# --------------------------------------------------------------------------- embedded worker

_embedded: subprocess.Popen | None = None
_embedded_lock = threading.Lock()


def start_embedded() -> subprocess.Popen | None:
    """The web process's own worker (``DOJO_WORKER_MODE=embedded``), started once per process
    and stopped with it. None in immediate or external mode."""
    global _embedded
    settings = get_settings()
    if settings.worker_mode != "embedded" or queue.is_immediate():
        return None
    with _embedded_lock:
        if _embedded is not None and _embedded.poll() is None:
            return _embedded
        _embedded = subprocess.Popen(
            [sys.executable, "-m", "core.worker", "--parent-pid", str(os.getpid())],
            cwd=os.getcwd(), env=_child_env(),
        )
        atexit.register(_stop_embedded)
        log.info("embedded worker started (pid %s)", _embedded.pid)
        return _embedded


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _stop_embedded() -> None:
    if _embedded is not None and _embedded.poll() is None:
        _embedded.terminate()
        try:
            _embedded.wait(timeout=10)
        except subprocess.TimeoutExpired:
            _embedded.kill()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
