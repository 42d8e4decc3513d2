"""A whole call: the score and pass of one run through a scenario, and what to improve first.

The rule lives in ``bands.toml`` (``[call]``): the call must have reached its end without the
customer hanging up, every turn must score at least ``turn_min`` and their mean at least
``mean_min``. Pure functions: the caller passes each turn's score (a trainer's score where one
was given) and the typed :class:`analysis.score.Score` of each turn for the improvements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.score import Score, band_text, load_bands


@dataclass(frozen=True)
class CallVerdict:
    """``passed`` is None while the call is not over; ``score`` is the rounded mean of the
    scored turns (None when none is scored). ``reasons`` = (Japanese, English) texts, the
    passing text or every reason it failed."""

    score: int | None
    passed: bool | None
    complete: bool
    turn_min: float
    mean_min: float
    reasons: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def reason_texts(self, lang: str = "ja") -> list[str]:
        return [en if lang == "en" and en else ja for ja, en in self.reasons]


def call_rule(bands: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    """The ``[call]`` table of ``bands.toml``."""
    return (bands if bands is not None else load_bands())["call"]


def _text(rule: Mapping[str, Any], key: str, **values: Any) -> tuple[str, str]:
    return band_text(rule, key, "ja", **values), band_text(rule, key, "en", **values)


def judge_call(
    scores: Sequence[float | None],
    *,
    complete: bool,
    hung_up: bool = False,
    bands: Mapping[str, Any] | None = None,
) -> CallVerdict:
    """Judge one call from its turn scores, in the order the turns were answered.

    ``complete``: the call reached an end (a turn after which the scenario ends). ``hung_up``:
    it ended because the customer hung up. A turn without a score (not analysed yet) keeps the
    call open (``passed`` None) — it is neither passed nor failed.
    """
    rule = call_rule(bands)
    turn_min, mean_min = float(rule["turn_min"]), float(rule["mean_min"])
    scored = [float(s) for s in scores if s is not None]
    mean = round(sum(scored) / len(scored)) if scored else None
    values = {"turn_min": f"{turn_min:.0f}", "mean_min": f"{mean_min:.0f}",
              "mean": "" if mean is None else str(mean)}
    reasons: list[tuple[str, str]] = []
    if hung_up:
        reasons.append(_text(rule, "hung_up"))
    for step, s in enumerate(scores, start=1):
        if s is not None and s < turn_min:
            reasons.append(_text(rule, "low_turn", step=step, score=f"{s:.0f}", **values))
    all_scored = bool(scores) and all(s is not None for s in scores)
    if complete and all_scored and mean is not None and mean < mean_min:
        reasons.append(_text(rule, "low_mean", **values))  # the mean only of a finished call
    if reasons:  # a failure already decided stays decided, even with a turn still open
        return CallVerdict(mean, False, complete, turn_min, mean_min, tuple(reasons))
    missing = [i for i, s in enumerate(scores, start=1) if s is None]
    if missing:
        pending = tuple(_text(rule, "unscored", step=i) for i in missing)
        return CallVerdict(mean, None, complete, turn_min, mean_min, pending)
    if not complete or not scores:
        return CallVerdict(mean, None, complete, turn_min, mean_min, (_text(rule, "unfinished"),))
    return CallVerdict(mean, True, True, turn_min, mean_min, (_text(rule, "passed", **values),))


@dataclass(frozen=True)
class Improvement:
    """One thing to improve across a call: the item that lost most points over its turns."""

    key: str
    points: int  # points lost over the call (rounded)
    steps: tuple[int, ...]  # the answers (1-based) in which it lost points
    explanation_ja: str
    tip_ja: str
    explanation_en: str = ""
    tip_en: str = ""

    def explanation(self, lang: str = "ja") -> str:
        return (self.explanation_en if lang == "en" else "") or self.explanation_ja

    def tip(self, lang: str = "ja") -> str:
        return (self.tip_en if lang == "en" else "") or self.tip_ja


def top_improvements(scores: Sequence[Score | None], n: int = 2) -> list[Improvement]:
    """The ``n`` items that cost most points over the call (ties: the earlier answer first).

    The text is that of the turn where the item cost most; a missed required group and the
    same NG group in two answers count as one item."""
    lost: dict[str, float] = {}
    steps: dict[str, list[int]] = {}
    worst: dict[str, tuple[float, Any]] = {}
    first: dict[str, int] = {}
    for step, sc in enumerate(scores, start=1):
        if sc is None:
            continue
        for d in sc.deductions:
            if not d.tip_ja:
                continue
            lost[d.key] = lost.get(d.key, 0.0) + d.points
            steps.setdefault(d.key, []).append(step)
            first.setdefault(d.key, step)
            if d.key not in worst or d.points > worst[d.key][0]:
                worst[d.key] = (d.points, d)
    keys = sorted(lost, key=lambda k: (-lost[k], first[k]))[:n]
    out = []
    for k in keys:
        d = worst[k][1]
        out.append(Improvement(k, round(lost[k]), tuple(steps[k]), d.explanation_ja, d.tip_ja,
                               d.explanation_en, d.tip_en))
    return out
