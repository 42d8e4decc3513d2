"""Kana readings of Japanese text, aligned to the characters they came from; morae; characters.

The transcript Whisper produced (kanji + kana) is read with OpenJTalk (pyopenjtalk-plus, BSD).
Pace in Japanese is counted in morae, and rubric phrases are matched on these readings
(:mod:`analysis.phonetic`), which makes Whisper's homophone errors (至急→支給, 件→県) harmless.

Spans are ``(start, end)`` character offsets into the text (Python slicing), so the UI can
highlight ``text[start:end]``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

import pyopenjtalk

Span = tuple[int, int]

SMALL_KANA = frozenset("ャュョァィゥェォヮ")  # join the preceding kana into one mora
LONG_VOWEL = "ー"
SOKUON = "ッ"
HATSUON = "ン"
MORA_KANA = (LONG_VOWEL, SOKUON, HATSUON)  # a mora of their own; small kana never join them
PUNCTUATION_POS = "記号"  # OpenJTalk's part of speech for punctuation and symbols


def is_kana(ch: str) -> bool:
    """Whether ``ch`` is a katakana letter or ー (the middle dot ・ is not)."""
    return "\u30a1" <= ch <= "\u30fc" and ch != "\u30fb"


def _is_countable_char(ch: str) -> bool:
    return unicodedata.category(ch)[0] not in "PZSC"


def to_hiragana(text: str) -> str:
    """``text`` with katakana letters turned into hiragana (エー → えー); the rest unchanged."""
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


def normalised(text: str) -> tuple[str, list[int]]:
    """NFKC form of ``text`` and, per character of it, the index of the original character.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    norm : str
        ``unicodedata.normalize("NFKC", …)`` applied character by character (５ → 5).
    index : list of int
        ``index[i]`` is the offset in ``text`` that ``norm[i]`` came from (``len(norm)`` items).
    """
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), index


@dataclass(frozen=True)
class Reading:
    """Kana reading of a text with, for each kana character, the span of text it came from."""

    kana: str  # katakana only (punctuation removed), pronunciation form (は → ワ)
    spans: tuple[Span, ...]  # one per kana character
    tokens: tuple[tuple[str, str, Span], ...]  # (surface, part of speech, span) per word


@lru_cache(maxsize=256)
def reading(text: str) -> Reading:
    """Kana reading of ``text`` (OpenJTalk pronunciation) aligned to character spans.

    Numbers are read out (「5,000円」→ ゴセンエン); the kana of a read-out number map to the
    span of the digits.

    Parameters
    ----------
    text : str
        Japanese text (kanji, kana, digits, punctuation).

    Returns
    -------
    Reading
        ``kana``: katakana, pronunciation form, punctuation removed, を read as オ;
        ``spans``: one ``(start, end)`` offset into ``text`` per kana character;
        ``tokens``: ``(surface, part of speech, span)`` per OpenJTalk word.
    """
    if not text.strip():
        return Reading("", (), ())
    norm, index = normalised(text)
    tokens = pyopenjtalk.run_frontend(text)
    # Walk the words in order, finding each one's surface at the cursor. Words whose surface
    # is not in the text (a read-out number: 「5,000」 → 五 千) wait in ``pending`` and share the
    # characters between the cursor and the next word that is found.
    cur = 0
    pending: list[dict] = []
    placed: list[tuple[dict, int, int]] = []

    def place(tok: dict | None, start: int, end: int) -> None:
        nonlocal cur, pending
        while cur < start and norm[cur].isspace():
            cur += 1
        placed.extend((p, cur, start) for p in pending)
        pending = []
        if tok is not None:
            placed.append((tok, start, end))
        cur = end

    for tok in tokens:
        surface = unicodedata.normalize("NFKC", tok["string"])
        if not surface:
            pending.append(tok)
        elif norm.startswith(surface, cur):
            place(tok, cur, cur + len(surface))
        elif (found := norm.find(surface, cur, cur + len(surface) + 12)) > cur:
            place(tok, found, found + len(surface))  # skipped characters go to pending words
        else:
            pending.append(tok)
    place(None, len(norm), len(norm))

    kana: list[str] = []
    spans: list[Span] = []
    words: list[tuple[str, str, Span]] = []
    for tok, s, e in placed:
        if e > s:
            span = (index[s], index[e - 1] + 1)
        else:
            pos = index[s] if s < len(index) else len(text)
            span = (pos, pos)
        words.append((tok["string"], tok["pos"], span))
        if tok["pos"] == PUNCTUATION_POS:
            continue
        for ch in tok["pron"].replace("’", ""):
            if is_kana(ch):
                kana.append("オ" if ch == "ヲ" else ch)
                spans.append(span)
    return Reading("".join(kana), tuple(spans), tuple(words))


def kana(text: str) -> str:
    """Katakana reading of ``text`` without punctuation.

    Parameters
    ----------
    text : str
        Japanese text.

    Returns
    -------
    str
        pyopenjtalk ``g2p(text, kana=True)`` without punctuation, を read as オ (as spoken;
        :func:`reading` does the same).
    """
    return "".join(
        "オ" if ch == "ヲ" else ch for ch in pyopenjtalk.g2p(text, kana=True) if is_kana(ch)
    )


def split_morae(kana_text: str) -> list[str]:
    """Split katakana into morae.

    ー, ッ and ン are morae of their own; small ャュョァィゥェォヮ join the kana before them
    (キャッシュ → キャ・ッ・シュ = 3). Characters that are not katakana are skipped.

    Parameters
    ----------
    kana_text : str
        Katakana (e.g. :attr:`Reading.kana`).

    Returns
    -------
    list of str
        One string of 1–2 kana per mora.
    """
    out: list[str] = []
    for ch in kana_text:
        if not is_kana(ch):
            continue
        if ch in SMALL_KANA and out and out[-1][-1] not in MORA_KANA:
            out[-1] += ch
        else:
            out.append(ch)
    return out


def count_morae(text: str) -> int:
    """Number of morae in the reading of ``text``.

    Parameters
    ----------
    text : str
        Japanese text.

    Returns
    -------
    int
        Morae, ≥ 0 (きょう 2, キャッシュ 3, ティッシュ 3, 「5,000円」 5).
    """
    return len(split_morae(reading(text).kana))


def count_chars(text: str) -> int:
    """Characters of ``text`` without punctuation, symbols and spaces.

    Parameters
    ----------
    text : str
        Any text.

    Returns
    -------
    int
        Kanji, kana, letters and digits counted, ≥ 0.
    """
    return sum(1 for ch in text if _is_countable_char(ch))
