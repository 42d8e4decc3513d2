"""Voice calibration (staff): read the neutral sentence aloud → the person's usual pitch and pace.

Recorded once and again any time; the newest usable recording is the baseline the practice
score compares against ("higher / faster than usual").
"""

from __future__ import annotations

import streamlit as st

from analysis.calibration_text import CALIBRATION_SENTENCE
from core import clock
from core.models import AttemptStatus
from services import calibration, practice
from ui import shell, widgets

viewer = shell.require_page("calibrate")
st.title(shell.tr("page.calibrate"))

S = st.session_state
S.setdefault("cal_rec", 0)

st.write(shell.tr("calibrate.intro"))
with st.container(border=True):
    st.caption(shell.tr("calibrate.sentence"))
    st.subheader(CALIBRATION_SENTENCE)

with shell.session() as s:
    state = calibration.calibration_state(s, viewer)

st.markdown(f"**{shell.tr('calibrate.current')}**")
if state.baseline is None:
    st.info(shell.tr("calibrate.none"))
else:
    c1, c2 = st.columns(2)
    c1.metric(shell.tr("calibrate.f0"), shell.tr("practice.unit_hz", value=state.baseline.f0_median_hz))
    c2.metric(shell.tr("calibrate.pace"),
              shell.tr("practice.unit_morae", value=state.baseline.morae_per_s_span))

# The newest recording, when it did not become the baseline: say why, offer a retry.
latest = state.latest
if latest is not None and widgets.analysis_state(latest, retry_key=f"cal_retry_{latest.id}"):
    if state.latest_usable:
        st.caption(shell.tr("calibrate.recorded_at", when=clock.format_local(latest.created_at)))
    else:
        st.warning(shell.tr("calibrate.unusable"))

chosen = widgets.recorder("cal_rec", record_label=shell.tr("calibrate.record"),
                          upload_label=shell.tr("calibrate.upload"),
                          submit_label=shell.tr("calibrate.submit"), submit_icon=":material/tune:")
if chosen is not None:
    try:
        with shell.session() as s:
            stored = practice.submit_calibration(s, viewer=viewer, data=chosen.getvalue(),
                                                 filename=chosen.name or "calibration.wav")
    except practice.PracticeError as e:
        st.error(shell.tr(e.key, **e.values))
    else:
        attempt = widgets.analyse_with_status(stored.id)
        if attempt.status in (AttemptStatus.stored, AttemptStatus.analysing):
            S.cal_rec += 1  # queued: a worker analyses it; the page shows its progress
        if attempt.status == AttemptStatus.done and calibration.usable_calibration(attempt):
            S.cal_rec += 1
            st.toast(shell.tr("calibrate.done"))
        st.rerun()
