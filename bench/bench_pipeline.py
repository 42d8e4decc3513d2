"""Whole analysis time as a fraction of audio length, model warm, and peak RSS.

    .venv/bin/python bench/bench_pipeline.py [--lengths 10 30 120] [--repeat 2]
        [--engine faster-whisper] [--cache-dir data/models]

Each length runs in a fresh process: one warm-up analysis of a short clip (loads Whisper, compiles
numba), then --repeat timed analyses of a clip made by concatenating the TTS clips in tests/data;
the best time counts. Peak RSS is the child's ru_maxrss (model, librosa and all). Prints a
Markdown table with per-stage wall times and the CPU time of the timed run (all threads; less
sensitive than wall time to other work on a shared machine). Targets: 30 s analysed in ≤ 0.25× its length; peak RSS
≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data"
CLIPS = (
    "answer_apology.flac",
    "answer_fillers.flac",
    "calibration_neutral.flac",
    "answer_apology_male.flac",
    "answer_rude.flac",
    "answer_apology_fast.flac",
)
SR = 16000


def clip_bytes(seconds: float) -> bytes:
    import numpy as np
    import soundfile as sf

    from analysis.audio import load_audio

    clips = [load_audio(DATA / c).samples for c in CLIPS if (DATA / c).exists()]
    parts, total, i = [], 0, 0
    while total < seconds * SR:
        parts.append(clips[i % len(clips)])
        total += len(parts[-1])
        i += 1
    x = np.concatenate(parts)[: int(seconds * SR)]
    buf = io.BytesIO()
    sf.write(buf, x, SR, format="WAV", subtype="PCM_16")
    return buf.getvalue()


def child(seconds: float, repeat: int, engine: str, cache_dir: Path) -> dict:
    from analysis.pipeline import analyse

    warm = clip_bytes(5.0)
    analyse(warm, engine=engine, cache_dir=cache_dir)
    audio = clip_bytes(seconds)
    best, timings, cpu_best = float("inf"), {}, float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        r = analyse(audio, engine=engine, cache_dir=cache_dir)
        t, c = time.perf_counter() - t0, time.process_time() - c0
        cpu_best = min(cpu_best, c)
        if t < best:
            best, timings = t, r.timings_s
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "seconds": seconds,
        "time_s": best,
        "timings_s": timings,
        "peak_rss_mb": rss_mb,
        "cpu_s": cpu_best,
        "morae_per_s": r.metrics.morae_per_s_span,
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--lengths", type=float, nargs="+", default=[10, 30, 120])
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--engine", default="faster-whisper")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=Path(os.environ.get("DOJO_DATA_DIR") or ROOT / "data") / "models",
    )
    ap.add_argument("--child", type=float, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()

    if args.child is not None:
        print(json.dumps(child(args.child, args.repeat, args.engine, args.cache_dir)))
        return

    load = os.getloadavg()[0]
    rows = []
    for seconds in args.lengths:
        p = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(seconds),
                "--repeat",
                str(args.repeat),
                "--engine",
                args.engine,
                "--cache-dir",
                str(args.cache_dir),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        rows.append(json.loads(p.stdout.strip().splitlines()[-1]))

    print(
        f"### Whole analysis ({args.engine}, greedy, model warm, best of {args.repeat}, 2 cores; "
        f"load average at start {load:.1f})\n"
    )
    stages = ["load", "vad", "transcribe", "text", "prosody", "score"]
    print(
        "| audio | analysis time | × audio length | CPU time (all threads) | "
        + " | ".join(stages)
        + " | peak RSS |"
    )
    print("|---" * (len(stages) + 5) + "|")
    for r in rows:
        st = " | ".join(f"{r['timings_s'].get(s, 0):.2f} s" for s in stages)
        print(
            f"| {r['seconds']:.0f} s | {r['time_s']:.2f} s | {r['time_s'] / r['seconds']:.3f}× | "
            f"{r['cpu_s']:.2f} s | {st} | "
            f"{r['peak_rss_mb']:.0f} MB |"
        )
    by_len = {r["seconds"]: r for r in rows}
    if 30 in by_len:
        f = by_len[30]["time_s"] / 30
        print(
            f"\nTargets: 30 s in ≤ 0.25× → {f:.3f}× ({'met' if f <= 0.25 else 'NOT met'}); "
            f"peak RSS ≤ 1.5 GB → {max(r['peak_rss_mb'] for r in rows):.0f} MB "
            f"({'met' if max(r['peak_rss_mb'] for r in rows) <= 1536 else 'NOT met'})."
        )


if __name__ == "__main__":
    main()
