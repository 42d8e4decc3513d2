"""Benchmark the intent recogniser (issue 10) on the hand-written evaluation set.

    .venv/bin/python bench/bench_intents.py                    # dev + test tables, ablations
    .venv/bin/python bench/bench_intents.py --errors dev       # list dev misses / false hits
    .venv/bin/python bench/bench_intents.py --e2e              # + TTS → Whisper → recogniser
    .venv/bin/python bench/bench_intents.py --cost             # CPU, load time, memory

Scoring per sentence: a group counts as a true positive when expected and found, a false
negative when expected and not found, a false positive when found but neither expected nor
marked acceptable (``~``) in bench/data/intents_source.txt. The test split is frozen (committed
before the recogniser existed) and is never used for tuning.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.intents import IntentGroup, Layers, intent_group, recognise

DATA = ROOT / "bench" / "data"


def load_split(name: str) -> list[dict]:
    with (DATA / f"intents_{name}.jsonl").open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def library_groups() -> list[IntentGroup]:
    """Every shared group of scenarios/phrases.toml as the recogniser sees it."""
    from scenarios.schema import default_phrase_library

    return [
        intent_group(gid, g.kind, g.label, g.phrases, tip=g.tip, weight=g.weight)
        for gid, g in default_phrase_library().items()
    ]


def evaluate(rows: list[dict], groups: list[IntentGroup], layers: Layers, semantic=None) -> dict:
    tp: Counter = Counter()
    fn: Counter = Counter()
    fp: Counter = Counter()
    kinds = {g.id: g.kind for g in groups}
    errors = []
    polite_ng = []
    for r in rows:
        found = recognise(r["text"], groups, layers=layers, semantic=semantic).found()
        exp, ok = set(r["expected"]), set(r["acceptable"])
        for g in exp:
            (tp if g in found else fn)[g] += 1
        wrong = found - exp - ok
        for g in wrong:
            fp[g] += 1
        missed = exp - found
        if missed or wrong:
            errors.append((r, sorted(missed), sorted(wrong)))
        if r["kind"] == "neutral" and any(kinds.get(g) == "ng" for g in found):
            polite_ng.append(r["text"])
    return {
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "errors": errors,
        "polite_ng": polite_ng,
        "kinds": kinds,
        "n": len(rows),
    }


def summary(ev: dict) -> dict:
    kinds = ev["kinds"]
    out = {}
    for kind in ("required", "ng"):
        ids = [g for g, k in kinds.items() if k == kind]
        tp = sum(ev["tp"][g] for g in ids)
        fn = sum(ev["fn"][g] for g in ids)
        fp = sum(ev["fp"][g] for g in ids)
        out[kind] = {
            "recall": tp / (tp + fn) if tp + fn else 0.0,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "tp": tp,
            "fn": fn,
            "fp": fp,
        }
    tp = sum(ev["tp"].values())
    fp = sum(ev["fp"].values())
    out["all"] = {"precision": tp / (tp + fp) if tp + fp else 1.0, "tp": tp, "fp": fp}
    out["polite_ng"] = len(ev["polite_ng"])
    return out


def per_group_table(dev: dict, test: dict) -> str:
    lines = [
        "| group | kind | dev R | dev P | test R | test P |",
        "|---|---|---|---|---|---|",
    ]

    def rp(ev: dict, g: str) -> tuple[str, str]:
        tp, fn, fp = ev["tp"][g], ev["fn"][g], ev["fp"][g]
        r = f"{tp}/{tp + fn}" if tp + fn else "–"
        p = f"{tp}/{tp + fp}" if tp + fp else "–"
        return r, p

    for g, k in dev["kinds"].items():
        dr, dp = rp(dev, g)
        tr, tpp = rp(test, g)
        lines.append(f"| {g} | {k} | {dr} | {dp} | {tr} | {tpp} |")
    return "\n".join(lines)


def fmt(s: dict) -> str:
    return (
        f"required R {s['required']['recall']:.1%} P {s['required']['precision']:.1%} · "
        f"NG R {s['ng']['recall']:.1%} P {s['ng']['precision']:.1%} · "
        f"all P {s['all']['precision']:.1%} · polite→NG {s['polite_ng']}"
    )


ABLATIONS = {
    "phrases only (today's matcher, kana)": Layers(patterns=False, phrases=True, unless=False),
    "patterns only": Layers(patterns=True, phrases=False),
    "patterns + phrases (no unless)": Layers(patterns=True, phrases=True, unless=False),
    "patterns + phrases + unless": Layers(patterns=True, phrases=True),
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--errors", choices=["dev", "test"], help="list the errors of a split")
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--semantic", action="store_true", help="also run the semantic layer")
    ap.add_argument("--e2e", action="store_true")
    ap.add_argument("--cost", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the per-group table")
    args = ap.parse_args(argv)
    groups = library_groups()
    splits = args.splits.split(",")
    rows = {s: load_split(s) for s in splits}
    results = {}
    for name, layers in ABLATIONS.items():
        for s in splits:
            ev = evaluate(rows[s], groups, layers)
            results[(name, s)] = ev
            print(f"{name:40s} {s:4s} {fmt(summary(ev))}")
    semantic = None
    if args.semantic:
        from analysis.intents_semantic import SemanticLayer

        semantic = SemanticLayer.load()
        for s in splits:
            ev = evaluate(rows[s], groups, Layers(semantic=True), semantic)
            results[("+ semantic", s)] = ev
            print(f"{'patterns + phrases + unless + semantic':40s} {s:4s} {fmt(summary(ev))}")
    best = "+ semantic" if args.semantic else "patterns + phrases + unless"
    if args.table and len(splits) == 2:
        print(per_group_table(results[(best, splits[0])], results[(best, splits[1])]))
    if args.errors:
        ev = results[(best, args.errors)]
        for r, missed, wrong in ev["errors"]:
            print(
                f"  {r['section']:22s} miss={','.join(missed) or '-':18s} "
                f"false={','.join(wrong) or '-':18s} {r['text']}"
            )
        for t in ev["polite_ng"]:
            print("  POLITE→NG", t)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
