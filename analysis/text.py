"""Text measures of a transcript: kana reading, morae, characters, fillers, rubric phrases, yen.

Everything works on the transcript string Whisper produced (kanji + kana). Pace in Japanese is
counted in morae, so the transcript is read with OpenJTalk (pyopenjtalk-plus, BSD); rubric
phrases are matched on those kana readings, which makes Whisper's homophone errors (至急→支給,
件→県) harmless. A small, sound-aware edit-distance tolerance per phrase absorbs near misses such
as 至急→地球 (シキュー/チキュー) while keeping different words (返金/返品) apart.

Spans are ``(start, end)`` character offsets into the transcript string (Python slicing), so the
UI can highlight ``text[start:end]``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from functools import lru_cache

import numpy as np
import pyopenjtalk

from analysis.rubric import PhraseGroup, Rubric

Span = tuple[int, int]

SMALL_KANA = frozenset("ャュョァィゥェォヮ")  # join the preceding kana into one mora
LONG_VOWEL = "ー"
SOKUON = "ッ"
HATSUON = "ン"

# ---------------------------------------------------------------------------------------------
# Fillers
# ---------------------------------------------------------------------------------------------
# ONE list of filler variants, written in hiragana as Whisper spells them. Matching is on the
# transcript converted to hiragana (so エー counts as えー); every ー in a variant matches one or
# more ー (えーーと counts as えーと). Counted by variant, longest variant first, no overlaps.
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

# Markers that a refund amount is not being promised (its sentence refuses or escalates).
NON_PROMISE_MARKERS: tuple[str, ...] = (
    "上司",
    "責任者",
    "上の者",
    "上席",
    "担当部署",
    "権限",
    "確認",
    "かねます",
    "できません",
    "出来ません",
    "致しかね",
    "いたしかね",
    "相談",
)
# Escalation phrases (matched on kana readings like the rubric).
ESCALATION = PhraseGroup(
    id="escalation",
    label="上司・責任者へのエスカレーション",
    phrases=("上司", "責任者", "上の者", "上席", "担当部署", "権限"),
)

# ---------------------------------------------------------------------------------------------
# Readings
# ---------------------------------------------------------------------------------------------


def _is_kana(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fc" and ch != "\u30fb"


def _is_countable_char(ch: str) -> bool:
    cat = unicodedata.category(ch)
    return not (cat[0] in "PZSC")


@dataclass(frozen=True)
class Reading:
    """Kana reading of a text with, for each kana character, the span of text it came from."""

    kana: str  # katakana only (punctuation removed), pronunciation form (は → ワ)
    spans: tuple[Span, ...]  # one per kana character
    tokens: tuple[tuple[str, str, Span], ...]  # (surface, part of speech, span) per word


def _normalised(text: str) -> tuple[str, list[int]]:
    chars, index = [], []
    for i, ch in enumerate(text):
        for c in unicodedata.normalize("NFKC", ch):
            chars.append(c)
            index.append(i)
    return "".join(chars), index


@lru_cache(maxsize=256)
def reading(text: str) -> Reading:
    """Kana reading of ``text`` (OpenJTalk pronunciation) aligned to character spans.

    Numbers are read out (「5,000円」→ ゴセンエン); the kana of a read-out number map to the
    span of the digits.
    """
    if not text.strip():
        return Reading("", (), ())
    norm, index = _normalised(text)
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
        if tok["pos"] == "記号":
            continue
        for ch in tok["pron"].replace("’", ""):
            if _is_kana(ch):
                kana.append("オ" if ch == "ヲ" else ch)
                spans.append(span)
    return Reading("".join(kana), tuple(spans), tuple(words))


def kana(text: str) -> str:
    """Katakana reading of ``text`` without punctuation (pyopenjtalk ``g2p(text, kana=True)``),
    を read as オ (as spoken; :func:`reading` does the same)."""
    return "".join(
        "オ" if ch == "ヲ" else ch for ch in pyopenjtalk.g2p(text, kana=True) if _is_kana(ch)
    )


def split_morae(kana_text: str) -> list[str]:
    """Split katakana into morae: ー, ッ and ン are morae; small ャュョァィゥェォヮ join the
    kana before them (キャッシュ → キャ・ッ・シュ = 3)."""
    out: list[str] = []
    for ch in kana_text:
        if not _is_kana(ch):
            continue
        if ch in SMALL_KANA and out and out[-1][-1] not in (LONG_VOWEL, SOKUON, HATSUON):
            out[-1] += ch
        else:
            out.append(ch)
    return out


def count_morae(text: str) -> int:
    """Number of morae in the reading of ``text`` (きょう 2, キャッシュ 3, ティッシュ 3)."""
    return len(split_morae(reading(text).kana))


def count_chars(text: str) -> int:
    """Characters of ``text`` without punctuation, symbols and spaces (kanji, kana, digits…)."""
    return sum(1 for ch in text if _is_countable_char(ch))


# ---------------------------------------------------------------------------------------------
# Sound-aware edit distance on morae
# ---------------------------------------------------------------------------------------------
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
HALF = 0.5


def _mora_cv(mora: str) -> tuple[str, str]:
    if mora in (LONG_VOWEL, SOKUON, HATSUON):
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
    """Cost of hearing mora ``b`` where ``a`` was meant: 0 same, 0.5 confusable, 1 different."""
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
    """Cost of a mora missing or extra: 0.5 for ー and ッ (dropped lengthening), else 1."""
    return HALF if mora in (LONG_VOWEL, SOKUON) else 1.0


def tolerance(n_morae: int) -> float:
    """Edit budget for a phrase of ``n_morae``: 0 (≤ 2 morae), 0.5 (3–5: one confusable sound
    or a dropped ー/ッ), 1.0 (6–11: one error), 1.5 (≥ 12)."""
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


class _Indexed:
    """A transcript's morae with their character spans (built once per transcript)."""

    def __init__(self, text: str):
        self.text = text
        r = reading(text)
        self.morae: list[str] = []
        self.spans: list[Span] = []
        for ch, span in zip(r.kana, r.spans):
            if (
                ch in SMALL_KANA
                and self.morae
                and self.morae[-1][-1] not in (LONG_VOWEL, SOKUON, HATSUON)
            ):
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
    text: str | _Indexed, phrase: str, *, max_distance: float | None = None
) -> Match | None:
    """Best occurrence of ``phrase`` in ``text`` compared on kana readings, or ``None``.

    ``max_distance`` defaults to :func:`tolerance` of the phrase's mora count.
    """
    idx = text if isinstance(text, _Indexed) else _Indexed(text)
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


