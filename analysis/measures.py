"""The counts of one transcript that pace and fluency are judged on: morae, characters, words,
fillers (:func:`measure_text`)."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.fillers import find_fillers
from analysis.reading import PUNCTUATION_POS, Span, count_chars, reading, split_morae


@dataclass
class TextMeasures:
    """Counts from one transcript."""

    kana: str
    morae: int
    chars: int
    words: int  # OpenJTalk words without punctuation (fillers included)
    fillers: dict[str, int]  # by variant
    filler_count: int
    filler_ratio: float  # filler_count / words (0 when no words)
    filler_spans: list[Span]


def measure_text(text: str) -> TextMeasures:
    """Reading, morae, characters, words and fillers of a transcript.

    Parameters
    ----------
    text : str
        A transcript (repetition loops already collapsed, :mod:`analysis.repeats`).

    Returns
    -------
    TextMeasures
        ``morae``, ``chars``, ``words`` and ``filler_count`` are counts ≥ 0;
        ``filler_ratio`` is fillers per word, 0–1 (rounded to 4 places; 0 without words).
    """
    r = reading(text)
    words = sum(1 for _, pos, sp in r.tokens if pos != PUNCTUATION_POS and sp[1] > sp[0])
    hits = find_fillers(text)
    counts: dict[str, int] = {}
    for h in hits:
        counts[h.variant] = counts.get(h.variant, 0) + 1
    return TextMeasures(
        kana=r.kana,
        morae=len(split_morae(r.kana)),
        chars=count_chars(text),
        words=words,
        fillers=counts,
        filler_count=len(hits),
        filler_ratio=round(len(hits) / words, 4) if words else 0.0,
        filler_spans=[h.span for h in hits],
    )
