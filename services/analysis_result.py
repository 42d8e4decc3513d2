"""Reading a stored analysis result (``Attempt.result``) and the one judgement of "passed".

``Attempt.result`` is read here, once per attempt, through
:meth:`analysis.result.AnalysisResult.from_dict` (every stored schema version loads); callers
use the typed result's attributes after that.

**"Passed" has one owner: :func:`verdict`.** An attempt passed when its score reached the pass
mark *used when it was scored*: ``Attempt.passed`` (written at scoring time) together with the
pass mark stored in the result (``AnalysisResult.score.pass_mark``). Nothing compares a stored
score with today's ``analysis/bands.toml``, so a change of the bands never makes two pages
disagree about the same attempt. A trainer's override is judged against that same stored mark.

Pure functions over plain data: no database, no streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.result import AnalysisResult


def read(stored: Mapping[str, Any] | None) -> AnalysisResult | None:
    """The typed result of a stored ``Attempt.result`` (None when nothing is stored)."""
    return AnalysisResult.from_dict(stored) if stored else None


def format_seconds(seconds: float | None) -> str:
    """``75.4`` -> ``"1:15"`` (a position in a recording)."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


# --------------------------------------------------------------------------- passed


@dataclass(frozen=True)
class Verdict:
    """Whether an attempt passed, and against which pass mark (None: not scored)."""

    passed: bool | None
    pass_mark: float | None
    score: int | None  # the score judged (a trainer's override when there is one)


def verdict(attempt: Any, result: AnalysisResult | None = None, *,
            score_override: int | None = None) -> Verdict:
    """THE answer to "did this attempt pass?" (``attempt``: an ``Attempt`` row).

    The automatic verdict is ``attempt.passed``, stored when it was scored, with the pass mark
    stored in its result. With ``score_override`` (a trainer's score) the override is judged
    against that same stored pass mark. ``result``: the attempt's typed result if the caller
    has already read it (else it is read here).
    """
    if result is None:
        result = read(getattr(attempt, "result", None))
    mark = result.score.pass_mark if result is not None and result.score is not None else None
    if score_override is not None:
        return Verdict(None if mark is None else score_override >= mark, mark, score_override)
    if attempt.score is None:
        return Verdict(None, mark, None)
    return Verdict(attempt.passed, mark, attempt.score)


# --------------------------------------------------------------------------- rubric groups


@dataclass(frozen=True)
class RubricGroup:
    """One rubric group as the machine judged it."""

    id: str
    label: str
    kind: str  # "required" or "ng"
    found: bool
    matched_text: str | None = None


def rubric_groups(result: AnalysisResult | None) -> list[RubricGroup]:
    """The rubric groups of an analysis result, required first, then NG."""
    if result is None:
        return []
    return [RubricGroup(g.id, g.label or g.id, kind, bool(g.found), g.matched_text)
            for kind, g in result.rubric_groups()]


def corrections_detail(result: AnalysisResult | None,
                       corrections: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """``[{id, label, kind, machine_found, human_found}]`` for a review's rubric corrections."""
    if not corrections:
        return []
    groups = {g.id: g for g in rubric_groups(result)}
    out = []
    for gid, human in corrections.items():
        g = groups.get(gid)
        out.append({
            "id": gid,
            "label": g.label if g else gid,
            "kind": g.kind if g else "",
            "machine_found": g.found if g else None,
            "human_found": bool(human),
        })
    return out


def correct_rubric(result: AnalysisResult | None,
                   human: Mapping[str, bool] | None) -> dict[str, bool]:
    """A trainer's rubric corrections: ``{group id: human verdict "was it said"}`` with the
    entries that agree with the machine dropped. ``KeyError`` for a group id the result does
    not have."""
    groups = {g.id: g for g in rubric_groups(result)}
    out: dict[str, bool] = {}
    for gid, said in (human or {}).items():
        if gid not in groups:
            raise KeyError(gid)
        if bool(said) != groups[gid].found:
            out[gid] = bool(said)
    return out


def flipped(result: AnalysisResult | None, ticked: Mapping[str, bool]) -> dict[str, bool]:
    """The review form's ticks ("the machine was wrong about this group") as corrections:
    ``{group id: the opposite of the machine's verdict}`` for each ticked group."""
    groups = {g.id: g for g in rubric_groups(result)}
    return {gid: not groups[gid].found for gid, on in ticked.items() if on and gid in groups}
