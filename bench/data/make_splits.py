"""Split bench/data/intents_source.txt once into intents_dev.jsonl and intents_test.jsonl.

Deterministic: inside every section, sentences are ordered by the SHA-1 of their text and dealt
alternately to dev and test (50/50 per group). Run once; the test split is frozen in git and the
recogniser is never tuned on it.

    .venv/bin/python bench/data/make_splits.py
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "intents_source.txt"


def parse(path: Path = SOURCE) -> list[dict]:
    """Every sentence of the source file with its section and expected / acceptable groups."""
    items: list[dict] = []
    section = ""
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("## "):
            section = line[3:].strip()
            continue
        if not line or line.startswith("#"):
            continue
        labels, sep, text = line.partition("|")
        if not sep or not text.strip():
            raise ValueError(f"line {n}: expected '<groups> | <sentence>': {raw!r}")
        head, _, ok = labels.strip().partition("~")
        expected = [] if head.strip() in ("", "-") else [g for g in head.strip().split(",") if g]
        acceptable = [g for g in ok.strip().split(",") if g]
        kind = section.split()[0]
        items.append(
            {
                "text": text.strip(),
                "expected": expected,
                "acceptable": acceptable,
                "section": section,
                "kind": kind,
            }
        )
    return items


def split(items: list[dict]) -> tuple[list[dict], list[dict]]:
    dev: list[dict] = []
    test: list[dict] = []
    by_section: dict[str, list[dict]] = {}
    for it in items:
        by_section.setdefault(it["section"], []).append(it)
    for section in by_section.values():
        ordered = sorted(section, key=lambda it: hashlib.sha1(it["text"].encode()).hexdigest())
        for i, it in enumerate(ordered):
            (dev if i % 2 == 0 else test).append(it)
    return dev, test


def main() -> None:
    items = parse()
    texts = [it["text"] for it in items]
    dupes = sorted({t for t in texts if texts.count(t) > 1})
    if dupes:
        raise SystemExit(f"duplicate sentences: {dupes}")
    dev, test = split(items)
    for name, rows in (("intents_dev.jsonl", dev), ("intents_test.jsonl", test)):
        with (HERE / name).open("w", encoding="utf-8") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        print(name, len(rows))


if __name__ == "__main__":
    main()
