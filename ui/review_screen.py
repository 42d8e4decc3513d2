"""The review screen's parts for one attempt (Streamlit glue for ``app_pages/review.py``): the
recording with play-from buttons, the transcript by segment, what the trainee saw, the rubric
beside the model answer, the review form and the timestamped comments.

Everything shown comes from ``services.review.AttemptView`` (its typed result, read once);
saving goes through ``services.review`` (the caller-commits rule: these widgets commit).
"""

from __future__ import annotations

import streamlit as st

from core import clock
from services import review
from services.analysis_result import flipped, format_seconds
from ui import widgets
from ui.shell import session, tr
from ui.widgets import escape, group_text

S = st.session_state
# Delivery measures shown as numbers beside the charts: (metric, label key, format).
MEASURES = (
    ("morae_per_s_span", "review.metric_pace", "{:.1f}"),
    ("f0_median_hz", "review.metric_f0", "{:.0f}"),
    ("f0_sd_st", "review.metric_f0_sd", "{:.1f}"),
    ("pause_count", "review.metric_pauses", "{:.0f}"),
    ("longest_pause_s", "review.metric_longest_pause", "{:.1f}"),
    ("filler_count", "review.metric_fillers", "{:.0f}"),
    ("loudness_dbfs", "review.metric_loudness", "{:.0f}"),
    ("snr_db", "review.metric_snr", "{:.0f}"),
)


def commit(flash_key: str, change) -> None:
    """Make ``change(session)`` and commit; then rerun showing ``flash_key``. A refusal
    (``ReviewError``) is shown instead and nothing is stored."""
    try:
        with session() as s:
            change(s)
            s.commit()
    except review.ReviewError as e:
        st.error(tr(e.key, **e.values))
    else:
        S["rv_flash"] = flash_key
        st.rerun()


def _set_start(attempt_id: int, seconds: float) -> None:
    S[f"rv_start_{attempt_id}"] = float(seconds)
    S[f"rv_c_at_{attempt_id}"] = float(seconds)  # the comment form follows the player


def play_button(seconds: float, attempt_id: int, key: str) -> None:
    """Play the recording from ``seconds`` (a callback, so the player already starts there)."""
    st.button(tr("review.play_from", t=format_seconds(seconds)), key=key,
              help=tr("review.play_help"), on_click=_set_start, args=(attempt_id, seconds))


def recording(view: review.AttemptView) -> None:
    a = view.attempt
    st.markdown(f"**{tr('review.recording')}**")
    start = float(S.get(f"rv_start_{a.id}", 0.0))
    if not widgets.play_recording(a, start_s=start):
        st.warning(tr("review.recording_missing"))
    elif start > 0:
        st.caption(tr("review.playing_from", t=format_seconds(start)))


def transcript(view: review.AttemptView) -> None:
    st.markdown(f"**{tr('review.transcript')}**")
    segs = view.result.segments if view.result is not None else []
    if not segs:
        st.caption(tr("review.no_transcript"))
    for i, seg in enumerate(segs):
        left, right = st.columns([1, 5], vertical_alignment="center")
        with left:
            play_button(seg.start_s, view.attempt.id, key=f"rv_seg_{i}")
        right.markdown(escape(seg.text))


def what_trainee_saw(view: review.AttemptView) -> None:
    """The charts of the practice page, and the bare measures."""
    st.markdown(f"**{tr('review.what_trainee_saw')}**")
    result = view.result
    shown = result is not None and widgets.result_charts(result, result.baseline, explain=False)
    measures = result.metrics.present() if result is not None else {}
    present = [(k, label, fmt) for k, label, fmt in MEASURES if k in measures]
    if present:
        cols = st.columns(4)
        for i, (k, label, fmt) in enumerate(present):
            cols[i % 4].metric(tr(label), fmt.format(float(measures[k])))
    elif not shown:
        st.caption(tr("review.no_transcript"))


