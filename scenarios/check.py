"""Check a folder of scenario files: ``python -m scenarios check [DIR] [--phrases FILE]``.

Runs exactly what the loader runs (the app refuses the same files): the schema, unknown or
misplaced phrase groups, careless-answer NG groups a turn does not check, branch targets,
unreachable turns, cycles, and customer lines whose presupposition (``assumes``) some path does
not guarantee. Each problem is printed as ``file: field (turn …): message`` and, for a
presupposition, the path that shows it. The exit status is 1 when there is a problem (also when
the folder has no scenario file), else 0.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from .loader import DEFAULT_DIRECTORY, Catalogue, LoadError, load_catalogue


def check(directory: Path | None = None, *, phrases_file: Path | None = None) -> Catalogue:
    """Load ``directory`` like the app does; an empty folder is a problem too."""
    directory = Path(directory) if directory is not None else DEFAULT_DIRECTORY
    cat = load_catalogue(directory, phrases_file=phrases_file)
    if directory.is_dir() and not any(
        not p.name.startswith((".", "_")) for p in directory.glob("*.toml")
    ):
        cat.errors.append(LoadError(directory, "", "no scenario files (*.toml) in this folder"))
    return cat


def format_problem(err: LoadError) -> str:
    """One problem, on one line (plus an indented ``path:`` line when there is a path)."""
    where = str(err.file)
    if err.field:
        where += f": {err.field}"
    if err.turn:
        where += f" (turn {err.turn})"
    out = f"{where}: {err.message}"
    if err.path:
        out += f"\n    path: {err.path}"
    return out


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out if out is not None else sys.stdout
    parser = argparse.ArgumentParser(
        prog="python -m scenarios check",
        description="Check scenario files (schema, phrase groups, graph, presuppositions).",
    )
    parser.add_argument("directory", nargs="?", type=Path, default=None,
                        help=f"folder of scenario TOML files (default: {DEFAULT_DIRECTORY})")
    parser.add_argument("--phrases", type=Path, default=None,
                        help="shared phrase groups (default: scenarios/phrases.toml)")
    args = parser.parse_args(argv)
    cat = check(args.directory, phrases_file=args.phrases)
    for err in cat.errors:
        print(format_problem(err), file=out)
    n = len(cat.errors)
    if n:
        print(f"{n} problem{'s' if n != 1 else ''}; {len(cat)} scenario file(s) valid.", file=out)
        return 1
    turns = sum(len(s.turns) for s in cat)
    print(f"OK: {len(cat)} scenarios, {turns} turns.", file=out)
    return 0
