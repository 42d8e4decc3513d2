"""Yen amounts said in a transcript.

An answer that promises a refund above the trainee's authority is a content error
(:mod:`analysis.rubric_match`); the same amount inside a sentence that refuses or escalates
(「5万円のご返金は、上司に確認いたします」) is not a promise. Whether it is, is decided by the
intent recogniser in :func:`analysis.rubric_match.mark_promises` (one recogniser, no second
list of escalation words here).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from analysis.reading import Span, normalised

_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "億": 100_000_000}
_YEN_RE = re.compile(r"([0-9〇零一二三四五六七八九十百千万億,]+)円")


@dataclass
class YenAmount:
    """A yen amount said in the transcript (「5,000円」「五千円」「3万円」)."""

    yen: int
    text: str
    span: Span
    promised: bool  # False when its sentence refuses or escalates (上司に確認します…)
    over_limit: bool = False
    # 「全額返金」 said without an amount; ``yen`` is what it counts as (Rubric.full_refund_yen)
    full_refund: bool = False


def parse_japanese_number(s: str) -> int | None:
    """Value of a number written in digits, kanji or both.

    Parameters
    ----------
    s : str
        「5,000」「五千」「3万」「1万2千」「3万5000」 (full-width digits allowed).

    Returns
    -------
    int or None
        The value, ≥ 0; ``None`` if ``s`` holds no numeral.
    """
    s = unicodedata.normalize("NFKC", s).replace(",", "")
    if not s or not any(
        c.isdigit() or c in _DIGITS or c in _SMALL_UNITS or c in _BIG_UNITS for c in s
    ):
        return None
    total = section = num = 0
    seen_digit = False
    for c in s:
        if c.isdigit():
            num = num * 10 + int(c)
            seen_digit = True
        elif c in _DIGITS:
            num = num * 10 + _DIGITS[c]
            seen_digit = True
        elif c in _SMALL_UNITS:
            section += (num if seen_digit else 1) * _SMALL_UNITS[c]
            num, seen_digit = 0, False
        elif c in _BIG_UNITS:
            section += num
            total += (section or 1) * _BIG_UNITS[c]
            section = num = 0
            seen_digit = False
    return total + section + num


def find_yen_amounts(text: str) -> list[YenAmount]:
    """Yen amounts in ``text``, in order.

    Parameters
    ----------
    text : str
        A transcript.

    Returns
    -------
    list of YenAmount
        One per 「…円」 with its value in yen, its surface text and span, ``promised=True``
        (the rubric matcher clears it when the sentence escalates or refuses) and
        ``over_limit=False`` (the rubric decides it).
    """
    norm, index = normalised(text)
    out = []
    for m in _YEN_RE.finditer(norm):
        yen = parse_japanese_number(m.group(1))
        if yen is None or (yen == 0 and not any(c.isdigit() or c in "〇零" for c in m.group(1))):
            continue
        s, e = index[m.start()], index[m.end() - 1] + 1
        out.append(YenAmount(int(yen), text[s:e], (s, e), True))
    return out
