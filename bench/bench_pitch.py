"""Pitch tracking: our pyin settings vs librosa's example settings vs Praat, in one run.

    .venv/bin/python bench/bench_pitch.py [--seconds 120] [--repeat 3]

Prints a Markdown table: time for the clip (best of --repeat, after a warm-up that compiles
numba), speed ratio vs librosa's example settings, and median frame-by-frame difference from
Praat (parselmouth ``to_pitch_ac``, dev-only, GPL) in cents, plus error against a synthetic
voice with a known F0 contour, and false "voiced" frames in silence/noise.
Targets: ours ≥ 7× faster than the example settings, ≤ 10 cents median from Praat.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import librosa
import parselmouth

from analysis import prosody, vad
from analysis.audio import load_audio

SR = 16000
DATA = ROOT / "tests" / "data"
CLIPS = (
    "answer_apology.flac",
    "answer_apology_male.flac",
    "answer_fillers.flac",
    "calibration_neutral.flac",
    "answer_rude.flac",
    "answer_apology_fast.flac",
)


def speech_clip(seconds: float) -> np.ndarray:
    parts, total = [], 0
    clips = [load_audio(DATA / c).samples for c in CLIPS if (DATA / c).exists()]
    i = 0
    while total < seconds * SR:
        parts.append(clips[i % len(clips)])
        total += len(parts[-1])
        i += 1
    return np.concatenate(parts)[: int(seconds * SR)]


def synth(
    seconds: float, f0_hz: float = 140.0, depth_st: float = 3.0
) -> tuple[np.ndarray, callable]:
    t = np.arange(int(seconds * SR)) / SR
    f0 = f0_hz * 2 ** (depth_st * np.sin(2 * np.pi * 0.4 * t) / 12)
    phase = 2 * np.pi * np.cumsum(f0) / SR
    x = sum(np.where(k * f0 < 7000, np.sin(k * phase) / k, 0.0) for k in range(1, 40))
    x = x * np.maximum(0.5 - 0.5 * np.cos(2 * np.pi * 4 * t), 0.2)
    x = (x / np.abs(x).max() * 0.3).astype(np.float32)
    return x, lambda tt: np.interp(tt, t, f0)


def ours(y):
    tr = prosody.remove_outliers(prosody.pitch_track(y, SR))
    return tr.times, tr.f0


def ours_unrefined(y):
    tr = prosody.remove_outliers(prosody.pitch_track(y, SR, refine=False))
    return tr.times, tr.f0


def ours_vad(y):
    tr = prosody.remove_outliers(prosody.pitch_track(y, SR, vad.speech_regions(y, SR)))
    return tr.times, tr.f0


def example(y):
    # librosa's documented example: fmin=C2, fmax=C7, default frame 2048, hop 512
    f0, _, _ = librosa.pyin(y, fmin=librosa.note_to_hz("C2"), fmax=librosa.note_to_hz("C7"), sr=SR)
    return librosa.times_like(f0, sr=SR), f0


def praat(y):
    p = parselmouth.Sound(y.astype(np.float64), SR).to_pitch_ac(
        time_step=0.01, pitch_floor=65.0, pitch_ceiling=600.0
    )
    f = p.selected_array["frequency"]
    return p.xs(), np.where(f > 0, f, np.nan)


PRAAT = "Praat autocorrelation (parselmouth, 10 ms, 65–600 Hz)"
METHODS = {
    "ours (pyin 65–600 Hz, frame 512, hop 20 ms, res 0.2 + yin refine)": ours,
    "ours without yin refinement": ours_unrefined,
    "ours on VAD speech regions only (as the pipeline runs it)": ours_vad,
    "librosa example (pyin C2–C7, frame 2048, hop 512)": example,
    PRAAT: praat,
}


def cents_vs(ref, times, f0):
    rt, rf = ref
    voiced_ref = np.isfinite(rf)
    at = np.interp(times, rt, np.nan_to_num(rf, nan=0.0))
    near = np.interp(times, rt, voiced_ref.astype(float)) == 1.0
    both = np.isfinite(f0) & near & (at > 0)
    if not both.any():
        return np.nan, np.nan
    d = 1200 * np.log2(f0[both] / at[both])
    med = 1200 * np.log2(np.nanmedian(f0) / np.nanmedian(rf))
    return float(np.median(np.abs(d))), float(med)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=120.0)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    y = speech_clip(args.seconds)
    clips = [load_audio(DATA / c).samples for c in CLIPS if (DATA / c).exists()]
    xs, truth = synth(30.0)
    rng = np.random.default_rng(0)
    quiet = np.concatenate(
        [
            np.zeros(5 * SR, np.float32),
            (rng.standard_normal(5 * SR) * 10 ** (-45 / 20)).astype(np.float32),
        ]
    )
    for fn in METHODS.values():  # warm-up: numba compiles pyin on first use
        fn(y[: 2 * SR])

    # interleave the repeats so that load changes on a shared machine hit every method alike
    times = {name: np.inf for name in METHODS}
    cpu = {name: np.inf for name in METHODS}
    outputs = {}
    for _ in range(args.repeat):
        for name, fn in METHODS.items():
            t0, c0 = time.perf_counter(), time.process_time()
            outputs[name] = fn(y)
            times[name] = min(times[name], time.perf_counter() - t0)
            cpu[name] = min(cpu[name], time.process_time() - c0)
    ref = outputs[PRAAT]
    rows = []
    for name, fn in METHODS.items():
        tt, ff = outputs[name]
        st, sf = fn(xs)
        ok = np.isfinite(sf)
        synth_err = (
            float(np.median(np.abs(1200 * np.log2(sf[ok] / truth(st[ok]))))) if ok.any() else np.nan
        )
        _, qf = fn(quiet)
        false_voiced = float(np.mean(np.isfinite(qf))) if qf.size else 0.0
        # median F0 per voice (clip), compared with Praat's median F0 of the same clip
        per_clip = []
        for c in clips:
            _, f = fn(c)
            _, pf = praat(c)
            per_clip.append(1200 * np.log2(np.nanmedian(f) / np.nanmedian(pf)))
        rows.append(
            (
                name,
                fn,
                times[name],
                tt,
                ff,
                synth_err,
                false_voiced,
                float(np.max(np.abs(per_clip))),
            )
        )

    example_name = "librosa example (pyin C2–C7, frame 2048, hop 512)"
    ex_time, ex_cpu = times[example_name], cpu[example_name]
    print(
        f"### Pitch tracking on {args.seconds:.0f} s of TTS speech (best of {args.repeat}, "
        f"interleaved, 2 cores; load average at start {os.getloadavg()[0]:.1f})\n"
    )
    print(
        "| method | wall time | CPU time | speed vs example (wall / CPU) "
        "| median abs diff vs Praat, per frame | worst clip median F0 vs Praat "
        "| error vs known F0 (synthetic) | voiced in silence/noise |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for name, fn, t, tt, ff, synth_err, fv, clip_c in rows:
        frame_c = cents_vs(ref, tt, ff)[0] if fn is not praat else 0.0
        print(
            f"| {name} | {t:.2f} s | {cpu[name]:.2f} s | {ex_time / t:.1f}× / "
            f"{ex_cpu / cpu[name]:.1f}× | {frame_c:.1f} cents | {clip_c:.1f} cents | "
            f"{synth_err:.1f} cents | {fv * 100:.0f}% |"
        )
    first = next(iter(METHODS))
    wall_ratio, cpu_ratio = ex_time / times[first], ex_cpu / cpu[first]
    frame_c, _ = cents_vs(ref, rows[0][3], rows[0][4])
    print(
        f"\nTargets: ≥ 7× faster than the example → {wall_ratio:.1f}× wall, {cpu_ratio:.1f}× CPU "
        f"({'met' if min(wall_ratio, cpu_ratio) >= 7 else 'NOT met'}); ≤ 10 cents from Praat → "
        f"{frame_c:.1f} cents ({'met' if frame_c <= 10 else 'NOT met'})."
    )


if __name__ == "__main__":
    main()
