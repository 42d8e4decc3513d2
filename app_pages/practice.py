"""Role-play practice (staff): pick a scenario, hear the customer, answer aloud, get feedback.

Thin: widgets, calls into ``services.practice`` and rendering. The recording is stored before it is
analysed; a failed analysis keeps the attempt and offers a retry. ``?attempt=<id>`` opens one
attempt's feedback (only when ``core.access`` allows it).
"""

from __future__ import annotations

import streamlit as st

from core.models import AttemptStatus
from services import analysis_result, practice
from ui import charts, shell, widgets

viewer = shell.require_page("practice")
st.title(shell.tr("page.practice"))

LANG = shell.lang()
HIGHLIGHT = {"hit": "green", "ng": "red", "filler": "orange"}
_MD_SPECIAL = set("\\`*_{}[]()#+-.!|$~<>")

S = st.session_state
S.setdefault("pr_run", practice.new_run_id())
S.setdefault("pr_turn", None)
S.setdefault("pr_attempt", None)
S.setdefault("pr_rec", 0)
S.setdefault("pr_step", 1)
S.setdefault("pr_active", None)


# --------------------------------------------------------------------------- helpers


def escape(text: str) -> str:
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in text)


def stage_label(stage: str) -> str:
    key = practice.STAGE_KEYS.get(stage)
    return shell.tr(key) if key else shell.tr("practice.stage_other", stage=stage)


def analyse_with_status(attempt_id: int):
    """Analyse with a visible, stage-by-stage status box; returns the updated attempt."""
    with st.status(shell.tr("practice.analysing"), expanded=True) as box:
        attempt = practice.analyse_attempt(attempt_id, progress=lambda s: box.write(stage_label(s)))
        if attempt.status == AttemptStatus.failed:
            box.update(label=shell.tr("practice.analysis_failed"), state="error", expanded=False)
        else:
            box.update(label=shell.tr("practice.analysed"), state="complete", expanded=False)
    return attempt


def reset_run(scenario) -> None:
    S.pr_run = practice.new_run_id()
    S.pr_turn = scenario.start
    S.pr_attempt = None
    S.pr_step = 1
    S.pr_rec += 1
    S.pr_active = scenario.id


def render_transcript(result: dict) -> None:
    st.markdown(f"**{shell.tr('practice.transcript')}**")
    pieces = practice.transcript_pieces(result)
    if not pieces:
        st.caption(shell.tr("practice.empty_transcript"))
        return
    parts = []
    for p in pieces:
        text = escape(p.text)
        parts.append(f":{HIGHLIGHT[p.kind]}-background[{text}]" if p.kind else text)
    st.markdown("".join(parts))
    st.caption(shell.tr("practice.legend"))


def render_breakdown(result: dict) -> None:
    st.markdown(f"**{shell.tr('practice.breakdown')}**")
    for item in practice.breakdown(result):
        points = item.get("points") or 0
        badge = (f":red[{shell.tr('practice.lost', points=f'{points:g}')}]" if points > 0
                 else f":green[{shell.tr('practice.ok')}]")
        st.markdown(f"{badge}　{escape(item.get('explanation_ja') or '')}")
        if points > 0 and item.get("tip_ja"):
            st.caption(shell.tr("practice.tip", tip=item["tip_ja"]))


def render_charts(result: dict, user_id: int) -> None:
    baseline = result.get("baseline")
    if not baseline:  # scored before a calibration: still show the person's usual voice
        with shell.session() as s:
            baseline = practice.current_baseline(s, user_id)
    pitch = charts.pitch_chart(result, baseline, lang=LANG)
    if pitch is not None:
        st.markdown(f"**{shell.tr('practice.pitch')}**")
        st.altair_chart(pitch, width="stretch")
        st.caption(shell.tr("practice.pitch_caption") if baseline else shell.tr("practice.pitch_no_baseline"))
    pace = charts.pace_chart(result, baseline, lang=LANG)
    if pace is not None:
        low, high = charts.good_range("pace")
        st.markdown(f"**{shell.tr('practice.pace')}**　"
                    + shell.tr("practice.unit_morae", value=result["morae_per_s_span"]))
        st.altair_chart(pace, width="stretch")
        st.caption(shell.tr("practice.pace_caption", low=low or 0, high=high or 0))
    pauses = charts.pauses_chart(result, lang=LANG)
    if pauses is not None:
        st.markdown(f"**{shell.tr('practice.pauses')}**")
        st.altair_chart(pauses, width="stretch")
        st.caption(shell.tr("practice.pauses_caption"))