def _make_match(idx: _Indexed, phrase: str, pk: str, start: int, end: int, cost: float) -> Match:
    s = min(sp[0] for sp in idx.spans[start:end])
    e = max(sp[1] for sp in idx.spans[start:end])
    return Match(phrase, pk, "".join(idx.morae[start:end]), idx.text[s:e], (s, e), round(cost, 2))


# ---------------------------------------------------------------------------------------------
# Rubric
# ---------------------------------------------------------------------------------------------
@dataclass
class GroupResult:
    """Whether a phrase group of the rubric was found, and where."""

    id: str
    label: str
    found: bool
    phrase: str | None = None  # the rubric phrase that matched
    matched_text: str | None = None  # the transcript text that matched it
    span: Span | None = None
    distance: float | None = None
    weight: float = 1.0
    tip: str = ""
    example: str = ""  # the group's first phrase, for tips


@dataclass
class YenAmount:
    """A yen amount said in the transcript (「5,000円」「五千円」「3万円」)."""

    yen: int
    text: str
    span: Span
    promised: bool  # False when its sentence refuses or escalates (上司に確認します…)
    over_limit: bool = False


@dataclass
class RubricResult:
    """How a transcript meets a :class:`Rubric`."""

    required: list[GroupResult] = field(default_factory=list)
    ng: list[GroupResult] = field(default_factory=list)  # one per NG group; found = said
    amounts: list[YenAmount] = field(default_factory=list)
    max_refund_yen: int | None = None
    escalation: GroupResult | None = None

    @property
    def over_limit(self) -> list[YenAmount]:
        """Amounts above the authority limit that were promised (a content error)."""
        return [a for a in self.amounts if a.over_limit and a.promised]

    @property
    def ng_found(self) -> list[GroupResult]:
        return [g for g in self.ng if g.found]

    def to_dict(self) -> dict:
        return {
            "required": [asdict(g) for g in self.required],
            "ng": [asdict(g) for g in self.ng],
            "amounts": [asdict(a) for a in self.amounts],
            "max_refund_yen": self.max_refund_yen,
            "escalation": asdict(self.escalation) if self.escalation else None,
        }

    @classmethod
    def from_dict(cls, d: dict) -> RubricResult:
        def group(g: dict) -> GroupResult:
            g = dict(g)
            if g.get("span") is not None:
                g["span"] = tuple(g["span"])
            return GroupResult(**g)

        def amount(a: dict) -> YenAmount:
            a = dict(a)
            a["span"] = tuple(a["span"])
            return YenAmount(**a)

        return cls(
            required=[group(g) for g in d.get("required", [])],
            ng=[group(g) for g in d.get("ng", [])],
            amounts=[amount(a) for a in d.get("amounts", [])],
            max_refund_yen=d.get("max_refund_yen"),
            escalation=group(d["escalation"]) if d.get("escalation") else None,
        )


