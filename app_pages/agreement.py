"""Score agreement (trainers and admins): per scenario, how often and how far trainers
overrode the automatic score, and which rubric groups they corrected — so that a bad rubric
rule or band shows. Aggregates only: no person, no trainer is named.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from services import agreement
from services.catalogue import catalogue
from ui import charts, shell

viewer = shell.require_page("agreement")
st.title(shell.tr("page.agreement"))

LANG = shell.lang()


def title(scenario_id: str) -> str:
    scenario = catalogue().get(scenario_id)
    if scenario is None:
        return scenario_id
    return scenario.title if LANG == "ja" else scenario.title_en


def fmt(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


st.caption(shell.tr("agreement.help"))
with shell.session() as s:
    rows = agreement.agreement_by_scenario(s, viewer)
if not rows:
    st.info(shell.tr("agreement.empty"))
    st.stop()

table = pd.DataFrame([
    {
        shell.tr("agreement.col_scenario"): title(r.scenario_id),
        shell.tr("agreement.col_reviewed"): r.reviewed,
        shell.tr("agreement.col_overridden"): r.overridden,
        shell.tr("agreement.col_rate"): fmt(100 * r.override_rate if r.override_rate is not None else None),
        shell.tr("agreement.col_abs"): fmt(r.mean_abs_diff),
        shell.tr("agreement.col_signed"): fmt(r.mean_signed_diff),
        shell.tr("agreement.col_groups"): "、".join(
            shell.tr("agreement.times", label=label, n=n) for _, label, n in r.corrected_groups),
    }
    for r in rows
])
st.dataframe(table, hide_index=True, width="stretch")
st.caption(shell.tr("agreement.signed_help"))

st.subheader(shell.tr("agreement.chart"))
chart = charts.agreement_chart(rows, {r.scenario_id: title(r.scenario_id) for r in rows}, LANG)
if chart is not None:
    st.altair_chart(chart)
