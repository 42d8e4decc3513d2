"""Review (trainer): the queue of the teams' practice recordings, and one recording to listen to,
read, re-score with a reason, correct rubric verdicts of, and comment on at a time.

``?attempt=<id>`` opens one recording; ``core.access`` (through ``services.review``) decides whether
the trainer may, and a refusal shows a message and nothing of the recording. Every opening of a
recording is written to the audit log. The parts of one recording are ``ui.review_screen``.
"""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from core import audit
from core.clock import format_local as when
from services import catalogue, review
from ui import review_screen, shell, widgets

viewer = shell.require_page("review")
st.title(shell.tr("page.review"))

LANG = shell.lang()
S = st.session_state
STATUSES = ("done", "failed", "no_speech", "stored", "analysing")


def title(scenario_id: str | None) -> str:
    return catalogue.title(scenario_id, LANG)


def status_label(status: str) -> str:
    return shell.tr(f"review.status_{status}") if status in STATUSES else status


def back_to_queue() -> None:
    if st.button(shell.tr("review.back"), icon=":material/arrow_back:", key="rv_back"):
        st.query_params.clear()
        S.pop("rv_viewed", None)
        st.rerun()


def attempt_view(raw: str) -> None:
    view = None
    try:
        attempt_id = int(str(raw).strip())
    except ValueError:
        st.error(shell.tr("review.bad_param"))
        return back_to_queue()
    with shell.session() as s:
        try:  # one audit row per opening (not per rerun while the trainer works on it)
            view = review.get_attempt_for_review(s, viewer, attempt_id,
                                                 record_view=S.get("rv_viewed") != attempt_id)
            s.commit()
        except (PermissionError, review.AttemptNotFound) as e:  # one message for both
            audit.refused(s, viewer, "attempt", attempt_id,
                          "not allowed" if isinstance(e, PermissionError) else "not found")
            s.commit()
            st.error(shell.tr("review.refused_attempt"))
    back_to_queue()
    if view is None:
        return
    S["rv_viewed"] = attempt_id
    a = view.attempt
    if key := S.pop("rv_flash", None):
        st.success(shell.tr(key))
    st.subheader(shell.tr("review.header", name=widgets.escape(view.owner_name), scenario=title(a.scenario_id),
                          when=when(a.created_at)))
    override = view.review.score_override if view.review is not None else None
    cols = st.columns(3)
    cols[0].metric(shell.tr("review.auto_score"), "—" if a.score is None else a.score)
    cols[1].metric(shell.tr("review.trainer_score"), "—" if override is None else override,
                   view.score_change)
    cols[2].metric(shell.tr("review.col_status"), status_label(str(a.status)))
    if view.verdict.pass_mark is not None:
        st.caption(shell.tr("review.pass_mark", mark=int(view.verdict.pass_mark)))
    if str(a.status) == "failed":
        st.error(shell.tr("review.analysis_error", error=a.error or ""))
    elif str(a.status) == "no_speech":
        st.warning(shell.tr("review.no_speech"))
    left, right = st.columns(2)
    with left:
        review_screen.recording(view)
        review_screen.transcript(view)
    with right:
        review_screen.what_trainee_saw(view)
        widgets.render_breakdown(view.result, heading="review.breakdown", empty="review.no_breakdown")
    review_screen.rubric_and_model(view)
    if view.can_review:
        review_screen.review_form(view, viewer)
    review_screen.comments(view, viewer)


def queue_view() -> None:
    with shell.session() as s:
        options = review.queue_options(s, viewer)
    people = dict(options.people)
    st.subheader(shell.tr("review.queue"))
    with st.expander(shell.tr("review.filters"), expanded=True):
        c1, c2, c3 = st.columns(3)
        person = c1.selectbox(shell.tr("review.person"), [None, *people], key="rv_f_person",
                              format_func=lambda v: shell.tr("review.everyone") if v is None else people[v])
        scenario = c2.selectbox(shell.tr("review.scenario"), [None, *options.scenario_ids],
                                key="rv_f_scenario", format_func=lambda v: shell.tr(
                                    "review.all_scenarios") if v is None else title(v))
        status = c3.selectbox(shell.tr("review.status_filter"), ["all", "unreviewed", "reviewed"],
                              key="rv_f_status", format_func=lambda v: shell.tr(f"review.status_{v}"))
        c4, c5, c6 = st.columns(3)
        scores = c4.slider(shell.tr("review.score_range"), 0, 100, (0, 100), key="rv_f_score")
        dates = c5.date_input(shell.tr("review.date_range"), value=(), key="rv_f_dates")
        failed_only = c6.checkbox(shell.tr("review.failed_only"), key="rv_f_failed")
    filters = review.QueueFilters.from_widgets(user_id=person, scenario_id=scenario, scores=scores,
                                               dates=dates, failed_only=failed_only, status=status)
    with shell.session() as s:
        queue = review.review_queue(s, viewer, filters)
    for col, key in zip(st.columns(5), ("total", "unreviewed", "reviewed", "overridden", "failed")):
        col.metric(shell.tr(f"review.count_{key}"), getattr(queue.counts, key))
    if not queue.items:
        st.info(shell.tr("review.empty"))
        return
    table = pd.DataFrame([
        {
            shell.tr("review.col_when"): when(i.created_at),
            shell.tr("review.person"): i.user_name,
            shell.tr("review.scenario"): title(i.scenario_id),
            shell.tr("review.turn"): widgets.turn_title(catalogue.scenario(i.scenario_id), i.turn_id),
            shell.tr("review.col_status"): status_label(i.status),
            shell.tr("review.col_auto"): "" if i.auto_score is None else str(i.auto_score),
            shell.tr("review.col_override"): "" if i.score_override is None else str(i.score_override),
            shell.tr("review.col_reviewed"): shell.tr("review.yes" if i.reviewed else "review.no"),
            shell.tr("review.col_comments"): i.comment_count,
        }
        for i in queue.items
    ])
    st.caption(shell.tr("review.select_hint"))
    # The key names the rows shown: a selection made in one list can never open a row of another
    # (after a filter change the same row number is a different attempt).
    ids = [i.attempt_id for i in queue.items]
    picked = st.dataframe(table, hide_index=True, width="stretch",
                          key="rv_table_" + hashlib.sha1(repr(ids).encode()).hexdigest()[:12],
                          on_select="rerun", selection_mode="single-row")
    rows = list(getattr(getattr(picked, "selection", None), "rows", None) or [])
    if rows and 0 <= rows[0] < len(ids):
        st.query_params["attempt"] = str(ids[rows[0]])
        st.rerun()
    by_id = {i.attempt_id: i for i in queue.items}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        shell.tr("review.open_select"), list(by_id), key="rv_open_select",
        format_func=lambda i: (f"{when(by_id[i].created_at)} {by_id[i].user_name} — "
                               f"{title(by_id[i].scenario_id)} "
                               f"({shell.tr('review.yes' if by_id[i].reviewed else 'review.no')})"))
    if right.button(shell.tr("review.open"), type="primary", key="rv_open") and chosen is not None:
        st.query_params["attempt"] = str(chosen)
        st.rerun()


if st.query_params.get("attempt"):
    attempt_view(st.query_params.get("attempt"))
else:
    queue_view()