def render_feedback(attempt, turn=None) -> None:
    """The result of one attempt, whatever its status (retry offered when not analysed)."""
    if attempt.status in (AttemptStatus.failed, AttemptStatus.stored, AttemptStatus.analysing):
        if attempt.status == AttemptStatus.failed:
            st.error(shell.tr("practice.failed"))
            if attempt.error:
                st.caption(shell.tr("practice.failed_detail", error=attempt.error))
        else:
            st.info(shell.tr("practice.still_stored"))
        if st.button(shell.tr("practice.retry"), key=f"retry_{attempt.id}", icon=":material/refresh:"):
            analyse_with_status(attempt.id)
            st.rerun()
        return
    if attempt.status == AttemptStatus.no_speech:
        st.warning(shell.tr("practice.no_speech"))
        st.caption(shell.tr("practice.no_speech_hint"))
        return
    result = attempt.result or {}
    mark = int(result.get("pass_mark") or analysis_result.pass_mark())
    cols = st.columns(3)
    cols[0].metric(shell.tr("practice.score"), shell.tr("practice.score_value", score=attempt.score))
    if result.get("content_max"):
        cols[1].metric(shell.tr("practice.content"), shell.tr(
            "practice.points_of", points=f"{result.get('content_score') or 0:g}",
            max=f"{result['content_max']:g}"))
    cols[2].metric(shell.tr("practice.delivery"), shell.tr(
        "practice.points_of", points=f"{result.get('delivery_score') or 0:g}",
        max=f"{result.get('delivery_max') or 0:g}"))
    if attempt.passed:
        st.success(shell.tr("practice.passed", mark=mark))
    else:
        st.warning(shell.tr("practice.not_passed", mark=mark))
    render_breakdown(result)
    render_transcript(result)
    render_charts(result, attempt.user_id)
    if turn is not None:
        with st.expander(shell.tr("practice.model_answer")):
            st.write(turn.model_answer)
    st.caption(shell.tr("practice.engine", engine=attempt.engine or "",
                     version=attempt.analysis_version or ""))


def play_recording(attempt) -> None:
    from core import storage

    try:
        data = storage.read_recording(attempt.audio_path)
    except (OSError, ValueError):
        return
    st.caption(shell.tr("practice.your_recording"))
    st.audio(data)


def customer_line(scenario, turn) -> None:
    with st.chat_message("user", avatar=":material/support_agent:"):
        st.markdown(f"**{shell.tr('practice.customer_says')}**: {escape(turn.customer)}")
        try:
            path = practice.voice_path(scenario, turn, render=False)
            # Not rendered yet (operators can pre-render every line): synthesise on first use.
            if path is None and st.button(shell.tr("practice.voice_play"), key=f"voice_{turn.id}",
                                          icon=":material/volume_up:"):
                with st.status(shell.tr("practice.voice_rendering")) as box:
                    path = practice.voice_path(scenario, turn)
                    box.update(label=shell.tr("practice.voice_ready"), state="complete")
            if path is not None:
                st.audio(path.read_bytes(), format="audio/wav")
        except Exception:  # noqa: BLE001 - the text is enough to practise
            st.warning(shell.tr("practice.voice_failed"))


# --------------------------------------------------------------------------- one attempt (?attempt=)


def attempt_view(raw: str) -> None:
    with shell.session() as s:
        try:
            attempt = practice.get_attempt_for(s, viewer, int(raw))
        except PermissionError:
            st.error(shell.tr("practice.not_allowed"))
            attempt = None
        except (LookupError, ValueError):
            st.error(shell.tr("practice.not_found"))
            attempt = None
    if attempt is not None:
        scenario = practice.load_scenarios().get(attempt.scenario_id or "")
        turn = None
        if scenario is not None:
            st.subheader(scenario.title)
            try:
                turn = scenario.turn(attempt.turn_id)
                st.markdown(f"**{shell.tr('practice.customer_says')}**: {escape(turn.customer)}")
            except KeyError:
                pass
        else:
            st.caption(shell.tr("practice.scenario_missing"))
        st.caption(shell.tr("practice.attempt_heading", id=attempt.id,
                         when=practice.local_when(attempt.created_at)))
        play_recording(attempt)
        render_feedback(attempt, turn)
    if st.button(shell.tr("practice.back"), icon=":material/arrow_back:"):
        st.query_params.clear()
        st.rerun()


if "attempt" in st.query_params:
    attempt_view(st.query_params["attempt"])
    st.stop()


# --------------------------------------------------------------------------- choose a scenario

with shell.session() as s:
    view = practice.list_catalogue(s, viewer)

if view.errors:
    st.warning(shell.tr("practice.catalogue_errors", n=len(view.errors)))
    with st.expander(shell.tr("practice.catalogue_errors", n=len(view.errors))):
        for err in view.errors:
            st.text(str(err))

left, right = st.columns(2)
# Option labels are fixed to this run's language (format_func may be called outside the run).
ALL = shell.tr("practice.all")
tag = left.selectbox(shell.tr("practice.filter_tag"), [None, *view.tags], key="pr_tag",
                     format_func=lambda v: ALL if v is None else v)
difficulties = {None: ALL} | {n: shell.tr("practice.difficulty_n", n=n) for n in (1, 2, 3)}
difficulty = right.selectbox(shell.tr("practice.filter_difficulty"), list(difficulties),
                             key="pr_diff", format_func=difficulties.get)
entries = {e.scenario.id: e for e in view.filter(tag=tag, difficulty=difficulty)}
if not entries:
    st.info(shell.tr("practice.no_scenarios"))
    st.stop()


