"""ui.charts: each chart of a result and of progress encodes what it claims (one encoding
asserted per chart), from typed results and progress rows."""

from __future__ import annotations

from datetime import datetime, timedelta

from analysis.score import Baseline
from core.i18n import t
from services.analysis_result import read
from services.progress import ProgressRow
from tests.analysis.test_result import stored_v1
from ui import charts

BASELINE = Baseline(f0_median_hz=200.0, morae_per_s_span=6.0)


def result(**changes):
    """The demo's stored apology answer (schema 1), with ``changes``."""
    return read(stored_v1()["answer_apology_baseline"] | changes)


def layer_data(spec: dict, i: int) -> list[dict]:
    """The inline rows of layer ``i`` of a layered chart's spec (a single-layer chart's data
    sits at the top)."""
    data = spec["layer"][i].get("data") or spec["data"]
    return spec["datasets"][data["name"]]


def test_good_range_is_the_gap_between_the_deducting_bands():
    assert charts.good_range("pace") == (5.0, 7.0)


def test_pitch_chart_plots_hz_over_time_and_breaks_the_line_at_unvoiced_frames():
    r = result(f0_contour={"times_s": [0.3, 0.35, 0.4, 2.0, 2.05], "hz": [210, 215, None, 190, 200]})
    spec = charts.pitch_chart(r).to_dict()
    line = spec["layer"][-1]
    assert (line["encoding"]["x"]["field"], line["encoding"]["y"]["field"]) == ("t", "hz")
    rows = layer_data(spec, -1)
    assert [(row["t"], row["hz"]) for row in rows] == [(0.3, 210), (0.35, 215), (2.0, 190), (2.05, 200)]
    assert len({row["run"] for row in rows}) == 2  # the unvoiced gap splits the line
    assert charts.pitch_chart(result(f0_contour={"times_s": [], "hz": []})) is None


def test_pitch_chart_with_a_baseline_draws_the_calm_band_around_the_usual_pitch():
    low, high = charts.pitch_band(BASELINE)
    assert low < 200 < high
    spec = charts.pitch_chart(result(), BASELINE).to_dict()
    band = layer_data(spec, 0)[0]
    assert (band["lo"], band["hi"]) == (low, high) and spec["layer"][0]["mark"]["type"] == "rect"


def test_pace_chart_marks_the_answers_pace_on_the_target_band():
    spec = charts.pace_chart(result(morae_per_s_span=6.2), BASELINE).to_dict()
    band, you, usual = (layer_data(spec, i)[0] for i in range(3))
    assert (band["lo"], band["hi"]) == charts.good_range("pace")
    assert you["v"] == 6.2 and usual["v"] == 6.0
    assert charts.pace_chart(result(morae_per_s_span=None)) is None


def test_pauses_chart_makes_long_silences_stand_out():
    r = result(speech_regions=[[0.3, 1.5], [1.9, 3.6], [7.0, 8.0]],
               pauses=[{"start": 1.5, "end": 1.9, "duration_s": 0.4},
                       {"start": 3.6, "end": 7.0, "duration_s": 3.4}])
    spec = charts.pauses_chart(r).to_dict()
    rows = layer_data(spec, 0)
    kinds = {(row["start"], row["kind"]) for row in rows}
    assert (1.5, t("practice.chart_pause")) in kinds, kinds
    assert (3.6, t("practice.chart_long_pause")) in kinds, kinds
    assert spec["layer"][0]["encoding"]["color"]["field"] == "kind"


def rows(*scores_marks) -> list[ProgressRow]:
    start = datetime(2026, 11, 1, 9, 0)
    return [ProgressRow(attempt_id=i, created_at=start + timedelta(days=i), scenario_id="late",
                        title="遅配", turn_id="t1", score=score, passed=score >= mark,
                        pass_mark=mark, metrics={"morae_per_s_span": 5.0 + i, "f0_sd_st": None})
            for i, (score, mark) in enumerate(scores_marks)]


def test_scores_chart_draws_the_pass_marks_the_scores_were_judged_against():
    spec = charts.scores_chart(rows((55, 80.0), (82, 80.0), (72, 70.0))).to_dict()
    assert sorted(row["mark"] for row in layer_data(spec, 0)) == [70.0, 80.0]
    assert [row["score"] for row in layer_data(spec, 1)] == [55, 82, 72]
    assert charts.scores_chart([]) is None


def test_metric_chart_plots_one_measure_with_its_target_band():
    spec = charts.metric_chart(rows((55, 80.0), (82, 80.0)), "morae_per_s_span", title="話速").to_dict()
    band = layer_data(spec, 0)[0]
    assert (band["lo"], band["hi"]) == charts.good_range("pace")
    assert [row["value"] for row in layer_data(spec, 1)] == [5.0, 6.0]
    assert charts.metric_chart(rows((55, 80.0)), "f0_sd_st", title="抑揚") is None


def test_team_trend_chart_draws_each_persons_effective_scores_and_the_stored_pass_marks():
    from services.team_progress import PersonProgress, TeamProgress, TrendPoint

    start = datetime(2026, 11, 1, 0, 0).astimezone()

    def person(name, *points):
        trend = [TrendPoint(start + timedelta(days=i), score, score, "late", i, score >= mark, mark)
                 for i, (score, mark) in enumerate(points)]
        return PersonProgress(1, name, "東京", len(trend), trend, [], None, None, None)

    progress = TeamProgress([(1, "東京")], [person("佐藤", (60, 80.0), (85, 80.0)),
                                            person("鈴木", (72, 70.0))], [], [])
    spec = charts.team_trend_chart(progress).to_dict()
    assert sorted(row["mark"] for row in layer_data(spec, 0)) == [70.0, 80.0]
    lines = layer_data(spec, 1)
    assert [(row["person"], row["score"]) for row in lines] == [("佐藤", 60), ("佐藤", 85), ("鈴木", 72)]
    assert spec["layer"][1]["encoding"]["color"]["field"] == "person"
    assert charts.team_trend_chart(TeamProgress([], [person("佐藤")], [], [])) is None


def test_agreement_chart_bars_the_override_rate_and_the_signed_difference():
    from services.agreement import AgreementRow

    rows = [AgreementRow("late_delivery", 3, 2, 2 / 3, 15.0, 5.0, [], 1),
            AgreementRow("billing_error", 4, 1, 0.25, 8.0, -8.0, [], 0)]
    spec = charts.agreement_chart(rows, {"late_delivery": "お届けの遅れ"}).to_dict()
    rate, signed = spec["hconcat"][0], spec["hconcat"][1]["layer"][0]
    data = spec["datasets"][spec["hconcat"][0]["data"]["name"]]
    assert [(r["scenario"], r["rate"], r["signed"]) for r in data] == [
        ("お届けの遅れ", 66.7, 5.0), ("billing_error", 25.0, -8.0)]
    assert rate["encoding"]["x"]["field"] == "rate" and signed["encoding"]["x"]["field"] == "signed"
    assert charts.agreement_chart([]) is None
