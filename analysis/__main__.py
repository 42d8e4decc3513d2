"""Analyse one recording from the command line.

    python -m analysis FILE [--scenario ID --turn ID] [--engine faster-whisper|openai-whisper]
                            [--json] [--cache-dir DIR] [--beam-size N] [--threads N]

Without ``--scenario`` only delivery is scored (scaled to 100). Exit codes: 0 analysed (also
when the clip holds no speech: ``"no_speech": true``), 2 bad input or usage (message, no
traceback), 3 model problem. Set DOJO_DEBUG=1 to see tracebacks.

Further commands (``python -m analysis NAME ARGS…``) register in :data:`COMMANDS`; a first
argument that names none is the recording to analyse.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from analysis.audio import AudioError
from analysis.modelpack import ModelPackError
from analysis.pipeline import analyse, result_summary_ja
from analysis.resolve import DEFAULT_ENGINE, ENGINES

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_MODEL = 3


def default_cache_dir() -> Path:
    """``$DOJO_DATA_DIR/models`` or ``./data/models``."""
    return Path(os.environ.get("DOJO_DATA_DIR") or "data") / "models"


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m analysis",
        description="クレーム対応道場: 録音した回答を分析します (analyse one recorded answer).",
    )
    p.add_argument("file", type=Path, help="WAV/FLAC/OGG/MP3 recording")
    p.add_argument("--scenario", help="scenario id (scores content with that turn's rubric)")
    p.add_argument("--turn", help="turn id within the scenario (default: the start turn)")
    p.add_argument("--engine", choices=ENGINES, default=DEFAULT_ENGINE)
    p.add_argument(
        "--model-path",
        type=Path,
        default=None,
        help="own faster-whisper folder or openai-whisper .pt (default: bundled base)",
    )
    p.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="model cache (default: $DOJO_DATA_DIR/models or ./data/models)",
    )
    p.add_argument("--beam-size", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="CPU threads, 0 = all cores")
    p.add_argument("--max-seconds", type=float, default=300.0)
    p.add_argument("--json", action="store_true", help="print the full result as JSON")
    return p


class UsageError(Exception):
    pass


def _rubric(scenario_id: str | None, turn_id: str | None):
    if scenario_id is None:
        if turn_id is not None:
            raise UsageError("--turn needs --scenario")
        return None
    from scenarios.loader import load_catalogue  # content, only with --scenario

    cat = load_catalogue()
    scenario = cat.get(scenario_id)
    if scenario is None:
        known = ", ".join(sorted(s.id for s in cat)) or "(none)"
        raise UsageError(f"unknown scenario {scenario_id!r}; known: {known}")
    if turn_id is None:
        turn = scenario.start_turn
    else:
        try:
            turn = scenario.turn(turn_id)
        except KeyError:
            known = ", ".join(t.id for t in scenario.turns)
            raise UsageError(f"unknown turn {turn_id!r} in {scenario_id}; known: {known}") from None
    return turn.rubric()


def analyse_command(argv: list[str]) -> int:
    """``python -m analysis FILE …``: analyse one recording (see the module docstring)."""
    args = _parser().parse_args(argv)
    debug = bool(os.environ.get("DOJO_DEBUG"))

    try:
        rubric = _rubric(args.scenario, args.turn)
        if not args.file.exists():
            raise UsageError(f"file not found: {args.file}")
        progress = None if args.json else (lambda stage: print(f"… {stage}", file=sys.stderr))
        result = analyse(
            args.file,
            rubric=rubric,
            engine=args.engine,
            model_path=args.model_path,
            cache_dir=args.cache_dir or default_cache_dir(),
            beam_size=args.beam_size,
            threads=args.threads,
            max_seconds=args.max_seconds,
            progress=progress,
        )
    except UsageError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except AudioError as e:
        if debug:
            raise
        print(f"error ({e.code}): {e.message_ja} / {e.message_en}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except ModelPackError as e:
        if debug:
            raise
        print(f"model error ({e.code}): {e.message_ja} / {e.message_en}", file=sys.stderr)
        return EXIT_MODEL
    except ValueError as e:
        if debug:
            raise
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT

    if args.json:
        json.dump(result.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(result_summary_ja(result))
    return EXIT_OK


# Subcommands besides analysing a file: name -> function(argv without the name) -> exit code.
def _intents(argv: list[str]) -> int:
    from analysis.intents_cli import intents_command  # text only: no audio stack needed

    return intents_command(argv)


COMMANDS: dict[str, Callable[[list[str]], int]] = {"intents": _intents}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in COMMANDS:
        return COMMANDS[argv[0]](argv[1:])
    return analyse_command(argv)


if __name__ == "__main__":
    sys.exit(main())
