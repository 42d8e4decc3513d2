"""The transport of background jobs: one Huey instance built from ``DOJO_QUEUE_URL``.

The queue carries only a job id; the job itself (its state, lease and attempts) is a row in the
app database (``core.jobs``). So a message delivered twice, or lost, changes nothing: a
duplicate finds the job already claimed, a lost one is sent again by the reaper.

- empty (default): ``SqliteHuey`` on ``<data_dir>/queue.sqlite3`` — one machine, no extra service.
- ``redis://host:6379/0``: ``PriorityRedisHuey`` — every web and worker machine points at the same Redis.
- ``sqlite:///path``: ``SqliteHuey`` on that file.
- ``immediate``: each job runs at once, in the process that enqueues it (tests, AppTest).
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from huey import Huey, MemoryHuey, PriorityRedisHuey, SqliteHuey

from core.config import get_settings

log = logging.getLogger(__name__)

QUEUE_NAME = "complaint-dojo"
TASK_NAME = "dojo.run_job"

_lock = threading.Lock()
_instances: dict[str, Huey] = {}


def make_huey(url: str, name: str = QUEUE_NAME) -> Huey:
    """A Huey instance for ``url`` with the one task registered (``run_job(job_id)``)."""
    if url == "immediate":
        huey: Huey = MemoryHuey(name, immediate=True, results=False)
    elif url.startswith(("redis://", "rediss://", "unix://")):
        huey = PriorityRedisHuey(name, url=url, results=False)
    elif url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        huey = SqliteHuey(name, filename=str(path), results=False)
    else:
        raise ValueError(f"unsupported DOJO_QUEUE_URL {url!r} (redis://…, sqlite:///…, immediate)")

    @huey.task(name=TASK_NAME)
    def run_job(job_id: int) -> None:
        from core import jobs

        jobs.execute(job_id)

    huey.dojo_run_job = run_job  # type: ignore[attr-defined]
    return huey


def get_huey() -> Huey:
    """The Huey instance of the configured queue URL (one per URL and process)."""
    settings = get_settings()
    url, name = settings.resolved_queue_url, settings.queue_name
    with _lock:
        huey = _instances.get(f"{name}@{url}")
        if huey is None:
            huey = _instances[f"{name}@{url}"] = make_huey(url, name)
        return huey


def is_immediate() -> bool:
    return get_settings().resolved_queue_url == "immediate"


def send(job_id: int, priority: int = 0) -> None:
    """Put ``job_id`` on the queue, higher ``priority`` first (immediate mode: run it now)."""
    get_huey().dojo_run_job(job_id, priority=priority)  # type: ignore[attr-defined]


def pending() -> int:
    """How many messages wait in the queue (for the status line and the benchmark)."""
    try:
        return int(get_huey().pending_count())
    except Exception:  # noqa: BLE001 - a status figure, never a failure
        return -1


def reset_cache() -> None:
    """Forget the instances (tests change ``DOJO_QUEUE_URL``)."""
    with _lock:
        _instances.clear()
