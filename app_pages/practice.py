"""Role-play practice (staff): pick a scenario, hear the customer, answer aloud, get feedback.

Widgets, calls into ``services.practice`` and rendering (``ui.widgets``). The recording is stored
before it is analysed; a failed analysis keeps the attempt and offers a retry. ``?attempt=<id>``
opens one attempt's feedback (only when ``core.access`` allows it). Where the trainee is in the
call is a ``services.practice.PracticeRun`` kept in the session.
"""

from __future__ import annotations

import streamlit as st

from core import audit, clock
from core.models import AttemptStatus
from scenarios.schema import TAG_EN
from services import calls, practice, progress
from ui import call_screen, place, shell, trainer_feedback, widgets
from ui import jobs as job_ui
from ui.widgets import escape

viewer = shell.require_page("practice")
st.title(shell.tr("page.practice"))
LANG = shell.lang()
S = st.session_state
run: practice.PracticeRun = S.setdefault("pr_call", practice.PracticeRun())


def open_feedback(attempt_id) -> practice.AttemptFeedback | None:
    """The feedback of an attempt the viewer may open; else None, with ONE message whether the
    attempt is someone else's or does not exist (numbers reveal nothing), and an audit row."""
    with shell.session() as s:
        try:
            return practice.open_attempt(s, viewer, int(attempt_id))
        except (PermissionError, LookupError, ValueError) as e:
            why = "not allowed" if isinstance(e, PermissionError) else "not found"
            target = int(attempt_id) if str(attempt_id).strip().isdigit() else None
            audit.refused(s, viewer, "attempt", target, why)
            s.commit()
            st.error(shell.tr("practice.not_allowed"))
    return None


# --------------------------------------------------------------------------- one attempt (?attempt=)

if "attempt" in st.query_params:
    fb = open_feedback(st.query_params["attempt"])
    if fb is not None:
        if fb.scenario is None:
            st.caption(shell.tr("practice.scenario_missing"))
        else:
            st.subheader(fb.scenario.title)
        if fb.turn is not None:
            st.markdown(f"**{shell.tr('practice.customer_says')}**: {escape(fb.turn.customer)}")
        st.caption(shell.tr("practice.attempt_heading", id=fb.attempt.id,
                            when=clock.format_local(fb.attempt.created_at)))
        with shell.session() as s:  # the trainer's verdict first: that is what they came to read
            trainer_feedback.trainer_verdict(
                fb.attempt, progress.attempt_feedback(s, viewer, fb.attempt.id))
        widgets.play_recording(fb.attempt, caption=shell.tr("practice.your_recording"),
                               start_s=trainer_feedback.seek_for(fb.attempt.id))
        widgets.render_feedback(fb)
    came_from = st.query_params.get("from")  # back to where the person came from
    if came_from == "progress":
        if st.button(shell.tr("practice.back_progress"), icon=":material/arrow_back:"):
            st.switch_page("app_pages/progress.py")
    elif st.button(shell.tr("practice.back"), icon=":material/arrow_back:"):
        st.query_params.clear()
        st.rerun()
    st.stop()

# --------------------------------------------------------------------------- choose a scenario

place.restore(run, viewer)  # a reload or a new tab: back to the same turn of the same call
with shell.session() as s:
    view = practice.list_catalogue(s, viewer)
    trainer_feedback.announce_new(sum(f.new for f in progress.feedback_for(s, viewer)))
job_ui.open_attempts(viewer)  # answers still waiting or failed (each opens with a retry)
if view.errors:
    st.warning(shell.tr("practice.catalogue_errors", n=len(view.errors)))
    with st.expander(shell.tr("practice.catalogue_errors", n=len(view.errors))):
        for err in view.errors:
            st.text(str(err))
left, right = st.columns(2)
# Option labels are fixed to this run's language (format_func may be called outside the run).
ALL = shell.tr("practice.all")
TAG_NAMES = {t: TAG_EN.get(t, t) if LANG == "en" else t for t in view.tags}
tag = left.selectbox(shell.tr("practice.filter_tag"), [None, *view.tags], key="pr_tag",
                     format_func=lambda v: ALL if v is None else TAG_NAMES.get(v, v))
difficulties = {None: ALL} | {n: shell.tr("practice.difficulty_n", n=n) for n in (1, 2, 3)}
difficulty = right.selectbox(shell.tr("practice.filter_difficulty"), list(difficulties),
                             key="pr_diff", format_func=difficulties.get)
