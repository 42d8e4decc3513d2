"""Filler words (えーと, あのー, まあ…) in a transcript.

ONE list of filler variants, written in hiragana as Whisper spells them. Matching is on the
transcript converted to hiragana (so エー counts as えー); every ー in a variant matches one or
more ー (えーーと counts as えーと). Counted by variant, longest variant first, no overlaps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from analysis.reading import Span, reading, to_hiragana

FILLERS: tuple[str, ...] = (
    "えーっと",
    "ええっと",
    "えーと",
    "ええと",
    "えっと",
    "えー",
    "あのー",
    "あのう",
    "あの",
    "そのー",
    "その",
    "あー",
    "まあ",
    "まー",
    "うーん",
    "んー",
    "なんか",
)
# Variants that are also ordinary words (あの人, その件, なんか変, まあまあ). Rule: they count as
# a filler only when followed by punctuation, a space, the end of the text or another filler
# (「あの、」「その、えーと」). Every filler must also start and end on an OpenJTalk word boundary,
# so a variant inside a longer word (まあまあ as one word) does not count.
AMBIGUOUS_FILLERS = frozenset({"あの", "その", "なんか", "まあ"})
FILLER_FOLLOWERS = "、。，．,.！？!?　 …‥"

_FILLER_PATTERNS = sorted(
    ((v, re.compile(re.escape(v).replace("ー", "ー+"))) for v in FILLERS),
    key=lambda p: -len(p[0]),
)


@dataclass(frozen=True)
class FillerHit:
    """One filler found in a transcript."""

    variant: str  # the entry of FILLERS it counts as
    text: str  # as written in the transcript
    span: Span


def find_fillers(text: str) -> list[FillerHit]:
    """Filler words in ``text``, longest variant first, no overlaps (rules: see the module).

    Parameters
    ----------
    text : str
        A transcript.

    Returns
    -------
    list of FillerHit
        In order of appearance; ``span`` offsets point into ``text``.
    """
    if not text:
        return []
    hira = to_hiragana(text)
    r = reading(text)
    starts = {sp[0] for _, _, sp in r.tokens if sp[1] > sp[0]}
    ends = {sp[1] for _, _, sp in r.tokens if sp[1] > sp[0]}
    hits: list[FillerHit] = []
    i = 0
    while i < len(hira):
        for variant, pat in _FILLER_PATTERNS:
            m = pat.match(hira, i)
            if not m or i not in starts or m.end() not in ends:
                continue
            if variant in AMBIGUOUS_FILLERS:
                nxt = m.end()
                ok = (
                    nxt >= len(hira)
                    or hira[nxt] in FILLER_FOLLOWERS
                    or any(p.match(hira, nxt) for v, p in _FILLER_PATTERNS if v != variant)
                )  # まあまあ (reduplication) is a word, not two fillers
                if not ok:
                    continue
            hits.append(FillerHit(variant, text[i : m.end()], (i, m.end())))
            i = m.end() - 1
            break
        i += 1
    return hits
