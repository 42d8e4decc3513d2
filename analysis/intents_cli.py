"""``python -m analysis intents``: check the intent recogniser without audio.

    python -m analysis intents [--scenario ID [--turn ID]] [TEXT …]

Texts come as arguments, or one per line on standard input. Prints one JSON object per text::

    {"text": …, "groups": [{"id", "kind", "label", "evidence", "confidence", "span", "clause",
      "layer"}], "yen": [{"yen", "text", "span", "promised", "over_limit"}]}

Without ``--scenario`` every group of the phrase library (scenarios/phrases.toml) is checked;
with it, the groups of that turn (default: the start turn), including its own phrases, and the
turn's authority limit. Exit codes: 0 done, 2 bad usage (a Japanese message, then English).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable

from analysis.rubric import PhraseGroup, Rubric
from analysis.rubric_match import match_rubric

EXIT_OK = 0
EXIT_BAD_INPUT = 2


class UsageError(Exception):
    def __init__(self, ja: str, en: str):
        super().__init__(en)
        self.ja, self.en = ja, en


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis intents",
        description="回答の文から、お詫び・共感などの意図を判定します (recognise intents in text).",
    )
    p.add_argument("texts", nargs="*", help="texts (default: one per line on stdin)")
    p.add_argument("--scenario", help="scenario id (check that turn's groups)")
    p.add_argument("--turn", help="turn id within the scenario (default: the start turn)")
    return p


def library_rubric() -> Rubric:
    """Every shared group of the phrase library, as one rubric (no authority limit)."""
    from scenarios.schema import default_phrase_library  # content, only for this command

    req, ng = [], []
    for gid, g in default_phrase_library().items():
        pg = PhraseGroup(gid, g.label, g.phrases, g.tip, g.weight)
        (req if g.kind == "required" else ng).append(pg)
    return Rubric(required=tuple(req), ng=tuple(ng))


def turn_rubric(scenario_id: str, turn_id: str | None) -> Rubric:
    from scenarios.loader import load_catalogue  # content, only with --scenario

    cat = load_catalogue()
    scenario = cat.get(scenario_id)
    if scenario is None:
        known = ", ".join(sorted(s.id for s in cat)) or "(none)"
        raise UsageError(
            f"シナリオ「{scenario_id}」が見つかりません（あるもの: {known}）",
            f"unknown scenario {scenario_id!r}; known: {known}",
        )
    if turn_id is None:
        return scenario.start_turn.rubric()
    try:
        return scenario.turn(turn_id).rubric()
    except KeyError:
        known = ", ".join(t.id for t in scenario.turns)
        raise UsageError(
            f"シナリオ「{scenario_id}」にターン「{turn_id}」はありません（あるもの: {known}）",
            f"unknown turn {turn_id!r} in {scenario_id}; known: {known}",
        ) from None


def check(text: str, rubric: Rubric) -> dict:
    """The JSON object printed for one text."""
    rr = match_rubric(text, rubric)
    kinds = {g.id: "required" for g in rubric.required} | {g.id: "ng" for g in rubric.ng}
    groups = [
        {
            "id": g.id,
            "kind": kinds[g.id],
            "label": g.label,
            "evidence": g.matched_text,
            "confidence": g.confidence,
            "span": list(g.span) if g.span else None,
            "clause": g.clause,
            "layer": g.layer,
        }
        for g in (*rr.required, *rr.ng)
        if g.found
    ]
    groups.sort(key=lambda g: (g["span"] or [0])[0])
    yen = [
        {
            "yen": a.yen,
            "text": a.text,
            "span": list(a.span),
            "promised": a.promised,
            "over_limit": a.over_limit,
            "full_refund": a.full_refund,
        }
        for a in rr.amounts
    ]
    return {"text": text, "groups": groups, "yen": yen}


def _texts(args: argparse.Namespace, stdin: Iterable[str]) -> list[str]:
    if args.texts:
        return list(args.texts)
    return [line.strip() for line in stdin if line.strip()]


def intents_command(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.turn is not None and args.scenario is None:
            raise UsageError("--turn には --scenario が必要です", "--turn needs --scenario")
        rubric = (
            library_rubric() if args.scenario is None else turn_rubric(args.scenario, args.turn)
        )
        texts = _texts(args, sys.stdin)
        if not texts:
            raise UsageError(
                "判定する文がありません（引数か、標準入力に1行1文で渡してください）",
                "no text given (arguments, or one per line on stdin)",
            )
    except UsageError as e:
        print(f"エラー: {e.ja}\nerror: {e.en}", file=sys.stderr)
        return EXIT_BAD_INPUT
    for text in texts:
        sys.stdout.write(json.dumps(check(text, rubric), ensure_ascii=False) + "\n")
    return EXIT_OK
