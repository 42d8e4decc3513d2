"""Benchmark (not a test): HR wellbeing trends on 1,000 staff × 104 weekly check-ins.

Times what the trends page does on each view — the aggregation in SQL plus the pure suppression
rules (``services.trends.trends_report``) and the render data (table frame + Altair chart
specs, ``services.trends.cell_records`` + ``ui.charts.trend_charts(...).to_dict()``) — on SQLite and on PostgreSQL, and
prints each time as a ratio of the 1 s target (ratio < 1 = within target).

    .venv/bin/python bench/bench_trends.py [--staff 1000] [--weeks 104] [--repeat 5]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432] [--no-pg]

PostgreSQL: a fresh database is created on the server (trust auth, user postgres) and dropped
afterwards. Check-ins are generated with a fixed seed and scored by ``wellbeing.flags.assess``
(so levels and reasons are the real ones), then bulk-inserted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import altair as alt
from sqlalchemy import create_engine, insert, text
from sqlmodel import Session

from core.access import Viewer
from core.config import Settings
from core.db import make_engine, migrate
from core.models import CheckIn, Role, Team, User
from services.checkin import checkin_reasons
from services.trends import (
    cell_records,
    default_chart_teams,
    trends_report,
)
from ui.charts import trend_charts, trends_frame
from wellbeing.flags import assess
from wellbeing.instruments import JOB_ITEMS, JobAnswers, k6_due, week_start

TARGET_S = 1.0
TODAY = date(2026, 11, 25)


def team_sizes(n_staff: int, rng: random.Random) -> list[int]:
    """Mostly teams of 8–30, with some teams of 2–4 (to be suppressed)."""
    sizes: list[int] = []
    while sum(sizes) < n_staff:
        sizes.append(rng.choice([2, 3, 4]) if rng.random() < 0.15 else rng.randint(8, 30))
    sizes[-1] -= sum(sizes) - n_staff
    return [s for s in sizes if s > 0]


def generate(engine, n_staff: int, n_weeks: int, seed: int = 2026) -> int:
    rng = random.Random(seed)
    last = week_start(TODAY) - timedelta(weeks=1)
    weeks = [last - timedelta(weeks=n_weeks - 1 - i) for i in range(n_weeks)]
    with Session(engine) as s:
        sizes = team_sizes(n_staff, rng)
        s.execute(insert(Team), [{"id": i + 1, "name": f"チーム{i + 1:03d}"}
                                 for i in range(len(sizes))])
        users, uid = [], 1
        for team_id, size in enumerate(sizes, start=1):
            for _ in range(size):
                users.append({"id": uid, "username": f"staff{uid:05d}", "display_name": f"S{uid}",
                              "role": Role.staff.value, "team_id": team_id, "active": True,
                              "language": "ja", "password_hash": "", "failed_logins": 0,
                              "created_at": datetime.now(UTC)})
                uid += 1
        users.append({"id": uid, "username": "hr", "display_name": "HR", "role": Role.hr.value,
                      "team_id": None, "active": True, "language": "ja", "password_hash": "",
                      "failed_logins": 0, "created_at": datetime.now(UTC)})
        s.execute(insert(User), users)
        s.commit()
        rows = []
        for u in users[:-1]:
            base = rng.uniform(1.5, 4.5)
            drift = rng.uniform(-0.015, 0.01)
            history: list[int] = []
            last_k6 = None
            prev_job = None
            for i, week in enumerate(weeks):
                if rng.random() < 0.12:  # missed week
                    continue
                mood = base + drift * i
                who5 = [max(0, min(5, round(rng.gauss(mood, 0.8)))) for _ in range(5)]
                k6 = None
                if k6_due(last_k6, week):
                    k6 = [max(0, min(4, round(rng.gauss(4 - mood, 0.8)))) for _ in range(6)]
                    last_k6 = week
                worse = max(0.0, 3.2 - mood)
                job = JobAnswers(**{it.id: it.keys[max(0, min(it.worst, round(rng.gauss(worse, .7))))]
                                    for it in JOB_ITEMS},
                                 one_on_one=rng.random() < 0.01,
                                 free_text="休憩が取りにくい" if rng.random() < 0.05 else "")
                a = assess(who5, k6, job, history_who5_raw=history, previous_job=prev_job)
                history.append(a.who5_raw)
                prev_job = job
                jd = job.to_dict()
                rows.append({
                    "user_id": u["id"], "team_id": u["team_id"], "week_start": week,
                    "who5": who5, "who5_raw": a.who5_raw, "who5_pct": a.who5_pct, "k6": k6,
                    "k6_total": a.k6_total,
                    "job": {k: v for k, v in jd.items() if k not in ("free_text", "one_on_one")},
                    "harassment_count": job.level("harassment"), "wants_one_on_one": job.one_on_one,
                    "free_text": job.free_text or None, "level": a.level,
                    "reasons": checkin_reasons(a),
                    "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC),
                })
        for i in range(0, len(rows), 5000):
            s.execute(insert(CheckIn), rows[i:i + 5000])
        s.commit()
    return len(rows)


def draw(report, teams) -> None:
    """The render data: the table frame and every chart's Vega-Lite spec."""
    records = cell_records(report)
    trends_frame(records)
    # Streamlit serialises through Arrow, without Altair's 5,000-row limit
    with alt.data_transformers.disable_max_rows():
        for chart in trend_charts(records, teams=teams).values():
            chart.to_dict()


