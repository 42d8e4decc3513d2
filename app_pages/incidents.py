"""Customer-harassment (カスハラ) reports: staff report and see their own; HR sees and works all
(every view by HR is audited)."""

import streamlit as st

from core import access, clock
from core.errors import Refusal
from core.models import IncidentStatus
from services import incidents
from ui import shell
from ui.widgets import escape
from wellbeing.instruments import HARASSMENT_KINDS

viewer = shell.require_page("incidents")
st.title(shell.tr("page.incidents"))
lang = shell.lang()
works = access.can_work_incidents(viewer)


def status_label(value: str) -> str:
    return shell.tr(f"incidents.status_{value}")


def kind_label(value: str) -> str:
    return HARASSMENT_KINDS[value].get(lang) if value in HARASSMENT_KINDS else value


if access.can_report_incident(viewer):
    st.caption(shell.tr("incidents.intro"))
    with st.form("report", clear_on_submit=True):
        st.subheader(shell.tr("incidents.report_heading"))
        occurred = st.date_input(shell.tr("incidents.occurred_on"), value=clock.local_today(),
                                 max_value=clock.local_today())
        kind = st.selectbox(shell.tr("incidents.kind"), list(HARASSMENT_KINDS), format_func=kind_label)
        text = st.text_area(shell.tr("incidents.description"))
        if st.form_submit_button(shell.tr("incidents.submit"), type="primary"):
            try:
                with shell.session() as s:
                    incidents.report_incident(s, viewer, occurred_on=occurred, kind=kind,
                                              description=text)
                    s.commit()
                st.success(shell.tr("incidents.reported"))
            except Refusal as e:
                shell.show_refusal(e)

with shell.session() as s:
    reports = incidents.list_incidents(s, viewer)
    s.commit()  # HR's views are audited
st.subheader(shell.tr("incidents.all" if works else "incidents.mine"))
if flash := st.session_state.pop("inc_flash", None):
    st.success(flash)
if not reports:
    st.info(shell.tr("incidents.none"))
for inc in reports:
    with st.container(border=True):
        who = f" · {shell.tr('incidents.reporter')}: {escape(inc.reporter)}" + (
            f"（{escape(inc.team)}）" if inc.team else "") if works else ""
        st.markdown(f"**{inc.occurred_on.isoformat()} · {kind_label(inc.kind)}** · "
                    f"{status_label(inc.status)}{who}")
        st.markdown(escape(inc.description))
        if not works:
            if inc.actions:
                st.caption(f"{shell.tr('incidents.actions')}: {escape(inc.actions)}")
            continue
        with st.form(f"incident_{inc.id}"):
            statuses = [s.value for s in IncidentStatus]
            status = st.selectbox(shell.tr("incidents.status"), statuses,
                                  index=statuses.index(inc.status), format_func=status_label)
            actions = st.text_area(shell.tr("incidents.actions"), value=inc.actions or "")
            if st.form_submit_button(shell.tr("incidents.save")):
                try:
                    with shell.session() as s:
                        incidents.update_incident(s, viewer, inc.id, status=status,
                                                  actions=actions)
                        s.commit()
                except Refusal as e:
                    shell.show_refusal(e)
                else:  # rerun: the header shows the new status
                    st.session_state.inc_flash = shell.tr("incidents.saved")
                    st.rerun()
