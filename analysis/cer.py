"""Character error rate of a transcript against its known text, on surface text and on kana
readings (used by the ASR tests and benchmark, where the spoken text is known)."""

from __future__ import annotations

import pyopenjtalk

PUNCT = frozenset("、。，．,.！？!?「」 　")


def plain(text: str) -> str:
    """``text`` without punctuation and spaces."""
    return "".join(c for c in text if c not in PUNCT)


def kana_plain(text: str) -> str:
    """The katakana reading of ``text`` without punctuation (long vowels as ー)."""
    return plain(pyopenjtalk.g2p(text, kana=True))


def cer(ref: str, hyp: str) -> float:
    """Character error rate.

    Parameters
    ----------
    ref : str
        The known text.
    hyp : str
        The transcript.

    Returns
    -------
    float
        Levenshtein distance in characters / ``len(ref)`` (≥ 0; may exceed 1).
    """
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i]
        for j, h in enumerate(hyp, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h)))
        prev = cur
    return prev[-1] / max(1, len(ref))
