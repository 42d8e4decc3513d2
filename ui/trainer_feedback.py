"""A trainer's verdict where the trainee reads it: on the attempt page, above the automatic
result — the trainer's score (automatic beside it) and whether it passes, the reason, the
rubric corrections, and the timed comments, each of which plays the recording from its moment.
Streamlit glue only."""

from __future__ import annotations

import streamlit as st

from core.clock import format_local
from services import review
from services.analysis_result import verdict
from ui.shell import tr
from ui.widgets import escape

SEEK_KEY = "pr_seek"  # session key: the second the recording plays from (a comment's moment)


def trainer_verdict(attempt, items: list[review.Feedback]) -> None:
    """Every review and comment on ``attempt`` the trainee may read (nothing when none)."""
    if not items:
        return
    with st.container(border=True):
        st.markdown(f"**{tr('practice.trainer_heading')}**")
        for item in items:
            if item.kind == "review":
                st.caption(tr("progress.feedback_review", author=escape(item.author),
                              when=format_local(item.at)))
                if item.score_override is not None:
                    v = verdict(attempt, score_override=item.score_override)
                    st.markdown(tr("practice.trainer_score", score=item.score_override,
                                   auto="—" if item.auto_score is None else item.auto_score))
                    if v.passed is not None:
                        (st.success if v.passed else st.warning)(
                            tr("practice.passed" if v.passed else "practice.not_passed",
                               mark=int(v.pass_mark or 0)))
                if item.reason:
                    st.markdown(f"**{tr('practice.trainer_reason')}**: {escape(item.reason)}")
                for c in item.corrections:
                    said = tr("practice.said" if c["human_found"] else "practice.not_said")
                    st.markdown("- " + escape(tr("practice.trainer_correction",
                                                 label=c["label"], said=said)))
            else:
                left, right = st.columns([4, 1])
                at = item.at_seconds
                head = tr("progress.feedback_comment", author=escape(item.author),
                          when=format_local(item.at))
                if at is not None:
                    head += "　" + tr("progress.feedback_at", seconds=at)
                left.caption(head)
                left.markdown(escape(item.text))
                if at is not None and right.button(tr("practice.play_from", seconds=at),
                                                   key=f"seek_{item.id}",
                                                   icon=":material/play_arrow:"):
                    st.session_state[SEEK_KEY] = (attempt.id, float(at))
                    st.rerun()


def seek_for(attempt_id: int) -> float:
    """Where the recording of ``attempt_id`` should start (a comment's moment, else 0)."""
    chosen = st.session_state.get(SEEK_KEY)
    return chosen[1] if chosen and chosen[0] == attempt_id else 0.0


def announce_new(count: int) -> None:
    """New trainer feedback, announced where staff land after signing in."""
    if count:
        st.info(tr("practice.new_feedback", n=count), icon=":material/mark_chat_unread:")
        st.page_link("app_pages/progress.py", label=tr("practice.new_feedback_open"),
                     icon=":material/arrow_forward:")
