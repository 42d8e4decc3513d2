"""Review (trainer): the queue of the teams' practice recordings, and one recording to listen to,
read, re-score with a reason, correct rubric verdicts of, and comment on at a time.

``?attempt=<id>`` opens one recording; ``core.access`` (through ``services.review``) decides whether
the trainer may, and a refusal shows a message and nothing of the recording. Every opening of a
recording is written to the audit log.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from core import clock, storage
from services import analysis_result, review
from ui import shell

viewer = shell.require_page("review")
st.title(shell.tr("page.review"))

LANG = shell.lang()
S = st.session_state
MIME = {".wav": "audio/wav", ".flac": "audio/flac", ".ogg": "audio/ogg", ".mp3": "audio/mpeg"}


@st.cache_resource(ttl=300, show_spinner=False)
def catalogue():
    from scenarios.loader import load_catalogue

    return load_catalogue()


def scenario_title(scenario_id: str | None) -> str:
    scenario = catalogue().get(scenario_id) if scenario_id else None
    if scenario is None:
        return scenario_id or ""
    return scenario.title if LANG == "ja" else scenario.title_en


def escape(text: str) -> str:
    """Plain text inside st.markdown (no accidental Markdown from a transcript or comment)."""
    for ch in "\\`*_[]<>#|~$":
        text = text.replace(ch, "\\" + ch)
    return text


def status_label(status: str) -> str:
    return shell.tr(f"review.status_{status}") if status in (
        "done", "failed", "no_speech", "stored", "analysing") else status


def flash(key: str) -> None:
    S["rv_flash"] = key


def show_flash() -> None:
    key = S.pop("rv_flash", None)
    if key:
        st.success(shell.tr(key))


def back_to_queue() -> None:
    if st.button(shell.tr("review.back"), icon=":material/arrow_back:", key="rv_back"):
        st.query_params.clear()
        S.pop("rv_viewed", None)
        st.rerun()


# --------------------------------------------------------------------------- one attempt


def _set_start(attempt_id: int, seconds: float) -> None:
    S[f"rv_start_{attempt_id}"] = float(seconds)
    S[f"rv_c_at_{attempt_id}"] = float(seconds)  # the comment form follows the player


def play_button(seconds: float, attempt_id: int, key: str) -> None:
    """Play the recording from ``seconds`` (a callback, so the player already starts there)."""
    st.button(shell.tr("review.play_from", t=analysis_result.format_seconds(seconds)), key=key,
              help=shell.tr("review.play_help"), on_click=_set_start, args=(attempt_id, seconds))


def render_recording(view: review.AttemptView) -> None:
    a = view.attempt
    st.markdown(f"**{shell.tr('review.recording')}**")
    try:
        data = storage.read_recording(a.audio_path)
    except (OSError, ValueError):
        st.warning(shell.tr("review.recording_missing"))
        return
    start = float(S.get(f"rv_start_{a.id}", 0.0))
    suffix = "." + a.audio_path.rsplit(".", 1)[-1].lower() if "." in a.audio_path else ".wav"
    st.audio(data, format=MIME.get(suffix, "audio/wav"), start_time=start, autoplay=start > 0)
    if start > 0:
        st.caption(shell.tr("review.playing_from", t=analysis_result.format_seconds(start)))


def render_transcript(view: review.AttemptView) -> None:
    st.markdown(f"**{shell.tr('review.transcript')}**")
    segs = analysis_result.segments(view.result)
    if not segs:
        st.caption(shell.tr("review.no_transcript"))
        return
    for i, seg in enumerate(segs):
        left, right = st.columns([1, 5], vertical_alignment="center")
        with left:
            play_button(seg["start"], view.attempt.id, key=f"rv_seg_{i}")
        right.markdown(escape(str(seg.get("text") or "")))


def render_what_trainee_saw(view: review.AttemptView) -> None:
    """The charts of the practice page (``shell.charts``), else the bare measures."""
    result = view.result
    st.markdown(f"**{shell.tr('review.what_trainee_saw')}**")
    try:
        from ui import charts
    except ImportError:
        charts = None
    shown = False
    if charts is not None:
        baseline = result.get("baseline")
        for chart in (charts.pitch_chart(result, baseline, lang=LANG),
                      charts.pace_chart(result, baseline, lang=LANG),
                      charts.pauses_chart(result, lang=LANG)):
            if chart is not None:
                st.altair_chart(chart, width="stretch")
                shown = True
    m = analysis_result.metrics(result)
    labels = [
        ("morae_per_s_span", "review.metric_pace", "{:.1f}"),
        ("f0_median_hz", "review.metric_f0", "{:.0f}"),
        ("f0_sd_st", "review.metric_f0_sd", "{:.1f}"),
        ("pause_count", "review.metric_pauses", "{:.0f}"),
        ("longest_pause_s", "review.metric_longest_pause", "{:.1f}"),
        ("filler_count", "review.metric_fillers", "{:.0f}"),
        ("loudness_dbfs", "review.metric_loudness", "{:.0f}"),
        ("snr_db", "review.metric_snr", "{:.0f}"),
    ]
    present = [(k, label, fmt) for k, label, fmt in labels if m.get(k) is not None]
    if present:
        cols = st.columns(4)
        for i, (k, label, fmt) in enumerate(present):
            cols[i % 4].metric(shell.tr(label), fmt.format(float(m[k])))
    elif not shown:
        st.caption(shell.tr("review.no_transcript"))


def render_breakdown(view: review.AttemptView) -> None:
    from services import practice

    st.markdown(f"**{shell.tr('review.breakdown')}**")
    items = practice.breakdown(view.result)
    if not items:
        st.caption(shell.tr("review.no_breakdown"))
        return
    for item in items:
        points = float(item.get("points") or 0)
        badge = f":red[{shell.tr('review.lost', points=f'{points:g}')}]　" if points > 0 else ":green[✓]　"
        st.markdown(badge + escape(item.get("explanation_ja") or ""))
        if points > 0 and item.get("tip_ja"):
            st.caption(shell.tr("review.tip", tip=item["tip_ja"]))


def render_rubric_and_model(view: review.AttemptView) -> None:
    a = view.attempt
    st.subheader(shell.tr("review.rubric_vs_model"))
    scenario = catalogue().get(a.scenario_id) if a.scenario_id else None
    turn = None
    if scenario is not None:
        try:
            turn = scenario.turn(a.turn_id)
        except KeyError:
            turn = None
    if turn is None:
        st.info(shell.tr("review.no_scenario"))
    elif a.scenario_version is not None and a.scenario_version != scenario.version:
        st.caption(shell.tr("review.version_changed", then=a.scenario_version, now=scenario.version))
    machine = {g.id: g for g in analysis_result.rubric_groups(view.result)}
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{shell.tr('review.rubric')}**")
        groups = [(g.id, g.label, "required") for g in turn.required] if turn else []
        groups += [(g.id, g.label, "ng") for g in turn.ng] if turn else []
        if not groups:  # no scenario: what the machine stored
            groups = [(g.id, g.label, g.kind) for g in machine.values()]
        for kind in ("required", "ng"):
            rows = [g for g in groups if g[2] == kind]
            if not rows:
                continue
            st.markdown(shell.tr(f"review.{kind}"))
            for gid, label, _ in rows:
                m = machine.get(gid)
                if m is None:
                    st.markdown(f"- {escape(label)}")
                    continue
                good = m.found if kind == "required" else not m.found
                verdict = shell.tr("review.found" if m.found else "review.missing")
                matched = shell.tr("review.matched", text=escape(m.matched_text)) if m.matched_text else ""
                colour = "green" if good else "red"
                st.markdown(f"- :{colour}[{verdict}] {escape(label)}{matched}")
    with right:
        if turn is not None:
            st.markdown(f"**{shell.tr('review.customer_line')}**")
            st.markdown(escape(turn.customer))
            st.markdown(f"**{shell.tr('review.goal')}**")
            st.markdown(escape(turn.goal))
            st.markdown(f"**{shell.tr('review.model_answer')}**")
            st.info(turn.model_answer)
        st.markdown(f"**{shell.tr('review.answer')}**")
        st.markdown(escape(view.attempt.transcript or "") or shell.tr("review.no_transcript"))


def render_review_form(view: review.AttemptView) -> None:
    a, current = view.attempt, view.review
    st.subheader(shell.tr("review.form"))
    if current is not None:
        st.caption(shell.tr("review.reviewed_by", name=view.reviewer_name or "",
                         when=clock.format_local(current.reviewed_at)))
    else:
        st.caption(shell.tr("review.not_reviewed"))
    groups = analysis_result.rubric_groups(view.result)
    corrected = dict(current.rubric_corrections or {}) if current else {}
    with st.form(f"rv_form_{a.id}"):
        override = st.number_input(shell.tr("review.override"), min_value=0, max_value=100, step=1,
                                   value=current.score_override if current else None,
                                   key=f"rv_override_{a.id}")
        reason = st.text_area(shell.tr("review.reason"), value=current.reason if current else "",
                              key=f"rv_reason_{a.id}")
        toggles = {}
        if groups:
            st.markdown(shell.tr("review.corrections"))
            for g in groups:
                machine = shell.tr("review.found" if g.found else "review.missing")
                human = shell.tr("review.missing" if g.found else "review.found")
                toggles[g.id] = st.checkbox(
                    shell.tr("review.correction_label", label=g.label, machine=machine, human=human),
                    value=g.id in corrected, key=f"rv_corr_{a.id}_{g.id}")
        submitted = st.form_submit_button(shell.tr("review.save"), type="primary")
    if submitted:
        by_id = {g.id: g for g in groups}
        corrections = {gid: not by_id[gid].found for gid, on in toggles.items() if on}
        try:
            with shell.session() as s:
                review.save_review(s, viewer, a.id,
                                   score_override=int(override) if override is not None else None,
                                   reason=reason, rubric_corrections=corrections)
                s.commit()
        except review.ReviewError as e:
            st.error(shell.tr(e.key, **e.values))
        else:
            flash("review.saved")
            st.rerun()
    if current is None and st.button(shell.tr("review.mark_reviewed"), key=f"rv_mark_{a.id}"):
        with shell.session() as s:
            review.mark_reviewed(s, viewer, a.id)
            s.commit()
        flash("review.marked")
        st.rerun()


def render_comments(view: review.AttemptView) -> None:
    a = view.attempt
    st.subheader(shell.tr("review.comments"))
    if not view.comments:
        st.caption(shell.tr("review.no_comments"))
    for c in view.comments:
        left, right = st.columns([1, 5], vertical_alignment="center")
        with left:
            if c.at_seconds is not None:
                play_button(c.at_seconds, a.id, key=f"rv_c_{c.id}")
            else:
                st.caption(shell.tr("review.whole_answer"))
        right.markdown(f"{escape(c.text)}  \n:gray[{escape(view.comment_authors.get(c.author_id, ''))}"
                       f"・{clock.format_local(c.created_at)}]")
    if not view.can_review:
        return
    with st.form(f"rv_comment_{a.id}", clear_on_submit=True):
        S.setdefault(f"rv_c_at_{a.id}", float(S.get(f"rv_start_{a.id}", 0.0)))
        at = st.number_input(shell.tr("review.comment_at"), min_value=0.0, step=0.5, format="%.1f",
                             key=f"rv_c_at_{a.id}")
        whole = st.checkbox(shell.tr("review.comment_whole"), key=f"rv_c_whole_{a.id}")
        text = st.text_area(shell.tr("review.comment_text"), key=f"rv_c_text_{a.id}")
        submitted = st.form_submit_button(shell.tr("review.comment_add"))
    if submitted:
        try:
            with shell.session() as s:
                review.add_comment(s, viewer, a.id, at_seconds=None if whole else at, text=text)
                s.commit()
        except review.ReviewError as e:
            st.error(shell.tr(e.key, **e.values))
        else:
            flash("review.comment_added")
            st.rerun()


def attempt_view(raw: str) -> None:
    try:
        attempt_id = int(str(raw).strip())
    except ValueError:
        st.error(shell.tr("review.bad_param"))
        back_to_queue()
        return
    with shell.session() as s:
        try:
            # One audit row per opening (not per rerun while the trainer works on it).
            first = S.get("rv_viewed") != attempt_id
            view = review.get_attempt_for_review(s, viewer, attempt_id, record_view=first)
            s.commit()
        except (PermissionError, review.AttemptNotFound):
            view = None
    if view is None:
        st.error(shell.tr("review.refused_attempt"))
        back_to_queue()
        return
    S["rv_viewed"] = attempt_id
    a = view.attempt
    back_to_queue()
    show_flash()
    st.subheader(shell.tr("review.header", name=view.owner_name, scenario=scenario_title(a.scenario_id),
                       when=clock.format_local(a.created_at)))
    cols = st.columns(3)
    cols[0].metric(shell.tr("review.auto_score"), "—" if a.score is None else a.score)
    cols[1].metric(shell.tr("review.trainer_score"),
                   "—" if view.review is None or view.review.score_override is None
                   else view.review.score_override,
                   None if view.review is None or view.review.score_override is None
                   or a.score is None else view.review.score_override - a.score)
    cols[2].metric(shell.tr("review.col_status"), status_label(str(a.status)))
    st.caption(shell.tr("review.pass_mark", mark=int(analysis_result.pass_mark())))
    if str(a.status) == "failed":
        st.error(shell.tr("review.analysis_error", error=a.error or ""))
    elif str(a.status) == "no_speech":
        st.warning(shell.tr("review.no_speech"))

    left, right = st.columns(2)
    with left:
        render_recording(view)
        render_transcript(view)
    with right:
        render_what_trainee_saw(view)
        render_breakdown(view)
    render_rubric_and_model(view)
    if view.can_review:
        render_review_form(view)
    render_comments(view)


# --------------------------------------------------------------------------- the queue


def date_range(value) -> tuple[date | None, date | None]:
    if isinstance(value, (list, tuple)):
        if len(value) == 2:
            return value[0], value[1]
        if len(value) == 1:
            return value[0], None
        return None, None
    return (value, value) if value else (None, None)


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
                                key="rv_f_scenario",
                                format_func=lambda v: shell.tr("review.all_scenarios") if v is None
                                else scenario_title(v))
        status = c3.selectbox(shell.tr("review.status_filter"), ["all", "unreviewed", "reviewed"],
                              key="rv_f_status", format_func=lambda v: shell.tr(f"review.status_{v}"))
        c4, c5, c6 = st.columns(3)
        low, high = c4.slider(shell.tr("review.score_range"), 0, 100, (0, 100), key="rv_f_score")
        dates = c5.date_input(shell.tr("review.date_range"), value=(), key="rv_f_dates")
        failed_only = c6.checkbox(shell.tr("review.failed_only"), key="rv_f_failed")
    date_from, date_to = date_range(dates)
    filters = review.QueueFilters(
        user_id=person, scenario_id=scenario,
        min_score=low if (low, high) != (0, 100) else None,
        max_score=high if (low, high) != (0, 100) else None,
        date_from=date_from, date_to=date_to, failed_only=failed_only, status=status,
    )
    with shell.session() as s:
        queue = review.review_queue(s, viewer, filters)
    counts = queue.counts
    cols = st.columns(5)
    for col, key, value in zip(cols, ("total", "unreviewed", "reviewed", "overridden", "failed"),
                               (counts.total, counts.unreviewed, counts.reviewed,
                                counts.overridden, counts.failed)):
        col.metric(shell.tr(f"review.count_{key}"), value)
    if not queue.items:
        st.info(shell.tr("review.empty"))
        return
    table = pd.DataFrame([
        {
            shell.tr("review.col_when"): clock.format_local(i.created_at),
            shell.tr("review.person"): i.user_name,
            shell.tr("review.scenario"): scenario_title(i.scenario_id),
            shell.tr("review.turn"): i.turn_id or "",
            shell.tr("review.col_status"): status_label(i.status),
            shell.tr("review.col_auto"): "" if i.auto_score is None else str(i.auto_score),
            shell.tr("review.col_override"): "" if i.score_override is None else str(i.score_override),
            shell.tr("review.col_reviewed"): shell.tr("review.yes" if i.reviewed else "review.no"),
            shell.tr("review.col_comments"): i.comment_count,
        }
        for i in queue.items
    ])
    st.caption(shell.tr("review.select_hint"))
    picked = st.dataframe(table, hide_index=True, width="stretch", key="rv_table",
                          on_select="rerun", selection_mode="single-row")
    rows = list(getattr(getattr(picked, "selection", None), "rows", None) or [])
    if rows and 0 <= rows[0] < len(queue.items):
        st.query_params["attempt"] = str(queue.items[rows[0]].attempt_id)
        st.rerun()
    by_id = {i.attempt_id: i for i in queue.items}
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    chosen = left.selectbox(
        shell.tr("review.open_select"), list(by_id), key="rv_open_select",
        format_func=lambda i: (f"{clock.format_local(by_id[i].created_at)} {by_id[i].user_name} — "
                               f"{scenario_title(by_id[i].scenario_id)} "
                               f"({shell.tr('review.yes' if by_id[i].reviewed else 'review.no')})"))
    if right.button(shell.tr("review.open"), type="primary", key="rv_open") and chosen is not None:
        st.query_params["attempt"] = str(chosen)
        st.rerun()


if st.query_params.get("attempt"):
    attempt_view(st.query_params.get("attempt"))
else:
    queue_view()
