"""Morphological analysis of a transcript with Sudachi (sudachipy + sudachidict_core, Apache-2.0).

Every word keeps its character span in the text, its surface, Sudachi's *normalised* form
(おかけ/お掛け → 掛ける, 御座る, 致す), its dictionary form and a kana reading of that
dictionary form. Matching intent patterns on these forms makes conjugation and politeness
variants one pattern (おかけしました / おかけいたしました / おかけしてしまい), and the readings
keep Whisper's homophone errors harmless (上司/上肢 both read ジョウシ).
"""

from __future__ import annotations

import threading
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from analysis.reading import Span, to_hiragana

_LOCK = threading.Lock()
_TOKENIZER = None

NEGATION_LEMMAS = frozenset({"ない", "無い", "ぬ", "ず", "ん"})


def _tokenizer():
    global _TOKENIZER
    with _LOCK:
        if _TOKENIZER is None:
            from sudachipy import Dictionary, SplitMode

            _TOKENIZER = (Dictionary().tokenizer(mode=SplitMode.C), SplitMode.C)
        return _TOKENIZER


@dataclass(frozen=True)
class Morph:
    """One word of a text."""

    surface: str
    norm: str  # Sudachi normalised form (掛ける for おかけ, 御座る for ござい)
    lemma: str  # dictionary form (かける)
    reading: str  # katakana reading of the dictionary form (カケル); "" for symbols
    pos: tuple[str, ...]  # Sudachi part of speech (6 levels)
    span: Span  # character offsets in the text
    forms: frozenset[str] = frozenset()  # surface, normalised, dictionary form, hiragana

    def __post_init__(self) -> None:
        if not self.forms:
            forms = {self.surface, self.norm, self.lemma, to_hiragana(self.surface)}
            object.__setattr__(self, "forms", frozenset(forms))

    @property
    def is_negation(self) -> bool:
        """ない / ぬ / ず as an auxiliary (…ません, …できない) or as the adjective 無い."""
        return self.pos[0] in ("助動詞", "形容詞") and (
            self.lemma in NEGATION_LEMMAS or self.norm in NEGATION_LEMMAS
        )

    @property
    def is_symbol(self) -> bool:
        return self.pos[0] in ("補助記号", "空白")

    @property
    def is_function(self) -> bool:
        """Particles, auxiliaries, suffixes and symbols (no content of their own)."""
        return self.pos[0] in ("助詞", "助動詞", "接尾辞", "補助記号", "空白")


@lru_cache(maxsize=4096)
def lemma_reading(lemma: str) -> str:
    """Katakana reading of a dictionary form (cached)."""
    tok, mode = _tokenizer()
    with _LOCK:
        ms = tok.tokenize(lemma, mode)
    return "".join(m.reading_form() for m in ms)


@lru_cache(maxsize=512)
def analyse(text: str) -> tuple[Morph, ...]:
    """The words of ``text`` with spans (NFKC applied per character, spans stay in ``text``).

    Parameters
    ----------
    text : str
        Japanese text (a transcript or a pattern element).

    Returns
    -------
    tuple of Morph
        In text order; whitespace is dropped.
    """
    if not text.strip():
        return ()
    # NFKC per character where it keeps one character (５ → 5, ｱ → ア): spans stay valid
    norm = "".join(n if len(n := unicodedata.normalize("NFKC", c)) == 1 else c for c in text)
    tok, mode = _tokenizer()
    with _LOCK:
        ms = [
            (
                m.surface(),
                m.normalized_form(),
                m.dictionary_form(),
                m.part_of_speech(),
                m.begin(),
                m.end(),
            )
            for m in tok.tokenize(norm, mode)
        ]
    out = []
    for surface, nf, lemma, pos, b, e in ms:
        if pos[0] == "空白" or not surface.strip():
            continue
        symbol = pos[0] == "補助記号"
        out.append(
            Morph(
                surface=text[b:e],
                norm=nf,
                lemma=lemma,
                reading="" if symbol else lemma_reading(lemma),
                pos=tuple(pos),
                span=(b, e),
            )
        )
    return tuple(out)
