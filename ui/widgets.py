"""Widgets shared by pages: the answer recorder (microphone or upload)."""

from __future__ import annotations

import streamlit as st

from services.practice import AUDIO_SUFFIXES
from ui.shell import tr


def recorder(counter_key: str, *, record_label: str, upload_label: str, submit_label: str,
             submit_icon: str):
    """Record an answer in the browser (16 kHz) or upload a file, retake, submit.

    Returns the chosen file when the submit button is pressed with audio, else None. The
    widgets are keyed by the counter ``st.session_state[counter_key]``: raising it (retake, or
    after a stored submission) gives fresh, empty widgets.
    """
    n = st.session_state.setdefault(counter_key, 0)
    recorded = st.audio_input(record_label, sample_rate=16000, key=f"{counter_key}_mic_{n}")
    uploaded = st.file_uploader(upload_label, type=[x.lstrip(".") for x in AUDIO_SUFFIXES],
                                key=f"{counter_key}_file_{n}")
    chosen = recorded or uploaded
    retake, submit = st.columns(2)
    if retake.button(tr("practice.retake"), icon=":material/replay:", disabled=chosen is None,
                     key=f"{counter_key}_retake"):
        st.session_state[counter_key] += 1
        st.rerun()
    if submit.button(submit_label, type="primary", icon=submit_icon, key=f"{counter_key}_submit"):
        if chosen is None:
            st.warning(tr("practice.need_audio"))
            return None
        return chosen
    return None
