"""How a transcript meets a :class:`~analysis.rubric.Rubric`: required and NG groups
(recognised per clause by :mod:`analysis.intents`: lemma patterns with negation and scope, plus
the group's phrases on kana readings), yen amounts against the authority limit
(:mod:`analysis.amounts`) and whether escalation was said.

One recogniser decides all of it: an amount is not promised when its sentence escalates or
refuses (the ``escalation``, ``refuse_clearly`` and ``flat_refusal`` intents), and escalation is
the ``escalation`` intent of ``analysis/intents.toml`` (one list of escalation patterns).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field

from analysis.amounts import YenAmount, find_yen_amounts
from analysis.intents import (
    ALL_LAYERS,
    IntentGroup,
    IntentHit,
    Layers,
    Recognition,
    compile_pattern,
    intent_group,
    match_pattern,
    recognise,
    scope,
)
from analysis.phonetic import IndexedText, Match, find_phrase
from analysis.reading import Span
from analysis.rubric import PhraseGroup, Rubric

# Escalation (上司・責任者…) is the "escalation" intent of analysis/intents.toml: one list of
# patterns (nouns also match by reading, so Whisper's 上肢 for 上司 counts). A bare mention
# (「上司からは…と言われております」) is not an escalation, so there is no word list here.
ESCALATION = PhraseGroup(id="escalation", label="上司・責任者へのエスカレーション", phrases=())
# Intents that make an amount in their sentence a non-promise (escalating or refusing it).
NON_PROMISE_INTENTS = ("escalation", "refuse_clearly", "flat_refusal")
# Intents that make a clause report the customer's words rather than promise (「全額のご返金を
# ご希望ということですね」).
REPORTING_INTENTS = ("repeat_back",)
# 「全額返金」 said without a yen amount: a promise of the whole price.
FULL_REFUND = compile_pattern("全額 … 返金|返す|お返し|払い戻す|払い戻し|返却")


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
    confidence: float | None = None  # of the recogniser's hit (0–1)
    layer: str | None = None  # "pattern" or "phrase"
    clause: int | None = None  # index into RubricResult.clauses
    closest: str | None = None  # a missed group: the clause said that came closest to it


@dataclass
class RubricResult:
    """How a transcript meets a :class:`Rubric`."""

    required: list[GroupResult] = field(default_factory=list)
    ng: list[GroupResult] = field(default_factory=list)  # one per NG group; found = said
    amounts: list[YenAmount] = field(default_factory=list)
    max_refund_yen: int | None = None
    escalation: GroupResult | None = None
    # the transcript's clauses with the intents each expressed (for feedback): dicts with
    # index, sentence, text, span and hits (id, kind, label, evidence, span, confidence, layer)
    clauses: list[dict] = field(default_factory=list)

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
            "clauses": [dict(c) for c in self.clauses],
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
            clauses=[dict(c) for c in d.get("clauses", [])],
        )


def match_group(text: str | IndexedText, group: PhraseGroup) -> GroupResult:
    """Best-matching phrase of ``group`` in ``text``.

    Parameters
    ----------
    text : str or IndexedText
        The transcript.
    group : PhraseGroup
        Interchangeable phrases.

    Returns
    -------
    GroupResult
        ``found`` with the phrase of lowest distance (then earliest), its surface text, span
        and distance; or ``found=False``. ``example`` is the group's first phrase.
    """
    idx = text if isinstance(text, IndexedText) else IndexedText(text)
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


def intent_groups(rubric: Rubric) -> list[IntentGroup]:
    """The rubric's required and NG groups as the recogniser sees them (phrases of the turn,
    patterns and examples of ``analysis/intents.toml`` for shared ids)."""

    def conv(g: PhraseGroup, kind: str) -> IntentGroup:
        return intent_group(g.id, kind, g.label, g.phrases, tip=g.tip, weight=g.weight)  # type: ignore[arg-type]

    return [conv(g, "required") for g in rubric.required] + [conv(g, "ng") for g in rubric.ng]


_CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞")


def _content_lemmas(text: str) -> set[str]:
    from analysis.intents import LIGHT_WORDS
    from analysis.morph import analyse

    return {
        m.norm
        for m in analyse(text)
        if m.pos[0] in _CONTENT_POS and m.norm not in LIGHT_WORDS and m.lemma not in LIGHT_WORDS
    }


def _group_lemmas(group: IntentGroup) -> set[str]:
    words = " ".join(
        w
        for p in group.patterns
        for part in p.split()
        if part not in ("NEG", "…", "^") and not part.startswith("!")
        for w in part.lstrip("=").split("|")
    )
    return _content_lemmas(" ".join((*group.phrases, *group.examples))) | _content_lemmas(words)


def closest_clause(group: IntentGroup, rec: Recognition) -> str | None:
    """The clause said that comes closest to a missed group: the one sharing most content words
    (nouns, verbs, adjectives; normalised forms) with the group's patterns, phrases and
    examples; ``None`` when no clause shares one (then only the model answer is shown)."""
    ref = _group_lemmas(group)
    best, best_n = None, 0
    for c in rec.clauses:
        n = len(_content_lemmas(c.text) & ref)
        if n > best_n:
            best, best_n = c.text, n
    return best


def _result(
    group: IntentGroup, hit: IntentHit | None, rec: Recognition | None = None
) -> GroupResult:
    example = group.phrases[0] if group.phrases else (group.examples or (group.label,))[0]
    if hit is None:
        return GroupResult(
            group.id,
            group.label,
            False,
            weight=group.weight,
            tip=group.tip,
            example=example,
            closest=closest_clause(group, rec) if rec is not None else None,
        )
    return GroupResult(
        group.id,
        group.label,
        True,
        phrase=hit.rule,
        matched_text=hit.evidence,
        span=hit.span,
        distance=hit.distance,
        weight=group.weight,
        tip=group.tip,
        example=example,
        confidence=hit.confidence,
        layer=hit.layer,
        clause=hit.clause,
    )


def _clauses(rec: Recognition, shown: set[str]) -> list[dict]:
    return [
        {
            "index": c.index,
            "sentence": c.sentence,
            "text": c.text,
            "span": list(c.span),
            "hits": [h.to_dict() for h in c.hits if h.id in shown],
        }
        for c in rec.clauses
    ]


def mark_promises(amounts: Sequence[YenAmount], rec: Recognition) -> None:
    """An amount is promised unless its sentence escalates or refuses (one recogniser)."""
    blocked = {c.sentence for c in rec.clauses for h in c.hits if h.id in NON_PROMISE_INTENTS}
    for a in amounts:
        clause = next(
            (c for c in rec.clauses if c.span[0] <= a.span[0] < max(c.span[1], c.span[0] + 1)),
            None,
        )
        a.promised = clause is None or clause.sentence not in blocked


def find_full_refunds(text: str, rec: Recognition, amounts: Sequence[YenAmount]) -> list[YenAmount]:
    """「全額返金」 promised in a sentence that names no yen amount (the amount decides then).

    Not a promise when its clause reports the customer's wish (``repeat_back``), asks (…か),
    is negated, or when its sentence escalates or refuses."""
    from analysis.clauses import split_clauses

    blocked = {c.sentence for c in rec.clauses for h in c.hits if h.id in NON_PROMISE_INTENTS}
    reporting = {c.index for c in rec.clauses for h in c.hits if h.id in REPORTING_INTENTS}
    with_amount = {
        c.sentence
        for c in rec.clauses
        for a in amounts
        if not a.full_refund and c.span[0] <= a.span[0] < max(c.span[1], c.span[0] + 1)
    }
    out = []
    for clause in split_clauses(text):
        words = [m for m in clause.morphs if not m.is_symbol]
        got = match_pattern(FULL_REFUND, words)
        if got is None or clause.sentence in with_amount:
            continue
        s, e, _ = got
        span = (words[s].span[0], words[e - 1].span[1])
        question = bool(words) and words[-1].surface == "か"
        promised = not (
            clause.sentence in blocked
            or clause.index in reporting
            or question
            or scope(words[e:]) != "ok"
        )
        out.append(YenAmount(0, text[span[0] : span[1]], span, promised, full_refund=True))
    return out


def match_rubric(text: str, rubric: Rubric, *, layers: Layers = ALL_LAYERS) -> RubricResult:
    """Check ``text`` against a rubric.

    Parameters
    ----------
    text : str
        The transcript.
    rubric : Rubric
        Required and NG groups and the authority limit in yen.
    layers : Layers
        Which recogniser layers run (all by default).

    Returns
    -------
    RubricResult
        One :class:`GroupResult` per required and NG group (the most confident clause that
        expressed it), the yen amounts said (``promised`` unless their sentence escalates or
        refuses; ``over_limit`` when above ``rubric.max_refund_yen``), whether escalation was
        said, and every clause with the intents it expressed.
    """
    groups = intent_groups(rubric)
    ids = {g.id for g in groups}
    helpers = [
        intent_group(gid, "required", gid)
        for gid in (*NON_PROMISE_INTENTS, *REPORTING_INTENTS)
        if gid not in ids
    ]
    rec = recognise(text, [*groups, *helpers], layers=layers)
    amounts = find_yen_amounts(text)
    mark_promises(amounts, rec)
    amounts += find_full_refunds(text, rec, amounts)
    amounts.sort(key=lambda a: a.span[0])
    if rubric.max_refund_yen is not None:
        for a in amounts:
            if a.full_refund:  # the whole price: over the limit unless the price is known within
                price = rubric.full_refund_yen
                a.yen = price or 0
                a.over_limit = price is None or price > rubric.max_refund_yen
            else:
                a.over_limit = a.yen > rubric.max_refund_yen
    by_id = {g.id: g for g in groups}
    esc_group = by_id.get("escalation") or next(h for h in helpers if h.id == "escalation")
    esc = _result(esc_group, rec.best("escalation"))
    esc.label = ESCALATION.label if "escalation" not in by_id else esc.label
    n_req = len(rubric.required)
    return RubricResult(
        required=[_result(g, rec.best(g.id), rec) for g in groups[:n_req]],
        ng=[_result(g, rec.best(g.id)) for g in groups[n_req:]],
        amounts=amounts,
        max_refund_yen=rubric.max_refund_yen,
        escalation=esc,
        clauses=_clauses(rec, ids),
    )