def rubric_and_model(view: review.AttemptView) -> None:
    st.subheader(tr("review.rubric_vs_model"))
    if view.turn is None:
        st.info(tr("review.no_scenario"))
    elif view.version_changed:
        st.caption(tr("review.version_changed", then=view.attempt.scenario_version,
                      now=view.scenario.version))
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{tr('review.rubric')}**")
        rows = view.rubric_rows()
        for kind in ("required", "ng"):
            of_kind = [r for r in rows if r.kind == kind]
            if of_kind:
                st.markdown(tr(f"review.{kind}"))
            for r in of_kind:
                if r.machine is None:
                    st.markdown(f"- {escape(group_text(r.label))}")
                    continue
                verdict = tr("review.found" if r.machine.found else "review.missing")
                matched = (tr("review.matched", text=escape(r.machine.matched_text))
                           if r.machine.matched_text else "")
                st.markdown(f"- :{'green' if r.good else 'red'}[{verdict}] {escape(group_text(r.label))}{matched}")
    with right:
        if view.turn is not None:
            for key, text in (("review.customer_line", view.turn.customer),
                              ("review.goal", view.turn.goal)):
                st.markdown(f"**{tr(key)}**")
                st.markdown(escape(text))
            st.markdown(f"**{tr('review.model_answer')}**")
            st.info(view.turn.model_answer)
        st.markdown(f"**{tr('review.answer')}**")
        st.markdown(escape(view.attempt.transcript) or tr("review.no_transcript"))


def review_form(view: review.AttemptView, viewer) -> None:
    a, current = view.attempt, view.review
    st.subheader(tr("review.form"))
    if current is not None:
        st.caption(tr("review.reviewed_by", name=escape(view.reviewer_name or ""),
                      when=clock.format_local(current.reviewed_at)))
    else:
        st.caption(tr("review.not_reviewed"))
    corrected = view.corrections
    with st.form(f"rv_form_{a.id}"):
        override = st.number_input(tr("review.override"), min_value=0, max_value=100, step=1,
                                   value=current.score_override if current else None,
                                   key=f"rv_override_{a.id}")
        reason = st.text_area(tr("review.reason"), value=current.reason if current else "",
                              key=f"rv_reason_{a.id}")
        ticked = {}
        if view.groups:
            st.markdown(tr("review.corrections"))
        for g in view.groups:
            machine = tr("review.found" if g.found else "review.missing")
            human = tr("review.missing" if g.found else "review.found")
            ticked[g.id] = st.checkbox(
                tr("review.correction_label", label=group_text(g.label), machine=machine, human=human),
                value=g.id in corrected, key=f"rv_corr_{a.id}_{g.id}")
        submitted = st.form_submit_button(tr("review.save"), type="primary")
    if submitted:
        commit("review.saved", lambda s: review.save_review(
            s, viewer, a.id, score_override=int(override) if override is not None else None,
            reason=reason, rubric_corrections=flipped(view.result, ticked)))
    if current is None and st.button(tr("review.mark_reviewed"), key=f"rv_mark_{a.id}"):
        commit("review.marked", lambda s: review.mark_reviewed(s, viewer, a.id))


def comments(view: review.AttemptView, viewer) -> None:
    a = view.attempt
    st.subheader(tr("review.comments"))
    if not view.comments:
        st.caption(tr("review.no_comments"))
    for c in view.comments:
        left, right = st.columns([1, 5], vertical_alignment="center")
        with left:
            if c.at_seconds is not None:
                play_button(c.at_seconds, a.id, key=f"rv_c_{c.id}")
            else:
                st.caption(tr("review.whole_answer"))
        right.markdown(f"{escape(c.text)}  \n:gray[{escape(view.comment_authors.get(c.author_id, ''))}"
                       f"・{clock.format_local(c.created_at)}]")
    if not view.can_review:
        return
    with st.form(f"rv_comment_{a.id}", clear_on_submit=True):
        S.setdefault(f"rv_c_at_{a.id}", float(S.get(f"rv_start_{a.id}", 0.0)))
        at = st.number_input(tr("review.comment_at"), min_value=0.0, step=0.5, format="%.1f",
                             key=f"rv_c_at_{a.id}")
        whole = st.checkbox(tr("review.comment_whole"), key=f"rv_c_whole_{a.id}")
        text = st.text_area(tr("review.comment_text"), key=f"rv_c_text_{a.id}")
        submitted = st.form_submit_button(tr("review.comment_add"))
    if submitted:
        commit("review.comment_added", lambda s: review.add_comment(
            s, viewer, a.id, at_seconds=None if whole else at, text=text))
