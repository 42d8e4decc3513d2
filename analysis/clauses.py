"""Split a transcript into sentences and clauses (the scope of an intent pattern).

A sentence ends at 。！？!? or a line break. A sentence is cut into clauses after a conjunctive
particle that joins two statements (が・けど・けれど(も)・ので・から・のに・し), so that in
「申し訳ないとは思いますが、規則ですので」 the apology and the rules excuse are separate clauses,
and a negation in one clause never cancels a pattern in the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.morph import Morph, analyse
from analysis.reading import Span

SENTENCE_END = frozenset("。！？!?\n")
CLAUSE_PARTICLES = frozenset({"が", "けど", "けれど", "けれども", "ので", "から", "のに", "し"})


@dataclass(frozen=True)
class Clause:
    """Consecutive words of one sentence."""

    index: int  # position in the transcript (0-based)
    sentence: int  # index of its sentence
    morphs: tuple[Morph, ...]
    span: Span  # character offsets in the transcript

    def text(self, transcript: str) -> str:
        return transcript[self.span[0] : self.span[1]]


def _split_point(m: Morph, nxt: Morph | None, prev: Morph | None = None) -> bool:
    if m.surface == "で" and m.lemma == "だ" and prev is not None and prev.surface == "の":
        return nxt is not None and not (nxt.is_symbol and nxt.surface in SENTENCE_END)  # ので
    if m.pos[0] != "助詞" or m.pos[1] != "接続助詞" or m.surface not in CLAUSE_PARTICLES:
        return False
    # 「〜ですが」 as the first word of a sentence is a conjunction, not a clause end
    return nxt is not None and not (nxt.is_symbol and nxt.surface in SENTENCE_END)


def split_clauses(text: str) -> list[Clause]:
    """The clauses of ``text`` in order.

    Parameters
    ----------
    text : str
        A transcript.

    Returns
    -------
    list of Clause
        Non-empty clauses; symbols at a clause's edges are kept in its words but not in its
        span's trimmed text (the span runs from its first to its last non-symbol word).
    """
    morphs = analyse(text)
    clauses: list[Clause] = []
    current: list[Morph] = []
    sentence = 0

    def close(end_sentence: bool) -> None:
        nonlocal current, sentence
        words = [m for m in current if not m.is_symbol]
        if words:
            clauses.append(
                Clause(
                    len(clauses), sentence, tuple(current), (words[0].span[0], words[-1].span[1])
                )
            )
        current = []
        if end_sentence and words:
            sentence += 1

    # a line break is no word for Sudachi: cut sentences at newlines in the text itself
    for i, m in enumerate(morphs):
        if current and "\n" in text[current[-1].span[1] : m.span[0]]:
            close(True)
        current.append(m)
        nxt = morphs[i + 1] if i + 1 < len(morphs) else None
        if m.is_symbol and any(c in SENTENCE_END for c in m.surface):
            close(True)
        elif _split_point(m, nxt, morphs[i - 1] if i else None) and len(current) > 2:
            close(False)
    close(True)
    return clauses
