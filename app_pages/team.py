"""Team progress (trainer): per-person score trends, scenarios completed, pass rate and latest
review; the customer-harassment training record; CSV export of exactly the rows shown.

No wellbeing data here: only practice results and reviews (``services.team_progress``).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services import team_progress as tp
from services.catalogue import catalogue
from ui import charts, shell

viewer = shell.require_page("team")
st.title(shell.tr("page.team"))

LANG = shell.lang()


def record_export(what: str, n_rows: int) -> None:
    """Audit the download (runs when the button is clicked, not on every render)."""
    with shell.session() as s:
        tp.record_export(s, viewer, what=what, n_rows=n_rows)
        s.commit()


def date_range(value):
    if isinstance(value, (list, tuple)):
        return (tuple(value) + (None, None))[:2]
    return (value, value) if value else (None, None)


with shell.session() as s:
    teams = tp.visible_teams(s, viewer)
if not teams:
    st.info(shell.tr("team.no_teams"))
    st.stop()
team_names = dict(teams)

with st.expander(shell.tr("team.filters"), expanded=True):
    c1, c2, c3 = st.columns(3)
    team_id = None
    if len(teams) > 1:
        team_id = c1.selectbox(shell.tr("team.team"), [None, *team_names], key="tm_team",
                               format_func=lambda v: shell.tr("team.all_teams") if v is None
                               else team_names[v])
    else:
        c1.markdown(f"**{shell.tr('team.team')}**: {teams[0][1]}")
    with shell.session() as s:
        everyone = tp.team_progress(s, viewer, team_id=team_id, catalogue=catalogue())
    names = {p.user_id: p.display_name for p in everyone.people}
    chosen = c2.multiselect(shell.tr("team.people"), list(names), key="tm_people",
                             placeholder=shell.tr("app.choose"),
                            format_func=lambda v: names.get(v, str(v)))
    dates = c3.date_input(shell.tr("team.date_range"), value=(), key="tm_dates")
date_from, date_to = date_range(dates)

with shell.session() as s:
    progress = tp.team_progress(
        s, viewer, team_id=team_id, user_ids=[u for u in chosen if u in names] or None,
        date_from=date_from, date_to=date_to, catalogue=catalogue())

if not progress.people:
    st.info(shell.tr("team.empty"))
    st.stop()

st.subheader(shell.tr("team.trends"))
chart = charts.team_trend_chart(progress, LANG)
if chart is None:
    st.caption(shell.tr("team.no_scores"))
else:
    st.altair_chart(chart, width="stretch")

st.subheader(shell.tr("team.table"))
rows = tp.progress_rows(progress, LANG)
st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch")
st.download_button(
    shell.tr("team.download"), data=tp.team_progress_csv(rows), file_name="team_progress.csv",
    mime="text/csv", key="tm_csv", icon=":material/download:",
    on_click=record_export, args=("team_progress", len(rows)),
)

st.subheader(shell.tr("team.harassment"))
st.caption(shell.tr("team.harassment_help"))
if not progress.harassment_scenarios:
    st.info(shell.tr("team.no_harassment_scenarios"))
else:
    h_rows = tp.harassment_rows(progress, LANG)
    st.dataframe(pd.DataFrame(h_rows), hide_index=True, width="stretch")
    st.download_button(
        shell.tr("team.download_harassment"), data=tp.team_progress_csv(h_rows),
        file_name="harassment_training.csv", mime="text/csv", key="tm_csv_h",
        icon=":material/download:", on_click=record_export,
        args=("harassment_training", len(h_rows)),
    )
