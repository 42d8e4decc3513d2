"""The trainee's place in a role-play, kept in the page address so that a reload, a new tab or
the back button (with the login cookie, ``core.sessions``) brings them back to the same turn of
the same call, with the answer they were looking at.

``remember(run)`` writes ``?scenario=…&call=…&turn=…&step=…[&answer=…]`` (the browser address is
replaced, no rerun, no history entry); ``restore(run, viewer)`` reads it back once, in a fresh
browser session, and only what still makes sense: the scenario and turn must exist and the
answer must be the viewer's own attempt of that call.
"""

from __future__ import annotations

import streamlit as st

from services import practice

KEYS = ("scenario", "call", "turn", "step", "answer")
_RESTORED = "place_restored"


def remember(run) -> None:
    """Put ``run`` (a ``services.practice.PracticeRun``) into the address."""
    if not run.scenario_id or not run.run_id:
        return
    wanted = {"scenario": run.scenario_id, "call": run.run_id, "turn": run.turn_id or "",
              "step": str(run.step)}
    if run.attempt_id is not None:
        wanted["answer"] = str(run.attempt_id)
    current = {k: st.query_params.get(k) for k in KEYS}
    if any(current.get(k) != v for k, v in wanted.items()) or (
            "answer" not in wanted and current.get("answer")):
        for key in KEYS:
            if key not in wanted and key in st.query_params:
                del st.query_params[key]
        st.query_params.update(wanted)


def restore(run, viewer, *, scenario_key: str = "pr_scenario") -> None:
    """Once per browser session: the call in the address, if it is still valid."""
    if st.session_state.get(_RESTORED):
        return
    st.session_state[_RESTORED] = True
    params = {k: st.query_params.get(k) for k in KEYS}
    if not params["scenario"] or not params["call"]:
        return
    from services.catalogue import scenario as find_scenario

    scenario = find_scenario(params["scenario"])
    if scenario is None:
        return
    try:
        turn = scenario.turn(params["turn"] or scenario.start)
    except KeyError:
        return
    attempt_id = None
    if params["answer"]:
        try:
            from ui.shell import session

            with session() as s:
                attempt = practice.get_attempt_for(s, viewer, int(params["answer"]))
            if attempt.user_id == viewer.id and attempt.run_id == params["call"]:
                attempt_id = attempt.id
        except (LookupError, PermissionError, ValueError):
            attempt_id = None
    try:
        step = max(1, int(params["step"] or 1))
    except ValueError:
        step = 1
    run.scenario_id, run.run_id, run.turn_id = scenario.id, params["call"], turn.id
    run.attempt_id, run.step = attempt_id, step
    st.session_state[scenario_key] = scenario.id
