"""Reading a stored analysis result (``Attempt.result``, ``analysis.pipeline.Result.to_dict()``):
its transcript segments, length, delivery measures and rubric groups, and the pass mark they are
judged against. Pure functions over plain data: no database, no streamlit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from analysis.score import load_bands


def format_seconds(seconds: float | None) -> str:
    """``75.4`` -> ``"1:15"`` (a position in a recording)."""
    if seconds is None:
        return ""
    s = max(0, int(seconds))
    return f"{s // 60}:{s % 60:02d}"


def pass_mark() -> float:
    """The pass mark: ``analysis/bands.toml`` owns what a score means."""
    return float(load_bands()["pass_mark"])


def segments(result: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The transcript segments ``[{start, end, text, words}]`` of an analysis result."""
    if not result:
        return []
    out = []
    for seg in result.get("segments") or []:
        if isinstance(seg, Mapping) and seg.get("start") is not None:
            out.append(dict(seg))
    return sorted(out, key=lambda s: float(s["start"]))


def duration_s(result: Mapping[str, Any] | None) -> float | None:
    """Length of the recording in seconds, when the result tells it."""
    if not result:
        return None
    for key in ("duration_s", "duration"):
        if isinstance(result.get(key), (int, float)):
            return float(result[key])
    metrics = result.get("metrics")
    if isinstance(metrics, Mapping) and isinstance(metrics.get("duration_s"), (int, float)):
        return float(metrics["duration_s"])
    ends = [float(s["end"]) for s in segments(result) if s.get("end") is not None]
    return max(ends) if ends else None


#: The scalar delivery measures of ``analysis.pipeline.Result`` (its ``metrics`` property).
METRIC_KEYS = (
    "morae_per_s_span", "morae_per_s_speaking", "chars_per_min", "filler_ratio", "filler_count",
    "long_pause_count", "pause_count", "longest_pause_s", "pause_ratio", "f0_median_hz",
    "f0_sd_st", "f0_range_st", "loudness_dbfs", "noise_floor_dbfs", "snr_db", "clipping_ratio",
)


def metrics(result: Mapping[str, Any] | None) -> dict[str, Any]:
    """The delivery measures of an analysis result (flat in ``Result.to_dict()``)."""
    if not result:
        return {}
    source = result.get("metrics") if isinstance(result.get("metrics"), Mapping) else result
    return {k: source[k] for k in METRIC_KEYS if source.get(k) is not None}


@dataclass(frozen=True)
class RubricGroup:
    """One rubric group as the machine judged it."""

    id: str
    label: str
    kind: str  # "required" or "ng"
    found: bool
    matched_text: str | None = None


def rubric_groups(result: Mapping[str, Any] | None) -> list[RubricGroup]:
    """The rubric groups of an analysis result, required first, then NG.

    ``Result.to_dict()`` stores the required groups as a list in ``rubric`` and the NG groups
    in ``ng_phrases``; ``RubricResult.to_dict()`` (``{"required": [...], "ng": [...]}``) is
    read too.
    """
    result = result or {}
    rubric = result.get("rubric")
    if isinstance(rubric, Mapping):
        required, ng = rubric.get("required") or [], rubric.get("ng") or []
    else:
        required, ng = rubric or [], result.get("ng_phrases") or []
    out: list[RubricGroup] = []
    for kind, groups in (("required", required), ("ng", ng)):
        for g in groups:
            if isinstance(g, Mapping) and g.get("id"):
                out.append(RubricGroup(str(g["id"]), str(g.get("label") or g["id"]), kind,
                                       bool(g.get("found")), g.get("matched_text")))
    return out


def corrections_detail(result: Mapping[str, Any] | None,
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

