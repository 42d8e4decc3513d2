"""Background jobs on a page: an attempt's analysis in progress (polled, never blocking), the
list of the viewer's answers still waiting or failed, and a customer voice that is still being
rendered. The work itself runs in worker processes (``core.worker``); these widgets only read
its state (``services.jobs``) and rerun the page once it is finished.
"""

from __future__ import annotations

import streamlit as st

from core.clock import format_local
from core.models import AttemptStatus
from services import jobs as app_jobs
from services import practice
from ui.shell import current_viewer, session, tr

POLL_SECONDS = 1.5


def stage_label(stage: str | None) -> str:
    key = practice.STAGE_KEYS.get(stage or "load")
    return tr(key) if key else tr("practice.stage_other", stage=stage)


def show_state(state: app_jobs.AnalysisState) -> None:
    """One line for where an analysis is (queued, running at a stage, or not queued)."""
    if state.job_state is None:
        st.info(tr("jobs.no_job"), icon=":material/save:")
    elif state.queued:
        text = tr("jobs.queued", ahead=state.ahead) if state.ahead else tr("jobs.queued_next")
        st.info(text, icon=":material/hourglass_top:")
    else:
        st.info(tr("jobs.running", stage=stage_label(state.stage),
                   seconds=int(state.waiting_seconds or 0)), icon=":material/graphic_eq:")
    if state.retrying:
        st.caption(tr("jobs.retrying", tries=state.tries, max=state.max_tries))


def analysis_progress(viewer, attempt_id: int) -> None:
    """While the attempt is waiting or being analysed: its state, refreshed every
    ``POLL_SECONDS`` without blocking the page; the whole page reruns when it is finished."""
    viewer = viewer or current_viewer()

    @st.fragment(run_every=POLL_SECONDS)
    def poll() -> None:
        from core.worker import start_embedded

        start_embedded()  # the embedded worker died (killed, out of memory): start another
        with session() as s:
            try:
                attempt = practice.get_attempt_for(s, viewer, attempt_id)
            except (LookupError, PermissionError):
                return
            state = app_jobs.analysis_state(s, attempt)
        if not state.pending:
            st.rerun(scope="app")
        show_state(state)

    poll()


def queue_analysis(attempt_id: int) -> None:
    """Queue a stored attempt's analysis (immediate mode: analysed right here)."""
    app_jobs.enqueue_analysis(attempt_id)


def pending_state(attempt) -> app_jobs.AnalysisState | None:
    """The analysis state of a waiting or analysing attempt (None for any other)."""
    if attempt.status not in app_jobs.PENDING:
        return None
    with session() as s:
        return app_jobs.analysis_state(s, attempt)


def waiting(attempt, viewer=None) -> bool:
    """For an attempt whose analysis is queued or running: the heading and its live progress;
    True then. False when nothing is queued for it (offer a retry)."""
    state = pending_state(attempt)
    if state is None or not (state.queued or state.running):
        return False
    st.markdown(f"**{tr('practice.analysing')}**")
    analysis_progress(viewer, attempt.id)
    return True


def retry(viewer, attempt_id: int) -> None:
    """Analyse a failed or stuck attempt of the viewer's again (queued)."""
    viewer = viewer or current_viewer()
    with session() as s:
        attempt = practice.get_attempt_for(s, viewer, attempt_id)
        app_jobs.retry_analysis(s, attempt)


def open_attempts(viewer, *, practice_page: str = "/practice", came_from: str = "") -> None:
    """The viewer's answers still waiting, in analysis, or failed (each opens with a retry)."""
    from services.catalogue import title

    with session() as s:
        rows = app_jobs.open_attempts(s, viewer)
    if not rows:
        return
    pending = [r for r in rows if r.status != AttemptStatus.failed]
    failed = [r for r in rows if r.status == AttemptStatus.failed]
    lang = st.session_state.get("lang") or "ja"
    for heading, group in ((tr("jobs.pending_list"), pending), (tr("jobs.failed_list"), failed)):
        if not group:
            continue
        with st.expander(f"{heading}（{len(group)}）", expanded=bool(failed) and group is failed):
            for r in group:
                what = (title(r.scenario_id, lang) if r.scenario_id
                        else tr("page.calibrate"))
                status = tr(f"jobs.status_{r.status.value}")
                text = tr("jobs.pending_row", when=format_local(r.created_at), title=what,
                          status=status)
                if r.kind == "practice":
                    back = f"&from={came_from}" if came_from else ""
                    st.markdown(f"[{text}]({practice_page}?attempt={r.id}{back})")
                else:
                    st.markdown(text)


def customer_voice(scenario, turn) -> bool:
    """The customer's line as audio if it is rendered; otherwise say it is being prepared (its
    render is queued) and rerun the page when it is ready. True when the audio is shown."""
    path = app_jobs.voice_ready(scenario, turn)
    if path is not None:
        st.audio(path.read_bytes(), format="audio/wav")
        return True
    from core import queue

    if queue.is_immediate():
        return False  # no worker: the page renders it on demand
    st.caption(tr("jobs.voice_rendering"))

    @st.fragment(run_every=2.0)
    def wait() -> None:
        if practice.voice_path(scenario, turn, render=False) is not None:
            st.rerun(scope="app")

    wait()
    return False
