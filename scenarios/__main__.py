"""``python -m scenarios check [DIR]``: check scenario files (see :mod:`scenarios.check`)."""

from __future__ import annotations

import sys

USAGE = "usage: python -m scenarios check [DIR] [--phrases FILE]"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] != "check":
        print(USAGE, file=sys.stderr)
        return 2
    from .check import main as check_main

    return check_main(argv[1:])


if __name__ == "__main__":
    raise SystemExit(main())
