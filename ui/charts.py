"""Altair charts of an analysis result and of progress over time (no Streamlit here).

Every builder takes plain data (a typed ``analysis.result.AnalysisResult``, a
``Baseline``, ``services.progress.ProgressRow`` rows) and the viewer's language, and returns an ``alt.Chart`` / ``alt.LayerChart`` for ``st.altair_chart``. Target bands
come from ``analysis/bands.toml`` (the same numbers the score uses), never from constants here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import pairwise
from typing import Any

import altair as alt
import pandas as pd

from analysis.prosody import LONG_PAUSE_S
from analysis.result import AnalysisResult
from analysis.score import Baseline, load_bands
from core.clock import to_local
from core.i18n import t
from services.agreement import AgreementRow
from services.progress import ProgressRow
from services.team_progress import TeamProgress
from wellbeing.instruments import JOB_ITEMS
from wellbeing.trends import K6_BUCKETS

# The calm pitch band shown around the usual voice: this many semitones below the usual median
# up to the "higher than usual" edge of the score's pitch_vs_usual item.
CALM_BELOW_ST = 2.0

SPEECH_COLOUR = "#4c78a8"
PAUSE_COLOUR = "#bab0ac"
LONG_PAUSE_COLOUR = "#e45756"
BAND_COLOUR = "#54a24b"


# Dates on chart axes in the viewer's language (Vega's default labels are English: "Thu 12").
DATE_FORMAT = {"ja": "%-m月%-d日", "en": "%b %-d"}
DATE_TOOLTIP = "%Y-%m-%d"
# One small multiple of a faceted chart: four of them fit a ~900 px column (issue 13: a 1889 px
# chart of four job items in a 906 px column put two of them off-screen).
FACET_WIDTH = 170


def date_axis(lang: str = "ja") -> alt.Axis:
    """A time axis labelled as the viewer writes dates (never Vega's English defaults)."""
    return alt.Axis(format=DATE_FORMAT.get(lang, DATE_FORMAT["ja"]), labelAngle=0)


def good_range(item: str) -> tuple[float | None, float | None]:
    """The interval of ``[delivery.<item>]`` in bands.toml where nothing is deducted, as
    (low, high); None = open. E.g. ``good_range("pace")`` → (5.0, 7.0)."""
    bands = load_bands()["delivery"][item].get("bands", [])
    covered = sorted((b.get("min", -math.inf), b.get("max", math.inf)) for b in bands)
    low, high = -math.inf, math.inf
    cursor = -math.inf
    for lo, hi in covered:  # the first gap in the union of the deducting bands
        if lo > cursor:
            low, high = cursor, lo
            break
        cursor = max(cursor, hi)
    else:
        low, high = cursor, math.inf
    return (None if low == -math.inf else low, None if high == math.inf else high)


def _st_to_ratio(st: float) -> float:
    return 2 ** (st / 12)


def pitch_band(baseline: Baseline | None) -> tuple[float, float] | None:
    """(low Hz, high Hz) of the calm band around a person's usual pitch."""
    f0 = baseline.f0_median_hz if baseline is not None else None
    if not f0:
        return None
    _, high_st = good_range("pitch_vs_usual")
    high_st = 0.75 if high_st is None else high_st
    return f0 * _st_to_ratio(-CALM_BELOW_ST), f0 * _st_to_ratio(high_st)


def pitch_chart(result: AnalysisResult, baseline: Baseline | None = None, *,
                lang: str = "ja") -> alt.LayerChart | None:
    """The F0 contour over time (Hz), with the person's calm band and usual median if known."""
    times, hz = result.f0_contour.times_s, result.f0_contour.hz
    points = [(x, y) for x, y in zip(times, hz) if y is not None]
    if not points:
        return None
    df = pd.DataFrame(points, columns=["t", "hz"])
    df["series"] = t("practice.chart_you", lang)
    lo = min(df["hz"].min(), *(pitch_band(baseline) or (math.inf,))) * 0.9
    hi = max(df["hz"].max(), *(pitch_band(baseline) or (-math.inf,))) * 1.1
    y = alt.Y("hz:Q", title=t("practice.chart_hz", lang), scale=alt.Scale(domain=[lo, hi]))
    x = alt.X("t:Q", title=t("practice.chart_time", lang))
    # Gaps between voiced stretches stay gaps: one line per run of consecutive frames.
    step = min((b - a for a, b in pairwise(times) if b > a), default=0.05)
    df["run"] = (df["t"].diff().fillna(0) > step * 1.5).cumsum()
    line = alt.Chart(df).mark_line(point=alt.OverlayMarkDef(size=8), color=SPEECH_COLOUR).encode(
        x=x, y=y, detail="run:N", tooltip=[alt.Tooltip("t:Q", format=".2f"), alt.Tooltip("hz:Q", format=".0f")]
    )
    layers: list[alt.Chart] = []
    band = pitch_band(baseline)
    if band is not None:
        f0 = band[0] * _st_to_ratio(CALM_BELOW_ST)
        bdf = pd.DataFrame({"lo": [band[0]], "hi": [band[1]], "usual": [f0],
                            "label": [t("practice.chart_usual", lang)]})
        layers.append(alt.Chart(bdf).mark_rect(color=BAND_COLOUR, opacity=0.18).encode(
            y=alt.Y("lo:Q", scale=alt.Scale(domain=[lo, hi])), y2="hi:Q"))
        layers.append(alt.Chart(bdf).mark_rule(color=BAND_COLOUR, strokeDash=[4, 3]).encode(
            y="usual:Q", tooltip=["label:N", alt.Tooltip("usual:Q", format=".0f")]))
    return alt.layer(*layers, line).properties(height=220)


def pace_chart(result: AnalysisResult, baseline: Baseline | None = None, *,
               lang: str = "ja") -> alt.LayerChart | None:
    """A bullet chart: the answer's pace (morae/s) against the target band (and usual pace)."""
    value = result.metrics.morae_per_s_span
    if value is None:
        return None
    low, high = good_range("pace")
    low, high = low or 0.0, high or 12.0
    top = max(12.0, value + 1)
    name = t("practice.chart_pace", lang)
    band = alt.Chart(pd.DataFrame({"lo": [low], "hi": [high], "y": [name]})).mark_bar(
        color=BAND_COLOUR, opacity=0.25, height=28
    ).encode(x=alt.X("lo:Q", title=name, scale=alt.Scale(domain=[0, top])), x2="hi:Q",
             y=alt.Y("y:N", title=None, axis=None))
    you = pd.DataFrame({"v": [value], "y": [name], "label": [t("practice.chart_you", lang)]})
    mark = alt.Chart(you).mark_tick(color=SPEECH_COLOUR, thickness=4, size=34).encode(
        x="v:Q", y="y:N", tooltip=["label:N", alt.Tooltip("v:Q", format=".1f")])
    layers = [band, mark]
    usual = baseline.morae_per_s_span if baseline is not None else None
    if usual:
        udf = pd.DataFrame({"v": [usual], "y": [name], "label": [t("practice.chart_usual", lang)]})
        layers.append(alt.Chart(udf).mark_tick(color=BAND_COLOUR, thickness=2, size=34,
                                               strokeDash=[3, 2]).encode(
            x="v:Q", y="y:N", tooltip=["label:N", alt.Tooltip("v:Q", format=".1f")]))
    return alt.layer(*layers).properties(height=90)


def pauses_chart(result: AnalysisResult, *, lang: str = "ja") -> alt.LayerChart | None:
    """Speech regions and pauses on one timeline; silences of 3 s or more stand out."""
    rows: list[dict[str, Any]] = []
    speaking, pause, long_pause = (t("practice.chart_speech", lang), t("practice.chart_pause", lang),
                                   t("practice.chart_long_pause", lang))
    for start, end in result.speech_regions:
        rows.append({"start": start, "end": end, "kind": speaking})
    for p in result.pauses:
        kind = long_pause if p.duration_s >= LONG_PAUSE_S else pause
        rows.append({"start": p.start_s, "end": p.end_s, "kind": kind})
    if not rows:
        return None
    df = pd.DataFrame(rows)
    df["seconds"] = (df["end"] - df["start"]).round(2)
    df["row"] = t("practice.chart_time", lang)  # one band (a non-empty category, as pace_chart)
    colour = alt.Color("kind:N", title=None, legend=alt.Legend(orient="bottom", direction="horizontal"), scale=alt.Scale(
        domain=[speaking, pause, long_pause], range=[SPEECH_COLOUR, PAUSE_COLOUR, LONG_PAUSE_COLOUR]))
    bars = alt.Chart(df).mark_bar(height=28).encode(
        x=alt.X("start:Q", title=t("practice.chart_time", lang),
                scale=alt.Scale(domain=[0, float(result.duration_s or df["end"].max())])),
        x2="end:Q",
        y=alt.Y("row:N", title=None, axis=None),
        color=colour,
        tooltip=["kind:N", alt.Tooltip("start:Q", format=".2f"), alt.Tooltip("seconds:Q")],
    )
    return alt.layer(bars).properties(height=110)  # as a layer, Streamlit keeps the legend


def scores_chart(rows: Sequence[ProgressRow], *, lang: str = "ja") -> alt.LayerChart | None:
    """Scores over time, coloured by scenario, with the pass mark(s) they were judged against."""
    data = [r for r in rows if r.score is not None]
    if not data:
        return None
    df = pd.DataFrame({
        "when": [pd.Timestamp(r.created_at) for r in data],
        "score": [r.score for r in data],
        "scenario": [r.title or r.scenario_id or "" for r in data],
    })
    points = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("when:T", title=t("progress.col_when", lang), axis=date_axis(lang)),
        y=alt.Y("score:Q", title=t("progress.col_score", lang), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("scenario:N", title=t("progress.col_scenario", lang)),
        tooltip=["scenario:N", "score:Q", alt.Tooltip("when:T", format="%Y-%m-%d %H:%M")],
    )
    marks = sorted({r.pass_mark for r in data if r.pass_mark is not None})
    rule = alt.Chart(pd.DataFrame({"mark": marks})).mark_rule(
        color=LONG_PAUSE_COLOUR, strokeDash=[5, 4]).encode(y="mark:Q")
    return alt.layer(rule, points).properties(height=260)


METRIC_BANDS = {"morae_per_s_span": "pace", "f0_sd_st": "pitch_spread",
                "filler_ratio": "fillers", "long_pause_count": "silence"}


def metric_chart(rows: Sequence[ProgressRow], metric: str, *, title: str,
                 lang: str = "ja") -> alt.LayerChart | None:
    """One delivery measure over time, with its target band from bands.toml when it has one."""
    data = [r for r in rows if r.metrics.get(metric) is not None]
    if not data:
        return None
    df = pd.DataFrame({"when": [pd.Timestamp(r.created_at) for r in data],
                       "value": [float(r.metrics[metric]) for r in data]})
    x = alt.X("when:T", title=t("progress.col_when", lang), axis=date_axis(lang))
    line = alt.Chart(df).mark_line(point=True, color=SPEECH_COLOUR).encode(
        x=x, y=alt.Y("value:Q", title=title),
        tooltip=[alt.Tooltip("when:T", format="%Y-%m-%d %H:%M"), alt.Tooltip("value:Q", format=".2f")])
    layers = []
    item = METRIC_BANDS.get(metric)
    if item:
        low, high = good_range(item)
        vmin, vmax = df["value"].min(), df["value"].max()
        low = vmin if low is None else low
        high = vmax if high is None else high
        if high > low:
            layers.append(alt.Chart(pd.DataFrame({"lo": [low], "hi": [high]})).mark_rect(
                color=BAND_COLOUR, opacity=0.15).encode(y="lo:Q", y2="hi:Q"))
    return alt.layer(*layers, line).properties(height=200)


# --- trainers: team progress and the machine's agreement with trainers -----------------------------


def team_trend_chart(progress: TeamProgress, lang: str = "ja") -> alt.LayerChart | None:
    """Each person's scores over time (the trainer's score where overridden), one line per
    person, with the pass mark. None when there is no score to draw."""
    data = [
        {"when": to_local(pt.at).replace(tzinfo=None), "score": pt.score,
         "person": p.display_name, "scenario": pt.scenario_id or ""}
        for p in progress.people for pt in p.trend
    ]
    if not data:
        return None
    df = pd.DataFrame(data)
    lines = alt.Chart(df).mark_line(point=True).encode(
        x=alt.X("when:T", title=t("team.axis_date", lang), axis=date_axis(lang)),
        y=alt.Y("score:Q", title=t("team.axis_score", lang), scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("person:N", title=t("team.col_name", lang)),
        tooltip=["person:N", "scenario:N", "score:Q",
                 alt.Tooltip("when:T", format="%Y-%m-%d %H:%M")],
    )
    marks = sorted({pt.pass_mark for p in progress.people for pt in p.trend
                    if pt.pass_mark is not None})  # the marks the points were judged against
    rule = alt.Chart(pd.DataFrame({"mark": marks, "label": [t("team.pass_line", lang)] * len(marks)})
                     ).mark_rule(color="#e45756", strokeDash=[5, 4]).encode(
        y="mark:Q", tooltip=["label:N", "mark:Q"])
    return alt.layer(rule, lines).properties(height=280)


def agreement_chart(rows: Sequence[AgreementRow], titles: Mapping[str, str] | None = None,
                    lang: str = "ja") -> alt.HConcatChart | None:
    """Two bar charts side by side, one bar per scenario: the override rate (%), and the mean
    signed difference override − auto (red when the machine scores too low, blue when too
    high). None without rows."""
    if not rows:
        return None
    titles = titles or {}
    df = pd.DataFrame([
        {"scenario": titles.get(r.scenario_id, r.scenario_id),
         "rate": round(100 * (r.override_rate or 0.0), 1),
         "signed": round(r.mean_signed_diff or 0.0, 1),
         "reviewed": r.reviewed}
        for r in rows
    ])
    limit = max(10.0, float(df["signed"].abs().max()))
    y = alt.Y("scenario:N", title=None, sort=list(df["scenario"]), axis=alt.Axis(labelLimit=320))
    tooltip = [alt.Tooltip("scenario:N", title=t("agreement.col_scenario", lang)),
               alt.Tooltip("reviewed:Q", title=t("agreement.col_reviewed", lang)),
               alt.Tooltip("rate:Q", title=t("agreement.col_rate", lang)),
               alt.Tooltip("signed:Q", title=t("agreement.col_signed", lang))]
    height = max(60, 36 * len(df))
    rate = alt.Chart(df).mark_bar(color="#4c78a8").encode(
        x=alt.X("rate:Q", title=t("agreement.col_rate", lang), scale=alt.Scale(domain=[0, 100])),
        y=y, tooltip=tooltip,
    ).properties(height=height, width=260)
    signed = alt.Chart(df).mark_bar().encode(
        x=alt.X("signed:Q", title=t("agreement.col_signed", lang),
                scale=alt.Scale(domain=[-limit, limit])),
        y=alt.Y("scenario:N", sort=list(df["scenario"]), axis=None),
        color=alt.condition("datum.signed > 0", alt.value("#e45756"), alt.value("#4c78a8")),
        tooltip=tooltip,
    ).properties(height=height, width=260)
    zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color="#888").encode(x="x:Q")
    return alt.hconcat(rate, alt.layer(signed, zero))


# --- wellbeing: a person's own check-ins, HR trends (plain data in, chart out) -------------------


def own_checkin_charts(points: Sequence[dict[str, Any]], *, lang: str = "ja",
                       ) -> list[alt.Chart]:
    """A person's own check-ins: the WHO-5 % line, and the K6 total bars when any K6 was asked.

    ``points``: ``{"week": ISO date, "who5": 0–100, "k6": 0–24 | None}`` oldest first
    (``services.checkin.own_trend``)."""
    frame = pd.DataFrame(list(points), columns=["week", "who5", "k6"])
    x = alt.X("week:T", title=t("checkin.trend_week", lang), axis=date_axis(lang))
    charts = [alt.Chart(frame).mark_line(point=True).encode(
        x=x, y=alt.Y("who5:Q", title=t("checkin.trend_who5", lang),
                     scale=alt.Scale(domain=[0, 100])),
        tooltip=[alt.Tooltip("week:T", format=DATE_TOOLTIP), "who5:Q"])]
    k6 = frame.dropna(subset=["k6"])
    if len(k6) > 0:
        charts.append(alt.Chart(k6).mark_bar(size=14).encode(
            x=x, y=alt.Y("k6:Q", title=t("checkin.trend_k6", lang),
                         scale=alt.Scale(domain=[0, 24])),
            tooltip=[alt.Tooltip("week:T", format=DATE_TOOLTIP), "k6:Q"]).properties(height=160))
    return charts


def trends_frame(records: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """``services.trends.cell_records`` as a frame (one row per team and week)."""
    return pd.DataFrame(list(records))


def trend_charts(records: Sequence[dict[str, Any]], lang: str = "ja",
                 teams: Sequence[str | None] | None = None) -> dict[str, alt.Chart]:
    """Altair charts of the shown HR trend cells (``services.trends.cell_records``): WHO-5
    mean, watch/urgent share, K6 distribution, job-item means, harassment reports and
    participation per team and week.

    ``teams``: the teams to draw (``None`` in it: the company total); default all. Choosing
    teams only filters what is drawn — suppression was decided over all teams.
    """
    frame = trends_frame(records)
    shown = frame[frame["note"] == ""] if not frame.empty else frame
    if teams is not None and not shown.empty:
        total = t("trends.company_total", lang)
        shown = shown[shown["team"].isin([total if x is None else x for x in teams])]
    team_t, week_t = t("trends.col_team", lang), t("trends.col_week", lang)
    x = alt.X("week:T", title=week_t, axis=date_axis(lang))
    color = alt.Color("team:N", title=team_t)

    def line(column: str, title: str, fmt: str = ".0f", scale=None) -> alt.Chart:
        y = alt.Y(f"{column}:Q", title=title, axis=alt.Axis(format=fmt),
                  scale=scale or alt.Undefined)
        data = shown[["week", "team", column]].dropna() if not shown.empty else shown
        return (alt.Chart(data).mark_line(point=True)
                .encode(x=x, y=y, color=color, tooltip=[alt.Tooltip("week:T", format=DATE_TOOLTIP), "team:N", f"{column}:Q"]))

    charts = {
        "who5": line("who5_mean", t("trends.who5_mean", lang), scale=alt.Scale(domain=[0, 100])),
        "share_watch": line("share_watch", t("trends.share_watch", lang), ".0%"),
        "share_urgent": line("share_urgent", t("trends.share_urgent", lang), ".0%"),
        "participation": line("participation", t("trends.participation", lang), ".0%"),
        "harassment": line("harassment_reports", t("trends.harassment_reports", lang), "d"),
        "incidents": line("incidents", t("trends.incidents", lang), "d"),
    }
    k6_cols = [f"k6_{b}" for b in K6_BUCKETS]
    k6 = shown[["week", "team", *k6_cols]].dropna() if not shown.empty else shown
    k6 = k6.melt(id_vars=["week", "team"], value_vars=k6_cols, var_name="bucket",
                 value_name="count") if not k6.empty else pd.DataFrame(
        columns=["week", "team", "bucket", "count"])
    k6_labels = [t("trends.k6_range", lang, range=b.replace("-", "〜" if lang == "ja" else "–"))
                 for b in K6_BUCKETS]
    if not k6.empty:  # the legend names the score range, not the column ("k6_0-4")
        k6["bucket"] = k6["bucket"].map(dict(zip(k6_cols, k6_labels, strict=True)))
    charts["k6"] = (alt.Chart(k6).mark_bar().encode(
        x=x, y=alt.Y("count:Q", title=t("trends.k6_count", lang)),
        color=alt.Color("bucket:N", title=t("trends.k6_bucket", lang), sort=k6_labels),
        column=alt.Column("team:N", title=team_t), tooltip=[alt.Tooltip("week:T", format=DATE_TOOLTIP), "bucket:N", "count:Q"])
        .properties(width=FACET_WIDTH))
    job_cols = [f"job_{item.id}" for item in JOB_ITEMS]
    job = shown[["week", "team", *job_cols]] if not shown.empty else shown
    job = job.melt(id_vars=["week", "team"], value_vars=job_cols, var_name="item",
                   value_name="mean").dropna() if not job.empty else pd.DataFrame(
        columns=["week", "team", "item", "mean"])
    if not job.empty:
        labels = {f"job_{item.id}": item.short.get(lang) for item in JOB_ITEMS}
        job["item"] = job["item"].map(labels)
    charts["job"] = (alt.Chart(job).mark_line(point=True).encode(
        x=x, y=alt.Y("mean:Q", title=t("trends.job_mean", lang), scale=alt.Scale(domain=[0, 3])),
        color=color, column=alt.Column("item:N", title=""),
        tooltip=[alt.Tooltip("week:T", format=DATE_TOOLTIP), "team:N", "item:N", "mean:Q"])
        .properties(width=FACET_WIDTH))
    return charts
