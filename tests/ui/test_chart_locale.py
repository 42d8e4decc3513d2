"""Chart dates in the viewer's language and legends through the catalogue (issue 13 item 7)."""

from __future__ import annotations

import json

from core.i18n import t
from tests.ui.test_charts import rows
from ui import charts
from wellbeing.instruments import JOB_ITEMS
from wellbeing.trends import K6_BUCKETS


def _x_axes(spec: dict) -> list[dict]:
    text = json.dumps(spec)
    assert '"type": "temporal"' in text
    out = []

    def walk(node):
        if isinstance(node, dict):
            x = node.get("x")
            if isinstance(x, dict) and x.get("type") == "temporal":
                out.append(x.get("axis") or {})
            for v in node.values():
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    walk(spec)
    return out


def test_time_axes_use_japanese_dates_in_japanese():
    for lang, fmt in (("ja", "%-m月%-d日"), ("en", "%b %-d")):
        specs = [charts.scores_chart(rows((55, 80.0), (82, 80.0)), lang=lang).to_dict(),
                 charts.metric_chart(rows((55, 80.0), (82, 80.0)), "morae_per_s_span",
                                     title="x", lang=lang).to_dict()]
        for spec in specs:
            axes = _x_axes(spec)
            assert axes and all(a.get("format") == fmt for a in axes), (lang, axes)


def _record(week: str) -> dict:
    rec = {"week": week, "team": "東京", "note": "", "n": 6, "participation": 0.8,
           "who5_mean": 60.0, "share_watch": 0.2, "share_urgent": 0.0, "harassment_reports": 1,
           "incidents": 0}
    rec |= {f"k6_{b}": 1 for b in K6_BUCKETS}
    rec |= {f"job_{item.id}": 1.5 for item in JOB_ITEMS}
    return rec


def test_k6_legend_names_the_score_ranges_not_the_columns():
    chart = charts.trend_charts([_record("2026-11-23"), _record("2026-11-30")], "ja")["k6"]
    spec = json.dumps(chart.to_dict(), ensure_ascii=False)
    assert "k6_0-4" not in spec
    assert t("trends.k6_range", "ja", range="0〜4") in spec
    en = json.dumps(charts.trend_charts([_record("2026-11-30")], "en")["k6"].to_dict())
    assert "0\\u20134 points" in en or "0–4 points" in en
    for name, c in charts.trend_charts([_record("2026-11-30")], "ja").items():
        assert all(a.get("format") == "%-m月%-d日" for a in _x_axes(c.to_dict())), name


def test_faceted_hr_charts_fit_a_page_column():
    made = charts.trend_charts([_record("2026-11-30")], "ja")
    for name in ("job", "k6"):
        spec = made[name].to_dict()
        n = 4 if name == "job" else 1
        assert spec["width"] == charts.FACET_WIDTH and n * charts.FACET_WIDTH + 3 * 40 < 906
