"""Command line: score a check-in, or print the instruments.

    python -m wellbeing score --who5 3,3,3,3,3 [--k6 0,1,0,0,1,0] [--history-who5 15,16,14,15]
        [--job harassment=once,workload=heavy,consult=agree,sleep=fairly]
        [--previous-job harassment=none,...] [--harassment-kinds threats,long_calls]
        [--one-on-one] [--roleplays 2] [--feedback]
    python -m wellbeing items

``score`` prints ONE JSON object: ``who5_raw``, ``who5_pct``, ``k6_total`` (or null), ``level``,
``reasons`` (a list of ``{code, ja, en}``), ``who5_baseline_pct`` and
``show_support_contacts`` (and ``feedback`` with ``--feedback``). ``--history-who5`` are the
person's previous WHO-5 raw scores, oldest first. Bad input exits with status 2 and a one-line
message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from wellbeing.flags import assess, feedback
from wellbeing.instruments import (
    HARASSMENT_KINDS,
    JOB_ITEMS,
    K6,
    WHO5,
    JobAnswers,
)

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_BAD_INPUT)


def _ints(text: str, what: str) -> list[int]:
    parts = [p.strip() for p in text.split(",")]
    if text.strip() == "" or any(p == "" for p in parts):
        raise ValueError(f"{what}: expected comma-separated integers, got {text!r}")
    try:
        return [int(p) for p in parts]
    except ValueError:
        raise ValueError(f"{what}: expected comma-separated integers, got {text!r}") from None


def _pairs(text: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key or not value:
            raise ValueError(f"{what}: expected item=answer pairs, got {part!r}")
        if key in out:
            raise ValueError(f"{what}: {key!r} given twice")
        out[key] = value
    return out


def _job(
    pairs: dict[str, str] | None, kinds: list[str], one_on_one: bool, free_text: str
) -> JobAnswers | None:
    if pairs is None and not kinds and not one_on_one and not free_text:
        return None
    data: dict[str, Any] = dict(pairs or {})
    for key in data:
        if key not in {it.id for it in JOB_ITEMS}:
            raise ValueError(
                f"--job: unknown item {key!r}; expected some of {[it.id for it in JOB_ITEMS]}"
            )
    data["harassment_kinds"] = frozenset(kinds)
    data["one_on_one"] = one_on_one
    data["free_text"] = free_text
    return JobAnswers.from_dict(data)


def _parser() -> argparse.ArgumentParser:
    job_help = "; ".join(f"{it.id}: {'/'.join(it.keys)}" for it in JOB_ITEMS)
    p = _Parser(prog="python -m wellbeing", description="Check-in scoring (WHO-5, K6, job items).")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    s = sub.add_parser("score", help="score one check-in and print JSON")
    s.add_argument("--who5", required=True, help="5 answers 0–5 (いつも=5 … まったくない=0)")
    s.add_argument("--k6", help="6 answers 0–4 (全くない=0 … いつも=4); omit when not asked")
    s.add_argument("--history-who5", default="", help="previous WHO-5 raw scores, oldest first")
    s.add_argument("--job", help=f"job answers as item=answer pairs ({job_help})")
    s.add_argument("--previous-job", help="the last check-in's job answers, same form")
    s.add_argument(
        "--harassment-kinds", default="", help=f"comma-separated: {','.join(HARASSMENT_KINDS)}"
    )
    s.add_argument("--one-on-one", action="store_true", help="the person asked for a 1on1")
    s.add_argument("--free-text", default="", help="optional free text")
    s.add_argument("--roleplays", default="0", help="harassment role-plays practised this week")
    s.add_argument("--feedback", action="store_true", help="add the kind text and tips")
    sub.add_parser("items", help="print the instruments' wording and answer scales as JSON")
    return p


def _score(args: argparse.Namespace) -> dict[str, Any]:
    who5 = _ints(args.who5, "--who5")
    k6 = None if args.k6 is None else _ints(args.k6, "--k6")
    history = _ints(args.history_who5, "--history-who5") if args.history_who5.strip() else []
    kinds = [k.strip() for k in args.harassment_kinds.split(",") if k.strip()]
    job = _job(
        None if args.job is None else _pairs(args.job, "--job"),
        kinds,
        args.one_on_one,
        args.free_text,
    )
    previous = (
        None
        if args.previous_job is None
        else _job(_pairs(args.previous_job, "--previous-job"), [], False, "")
    )
    try:
        roleplays = int(args.roleplays)
    except ValueError:
        raise ValueError(f"--roleplays: expected an integer, got {args.roleplays!r}") from None
    result = assess(
        who5,
        k6,
        job,
        history_who5_raw=history,
        previous_job=previous,
        harassment_roleplays=roleplays,
    )
    out: dict[str, Any] = {
        "who5_raw": result.who5_raw,
        "who5_pct": result.who5_pct,
        "k6_total": result.k6_total,
        "level": result.level,
        "reasons": [{"code": r.code, "ja": r.ja, "en": r.en} for r in result.reasons],
        "who5_baseline_pct": result.who5_baseline_pct,
        "show_support_contacts": result.show_support_contacts,
    }
    if args.feedback:
        out["feedback"] = feedback(result, job, roleplays).to_dict()
    return out


def _items() -> dict[str, Any]:
    def instrument(ins: Any) -> dict[str, Any]:
        return {
            "id": ins.id,
            "name": ins.name.as_dict(),
            "stem": ins.stem.as_dict(),
            "items": [t.as_dict() for t in ins.items],
            "choices": [{"value": c.value, "label": c.label.as_dict()} for c in ins.choices],
            "window_days": ins.window_days,
        }

    return {
        "who5": instrument(WHO5),
        "k6": instrument(K6),
        "job_items": [
            {
                "id": it.id,
                "question": it.question.as_dict(),
                "levels_best_to_worst": [
                    {"key": lv.key, "label": lv.label.as_dict()} for lv in it.levels
                ],
            }
            for it in JOB_ITEMS
        ],
        "harassment_kinds": {k: t.as_dict() for k, t in HARASSMENT_KINDS.items()},
    }


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        out = _score(args) if args.command == "score" else _items()
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    _write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def _write(text: str) -> None:
    """UTF-8 on stdout whatever the console's encoding; a closed pipe (``| head``) is fine."""
    try:
        buffer = getattr(sys.stdout, "buffer", None)
        if buffer is not None:
            buffer.write(text.encode("utf-8"))
            buffer.flush()
        else:
            sys.stdout.write(text)
            sys.stdout.flush()
    except BrokenPipeError:
        pass


if __name__ == "__main__":
    sys.exit(main())
