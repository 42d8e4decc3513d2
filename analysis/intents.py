"""Which rubric groups (intents) each clause of a transcript expresses, and the words that carry it.

Layers, cheapest first (BENCHMARKS.md says which of them measurably help):

1. **Lemma patterns** (``analysis/intents.toml``): key lexemes in order within one clause,
   matched on Sudachi's normalised/dictionary forms and on kana readings
   (:mod:`analysis.morph`), so おかけしました / おかけいたしました / おかけしてしまい are one
   pattern and 上司/上肢 one word. A pattern is cancelled when a negation takes it in scope
   (「謝るつもりはありません」, 「ご迷惑をおかけしたとは思っておりません」) or when it is reported
   speech (「上司に代わってほしいとのことですね」); a double negation (「返金できないわけではございません」)
   cancels a negative pattern. ``unless`` drops a hit when the same or the next sentence
   expresses another group (a refusal followed by an alternative is not a flat refusal).
2. **Phrases on kana readings** (the group's ``phrases``, :mod:`analysis.phonetic`), with the same
   negation scope: the turn-specific and turn-local phrases of a scenario, and Whisper's
   homophone errors (至急/支給/地球).
A semantic layer (sentence embeddings of multilingual-e5-small, nearest group example with a
margin against neutral sentences) was measured as a fallback for clauses without a hit and
dropped: on the dev split it rescued none of the remaining misses at any margin and only added
false hits (BENCHMARKS.md).

Spans are ``(start, end)`` character offsets into the transcript.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Literal

import numpy as np

from analysis.clauses import Clause, split_clauses
from analysis.morph import Morph, analyse
from analysis.phonetic import (
    HALF,
    IndexedText,
    Match,
    _best_start,
    _make_match,
    indel_cost,
    substitution_cost,
    tolerance,
)
from analysis.reading import Span, kana, split_morae, to_hiragana

Kind = Literal["required", "ng"]

INTENTS_FILE = Path(__file__).resolve().parent / "intents.toml"

DEFAULT_GAP = 4  # words allowed between two pattern elements
WIDE_GAP = 12  # after a "…" element

# Words a negation or report can be separated from the pattern by and still take it in scope.
LIGHT_WORDS = frozenset(
    {
        *("する", "為る", "いる", "居る", "おる", "ある", "有る", "ござる", "御座る", "いたす"),
        *("致す", "思う", "存じる", "存ずる", "申し上げる", "申す", "言う", "言い切る"),
        *("つもり", "積もり", "わけ", "訳", "こと", "事", "必要", "よう", "様", "なる", "成る"),
        *("しまう", "仕舞う", "できる", "出来る", "もの", "物", "はず", "筈", "くる", "来る"),
        *("気", "考える", "おく", "置く"),
    }
)
# Reported or wished-for content: 「上司に代わってほしい」 is the customer's wish, not an act.
REPORTED_WORDS = frozenset({"ほしい", "欲しい"})
CONDITIONAL_WORDS = frozenset({"と", "ば", "なら", "場合", "たら", "限り"})
# Words that negate like ない: 「いたしかねます」「不要」.
NEGATIVE_WORDS = frozenset({"かねる", "兼ねる", "不要"})
FILLER_POS = ("感動詞", "フィラー")

PATTERN_CONFIDENCE = 0.9
READING_CONFIDENCE = 0.8  # a pattern that matched only through a reading (homophone)
PHRASE_CONFIDENCE = 0.85


# --------------------------------------------------------------------------- pattern language


_SKELETON = str.maketrans(
    "シチスツジズヂヅサセソザゼゾタテトダデドカキクケコガギグゲゴハヒフヘホバビブベボパピプペポ",
    "SSSSSSSSSSSSSSTTTTTTKKKKKKKKKKHHHHHHHHHHHHHHH",
)


def _skeleton(reading: str) -> str:
    """A reading with confusable consonants merged (シ/チ, カ/ガ, タ/ダ, ハ/バ/パ): two readings
    within one confusable substitution of each other share it (a necessary condition)."""
    return "~" + reading.translate(_SKELETON)


def morph_keys(m: Morph) -> frozenset[str]:
    """Everything a pattern word could match ``m`` on (for the clause prefilter)."""
    keys = set(m.forms)
    if m.reading:
        keys.add(m.reading)
        if m.pos[0] == "名詞":
            keys.add(_skeleton(m.reading))
    return frozenset(keys)


@dataclass(frozen=True)
class Word:
    """One word of a pattern element, as spellings plus a reading."""

    forms: frozenset[str]
    reading: str

    @property
    def keys(self) -> frozenset[str]:
        keys = set(self.forms)
        if len(self.reading) >= 2:
            keys.add(self.reading)
        if len(self.reading) >= 3:
            keys.add(_skeleton(self.reading))
        return frozenset(keys)

    def match(self, m: Morph) -> int:
        """2 = spelling match, 1 = reading match (homophone), 0 = no match."""
        if self.forms & m.forms:
            return 2
        if len(self.reading) >= 2 and self.reading == m.reading:
            # a kana spelling (おかけ for 掛ける) is a spelling variant; a kanji word with the
            # same reading (上肢 for 上司) is a homophone Whisper may have chosen
            return 2 if _all_kana(m.surface) else 1
        if (
            len(self.reading) >= 3
            and m.pos[0] == "名詞"
            and _close_readings(self.reading, m.reading)
        ):
            return 1
        return 0


def _all_kana(s: str) -> bool:
    return all("ぁ" <= c <= "ゖ" or "ァ" <= c <= "ヺ" or c == "ー" for c in s)


@lru_cache(maxsize=65536)
def _close_readings(a: str, b: str) -> bool:
    ma, mb = split_morae(a), split_morae(b)
    if len(ma) != len(mb) or len(ma) < 3:
        return False
    return sum(substitution_cost(x, y) for x, y in zip(ma, mb)) <= 0.5


@dataclass(frozen=True)
class Element:
    """Alternatives (each a run of adjacent words), or a special element."""

    alternatives: tuple[tuple[Word, ...], ...] = ()
    special: str = ""  # "NEG" (a negation word), "NOT" (the next word must not match)
    gap: int = DEFAULT_GAP  # words allowed before this element


@dataclass(frozen=True)
class Pattern:
    source: str
    elements: tuple[Element, ...]
    anchored: bool  # must start at the clause start (after fillers)
    needs: tuple[frozenset[str], ...] = ()  # per word element: keys one of which must occur
    needs_negation: bool = False

    def possible(self, keys: frozenset[str], has_negation: bool) -> bool:
        """Cheap necessary condition: every element can match some word of the clause."""
        if self.needs_negation and not has_negation:
            return False
        return all(n & keys for n in self.needs)


@lru_cache(maxsize=4096)
def _word_runs(spelling: str) -> tuple[tuple[Word, ...], ...]:
    """The runs a spelling may match: a short kana word analysed out of context may split
    differently than in a sentence (まで → ま+で alone), so it also matches as one word."""
    run = _word_run(spelling)
    if len(run) > 1 and len(spelling) <= 3 and all("ぁ" <= c <= "ゖ" for c in spelling):
        return (
            (Word(frozenset({spelling}), ""),),
            tuple(Word(frozenset(w.forms), "") for w in run),
        )
    return (run,)


@lru_cache(maxsize=4096)
def _word_run(spelling: str) -> tuple[Word, ...]:
    if spelling.startswith("=") and len(spelling) > 1:  # this spelling only
        exact = spelling[1:]
        return (Word(frozenset({exact, to_hiragana(exact)}), ""),)
    morphs = [m for m in analyse(spelling) if not m.is_symbol]
    if len(morphs) <= 1:
        m = morphs[0] if morphs else None
        return (_word(m, spelling),)
    return tuple(_word(m, m.surface) for m in morphs)


def _word(m: Morph | None, spelling: str) -> Word:
    """A word written in its dictionary form matches every inflection (normalised forms); a
    word written inflected or colloquially (分かん, っす) matches that spelling only."""
    forms = {spelling, to_hiragana(spelling)}
    if m is None:
        return Word(frozenset(forms), "")
    if spelling in (m.lemma, m.norm) or m.pos[0] in ("名詞", "代名詞", "副詞", "接頭辞"):
        return Word(frozenset(forms | m.forms), m.reading)
    return Word(frozenset(forms | {m.surface}), "")


@lru_cache(maxsize=2048)
def compile_pattern(source: str) -> Pattern:
    """Parse ``source``: elements separated by spaces; ``A|B`` alternatives; ``NEG`` a negation;
    ``^`` first = the clause starts here (fillers aside); ``…`` widens the next gap."""
    parts = source.split()
    anchored = bool(parts) and parts[0] == "^"
    if anchored:
        parts = parts[1:]
    elements: list[Element] = []
    gap = DEFAULT_GAP
    for p in parts:
        if p == "…":
            gap = WIDE_GAP
            continue
        if p == "NEG":
            elements.append(Element(special="NEG", gap=gap))
        elif p.startswith("!") and len(p) > 1:
            alts = tuple(r for a in p[1:].split("|") if a for r in _word_runs(a))
            elements.append(Element(alternatives=alts, special="NOT", gap=0))
        else:
            elements.append(
                Element(
                    alternatives=tuple(r for a in p.split("|") if a for r in _word_runs(a)),
                    gap=gap,
                )
            )
        gap = DEFAULT_GAP
    if not elements:
        raise ValueError(f"empty intent pattern: {source!r}")
    needs = tuple(
        frozenset().union(*(run[0].keys for run in el.alternatives))
        for el in elements
        if not el.special
    )
    neg = any(el.special == "NEG" for el in elements)
    return Pattern(source, tuple(elements), anchored, needs, neg)


def _match_element(el: Element, words: Sequence[Morph], i: int) -> tuple[int, int] | None:
    """(end index, quality) if ``el`` matches at ``words[i]``."""
    if i >= len(words):
        return None
    if el.special == "NEG":
        return (i + 1, 2) if words[i].is_negation else None
    if el.special == "NOT":
        return None
    best = None
    for run in el.alternatives:
        if i + len(run) > len(words):
            continue
        q = 2
        for k, w in enumerate(run):
            r = w.match(words[i + k])
            if not r:
                break
            q = min(q, r)
        else:
            if best is None or (len(run), q) > (best[0] - i, best[1]):
                best = (i + len(run), q)
    return best


def _match_from(pattern: Pattern, words: Sequence[Morph], k: int, i: int) -> tuple[int, int] | None:
    """Match elements ``k…`` starting at or after word ``i`` (first element exactly at ``i``)."""
    el = pattern.elements[k]
    got = _match_element(el, words, i)
    if got is None:
        return None
    end, q = got
    if k + 1 < len(pattern.elements) and pattern.elements[k + 1].special == "NOT":
        probe = Element(alternatives=pattern.elements[k + 1].alternatives)
        if _match_element(probe, words, end) is not None:
            return None
        if k + 2 == len(pattern.elements):
            return end, q
        k += 1
    if k + 1 == len(pattern.elements):
        return end, q
    nxt = pattern.elements[k + 1]
    for j in range(end, min(len(words), end + nxt.gap + 1)):
        rest = _match_from(pattern, words, k + 1, j)
        if rest is not None:
            return rest[0], min(q, rest[1])
    return None


def match_pattern(pattern: Pattern, words: Sequence[Morph]) -> tuple[int, int, int] | None:
    """(start, end, quality) of the first occurrence of ``pattern`` in ``words`` (no symbols)."""
    starts: Iterable[int]
    if pattern.anchored:
        i = 0
        while i < len(words) and words[i].pos[0] in FILLER_POS:
            i += 1
        starts = range(i + 1)
    else:
        starts = range(len(words))
    for s in starts:
        got = _match_from(pattern, words, 0, s)
        if got is not None:
            return s, got[0], got[1]
    return None


def _negates(after: Sequence[Morph], i: int) -> bool:
    """``after[i]`` is a negation that is not part of a rhetorical question (…ではないでしょうか)."""
    m = after[i]
    if not (m.is_negation or m.lemma in NEGATIVE_WORDS or m.norm in NEGATIVE_WORDS):
        return False
    rest = [w for w in after[i + 1 : i + 4] if not w.is_symbol]
    if rest and rest[0].surface in CONDITIONAL_WORDS:
        return False  # 「同意がないと」「起きなければ」: a condition, not a denial
    return not (
        len(rest) >= 2 and rest[0].norm in ("です", "ござる", "御座る") and rest[1].surface == "か"
    ) and not (rest and rest[0].surface == "か")


def scope(after: Sequence[Morph]) -> Literal["ok", "negated", "reported"]:
    """Whether the words after a match negate it or report it.

    A negation counts while only function words and light words (する・いる・思う・つもり・
    わけ・こと…) stand between; an odd number of negations negates. A topicalised act
    (「念書を書くことは、お引き受けいたしかねます」) or a hedge (「…とは言い切れません」) is negated
    by a negation anywhere later in the clause."""
    negations = 0
    i = 0
    words = [m for m in after if not m.is_symbol]
    while i < len(words):
        m = words[i]
        if _negates(words, i):
            negations += 1
            i += 1
            continue
        if m.lemma in REPORTED_WORDS or m.norm in REPORTED_WORDS:
            return "reported"
        if m.is_function or m.lemma in LIGHT_WORDS or m.norm in LIGHT_WORDS:
            i += 1
            continue
        break
    if negations % 2:
        return "negated"
    if _topic_then_negated(words):
        return "negated"
    return "ok"


def _hedged(before: Sequence[Morph]) -> bool:
    """「百パーセントとはお約束できません」: a negative pattern after 「とは」 is a hedge."""
    surf = [w.surface for w in before]
    return any(surf[i : i + 2] == ["と", "は"] for i in range(len(surf) - 1))


def _topic_then_negated(words: Sequence[Morph]) -> bool:
    """「…ことは／…とは／…なんて」 right after the match, then a negation later in the clause."""
    head = [w.surface for w in words[:3]]
    topical = head[:2] in (["こと", "は"], ["と", "は"], ["の", "は"]) or head[:1] == ["なんて"]
    topical = topical or head[:3] in (["こと", "まで", "は"], ["と", "まで", "は"])
    if not topical:
        return False
    return any(_negates(words, j) for j in range(2, len(words)))


# --------------------------------------------------------------------------- group definitions


@dataclass(frozen=True)
class IntentGroup:
    """A rubric group as the recogniser sees it."""

    id: str
    kind: Kind
    label: str
    patterns: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()  # dropped when the same or next sentence expresses one of these
    exclusive: tuple[str, ...] = ()  # dropped when the same clause expresses one of these
    phrase_exclusive: tuple[str, ...] = ()  # the same, for hits of the phrase layer only
    tip: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class IntentSpec:
    """One table of ``intents.toml``."""

    patterns: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()
    exclusive: tuple[str, ...] = ()
    phrase_exclusive: tuple[str, ...] = ()
    phrase_layer: bool = True  # False: the group's generic phrases are not matched on kana


def parse_intents(data: dict) -> dict[str, IntentSpec]:
    """Validate the contents of an ``intents.toml`` (raises ``ValueError``)."""
    out: dict[str, IntentSpec] = {}
    for gid, table in data.items():
        if not isinstance(table, dict):
            raise TypeError(f"[{gid}] must be a table")
        unknown = set(table) - {
            "patterns",
            "examples",
            "unless",
            "exclusive",
            "phrase_exclusive",
            "phrase_layer",
        }
        if unknown:
            raise ValueError(f"[{gid}] unknown keys: {sorted(unknown)}")
        pats = tuple(table.get("patterns", ()))
        for p in pats:
            compile_pattern(p)
        out[gid] = IntentSpec(
            patterns=pats,
            examples=tuple(table.get("examples", ())),
            unless=tuple(table.get("unless", ())),
            exclusive=tuple(table.get("exclusive", ())),
            phrase_exclusive=tuple(table.get("phrase_exclusive", ())),
            phrase_layer=bool(table.get("phrase_layer", True)),
        )
    return out


@lru_cache(maxsize=4)
def load_intents(path: Path = INTENTS_FILE) -> dict[str, IntentSpec]:
    """The intent patterns and examples per group id (the package's ``intents.toml``)."""
    with path.open("rb") as f:
        return parse_intents(tomllib.load(f))


def intent_group(
    gid: str,
    kind: Kind,
    label: str,
    phrases: Iterable[str] = (),
    *,
    tip: str = "",
    weight: float = 1.0,
    extra_examples: Iterable[str] = (),
    specs: dict[str, IntentSpec] | None = None,
) -> IntentGroup:
    """An :class:`IntentGroup` for a rubric group: its phrases plus the patterns and examples
    ``intents.toml`` holds for that id (a turn-local group has phrases only)."""
    spec = (specs if specs is not None else load_intents()).get(gid, IntentSpec())
    phrases = tuple(phrases)
    return IntentGroup(
        id=gid,
        kind=kind,
        label=label,
        patterns=spec.patterns,
        phrases=phrases if spec.phrase_layer or not spec.patterns else (),
        examples=tuple(dict.fromkeys((*spec.examples, *extra_examples))),
        unless=spec.unless,
        exclusive=spec.exclusive,
        phrase_exclusive=spec.phrase_exclusive,
        tip=tip,
        weight=weight,
    )


# --------------------------------------------------------------------------- recognition


@dataclass(frozen=True)
class IntentHit:
    """One group expressed by one clause."""

    id: str
    kind: Kind
    label: str
    clause: int
    evidence: str  # the words that carry it (transcript text)
    span: Span
    confidence: float
    layer: Literal["pattern", "phrase"]
    rule: str = ""  # the pattern or phrase that matched
    distance: float = 0.0  # kana edit cost of a phrase match (0 = exact reading; patterns 0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["span"] = list(self.span)
        return d


@dataclass
class ClauseResult:
    index: int
    sentence: int
    text: str
    span: Span
    hits: list[IntentHit] = field(default_factory=list)


@dataclass
class Recognition:
    """Every clause of a transcript with the intents it expresses."""

    text: str
    clauses: list[ClauseResult]

    @property
    def hits(self) -> list[IntentHit]:
        return [h for c in self.clauses for h in c.hits]

    def found(self) -> set[str]:
        return {h.id for h in self.hits}

    def best(self, gid: str) -> IntentHit | None:
        """The most confident hit of group ``gid`` (earliest on ties)."""
        hits = [h for h in self.hits if h.id == gid]
        return max(hits, key=lambda h: (h.confidence, -h.span[0])) if hits else None


def _words(clause: Clause) -> list[Morph]:
    return [m for m in clause.morphs if not m.is_symbol]


@dataclass
class _ClauseView:
    clause: Clause
    words: list[Morph]
    keys: frozenset[str]
    has_negation: bool


def _view(clause: Clause) -> _ClauseView:
    words = _words(clause)
    keys = frozenset().union(*(morph_keys(m) for m in words)) if words else frozenset()
    return _ClauseView(clause, words, keys, any(m.is_negation for m in words))


def _pattern_hits(group: IntentGroup, view: _ClauseView, text: str) -> list[IntentHit]:
    clause, words = view.clause, view.words
    for src in group.patterns:
        pat = compile_pattern(src)
        if not pat.possible(view.keys, view.has_negation):
            continue
        got = match_pattern(pat, words)
        if got is None:
            continue
        s, e, q = got
        if scope(words[e:]) != "ok":
            continue
        if pat.needs_negation and _hedged(words[max(0, s - 5) : s]):
            continue
        while s > 0 and words[s - 1].pos[0] == "接頭辞":  # お詫び, ご迷惑
            s -= 1
        while e < len(words) and words[e].pos[0] in ("助動詞", "接尾辞"):  # …いたします
            e += 1
        span = (words[s].span[0], words[e - 1].span[1])
        conf = PATTERN_CONFIDENCE if q == 2 else READING_CONFIDENCE
        return [
            IntentHit(
                group.id,
                group.kind,
                group.label,
                clause.index,
                text[span[0] : span[1]],
                span,
                conf,
                "pattern",
                src,
            )
        ]
    return []


@lru_cache(maxsize=8192)
def _phrase_morae(phrase: str) -> tuple[str, ...]:
    return tuple(split_morae(kana(phrase)))


def _bigrams(morae: Sequence[str]) -> set[tuple[str, str]]:
    return set(pairwise(morae))


class _PhraseIndex:
    """A transcript's morae prepared for many approximate phrase searches: mora ids over the
    transcript's own alphabet, cumulative insertion costs and a cache of substitution-cost rows
    (one per phrase mora), so that the dynamic programme is vectorised."""

    def __init__(self, idx: IndexedText):
        self.idx = idx
        self.alphabet = sorted(set(idx.morae))
        ids = {m: i for i, m in enumerate(self.alphabet)}
        self.ids = np.array([ids[m] for m in idx.morae], dtype=np.int64)
        ins = np.array([indel_cost(m) for m in idx.morae])
        self.cum_ins = np.concatenate([[0.0], np.cumsum(ins)])
        self.bigrams = _bigrams(idx.morae)
        self._rows: dict[str, np.ndarray] = {}

    def row(self, mora: str) -> np.ndarray:
        r = self._rows.get(mora)
        if r is None:
            r = np.array([substitution_cost(mora, a) for a in self.alphabet])
            self._rows[mora] = r
        return r[self.ids]

    def best_end(self, pm: Sequence[str]) -> tuple[float, int]:
        """:func:`analysis.phonetic._best_end` (free-start approximate substring search)."""
        cum = self.cum_ins
        prev = np.zeros(len(self.ids) + 1)
        for p in pm:
            diag = np.concatenate([[np.inf], prev[:-1] + self.row(p)])
            a = np.minimum(diag, prev + indel_cost(p))
            a[0] = prev[0] + indel_cost(p)
            prev = np.minimum.accumulate(a - cum) + cum
        j = int(np.argmin(prev))
        return float(prev[j]), j


def find_phrase_fast(pidx: _PhraseIndex, phrase: str) -> Match | None:
    """:func:`analysis.phonetic.find_phrase` with the phrase's reading cached, a q-gram filter
    (a phrase of n morae within k edits shares at least n − 1 − 2k mora bigrams with the text)
    and a vectorised dynamic programme."""
    idx = pidx.idx
    pm = list(_phrase_morae(phrase))
    if not pm or not idx.morae:
        return None
    pk = "".join(pm)
    exact = idx.kana.find(pk)
    while exact >= 0:
        start = idx.offsets.get(exact)
        if start is not None and exact + len(pk) in idx.offsets:
            return _make_match(idx, phrase, pk, start, idx.offsets[exact + len(pk)], 0.0)
        exact = idx.kana.find(pk, exact + 1)
    budget = tolerance(len(pm))
    if budget <= 0:
        return None
    edits = int(budget / HALF)
    if len(_bigrams(pm) & pidx.bigrams) < len(pm) - 1 - 2 * edits:
        return None
    cost, end = pidx.best_end(pm)
    if cost > budget + 1e-9 or end == 0:
        return None
    start = _best_start(pm, idx.morae, end)
    if start >= end:
        return None
    return _make_match(idx, phrase, pk, start, end, cost)


def _phrase_hits(
    group: IntentGroup,
    clauses: Sequence[Clause],
    text: str,
    pidx: _PhraseIndex,
    max_distance: float | None = None,
) -> list[IntentHit]:
    out: list[IntentHit] = []
    seen: set[int] = set()
    for phrase in group.phrases:
        m = find_phrase_fast(pidx, phrase)
        if m is None or (max_distance is not None and m.distance > max_distance):
            continue
        clause = next(
            (c for c in clauses if c.span[0] <= m.span[0] < max(c.span[1], c.span[0] + 1)), None
        )
        if clause is None or clause.index in seen:
            continue
        words = _words(clause)
        after = [w for w in words if w.span[0] >= m.span[1]]
        if scope(after) != "ok":
            continue
        seen.add(clause.index)
        conf = round(max(0.5, PHRASE_CONFIDENCE - 0.15 * m.distance), 2)
        out.append(
            IntentHit(
                group.id,
                group.kind,
                group.label,
                clause.index,
                m.matched_text,
                m.span,
                conf,
                "phrase",
                phrase,
                m.distance,
            )
        )
    return out


@dataclass(frozen=True)
class Layers:
    """Which layers run (for the benchmark's ablations)."""

    patterns: bool = True
    phrases: bool = True
    unless: bool = True
    # phrases of a group that also has patterns must match this closely (kana edit cost);
    # turn-local groups (phrases only) keep the full tolerance of analysis.phonetic
    pattern_group_phrase_distance: float = 0.5


ALL_LAYERS = Layers()


def recognise(
    text: str,
    groups: Sequence[IntentGroup],
    *,
    layers: Layers = ALL_LAYERS,
) -> Recognition:
    """Which of ``groups`` each clause of ``text`` expresses.

    Parameters
    ----------
    text : str
        A transcript.
    groups : sequence of IntentGroup
        The groups to look for (a turn's required and NG groups, or a whole library).
    layers : Layers
        Which layers run.

    Returns
    -------
    Recognition
        Every clause with at most one hit per group (the most confident layer's).
    """
    clauses = split_clauses(text)
    results = [ClauseResult(c.index, c.sentence, c.text(text), c.span) for c in clauses]
    if not clauses:
        return Recognition(text, results)
    pidx = _PhraseIndex(IndexedText(text)) if layers.phrases else None
    by_clause: dict[tuple[int, str], IntentHit] = {}

    def keep(h: IntentHit) -> None:
        key = (h.clause, h.id)
        if key not in by_clause or h.confidence > by_clause[key].confidence:
            by_clause[key] = h

    views = [_view(c) for c in clauses]
    for g in groups:
        if layers.patterns and g.patterns:
            for v in views:
                for h in _pattern_hits(g, v, text):
                    keep(h)
        if layers.phrases and g.phrases and pidx is not None:
            limit = layers.pattern_group_phrase_distance if g.patterns else None
            for h in _phrase_hits(g, clauses, text, pidx, limit):
                keep(h)
    hits = list(by_clause.values())
    if layers.unless:
        hits = _apply_unless(hits, groups, views, text)
    for h in sorted(hits, key=lambda h: (h.clause, h.span[0], h.id)):
        results[h.clause].hits.append(h)
    return Recognition(text, results)


def _apply_unless(
    hits: list[IntentHit], groups: Sequence[IntentGroup], views: Sequence[_ClauseView], text: str
) -> list[IntentHit]:
    """Drop hits whose ``unless`` group is expressed in the same or next sentence, or whose
    ``exclusive`` group in the same clause. Blocking groups need not be in ``groups``: their
    patterns come from ``intents.toml``."""
    unless = {g.id: set(g.unless) for g in groups if g.unless}
    exclusive = {g.id: set(g.exclusive) for g in groups if g.exclusive}
    phrase_exclusive = {g.id: set(g.phrase_exclusive) for g in groups if g.phrase_exclusive}
    if not unless and not exclusive and not phrase_exclusive:
        return hits
    present = {g.id for g in groups}
    wanted = (
        set().union(*unless.values(), *exclusive.values(), *phrase_exclusive.values()) - present
    )
    specs = load_intents()
    found = {(h.clause, h.id) for h in hits}
    for gid in wanted:
        spec = specs.get(gid)
        if spec is None:
            continue
        g = IntentGroup(gid, "required", gid, patterns=spec.patterns)
        for v in views:
            if _pattern_hits(g, v, text):
                found.add((v.clause.index, gid))
    sentence_of = {v.clause.index: v.clause.sentence for v in views}
    by_sentence: dict[int, set[str]] = {}
    by_clause: dict[int, set[str]] = {}
    for ci, gid in found:
        by_sentence.setdefault(sentence_of[ci], set()).add(gid)
        by_clause.setdefault(ci, set()).add(gid)
    out = []
    for h in hits:
        s = sentence_of[h.clause]
        near = by_sentence.get(s, set()) | by_sentence.get(s + 1, set())
        if unless.get(h.id, set()) & near:
            continue
        if exclusive.get(h.id, set()) & by_clause.get(h.clause, set()):
            continue
        if h.layer == "phrase" and phrase_exclusive.get(h.id, set()) & by_clause.get(
            h.clause, set()
        ):
            continue
        out.append(h)
    return out
