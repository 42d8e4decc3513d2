"""My progress (staff): trainer feedback (new until opened), scores and delivery measures over
time, best score per scenario, and every attempt (opened on the practice page)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.clock import format_local as when
from services import catalogue as scenario_catalogue
from services import progress
from ui import charts, shell
from ui import jobs as job_ui
from ui.widgets import escape

viewer = shell.require_page("progress")
st.title(shell.tr("page.progress"))

LANG = shell.lang()
PRACTICE_PAGE = "app_pages/practice.py"

st.caption(shell.tr("progress.intro"))
job_ui.open_attempts(viewer, came_from="progress")  # answers still waiting or failed (retry)
with shell.session() as s:
    data = progress.progress_for(s, viewer)

if data.baseline is not None:
    st.caption(shell.tr("progress.baseline", hz=data.baseline.f0_median_hz,
                        pace=data.baseline.morae_per_s_span))
else:
    st.caption(shell.tr("progress.no_baseline"))

# --------------------------------------------------------------------------- trainer feedback

new_count = sum(1 for f in data.feedback if f.new)
heading = shell.tr("progress.feedback")
if new_count:
    heading += "　" + shell.tr("progress.feedback_count_new", n=new_count)
st.subheader(heading)
if not data.feedback:
    st.caption(shell.tr("progress.feedback_none"))
titles = {b.scenario_id: b.title for b in data.best}
for item in data.feedback:
    with st.container(border=True):
        label_key = "progress.feedback_review" if item.kind == "review" else "progress.feedback_comment"
        line = shell.tr(label_key, author=escape(item.author), when=when(item.at))
        if item.new:
            line = f"**{shell.tr('progress.feedback_new')}**　{line}"
        st.markdown(line)
        st.caption(titles.get(item.scenario_id, item.scenario_id or ""))
        if item.score_override is not None:
            st.markdown(shell.tr("progress.feedback_override", score=item.score_override))
        if item.at_seconds is not None:
            st.caption(shell.tr("progress.feedback_at", seconds=item.at_seconds))
        if item.text:
            st.markdown(escape(item.text))
        if st.button(shell.tr("progress.feedback_open"), key=f"fb_{item.kind}_{item.id}",
                     icon=":material/open_in_new:"):
            with shell.session() as s:
                progress.mark_feedback_seen(s, viewer, item.attempt_id)
            st.switch_page(PRACTICE_PAGE, query_params={"attempt": str(item.attempt_id),
                                                        "from": "progress"})

# --------------------------------------------------------------------------- over time

if not data.rows:
    st.info(shell.tr("progress.empty"))
    st.stop()

st.subheader(shell.tr("progress.over_time"))
scores = charts.scores_chart(data.rows, lang=LANG)
if scores is not None:
    st.altair_chart(scores, width="stretch")

st.subheader(shell.tr("progress.trends"))
metric_labels = {k: shell.tr(label) for k, label in progress.TREND_METRICS.items() if k != "score"}
metric = st.selectbox(shell.tr("progress.metric"), list(metric_labels), key="pg_metric",
                      format_func=metric_labels.get)
trend = charts.metric_chart(data.rows, metric, title=metric_labels[metric], lang=LANG)
if trend is not None:
    st.altair_chart(trend, width="stretch")

st.subheader(shell.tr("progress.best"))
best = pd.DataFrame([
    {
        shell.tr("progress.col_scenario"): scenario_catalogue.title(b.scenario_id, LANG),
        shell.tr("progress.col_best"): b.best_score,
        shell.tr("progress.col_attempts"): b.attempts,
        shell.tr("progress.col_calls"): shell.tr("progress.calls_value", calls=b.calls,
                                                 passed=b.passed_calls),
        shell.tr("progress.col_passed"): "✅" if b.passed else "",
    }
    for b in data.best
])
st.dataframe(best, hide_index=True, width="stretch")

# --------------------------------------------------------------------------- history

st.subheader(shell.tr("progress.attempts"))
rows = list(reversed(data.rows))
history = pd.DataFrame([
    {
        shell.tr("progress.col_when"): when(r.created_at),
        shell.tr("progress.col_scenario"): scenario_catalogue.title(r.scenario_id, LANG),
        shell.tr("progress.col_score"): r.score,
        shell.tr("progress.col_auto"): r.auto_score,  # beside the trainer's score (never "None")
        shell.tr("progress.col_passed"): "✅" if r.passed else "",
    }
    for r in rows
])
st.dataframe(history, hide_index=True, width="stretch")
labels = {r.attempt_id: f"{when(r.created_at)}｜{r.title}｜{r.score}" for r in rows}
chosen = st.selectbox(shell.tr("progress.choose_attempt"), list(labels), format_func=labels.get,
                      key="pg_attempt")
if st.button(shell.tr("progress.open_attempt"), icon=":material/open_in_new:"):
    st.switch_page(PRACTICE_PAGE, query_params={"attempt": str(chosen), "from": "progress"})
