"""analysis.result: the typed contract of a result, and the reader of every stored version."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.result import SCHEMA_VERSION, AnalysisResult, Metrics
from analysis.rubric_match import RubricResult
from analysis.score import Score

DATA = Path(__file__).resolve().parents[1] / "data"


def stored_v1() -> dict[str, dict]:
    """Results exactly as the demo stored them before the typed contract (no schema_version)."""
    d = json.loads((DATA / "results_v1_demo.json").read_text(encoding="utf-8"))
    return {k: v for k, v in d.items() if not k.startswith("_")}


def lost(old, new, where="") -> list[str]:
    """Where ``new`` lacks or changed a value of ``old`` (keys ``new`` adds are allowed: fields
    added since, written with their defaults)."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [where]
        return [p for k, v in old.items()
                for p in (lost(v, new[k], f"{where}.{k}") if k in new else [f"{where}.{k}"])]
    if isinstance(old, list):
        if not isinstance(new, list) or len(old) != len(new):
            return [where]
        return [p for i, (a, b) in enumerate(zip(old, new)) for p in lost(a, b, f"{where}[{i}]")]
    return [] if old == new else [where]


@pytest.mark.parametrize("name", sorted(stored_v1()))
def test_version_1_results_load_and_keep_every_value(name):
    old = stored_v1()[name]
    assert "schema_version" not in old
    r = AnalysisResult.from_dict(old)
    assert r.schema_version == 1
    again = r.to_dict()
    assert again["schema_version"] == SCHEMA_VERSION
    assert lost(old, again) == []
    assert AnalysisResult.from_dict(again).to_dict() == again  # and it is stable from there


def test_lost_finds_a_changed_or_missing_value():
    assert lost({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2, "c": 3}], "d": 4}) == []
    assert lost({"a": [1, {"b": 2}]}, {"a": [1, {"b": 5}]}) == [".a[1].b"]
    assert lost({"a": 1}, {}) == [".a"]


def test_version_1_answer_reads_as_typed_attributes():
    old = stored_v1()["answer_apology_baseline"]
    r = AnalysisResult.from_dict(old)
    assert r.text == old["transcript"] and r.text.startswith("お届けが遅れて")
    assert [s.start_s for s in r.segments] == sorted(s["start"] for s in old["segments"])
    assert r.metrics.morae_per_s_span == old["morae_per_s_span"]
    assert r.metrics.f0_median_hz == old["f0_median_hz"]
    assert r.identity.engine == old["engine"] and r.identity.model_sha256 == old["model_sha256"]
    assert isinstance(r.rubric, RubricResult) and isinstance(r.score, Score)
    assert [g.id for g in r.rubric.required] == [g["id"] for g in old["rubric"]]
    assert (r.score.total, r.score.passed, r.score.pass_mark) == (
        old["score"], old["passed"], old["pass_mark"])
    assert r.baseline is not None and r.baseline.f0_median_hz == old["baseline"]["f0_median_hz"]
    points = [d.points for d in r.breakdown]
    assert points == sorted(points, reverse=True) and len(points) == len(old["breakdown"])
    assert r.length_s == old["duration_s"]


def test_version_1_silence_has_no_transcript_and_no_score():
    r = AnalysisResult.from_dict(stored_v1()["silence"])
    assert r.no_speech and r.transcript is None and r.score is None and r.rubric is None
    assert r.text == "" and r.segments == [] and r.breakdown == []


def test_a_newer_schema_than_the_code_is_refused():
    with pytest.raises(ValueError, match="schema_version"):
        AnalysisResult.from_dict({"schema_version": SCHEMA_VERSION + 1, "no_speech": True})


def test_metrics_carry_units_in_their_names():
    units = ("_s", "_hz", "_st", "_dbfs", "_db", "_ratio", "_count", "_per_min", "_per_s_span",
             "_per_s_speaking")
    names = list(Metrics().as_mapping())
    assert names and all(n.endswith(units) for n in names), names
