"""How a transcript meets a :class:`~analysis.rubric.Rubric`: required and NG phrase groups
(matched on kana readings, :mod:`analysis.phonetic`), yen amounts against the authority limit
(:mod:`analysis.amounts`) and whether escalation was mentioned."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from analysis.amounts import YenAmount, find_yen_amounts
from analysis.phonetic import IndexedText, Match, find_phrase
from analysis.reading import Span
from analysis.rubric import PhraseGroup, Rubric

# Escalation phrases (matched on kana readings like the rubric).
ESCALATION = PhraseGroup(
    id="escalation",
    label="上司・責任者へのエスカレーション",
    phrases=("上司", "責任者", "上の者", "上席", "担当部署", "権限"),
)


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


def match_rubric(text: str, rubric: Rubric) -> RubricResult:
    """Check ``text`` against a rubric.

    Parameters
    ----------
    text : str
        The transcript.
    rubric : Rubric
        Required and NG phrase groups and the authority limit in yen.

    Returns
    -------
    RubricResult
        One :class:`GroupResult` per required and NG group, the yen amounts said (each marked
        ``over_limit`` when above ``rubric.max_refund_yen``), and whether escalation
        (上司・責任者…, :data:`ESCALATION`) was mentioned.
    """
    idx = IndexedText(text)
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
