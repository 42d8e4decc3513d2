"""Phrase search on kana readings with a small, sound-aware edit-distance tolerance.

A rubric phrase is found in a transcript when their readings agree, mora by mora, within a
budget that grows with the phrase's length (:func:`tolerance`). Substitutions between sounds
Whisper and listeners confuse cost half (シ/チ, カ/ガ, ハ/バ/パ), so near misses such as
至急→地球 (シキュー/チキュー) still count while different words (返金/返品) stay apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from analysis.reading import (
    LONG_VOWEL,
    MORA_KANA,
    SMALL_KANA,
    SOKUON,
    Span,
    kana,
    reading,
    split_morae,
)

HALF = 0.5  # cost of a confusable substitution or of a dropped ー/ッ

_ROWS = {
    "": "アイウエオ",
    "k": "カキクケコ",
    "g": "ガギグゲゴ",
    "s": "サシスセソ",
    "z": "ザジズゼゾ",
    "t": "タチツテト",
    "d": "ダヂヅデド",
    "n": "ナニヌネノ",
    "h": "ハヒフヘホ",
    "b": "バビブベボ",
    "p": "パピプペポ",
    "m": "マミムメモ",
    "y": "ヤ_ユ_ヨ",
    "r": "ラリルレロ",
    "w": "ワヰ_ヱヲ",
}
_SPECIAL_CONSONANT = {
    "シ": "sh",
    "ジ": "j",
    "チ": "ch",
    "ツ": "ts",
    "ヂ": "j",
    "ヅ": "z",
    "フ": "f",
}
_KANA_CV: dict[str, tuple[str, str]] = {}
for _c, _row in _ROWS.items():
    for _v, _k in zip("aiueo", _row):
        if _k != "_":
            _KANA_CV[_k] = (_SPECIAL_CONSONANT.get(_k, _c), _v)
_KANA_CV.update(
    {
        "ヲ": ("", "o"),
        "ヴ": ("v", "u"),
        "ァ": ("", "a"),
        "ィ": ("", "i"),
        "ゥ": ("", "u"),
        "ェ": ("", "e"),
        "ォ": ("", "o"),
        "ャ": ("y", "a"),
        "ュ": ("y", "u"),
        "ョ": ("y", "o"),
        "ヮ": ("w", "a"),
    }
)
# Consonants Whisper and listeners confuse; a substitution inside a class with the same vowel
# costs half (シ/チ, ス/ツ, カ/ガ, タ/ダ, ハ/バ/パ).
_CONFUSABLE = ({"s", "sh", "z", "j", "ch", "ts"}, {"k", "g"}, {"t", "d"}, {"h", "f", "b", "p"})


def _mora_cv(mora: str) -> tuple[str, str]:
    if mora in MORA_KANA:
        return (mora, "")
    base = _KANA_CV.get(mora[0], (mora[0], ""))
    if len(mora) > 1:
        small = _KANA_CV.get(mora[-1], ("", ""))
        return (base[0] + ("y" if small[0] == "y" else ""), small[1])
    return base


def _consonant_class(c: str) -> int:
    c = c[:-1] if len(c) > 1 and c.endswith("y") else c
    for i, cls in enumerate(_CONFUSABLE):
        if c in cls:
            return i
    return -1


@lru_cache(maxsize=65536)
def substitution_cost(a: str, b: str) -> float:
    """Cost of hearing mora ``b`` where ``a`` was meant.

    Parameters
    ----------
    a, b : str
        One mora each (as from :func:`analysis.reading.split_morae`).

    Returns
    -------
    float
        0 for the same sound (also ヲ/オ, ヂ/ジ), 0.5 for a confusable consonant with the same
        vowel or ー against a vowel, 1 otherwise.
    """
    if a == b:
        return 0.0
    ca, va = _mora_cv(a)
    cb, vb = _mora_cv(b)
    if (ca, va) == (cb, vb):
        return 0.0  # same sound, other spelling (ヲ/オ, ヂ/ジ, ヅ/ズ)
    if LONG_VOWEL in (a, b) and (ca == "" or cb == ""):
        return HALF  # オー vs オウ, エー vs エイ
    if va and va == vb:
        ka, kb = _consonant_class(ca), _consonant_class(cb)
        if ka >= 0 and ka == kb:
            return HALF
    return 1.0


def indel_cost(mora: str) -> float:
    """Cost of a mora missing or extra.

    Parameters
    ----------
    mora : str
        One mora.

    Returns
    -------
    float
        0.5 for ー and ッ (a dropped lengthening), else 1.
    """
    return HALF if mora in (LONG_VOWEL, SOKUON) else 1.0


def tolerance(n_morae: int) -> float:
    """Edit budget for a phrase of ``n_morae``.

    Parameters
    ----------
    n_morae : int
        Length of the phrase's reading in morae, ≥ 0.

    Returns
    -------
    float
        0 (≤ 2 morae), 0.5 (3–5: one confusable sound or a dropped ー/ッ), 1.0 (6–11: one
        error), 1.5 (≥ 12).
    """
    if n_morae <= 2:
        return 0.0
    if n_morae <= 5:
        return HALF
    if n_morae <= 11:
        return 1.0
    return 1.5


@dataclass(frozen=True)
class Match:
    """Where a phrase was found in a transcript."""

    phrase: str  # the rubric phrase as written
    phrase_kana: str
    matched_kana: str
    matched_text: str  # transcript surface text covering the match
    span: Span
    distance: float  # 0 = exact reading


def _best_end(pm: list[str], tm: list[str]) -> tuple[float, int]:
    """Approximate substring search (free start): best cost and end index (exclusive)."""
    n = len(tm)
    ins = np.array([indel_cost(t) for t in tm])
    cum_ins = np.concatenate([[0.0], np.cumsum(ins)])
    prev = np.zeros(n + 1)
    for p in pm:
        sub = np.array([substitution_cost(p, t) for t in tm])
        diag = np.concatenate([[np.inf], prev[:-1] + sub])  # D[i-1][j-1] + sub
        up = prev + indel_cost(p)  # phrase mora missing
        a = np.minimum(diag, up)
        a[0] = prev[0] + indel_cost(p)
        # insertions along the row: D[j] = min_k (A[k] + cum_ins[j] - cum_ins[k])
        prev = np.minimum.accumulate(a - cum_ins) + cum_ins
    j = int(np.argmin(prev))
    return float(prev[j]), j


def _best_start(pm: list[str], tm: list[str], end: int) -> int:
    """Start index of the best alignment ending at ``end`` (small window, full DP)."""
    lo = max(0, end - 2 * len(pm) - 4)
    window = tm[lo:end]
    m, n = len(pm), len(window)
    d = [[(0.0, j) for j in range(n + 1)]]
    for i in range(1, m + 1):
        row = [(d[i - 1][0][0] + indel_cost(pm[i - 1]), 0)]
        for j in range(1, n + 1):
            cands = (
                (
                    d[i - 1][j - 1][0] + substitution_cost(pm[i - 1], window[j - 1]),
                    d[i - 1][j - 1][1],
                ),
                (d[i - 1][j][0] + indel_cost(pm[i - 1]), d[i - 1][j][1]),
                (row[j - 1][0] + indel_cost(window[j - 1]), row[j - 1][1]),
            )
            row.append(min(cands, key=lambda c: (c[0], -c[1])))
        d.append(row)
    return lo + d[m][n][1]


class IndexedText:
    """A transcript's morae with their character spans, built once per transcript so that
    many phrases can be searched in it (:func:`find_phrase`)."""

    def __init__(self, text: str):
        self.text = text
        r = reading(text)
        self.morae: list[str] = []
        self.spans: list[Span] = []
        for ch, span in zip(r.kana, r.spans):
            if ch in SMALL_KANA and self.morae and self.morae[-1][-1] not in MORA_KANA:
                self.morae[-1] += ch
                s0, _ = self.spans[-1]
                self.spans[-1] = (min(s0, span[0]), max(self.spans[-1][1], span[1]))
            else:
                self.morae.append(ch)
                self.spans.append(span)
        self.kana = "".join(self.morae)
        self.offsets: dict[int, int] = {}  # character offset in kana → mora index
        pos = 0
        for i, m in enumerate(self.morae):
            self.offsets[pos] = i
            pos += len(m)
        self.offsets[pos] = len(self.morae)


def find_phrase(
    text: str | IndexedText, phrase: str, *, max_distance: float | None = None
) -> Match | None:
    """Best occurrence of ``phrase`` in ``text``, compared on kana readings.

    Parameters
    ----------
    text : str or IndexedText
        The transcript (index it once with :class:`IndexedText` to search many phrases).
    phrase : str
        The phrase as a person writes it (kanji and kana).
    max_distance : float, optional
        Edit budget in cost units (see :func:`substitution_cost`); default
        :func:`tolerance` of the phrase's mora count.

    Returns
    -------
    Match or None
        The exact reading if present (earliest), else the cheapest approximate match within
        the budget; ``None`` when nothing is close enough.
    """
    idx = text if isinstance(text, IndexedText) else IndexedText(text)
    pm = split_morae(kana(phrase))
    if not pm or not idx.morae:
        return None
    budget = tolerance(len(pm)) if max_distance is None else max_distance
    pk = "".join(pm)
    exact = idx.kana.find(pk)
    while exact >= 0:
        start = idx.offsets.get(exact)
        if start is not None and exact + len(pk) in idx.offsets:
            return _make_match(idx, phrase, pk, start, idx.offsets[exact + len(pk)], 0.0)
        exact = idx.kana.find(pk, exact + 1)  # began inside a mora: look further
    if budget <= 0:
        return None
    cost, end = _best_end(pm, idx.morae)
    if cost > budget + 1e-9 or end == 0:
        return None
    start = _best_start(pm, idx.morae, end)
    if start >= end:
        return None
    return _make_match(idx, phrase, pk, start, end, cost)


def _make_match(idx: IndexedText, phrase: str, pk: str, start: int, end: int, cost: float) -> Match:
    s = min(sp[0] for sp in idx.spans[start:end])
    e = max(sp[1] for sp in idx.spans[start:end])
    return Match(phrase, pk, "".join(idx.morae[start:end]), idx.text[s:e], (s, e), round(cost, 2))