def match_group(text: str | _Indexed, group: PhraseGroup) -> GroupResult:
    """Best-matching phrase of ``group`` in ``text`` (lowest distance, then earliest)."""
    idx = text if isinstance(text, _Indexed) else _Indexed(text)
    best: Match | None = None
    example = group.phrases[0] if group.phrases else group.label
    for phrase in group.phrases:
        m = find_phrase(idx, phrase)
        if m and (best is None or (m.distance, m.span[0]) < (best.distance, best.span[0])):
            best = m
    if best is None:
        return GroupResult(
            group.id, group.label, False, weight=group.weight, tip=group.tip, example=example
        )
    return GroupResult(
        group.id,
        group.label,
        True,
        best.phrase,
        best.matched_text,
        best.span,
        best.distance,
        group.weight,
        group.tip,
        example,
    )


def match_rubric(text: str, rubric: Rubric) -> RubricResult:
    """Check ``text`` against a rubric: required groups, NG groups, yen amounts vs the limit,
    and whether escalation (上司・責任者…) was mentioned."""
    idx = _Indexed(text)
    amounts = find_yen_amounts(text)
    if rubric.max_refund_yen is not None:
        for a in amounts:
            a.over_limit = a.yen > rubric.max_refund_yen
    return RubricResult(
        required=[match_group(idx, g) for g in rubric.required],
        ng=[match_group(idx, g) for g in rubric.ng],
        amounts=amounts,
        max_refund_yen=rubric.max_refund_yen,
        escalation=match_group(idx, ESCALATION),
    )


# ---------------------------------------------------------------------------------------------
# Yen amounts
# ---------------------------------------------------------------------------------------------
_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0}
_SMALL_UNITS = {"十": 10, "百": 100, "千": 1000}
_BIG_UNITS = {"万": 10_000, "億": 100_000_000}
_YEN_RE = re.compile(r"([0-9〇零一二三四五六七八九十百千万億,]+)円")


def parse_japanese_number(s: str) -> int | None:
    """「5,000」「五千」「3万」「1万2千」「3万5000」→ int; ``None`` if it holds no numeral."""
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
    """Yen amounts in ``text`` with spans. An amount counts as promised unless its sentence
    holds a refusal or escalation marker (:data:`NON_PROMISE_MARKERS`)."""
    norm, index = _normalised(text)
    out = []
    for m in _YEN_RE.finditer(norm):
        yen = parse_japanese_number(m.group(1))
        if yen is None or (yen == 0 and not any(c.isdigit() or c in "〇零" for c in m.group(1))):
            continue
        s, e = index[m.start()], index[m.end() - 1] + 1
        left = max(text.rfind(p, 0, s) for p in "。！？!?\n")
        rights = [i for i in (text.find(p, e) for p in "。！？!?\n") if i >= 0]
        sentence = text[left + 1 : min(rights) if rights else len(text)]
        promised = not any(k in sentence for k in NON_PROMISE_MARKERS)
        out.append(YenAmount(int(yen), text[s:e], (s, e), promised))
    return out


# ---------------------------------------------------------------------------------------------
# Whisper repetition loops
# ---------------------------------------------------------------------------------------------
REPEAT_MIN = 4  # a unit said this many times in a row is a decoding loop, not speech
_REPEAT_RE = re.compile(r"(.{2,20}?)\1{" + str(REPEAT_MIN - 1) + ",}", re.DOTALL)


def collapse_repeats(text: str) -> tuple[str, int]:
    """Collapse Whisper's repetition loops (「お前は、お前は、お前は、…」): a unit of 2–20
    characters repeated ≥ REPEAT_MIN times in a row is kept once (a trailing partial repeat
    is dropped too). Returns the text and how many loops were collapsed."""
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


# ---------------------------------------------------------------------------------------------
# Fillers and overall measures
# ---------------------------------------------------------------------------------------------
def _to_hiragana(text: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "\u30a1" <= c <= "\u30f6" else c for c in text)


_FILLER_PATTERNS = sorted(
    ((v, re.compile(re.escape(v).replace("ー", "ー+"))) for v in FILLERS),
    key=lambda p: -len(p[0]),
)


@dataclass(frozen=True)
class FillerHit:
    variant: str  # the entry of FILLERS it counts as
    text: str  # as written in the transcript
    span: Span


def find_fillers(text: str) -> list[FillerHit]:
    """Filler words in ``text``, longest variant first, no overlaps (rules: see FILLERS)."""
    if not text:
        return []
    hira = _to_hiragana(text)
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
    """Reading, morae, characters, words and fillers of a transcript."""
    r = reading(text)
    words = sum(1 for _, pos, sp in r.tokens if pos != "記号" and sp[1] > sp[0])
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
