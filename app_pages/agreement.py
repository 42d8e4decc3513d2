"""Score agreement (trainers and admins): per scenario, how often and how far trainers
overrode the automatic score, and which rubric groups they corrected — so that a bad rubric
rule or band shows. Aggregates only: no person, no trainer is named.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core import agreement, ui

viewer = ui.require_page("agreement")
st.title(ui.tr("page.agreement"))

LANG = ui.lang()


@st.cache_resource(ttl=300, show_spinner=False)
def catalogue():
    from scenarios.loader import load_catalogue

    return load_catalogue()


def title(scenario_id: str) -> str:
    scenario = catalogue().get(scenario_id)
    if scenario is None:
        return scenario_id
    return scenario.title if LANG == "ja" else scenario.title_en


def fmt(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


st.caption(ui.tr("agreement.help"))
with ui.session() as s:
    rows = agreement.agreement_by_scenario(s, viewer)
if not rows:
    st.info(ui.tr("agreement.empty"))
    st.stop()

table = pd.DataFrame([
    {
        ui.tr("agreement.col_scenario"): title(r.scenario_id),
        ui.tr("agreement.col_reviewed"): r.reviewed,
        ui.tr("agreement.col_overridden"): r.overridden,
        ui.tr("agreement.col_rate"): fmt(100 * r.override_rate if r.override_rate is not None else None),
        ui.tr("agreement.col_abs"): fmt(r.mean_abs_diff),
        ui.tr("agreement.col_signed"): fmt(r.mean_signed_diff),
        ui.tr("agreement.col_groups"): "、".join(
            ui.tr("agreement.times", label=label, n=n) for _, label, n in r.corrected_groups),
    }
    for r in rows
])
st.dataframe(table, hide_index=True, width="stretch")
st.caption(ui.tr("agreement.signed_help"))

st.subheader(ui.tr("agreement.chart"))
chart = agreement.agreement_chart(rows, {r.scenario_id: title(r.scenario_id) for r in rows}, LANG)
if chart is not None:
    st.altair_chart(chart)
