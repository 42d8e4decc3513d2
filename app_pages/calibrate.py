"""Voice calibration (staff): read the neutral sentence aloud → the person's usual pitch and pace.

Recorded once and again any time; the newest usable recording is the baseline the practice
score compares against ("higher / faster than usual").
"""

from __future__ import annotations

import streamlit as st

from analysis.calibration_text import CALIBRATION_SENTENCE
from core.models import AttemptStatus
from services import practice
from ui import shell, widgets

viewer = shell.require_page("calibrate")
st.title(shell.tr("page.calibrate"))

S = st.session_state
S.setdefault("cal_rec", 0)


def stage_label(stage: str) -> str:
    key = practice.STAGE_KEYS.get(stage)
    return shell.tr(key) if key else shell.tr("practice.stage_other", stage=stage)


def analyse_with_status(attempt_id: int):
    with st.status(shell.tr("practice.analysing"), expanded=True) as box:
        attempt = practice.analyse_attempt(attempt_id, progress=lambda s: box.write(stage_label(s)))
        failed = attempt.status == AttemptStatus.failed
        box.update(label=shell.tr("practice.analysis_failed" if failed else "practice.analysed"),
                   state="error" if failed else "complete", expanded=False)
    return attempt


st.write(shell.tr("calibrate.intro"))
with st.container(border=True):
    st.caption(shell.tr("calibrate.sentence"))
    st.subheader(CALIBRATION_SENTENCE)

with shell.session() as s:
    baseline = practice.current_baseline(s, viewer.id)
    latest = practice.latest_calibration(s, viewer)

st.markdown(f"**{shell.tr('calibrate.current')}**")
if baseline is None:
    st.info(shell.tr("calibrate.none"))
else:
    c1, c2 = st.columns(2)
    c1.metric(shell.tr("calibrate.f0"), shell.tr("practice.unit_hz", value=baseline.f0_median_hz))
    c2.metric(shell.tr("calibrate.pace"), shell.tr("practice.unit_morae", value=baseline.morae_per_s_span))

# The newest recording, when it did not become the baseline: say why, offer a retry.
if latest is not None:
    if latest.status == AttemptStatus.failed:
        st.error(shell.tr("practice.failed"))
        if latest.error:
            st.caption(shell.tr("practice.failed_detail", error=latest.error))
    elif latest.status == AttemptStatus.no_speech:
        st.warning(shell.tr("practice.no_speech"))
        st.caption(shell.tr("practice.no_speech_hint"))
    elif latest.status == AttemptStatus.done and not practice.usable_calibration(latest):
        st.warning(shell.tr("calibrate.unusable"))
    elif latest.status in (AttemptStatus.stored, AttemptStatus.analysing):
        st.info(shell.tr("practice.still_stored"))
    retryable = latest.status in (AttemptStatus.failed, AttemptStatus.stored,
                                  AttemptStatus.analysing)
    if retryable and st.button(shell.tr("practice.retry"), key=f"cal_retry_{latest.id}",
                               icon=":material/refresh:"):
        analyse_with_status(latest.id)
        st.rerun()
    if latest.status == AttemptStatus.done and practice.usable_calibration(latest):
        st.caption(shell.tr("calibrate.recorded_at", when=practice.local_when(latest.created_at)))

chosen = widgets.recorder("cal_rec", record_label=shell.tr("calibrate.record"),
                     upload_label=shell.tr("calibrate.upload"), submit_label=shell.tr("calibrate.submit"),
                     submit_icon=":material/tune:")
if chosen is not None:
    try:
        with shell.session() as s:
            stored = practice.submit_calibration(s, viewer=viewer, data=chosen.getvalue(),
                                                 filename=chosen.name or "calibration.wav")
    except practice.PracticeError as e:
        st.error(shell.tr(e.key, **e.values))
    else:
        attempt = analyse_with_status(stored.id)
        if attempt.status == AttemptStatus.done and practice.usable_calibration(attempt):
            S.cal_rec += 1
            st.toast(shell.tr("calibrate.done"))
        st.rerun()
