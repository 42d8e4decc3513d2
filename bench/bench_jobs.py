"""Background-job benchmark: a burst of submissions analysed by 1, 2 and 4 worker processes.

    .venv/bin/python bench/bench_jobs.py [--burst 20] [--seconds 30] [--workers 1 2 4]
                                         [--renders 5] [--write]

For each worker count: a fresh data directory on the single-machine defaults (SQLite database,
SQLite queue file, ``python -m core.worker`` processes with the default Whisper settings); each
worker is warmed up with one short analysis (model loaded) before the burst; then ``--burst``
answers of ``--seconds`` s (the fixture apology repeated) are stored and queued as fast as the
page would, and the bench waits until every one has its feedback. From the job rows:

- analyses per minute = burst / (last finish − first submit);
- queue wait = start of the (last) try − submit; submit → feedback = finish − submit.

Page render time: the practice page (Streamlit AppTest, in this process = the web process) for
another signed-in user, median of ``--renders`` runs, with no analysis running and again while
the workers are busy with the burst (measured only while at least min(4, workers) analyses are
running; idle = before and after the burst). Target: busy ≤ 1.5 × idle. ``--write`` puts the table into BENCHMARKS.md (section
"Background jobs").
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SECTION = "## Background jobs (analysis queue)"


def long_answer(seconds: float) -> bytes:
    import numpy as np
    import soundfile as sf

    samples, sr = sf.read(ROOT / "tests" / "data" / "answer_apology.flac", dtype="int16")
    reps = int(np.ceil(seconds * sr / len(samples)))
    buf = io.BytesIO()
    sf.write(buf, np.tile(samples, reps)[: int(seconds * sr)], sr, format="WAV",
             subtype="PCM_16")
    return buf.getvalue()


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def configure(data_dir: Path) -> None:
    os.environ.update(
        DOJO_DATA_DIR=str(data_dir), DOJO_DATABASE_URL="", DOJO_QUEUE_URL="",
        DOJO_WORKER_MODE="external", DOJO_DEMO_MODE="false", DOJO_PRERENDER_VOICES="false",
    )
    from core import db, queue
    from core.config import get_settings

    get_settings.cache_clear()
    db._engine_for.cache_clear()
    queue.reset_cache()


def link_models(data_dir: Path) -> None:
    cache = Path(os.environ.get("DOJO_TEST_CACHE") or Path(tempfile.gettempdir()) /
                 "dojo-test-cache") / "models"
    data_dir.mkdir(parents=True, exist_ok=True)
    if cache.is_dir() and not (data_dir / "models").exists():
        (data_dir / "models").symlink_to(cache, target_is_directory=True)


def make_users(n: int):
    from sqlmodel import Session

    from core.access import SYSTEM, viewer_for
    from core.db import get_engine
    from services.users import create_user

    out = []
    with Session(get_engine(), expire_on_commit=False) as s:
        for i in range(n):
            u = create_user(s, username=f"bench{i}", display_name=f"bench{i}", role="staff",
                            password="bench-password-123", team_name="東京", viewer=SYSTEM)
            s.commit()
            out.append((u, viewer_for(s, u)))
    return out


def submit(viewer, data: bytes, filename: str) -> int:
    from sqlmodel import Session

    from core.db import get_engine
    from services import jobs as app_jobs
    from services import practice
    from services.catalogue import catalogue

    scenario = catalogue()["late_delivery"]
    with Session(get_engine(), expire_on_commit=False) as s:
        attempt = practice.submit_answer(s, viewer=viewer, scenario=scenario,
                                         turn_id=scenario.start, run_id=practice.new_run_id(),
                                         data=data, filename=filename)
    return app_jobs.enqueue_analysis(attempt.id).id


def job_rows(ids: list[int]):
    from sqlmodel import Session, col, select

    from core.db import get_engine
    from core.models import Job

    with Session(get_engine()) as s:
        return list(s.exec(select(Job).where(col(Job.id).in_(ids))).all())


def running_count() -> int:
    from sqlmodel import Session, select

    from core.db import get_engine
    from core.models import Job, JobState

    with Session(get_engine()) as s:
        return len(s.exec(select(Job.id).where(Job.state == JobState.running)).all())


def wait_done(ids: list[int], timeout: float, on_tick=None) -> None:
    from core.models import JobState

    deadline = time.monotonic() + timeout
    while True:
        rows = job_rows(ids)
        if all(r.state in (JobState.done, JobState.failed) for r in rows):
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out: {[(r.id, r.state) for r in rows]}")
        if on_tick is not None:
            on_tick()
        time.sleep(0.2)


def render_once(user_id: int) -> float:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["user_id"] = user_id
    at.run()
    t0 = time.perf_counter()
    at.switch_page("app_pages/practice.py").run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        print(f"warning: the practice page raised: {at.exception[0].message}", flush=True)
    return elapsed


def run_config(workers: int, args, answer: bytes) -> dict:
    data_dir = Path(tempfile.mkdtemp(prefix=f"bench-jobs-{workers}w-"))
    link_models(data_dir)
    configure(data_dir)
    from core.db import init_db

    init_db()
    people = make_users(2)
    (_u, trainee), (observer, _v) = people
    env = {k: v for k, v in os.environ.items()}
    procs = []
    logs = []
    for i in range(workers):
        log = open(data_dir / f"worker-{i}.log", "wb")  # noqa: SIM115
        logs.append(log)
        procs.append(subprocess.Popen([sys.executable, "-m", "core.worker"], cwd=ROOT, env=env,
                                      stdout=log, stderr=subprocess.STDOUT))
    try:
        warm_clip = (ROOT / "tests" / "data" / "answer_rude.flac").read_bytes()
        warm = [submit(trainee, warm_clip, "warm.flac") for _ in range(workers)]
        wait_done(warm, 600)
        render_once(observer.id)  # imports and caches of the web process, not timed
        idle = [render_once(observer.id) for _ in range(args.renders)]

        t0 = time.time()
        ids = [submit(trainee, answer, "answer.wav") for _ in range(args.burst)]
        submit_s = time.time() - t0
        busy: list[float] = []
        need = min(4, workers)

        def tick() -> None:
            if len(busy) < args.renders and running_count() >= need:
                busy.append(render_once(observer.id))

        wait_done(ids, 3600, tick)
        rows = job_rows(ids)
        idle += [render_once(observer.id) for _ in range(args.renders)]  # before and after
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
        for log in logs:
            log.close()
    failed = [r.id for r in rows if r.state != "done"]
    first = min(r.created_at for r in rows)
    last = max(r.finished_at for r in rows if r.finished_at)
    waits = [(r.started_at - r.created_at).total_seconds() for r in rows if r.started_at]
    totals = [(r.finished_at - r.created_at).total_seconds() for r in rows if r.finished_at]
    return {
        "workers": workers, "failed": len(failed), "submit_s": submit_s,
        "per_min": len(rows) / (last - first).total_seconds() * 60,
        "wait_p50": pct(waits, 0.5), "wait_p95": pct(waits, 0.95),
        "total_p50": pct(totals, 0.5), "total_p95": pct(totals, 0.95),
        "idle_ms": statistics.median(idle) * 1000,
        "busy_ms": statistics.median(busy) * 1000 if busy else float("nan"),
        "busy_n": len(busy), "load": os.getloadavg()[0],
    }


def table(results: list[dict], args) -> str:
    lines = [
        ("| workers | analyses/min | queue wait p50 / p95 | submit → feedback p50 / p95 | "
         "practice page idle | … while busy | ratio | failed | load (1 min) |"),
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = r["busy_ms"] / r["idle_ms"] if r["idle_ms"] else float("nan")
        lines.append(
            f"| {r['workers']} | {r['per_min']:.2f} | {r['wait_p50']:.1f} s / {r['wait_p95']:.1f} s"
            f" | {r['total_p50']:.1f} s / {r['total_p95']:.1f} s | {r['idle_ms']:.0f} ms | "
            f"{r['busy_ms']:.0f} ms (n={r['busy_n']}) | {ratio:.2f}× | {r['failed']} | "
            f"{r['load']:.1f} |")
    return "\n".join(lines)


def write_section(text: str) -> None:
    path = ROOT / "BENCHMARKS.md"
    doc = path.read_text(encoding="utf-8")
    if SECTION in doc:
        start = doc.index(SECTION)
        nxt = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text.rstrip() + "\n" + (doc[nxt:] if nxt != -1 else "")
    else:
        doc = doc.rstrip() + "\n\n" + text.rstrip() + "\n"
    path.write_text(doc, encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--burst", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--renders", type=int, default=7)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    answer = long_answer(args.seconds)
    results = []
    for n in args.workers:
        print(f"… {n} worker(s)", flush=True)
        results.append(run_config(n, args, answer))
        print(table(results[-1:], args), flush=True)
    out = table(results, args)
    print(out)
    if args.write:
        head = (f"{SECTION}\n\n`bench/bench_jobs.py` (not a test), {platform.machine()}, "
                f"{os.cpu_count()} cores shared with other sessions: a burst of {args.burst} "
                f"answers of {args.seconds:.0f} s stored and queued at once, analysed by "
                "1, 2 and 4 `python -m core.worker` processes on the single-machine defaults "
                "(SQLite database, SQLite queue, default Whisper settings); workers warmed up "
                "first. Page render = the practice page in AppTest for another user, median "
                f"of {args.renders} runs, idle vs while the workers analyse.\n\n")
        write_section(head + out + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
