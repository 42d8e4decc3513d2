"""The end of a call: its verdict as a whole, the conversation turn by turn (the customer's line,
the trainee's recording, the score — a trainer's beside the automatic one — and why the customer
reacted as they did), and the two improvements that matter most. Streamlit glue only."""

from __future__ import annotations

import streamlit as st

from services.calls import CallSummary, CallTurn
from ui import widgets
from ui.shell import lang, tr
from ui.widgets import escape, group_text


def reaction(why: str) -> None:
    """Why the customer reacts as they do next (the branch's reason), when the branch says."""
    if why:
        st.caption(tr("practice.reaction", why=why))


def _score_text(t: CallTurn) -> str:
    if t.score is None:
        return tr("practice.call_turn_unscored")
    if t.reviewed_score is not None and t.reviewed_score != t.auto_score:
        return tr("practice.call_turn_reviewed", score=t.score,
                  auto="—" if t.auto_score is None else t.auto_score)
    return tr("practice.score_value", score=t.score)


def call_summary(summary: CallSummary) -> None:
    """The whole call, judged by ``bands.toml`` [call]."""
    v = summary.verdict
    st.subheader(tr("practice.call_summary"))
    score = "—" if v.score is None else tr("practice.score_value", score=v.score)
    st.metric(tr("practice.call_score"), score)
    reasons = v.reason_texts(lang())
    box = st.success if v.passed else st.error if v.passed is False else st.info
    box(tr("practice.call_passed" if v.passed else "practice.call_failed" if v.passed is False
           else "practice.call_open") + "  \n" + "  \n".join(escape(r) for r in reasons))
    if summary.improvements:
        st.markdown(f"**{tr('practice.improvements')}**")
        for n, imp in enumerate(summary.improvements, start=1):
            st.markdown(escape(tr("practice.improvement_row", n=n, explanation=group_text(imp.explanation(lang())),
                                  tip=group_text(imp.tip(lang())), points=imp.points,
                                  steps="・".join(str(s) for s in imp.steps))))
    for t in summary.turns:
        line = t.turn.customer if t.turn is not None else t.attempt.turn_id or ""
        with st.expander(tr("practice.call_turn", n=t.step, score=_score_text(t)),
                         expanded=t.step == 1):
            st.markdown(f"**{tr('practice.customer_says')}**: {escape(line)}")
            st.markdown(f"**{tr('practice.call_answer')}**: {escape(t.attempt.transcript or '')}")
            widgets.play_recording(t.attempt)
            reaction(t.why(lang()))