def marker(scenario_id: str) -> str:
    e = entries[scenario_id]
    return shell.tr("practice.marker_done" if e.done else
                 "practice.marker_tried" if e.tried else "practice.marker_new")


def option_label(scenario_id: str) -> str:
    # The option text must not change when the status does: the browser sends the selected
    # option back by its text, and a changed text would select another scenario.
    e = entries[scenario_id]
    title = e.scenario.title if LANG == "ja" else e.scenario.title_en
    return shell.tr("practice.option", title=title, difficulty=e.scenario.difficulty)


if S.get("pr_scenario") not in entries:
    S.pr_scenario = next(iter(entries))
labels = {scenario_id: option_label(scenario_id) for scenario_id in entries}
scenario_id = st.selectbox(shell.tr("practice.scenario"), list(entries), key="pr_scenario",
                           format_func=labels.get)
entry = entries[scenario_id]
scenario = entry.scenario
if S.pr_active != scenario.id or S.pr_turn is None:
    reset_run(scenario)
try:
    turn = scenario.turn(S.pr_turn)
except KeyError:  # the scenario changed under us
    reset_run(scenario)
    turn = scenario.turn(S.pr_turn)

# --------------------------------------------------------------------------- the scenario

status = marker(scenario_id)
if entry.best_score is not None:
    status += "・" + shell.tr("practice.best", score=entry.best_score, n=entry.attempts)
st.caption(status)
channel = shell.tr("practice.channel_video" if scenario.channel == "video" else "practice.channel_phone")
st.caption(f"{channel}・" + shell.tr("practice.tags", tags="、".join(scenario.tags)))
if scenario.harassment:
    st.info(shell.tr("practice.harassment"), icon=":material/shield:")
st.markdown(shell.tr("practice.persona", name=scenario.persona.name, mood=scenario.persona.mood))
with st.container(border=True):
    st.markdown(f"**{shell.tr('practice.situation')}**")
    st.markdown(escape(scenario.situation.strip()).replace("\n", "  \n"))
limit = practice.authority_limit(scenario, turn)
if limit is not None:
    st.info(shell.tr("practice.authority", yen=f"{limit:,}"), icon=":material/gavel:")
else:
    st.caption(shell.tr("practice.authority_none"))

with shell.session() as s:
    so_far = practice.run_attempts(s, viewer, S.pr_run)
if so_far:
    with st.expander(shell.tr("practice.run_so_far")):
        for n, a in enumerate(so_far, start=1):
            st.text(shell.tr("practice.run_row", n=n, turn=a.turn_id,
                          score="—" if a.score is None else a.score))

st.subheader(shell.tr("practice.turn_n", n=S.pr_step))
customer_line(scenario, turn)
with st.expander(shell.tr("practice.goal")):
    st.write(turn.goal)
    if turn.hints:
        st.markdown(f"**{shell.tr('practice.hints')}**")
        for hint in turn.hints:
            st.markdown(f"- {escape(hint)}")

# --------------------------------------------------------------------------- answer

if flash := S.pop("pr_flash", None):
    st.success(flash)

if S.pr_attempt is None:
    st.markdown(f"**{shell.tr('practice.answer')}**")
    chosen = widgets.recorder("pr_rec", record_label=shell.tr("practice.record"),
                         upload_label=shell.tr("practice.upload"),
                         submit_label=shell.tr("practice.submit"), submit_icon=":material/send:")
    if chosen is not None:
        try:
            with shell.session() as s:
                stored = practice.submit_answer(
                    s, viewer=viewer, scenario=scenario, turn_id=turn.id, run_id=S.pr_run,
                    data=chosen.getvalue(), filename=chosen.name or "answer.wav")
        except practice.PracticeError as e:
            st.error(shell.tr(e.key, **e.values))
        else:
            S.pr_attempt = stored.id
            S.pr_flash = shell.tr("practice.stored", id=stored.id)
            st.success(S.pr_flash)
            analyse_with_status(stored.id)
            st.rerun()
else:
    with shell.session() as s:
        try:
            attempt = practice.get_attempt_for(s, viewer, S.pr_attempt)
        except (PermissionError, LookupError):
            attempt = None
    if attempt is None:
        S.pr_attempt = None
        st.rerun()
    play_recording(attempt)
    render_feedback(attempt, turn)
    if attempt.status == AttemptStatus.done:
        if attempt.next_turn_id:
            nxt = scenario.turn(attempt.next_turn_id)
            st.info(f"**{shell.tr('practice.next_line')}**: {escape(nxt.customer)}")
            if st.button(shell.tr("practice.next_turn"), type="primary", icon=":material/arrow_forward:"):
                S.pr_turn = nxt.id
                S.pr_attempt = None
                S.pr_step += 1
                S.pr_rec += 1
                st.rerun()
        else:
            st.success(shell.tr("practice.call_ended"))
    c1, c2 = st.columns(2)
    if c1.button(shell.tr("practice.try_again"), icon=":material/replay:"):
        S.pr_attempt = None
        S.pr_rec += 1
        st.rerun()
    if c2.button(shell.tr("practice.restart"), icon=":material/restart_alt:"):
        reset_run(scenario)
        st.rerun()
