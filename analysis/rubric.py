"""What a turn asks of an answer: the data the scorer receives from a scenario.

Plain frozen dataclasses so that ``scenarios`` (which writes them) and ``analysis`` (which reads
them) share one vocabulary without either importing the other's internals.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PhraseGroup:
    """A group of interchangeable phrases, e.g. the ways to apologise.

    ``phrases`` are written as a person would write them (kanji and kana); matching happens on
    their kana readings. ``tip`` is a one-line Japanese hint shown when the group is missed
    (required groups) or hit (NG groups).
    """

    id: str
    label: str
    phrases: tuple[str, ...]
    tip: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class Rubric:
    """The content criteria of one turn.

    required: groups that should appear (apology, empathy, repeating back, proposal, …).
    ng: groups that must not appear (blame, 「規則ですので」, …).
    max_refund_yen: the trainee's authority limit; promising a larger amount is an error
        (escalating is right). ``None`` means the turn has no monetary limit.
    full_refund_yen: what 「全額返金」 would pay back (the order's price). ``None`` = unknown:
        promising a full refund without an amount then counts as over the limit.
    """

    required: tuple[PhraseGroup, ...] = field(default_factory=tuple)
    ng: tuple[PhraseGroup, ...] = field(default_factory=tuple)
    max_refund_yen: int | None = None
    full_refund_yen: int | None = None
