"""Customer-harassment (カスハラ) reports: staff report and see their own; HR sees and works all
(every view by HR is audited)."""

import streamlit as st

from core import access, clock, incidents, ui
from core.errors import WellbeingError
from core.models import IncidentStatus
from wellbeing.instruments import HARASSMENT_KINDS

viewer = ui.require_page("incidents")
st.title(ui.tr("page.incidents"))
lang = ui.lang()
works = access.can_work_incidents(viewer)


def status_label(value: str) -> str:
    return ui.tr(f"incidents.status_{value}")


def kind_label(value: str) -> str:
    return HARASSMENT_KINDS[value].get(lang) if value in HARASSMENT_KINDS else value


if access.can_report_incident(viewer):
    st.caption(ui.tr("incidents.intro"))
    with st.form("report", clear_on_submit=True):
        st.subheader(ui.tr("incidents.report_heading"))
        occurred = st.date_input(ui.tr("incidents.occurred_on"), value=clock.local_today(),
                                 max_value=clock.local_today())
        kind = st.selectbox(ui.tr("incidents.kind"), list(HARASSMENT_KINDS), format_func=kind_label)
        text = st.text_area(ui.tr("incidents.description"))
        if st.form_submit_button(ui.tr("incidents.submit"), type="primary"):
            try:
                with ui.session() as s:
                    incidents.report_incident(s, viewer, occurred_on=occurred, kind=kind,
                                              description=text)
                    s.commit()
                st.success(ui.tr("incidents.reported"))
            except WellbeingError as e:
                st.error(ui.tr(e.key, **e.values))

with ui.session() as s:
    reports = incidents.list_incidents(s, viewer)
    s.commit()  # HR's views are audited
st.subheader(ui.tr("incidents.all" if works else "incidents.mine"))
if not reports:
    st.info(ui.tr("incidents.none"))
for inc in reports:
    with st.container(border=True):
        who = f" · {ui.tr('incidents.reporter')}: {inc.reporter}" + (f"（{inc.team}）" if inc.team else "") \
            if works else ""
        st.markdown(f"**{inc.occurred_on.isoformat()} · {kind_label(inc.kind)}** · "
                    f"{status_label(inc.status)}{who}")
        st.write(inc.description)
        if not works:
            if inc.actions:
                st.caption(f"{ui.tr('incidents.actions')}: {inc.actions}")
            continue
        with st.form(f"incident_{inc.id}"):
            statuses = [s.value for s in IncidentStatus]
            status = st.selectbox(ui.tr("incidents.status"), statuses,
                                  index=statuses.index(inc.status), format_func=status_label)
            actions = st.text_area(ui.tr("incidents.actions"), value=inc.actions or "")
            if st.form_submit_button(ui.tr("incidents.save")):
                with ui.session() as s:
                    incidents.update_incident(s, viewer, inc.id, status=status, actions=actions)
                    s.commit()
                st.success(ui.tr("incidents.saved"))