def run(engine, label: str, repeat: int) -> dict[str, float]:
    settings = Settings(min_group_size=5, min_group_size_free_text=10)
    with Session(engine) as s:
        hr = s.exec(text("select id from \"user\" where username = 'hr'")).scalar_one()
        viewer = Viewer(id=hr, role=Role.hr, username="hr")
        results = {}
        warm = trends_report(s, viewer, TODAY, weeks=4, settings=settings)
        for chart in trend_charts(cell_records(warm)).values():  # imports and schema loading, once a process
            chart.to_dict()
        s.rollback()
        for weeks in (12, 104):
            agg, render, render_all = [], [], []
            for _ in range(repeat):
                t0 = time.perf_counter()
                report = trends_report(s, viewer, TODAY, weeks=weeks, settings=settings)
                t1 = time.perf_counter()
                draw(report, default_chart_teams(report))  # the page as it opens
                t2 = time.perf_counter()
                draw(report, None)  # HR picks every team
                t3 = time.perf_counter()
                agg.append(t1 - t0)
                render.append(t2 - t1)
                render_all.append(t3 - t2)
                s.rollback()  # drop the audit rows of this view
            a, r, ra = (statistics.median(x) for x in (agg, render, render_all))
            shown = sum(1 for c in report.cells if not c.suppressed)
            print(f"{label:10s} {weeks:3d} weeks ({len(report.cells)} cells, {shown} shown): "
                  f"aggregation+rules {a:.3f} s + render data {r:.3f} s = {a + r:.3f} s "
                  f"→ ratio {(a + r) / TARGET_S:.2f} of 1 s; with all {len(report.teams)} teams "
                  f"drawn {a + ra:.3f} s → ratio {(a + ra) / TARGET_S:.2f}")
            results[f"{weeks}"] = a + r
    return results


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--staff", type=int, default=1000)
    p.add_argument("--weeks", type=int, default=104)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432")
    p.add_argument("--no-pg", action="store_true")
    args = p.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        migrate(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        n = generate(engine, args.staff, args.weeks)
        print(f"SQLite: {n} check-ins of {args.staff} staff × {args.weeks} weeks generated in "
              f"{time.perf_counter() - t0:.1f} s")
        run(engine, "SQLite", args.repeat)
        engine.dispose()

    if args.no_pg:
        return 0
    name = f"bench_trends_{uuid.uuid4().hex[:8]}"
    admin = create_engine(f"{args.pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = f"{args.pg}/{name}"
        migrate(url)
        engine = make_engine(url)
        t0 = time.perf_counter()
        n = generate(engine, args.staff, args.weeks)
        with engine.connect() as c:
            c.execute(text("ANALYZE"))
            c.commit()
        print(f"PostgreSQL: {n} check-ins generated in {time.perf_counter() - t0:.1f} s")
        run(engine, "PostgreSQL", args.repeat)
        engine.dispose()
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
