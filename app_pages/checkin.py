"""Staff: the weekly check-in — consent first, then WHO-5 (K6 every 4 weeks), job items,
one-on-one wish and free text; right after submitting, the person's own result in kind words,
their trend, self-care tips, and — when it is urgent — the support contacts at once.

The parts live in :mod:`ui.checkin_screen`, the charts in :mod:`ui.charts`."""

import streamlit as st

from core import clock
from services import checkin as wd
from services import consent
from services import one_on_one as oo
from ui import charts, shell
from ui import checkin_screen as screen

viewer = shell.require_page("checkin")
st.title(shell.tr("page.checkin"))
lang = shell.lang()
today = clock.local_today()
EDIT = "checkin_edit"

with shell.session() as s:
    state = wd.checkin_state(s, viewer, today)
    consents = consent.consent_status(s, viewer)


def result_view() -> None:
    with shell.session() as s:
        result = wd.checkin_result(s, viewer, state.existing)
        trend = wd.own_trend(s, viewer)
        requests = oo.my_one_on_ones(s, viewer)
    fb = result.feedback
    if fb.show_support_contacts:  # at once, above everything else
        screen.support_contacts()
        screen.ask_button(viewer, result, requests)
    st.subheader(shell.tr("checkin.result_heading"))
    st.info(fb.message.get(lang))
    if not fb.show_support_contacts and requests:
        screen.ask_button(viewer, result, requests)
    screen.share_option(viewer, result)
    st.subheader(shell.tr("checkin.tips_heading"))
    for tip in fb.tips:
        st.markdown(f"- {tip.get(lang)}")
    if state.existing.harassment_count:
        st.caption(shell.tr("checkin.harassment_hint"))
    st.subheader(shell.tr("checkin.trend_heading"))
    who5, *k6 = charts.own_checkin_charts(trend, lang=lang)
    st.altair_chart(who5, width="stretch")
    for chart in k6:
        st.altair_chart(chart, width="stretch")
    if st.button(shell.tr("checkin.edit"), key="edit_checkin"):
        st.session_state[EDIT] = True
        st.rerun()


if not state.consented:
    screen.consent_screen(viewer)
    st.stop()
if state.existing is None or st.session_state.get(EDIT):
    if screen.checkin_form(viewer, state, today):
        st.session_state[EDIT] = False
        st.rerun()
else:
    result_view()
screen.manage_consent(viewer, consents)
