"""Whisper's repetition loops (「お前は、お前は、お前は、…」), collapsed before anything is counted."""

from __future__ import annotations

import re

REPEAT_MIN = 4  # a unit said this many times in a row is a decoding loop, not speech
REPEAT_UNIT_MIN, REPEAT_UNIT_MAX = 2, 20  # length of a repeated unit, in characters
_REPEAT_RE = re.compile(
    rf"(.{{{REPEAT_UNIT_MIN},{REPEAT_UNIT_MAX}}}?)\1{{{REPEAT_MIN - 1},}}", re.DOTALL
)


def collapse_repeats(text: str) -> tuple[str, int]:
    """Keep one copy of each repetition loop in ``text``.

    A unit of 2–20 characters repeated ≥ :data:`REPEAT_MIN` times in a row is kept once (a
    trailing partial repeat is dropped too).

    Parameters
    ----------
    text : str
        A transcript.

    Returns
    -------
    text : str
        The transcript with every loop collapsed.
    loops : int
        How many loops were collapsed, ≥ 0.
    """
    out, pos, count = [], 0, 0
    while (m := _REPEAT_RE.search(text, pos)) is not None:
        unit, end = m.group(1), m.end()
        k = 0
        while end < len(text) and k < len(unit) and text[end] == unit[k]:
            end, k = end + 1, k + 1
        out.append(text[pos : m.start()] + unit)
        pos, count = end, count + 1
    out.append(text[pos:])
    return "".join(out), count
