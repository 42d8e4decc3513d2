"""HR: wellbeing trends per team and week — aggregated in the database, small groups and groups
that could be worked out by subtraction hidden (「個人が特定されないよう非表示」), CSV of aggregates."""

from datetime import date

import streamlit as st

from core import clock
from core.config import get_settings
from services import trends as wt
from ui import charts as ui_charts
from ui import shell
from ui.widgets import escape

viewer = shell.require_page("trends")
st.title(shell.tr("page.trends"))
lang = shell.lang()
settings = get_settings()
st.caption(shell.tr("trends.intro", n=settings.min_group_size))
weeks = st.select_slider(shell.tr("trends.weeks"), options=[4, 8, 12, 26, 52], value=12, key="weeks")



@st.cache_data(ttl=120, show_spinner=False)
def load_report(viewer, today: date, weeks: int, database: str) -> wt.TrendsReport:
    """Aggregates change only in the open week, which is hidden anyway: cached briefly so that
    choosing teams does not scan the check-ins again. Each view is still audited below."""
    with shell.session() as s:
        return wt.trends_report(s, viewer, today, weeks=weeks, settings=settings, audit_view=False)


today = clock.local_today()
report = load_report(viewer, today, weeks, settings.resolved_database_url)
with shell.session() as s:
    wt.record_trends_view(s, viewer, today, weeks=weeks)
    s.commit()

records = wt.cell_records(report, lang)
if not records:
    st.info(shell.tr("trends.no_data"))
    st.stop()

total = shell.tr("trends.company_total")
teams = [total, *report.teams]
default = [total if x is None else x for x in wt.default_chart_teams(report)]
chosen = st.multiselect(shell.tr("trends.teams"), teams, default=default, key="teams",
                        placeholder=shell.tr("app.choose"))
# Suppression was decided over ALL teams in trends_report; choosing teams only filters drawing.
charts = ui_charts.trend_charts(records, lang, [None if x == total else x for x in chosen])

for key, title in (("who5", "trends.who5_mean"), ("share_watch", "trends.share_watch"),
                   ("share_urgent", "trends.share_urgent"), ("participation", "trends.participation"),
                   ("harassment", "trends.harassment_reports"), ("incidents", "trends.incidents")):
    st.subheader(shell.tr(title))
    st.altair_chart(charts[key], width="stretch")
st.subheader(shell.tr("trends.k6_heading"))
st.altair_chart(charts["k6"])
st.subheader(shell.tr("trends.job_heading"))
st.altair_chart(charts["job"])

hidden = [{shell.tr(f"trends.col_{k}"): r[k] for k in ("week", "team", "note")}
          for r in records if r["note"] != "" and r["team"] in chosen]
if hidden:
    st.subheader(shell.tr("trends.hidden_heading"))
    st.dataframe(hidden, hide_index=True, width="stretch")

st.subheader(shell.tr("trends.table_heading"))
table = [row for r, row in zip(records, wt.display_rows(report, lang), strict=True)
         if r["team"] in chosen]
st.dataframe(table, hide_index=True, width="stretch")

st.subheader(shell.tr("trends.free_text_heading", n=settings.min_group_size_free_text))
shown_texts = [c for c in report.free_text if not c.suppressed and c.texts
               and (c.team or total) in chosen]
if not shown_texts:
    st.caption(shell.tr("trends.free_text_none"))
for cell in shown_texts:
    with st.expander(f"{cell.week.isoformat()} · {cell.team or total}"):
        for text in cell.texts:
            st.markdown(f"- {escape(text)}")



def csv_bytes() -> bytes:
    """Built (and audited) only when HR clicks the download button."""
    with shell.session() as s:
        data = wt.trends_csv(s, viewer, report, lang)
        s.commit()
    return data


st.download_button(shell.tr("trends.download"), csv_bytes, file_name="wellbeing_trends.csv",
                   mime="text/csv", key="csv", on_click="ignore")