entries = {e.scenario.id: e for e in view.filter(tag=tag, difficulty=difficulty)}
if not entries:
    st.info(shell.tr("practice.no_scenarios"))
    st.stop()
if S.get("pr_scenario") not in entries:
    S.pr_scenario = next(iter(entries))
# The option text must not change with the status: the browser sends the choice back by its text.
labels = {sid: shell.tr("practice.option", title=e.scenario.title if LANG == "ja" else
                        e.scenario.title_en, difficulty=e.scenario.difficulty)
          for sid, e in entries.items()}
entry = entries[st.selectbox(shell.tr("practice.scenario"), list(entries), key="pr_scenario",
                             format_func=labels.get)]
scenario = entry.scenario
turn = run.current_turn(scenario)
place.remember(run)

# --------------------------------------------------------------------------- the scenario

widgets.scenario_brief(entry, turn)
with shell.session() as s:
    so_far = practice.run_attempts(s, viewer, run.run_id)
if so_far:
    with st.expander(shell.tr("practice.run_so_far")):
        for n, a in enumerate(so_far, start=1):
            said = widgets.turn_title(scenario, a.turn_id)  # the customer's line, not its id
            st.text(shell.tr("practice.run_row", n=n, turn=said,
                             score="—" if a.score is None else a.score))
st.subheader(shell.tr("practice.turn_n", n=run.step))
widgets.customer_line(scenario, turn)
with st.expander(shell.tr("practice.goal")):
    st.write(turn.goal_en or turn.goal if LANG == "en" else turn.goal)
    hints = turn.hints_en or turn.hints if LANG == "en" else turn.hints
    if hints:
        st.markdown(f"**{shell.tr('practice.hints')}**")
        for hint in hints:
            st.markdown(f"- {escape(hint)}")

# --------------------------------------------------------------------------- answer, feedback

if flash := S.pop("pr_flash", None):
    st.success(flash)
if run.attempt_id is None:
    st.markdown(f"**{shell.tr('practice.answer')}**")
    chosen = widgets.recorder(f"pr_rec_{run.recorder}", record_label=shell.tr("practice.record"),
                              upload_label=shell.tr("practice.upload"),
                              submit_label=shell.tr("practice.submit"), submit_icon=":material/send:")
    if chosen is not None:
        try:
            with shell.session() as s:
                stored = practice.submit_answer(
                    s, viewer=viewer, scenario=scenario, turn_id=turn.id, run_id=run.run_id,
                    data=chosen.getvalue(), filename=chosen.name or "answer.wav")
        except practice.PracticeError as e:
            st.error(shell.tr(e.key, **e.values))
        else:
            run.answered(stored.id)
            S.pr_flash = shell.tr("practice.stored", id=stored.id)
            st.success(S.pr_flash)
            widgets.analyse_with_status(stored.id)
            st.rerun()
    st.stop()

fb = open_feedback(run.attempt_id)
if fb is None:
    run.answer_again()
    st.rerun()
if fb.attempt.status == AttemptStatus.done and fb.next_turn is None:  # the call is over:
    st.success(shell.tr("practice.call_ended"))  # its verdict first, then this answer's details
    with shell.session() as s:
        summary = calls.call_summary(s, viewer, run.run_id)
    if summary is not None:
        call_screen.call_summary(summary)
widgets.play_recording(fb.attempt, caption=shell.tr("practice.your_recording"))
widgets.render_feedback(fb)
if fb.attempt.status == AttemptStatus.done and fb.next_turn is not None:
    rule = calls.rule_taken(fb.turn, fb.result)
    st.info(f"**{shell.tr('practice.next_line')}**: {escape(fb.next_turn.customer)}")
    call_screen.reaction((rule.why_en if LANG == "en" else "") or rule.why if rule else "")
    if st.button(shell.tr("practice.next_turn"), type="primary", icon=":material/arrow_forward:"):
        run.go_to(fb.next_turn.id)
        st.rerun()
c1, c2 = st.columns(2)
if c1.button(shell.tr("practice.try_again"), icon=":material/replay:"):
    run.answer_again()
    st.rerun()
if c2.button(shell.tr("practice.restart"), icon=":material/restart_alt:"):
    run.start(scenario)
    st.rerun()
