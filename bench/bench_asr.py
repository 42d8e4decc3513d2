"""ASR benchmark: faster-whisper int8 vs openai-whisper fp32 on the same weights and clips.

    .venv/bin/python bench/bench_asr.py [--beams 1 5] [--repeat 3] [--threads 2] [--write]

Each engine runs in its own worker process (so that its peak RSS is its own); both workers of
a beam size are alive at the same time and the parent alternates between them clip by clip,
repetition by repetition, so that both see the same machine load: on a shared machine absolute
times drift, the side-by-side ratio much less. Each worker warms up once, then every clip is
transcribed ``--repeat`` times and the best time is kept.

Clips: the fixture speech (tests/data, known text) cut at the end of the speech, plus one
~30 s clip made by joining three of them. Engines are called through ``analysis.asr.transcribe``
greedy (beam 1) or beam 5, by default with no speech regions (pure engine work, no early
stop); ``--regions`` passes the known speech regions as the VAD would (the product path).
CER is the character error rate against the known text, on the surface text and on kana
readings (pyopenjtalk), punctuation removed. ``--write`` puts the table into BENCHMARKS.md
(section "ASR").
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.cer import cer, kana_plain, plain
from analysis.resolve import ENGINES

DATA = ROOT / "tests" / "data"
CLIPS = ("answer_rude.flac", "answer_apology.flac", "answer_fillers.flac")
JOINED = ("answer_apology.flac", "calibration_neutral.flac", "answer_apology_male.flac")
JOIN_GAP_S = 0.6


# ----------------------------------------------------------------------------- clips


def load_clips() -> dict[str, tuple[np.ndarray, str, list[tuple[float, float]]]]:
    """name -> (16 kHz float32 samples cut at the end of the speech, known text, the known
    speech regions in seconds — what a perfect VAD would report)."""
    from analysis.audio import SAMPLE_RATE, load_audio

    meta = json.loads((DATA / "fixtures.json").read_text(encoding="utf-8"))

    def speech(name: str) -> tuple[np.ndarray, tuple[float, float]]:
        m = meta[name]
        x = load_audio(DATA / name).samples
        end = m["duration"] - m["trail_silence_s"]
        return x[: int((end + 0.05) * SAMPLE_RATE)], (m["lead_silence_s"], end)

    clips = {}
    for name in CLIPS:
        x, region = speech(name)
        clips[name] = (x, meta[name]["text"], [region])
    gap = np.zeros(int(JOIN_GAP_S * SAMPLE_RATE), np.float32)
    parts, regions, offset = [], [], 0.0
    for name in JOINED:
        x, (a, b) = speech(name)
        parts += [x, gap]
        regions.append((offset + a, offset + b))
        offset += (len(x) + len(gap)) / SAMPLE_RATE
    joined = np.concatenate(parts[:-1])
    clips[f"joined_{len(joined) / SAMPLE_RATE:.0f}s"] = (
        joined,
        "".join(meta[n]["text"] for n in JOINED),
        regions,
    )
    return clips


kana = kana_plain


# ----------------------------------------------------------------------------- worker


def worker(engine: str, beam: int, threads: int, cache_dir: Path, regions: bool) -> None:
    """Serve commands on stdin: {"clip": name} -> {"seconds", "text"}; EOF -> stats."""
    t0 = time.perf_counter()
    from analysis.asr import load_model, transcribe
    from analysis.resolve import resolve_model

    clips = load_clips()
    t_import = time.perf_counter() - t0
    t0 = time.perf_counter()
    load_model(engine, str(resolve_model(engine, None, cache_dir)), threads)
    t_load = time.perf_counter() - t0

    def run(name: str) -> tuple[float, str]:
        samples, _, speech = clips[name]
        start = time.perf_counter()
        t = transcribe(
            samples,
            engine=engine,
            cache_dir=cache_dir,
            beam_size=beam,
            threads=threads,
            speech_regions=speech if regions else None,
        )
        return time.perf_counter() - start, t.text

    run(CLIPS[1])  # warm-up
    print(json.dumps({"ready": True, "import_s": t_import, "load_s": t_load}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        seconds, text = run(cmd["clip"])
        print(json.dumps({"seconds": seconds, "text": text}, ensure_ascii=False), flush=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_rss_mb": rss_mb}), flush=True)


class Worker:
    def __init__(self, engine: str, beam: int, threads: int, cache_dir: Path, regions: bool):
        self.engine = engine
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--worker", engine, "--beam", str(beam),
             "--threads", str(threads), "--cache-dir", str(cache_dir)]
            + (["--regions"] if regions else []),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONWARNINGS": "ignore"},
        )  # fmt: skip

    def read(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{self.engine} worker died (exit {self.proc.wait()})")
        return json.loads(line)

    def ask(self, clip: str) -> dict:
        self.proc.stdin.write(json.dumps({"clip": clip}) + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> dict:
        self.proc.stdin.close()
        stats = self.read()
        self.proc.wait()
        return stats


# ----------------------------------------------------------------------------- parent


def bench(beams: list[int], repeat: int, threads: int, cache_dir: Path, regions: bool) -> dict:
    from analysis.convert import ensure_openai_checkpoint

    ensure_openai_checkpoint(cache_dir)  # assemble + convert before timing anything
    clips = load_clips()
    durations = {name: len(c[0]) / 16000 for name, c in clips.items()}
    results: dict = {"beams": {}, "durations": durations, "repeat": repeat, "regions": regions}
    for beam in beams:
        workers = {e: Worker(e, beam, threads, cache_dir, regions) for e in ENGINES}
        info = {e: w.read() for e, w in workers.items()}
        best: dict = {e: {} for e in ENGINES}
        texts: dict = {e: {} for e in ENGINES}
        for name in clips:
            for r in range(repeat):
                order = ENGINES if r % 2 == 0 else ENGINES[::-1]
                for e in order:
                    out = workers[e].ask(name)
                    best[e][name] = min(best[e].get(name, float("inf")), out["seconds"])
                    texts[e][name] = out["text"]
            print(
                f"beam {beam} {name:28s} fw {best['faster-whisper'][name]:6.2f}s  "
                f"ow {best['openai-whisper'][name]:6.2f}s", flush=True,
            )  # fmt: skip
        stats = {e: w.close() for e, w in workers.items()}
        results["beams"][beam] = {
            e: {
                "best_s": best[e],
                "text": texts[e],
                "cer": {n: cer(plain(clips[n][1]), plain(texts[e][n])) for n in clips},
                "cer_kana": {n: cer(kana(clips[n][1]), kana(texts[e][n])) for n in clips},
                **info[e],
                **stats[e],
            }
            for e in ENGINES
        }
    return results


def table(results: dict, threads: int) -> str:
    fw, ow = ENGINES
    lines = [
        (
            f"Measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by `bench/bench_asr.py`, "
            f"{os.cpu_count()} cores, {threads} threads, load average at the end "
            f"{os.getloadavg()[0]:.1f}; Python {platform.python_version()}. "
            f"Best of {results['repeat']} after warm-up; both engines alternate clip by clip in one run, each in its "
            "own process. Same Whisper base weights (faster-whisper int8 on the CTranslate2 "
            "model, openai-whisper fp32 on its lossless conversion); language ja, filler "
            "prompt, temperature 0, "
            + (
                "with the known speech regions passed as a VAD would (trim after the last region, "
                "faster-whisper stops decoding there, segments outside speech and repetition loops "
                "dropped: the product path)"
                if results.get("regions")
                else "no speech regions (pure engine work; repetition loops still dropped)"
            )
            + ". CER on surface text / "
            "on kana readings, punctuation removed."
        ),
        "",
        (
            "| clip | s | beam | fw int8 s | ow fp32 s | ow / fw | fw CER | ow CER | fw kana CER "
            "| ow kana CER |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for beam, r in results["beams"].items():
        for name, dur in results["durations"].items():
            a, b = r[fw]["best_s"][name], r[ow]["best_s"][name]
            lines.append(
                f"| {name} | {dur:.1f} | {beam} | {a:.2f} | {b:.2f} | **{b / a:.1f}×** "
                f"| {r[fw]['cer'][name]:.3f} | {r[ow]['cer'][name]:.3f} "
                f"| {r[fw]['cer_kana'][name]:.3f} | {r[ow]['cer_kana'][name]:.3f} |"
            )
    lines += ["", ("| beam | engine | total s | mean CER | mean kana CER | peak RSS MB | "
              "import+clips s | model load s |"), "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for beam, r in results["beams"].items():
        for e in ENGINES:
            total = sum(r[e]["best_s"].values())
            lines.append(
                f"| {beam} | {e} | {total:.2f} | {np.mean(list(r[e]['cer'].values())):.3f} "
                f"| {np.mean(list(r[e]['cer_kana'].values())):.3f} | {r[e]['peak_rss_mb']:.0f} "
                f"| {r[e]['import_s']:.1f} | {r[e]['load_s']:.1f} |"
            )
        ratio = sum(r[ow]["best_s"].values()) / sum(r[fw]["best_s"].values())
        lines.append(f"| {beam} | **openai / faster** | **{ratio:.1f}×** | | | | | |")
    lines += [
        "",
        "Run: `.venv/bin/python bench/bench_asr.py --beams 1 5 --repeat 3"
        + (" --regions" if results.get("regions") else "")
        + " --write`",
        "",
        "Transcripts (beam 1):",
        "",
    ]
    r1 = results["beams"][min(results["beams"])]
    for name in results["durations"]:
        lines.append(f"- {name}: fw 「{r1[fw]['text'][name]}」")
        lines.append(f"  ow 「{r1[ow]['text'][name]}」")
    return "\n".join(lines)


def write_section(path: Path, title: str, body: str) -> None:
    """Replace (or append) the '## title' section of a Markdown file."""
    text = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    lines = text.splitlines()
    head = f"## {title}"
    if head in lines:
        i = lines.index(head)
        j = next((k for k in range(i + 1, len(lines)) if lines[k].startswith("## ")), len(lines))
        lines[i:j] = [head, "", *body.splitlines(), ""]
    else:
        lines += ["", head, "", *body.splitlines()]
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--beams", type=int, nargs="+", default=[1, 5])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument(
        "--cache-dir", type=Path, default=Path(tempfile.gettempdir()) / "complaint-dojo-models"
    )
    p.add_argument("--write", action="store_true", help="write the table into BENCHMARKS.md")
    p.add_argument("--json", type=Path, help="also save the raw results here")
    p.add_argument(
        "--regions", action="store_true", help="pass the known speech regions (product path)"
    )
    p.add_argument("--section", default="ASR", help="BENCHMARKS.md section title")
    p.add_argument("--worker", choices=ENGINES, help=argparse.SUPPRESS)
    p.add_argument("--beam", type=int, default=1, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker, args.beam, args.threads, args.cache_dir, args.regions)
        return 0
    results: dict = {}
    for beam in args.beams:  # results are saved after each beam size
        part = bench([beam], args.repeat, args.threads, args.cache_dir, args.regions)
        results = {**part, "beams": {**results.get("beams", {}), **part["beams"]}}
        out = table(results, args.threads)
        print(out, flush=True)
        if args.json:
            args.json.write_text(
                json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8"
            )
        if args.write:
            write_section(ROOT / "BENCHMARKS.md", args.section, out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
