"""AppTest: the end-of-call summary on the practice page — a call judged as a whole, the
customer's reactions and why (issue 13). The answers are stored as the practice flow stores them
(text analysed by the real rubric matcher and scorer; no audio model needed)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models import Review
from services.practice import PracticeRun
from tests.conftest import ROOT
from tests.services.test_calls import BLUNT, Caller
from ui.shell import SESSION_LANG


@pytest.fixture
def staff(make_user):
    return make_user("sato", team="東京")


def _open(user, run: PracticeRun, lang: str = "ja") -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["user_id"] = user.id
    at.session_state["pr_scenario"] = run.scenario_id
    at.session_state["pr_call"] = run
    at.session_state[SESSION_LANG] = lang
    at.run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
             for e in getattr(at, kind)]
    parts += [e.label for e in at.expander] + [m.value for m in at.metric]
    return "\n".join(str(p) for p in parts)


def _run(caller: Caller, last, step: int) -> PracticeRun:
    return PracticeRun(scenario_id=caller.scenario.id, run_id=caller.run_id, turn_id=last.turn_id,
                       attempt_id=last.id, step=step)


def test_a_rude_call_ends_with_an_angrier_customer_and_fails(session, staff):
    c = Caller(session, staff, "late_delivery", "rude")
    first = c.say(BLUNT)
    run = _run(c, first, 1)
    at = _open(staff, run)
    shown = _shown(at)
    # the angrier customer's next line, and why she reacts so
    assert "責任者の方に代わってください" in shown
    assert t("practice.reaction", why=c.scenario.start_turn.branches[0].why) in shown
    last = c.say("ですから、規則ですので。")  # no apology: she hangs up
    at = _open(staff, _run(c, last, 2))
    shown = _shown(at)
    assert t("practice.call_summary") in [h.value for h in at.subheader]
    assert t("practice.call_failed") in shown
    assert "お客様が途中で電話を切り" in shown and "1 回目の応答が" in shown
    assert t("practice.improvements") in shown
    assert [e.label for e in at.expander if e.label.startswith("1 回目の応答")]
    # the run so far names turns by the customer's words, never by id
    assert "t2_rebuffed" not in shown and "t1:" not in shown


def test_a_model_call_passes_and_a_trainer_score_shows_beside(session, staff, make_user):
    c = Caller(session, staff, "late_delivery", "good")
    answers = []
    while True:
        answers.append(c.say())
        if answers[-1].next_turn_id is None:
            break
    at = _open(staff, _run(c, answers[-1], len(answers)))
    shown = _shown(at)
    assert t("practice.call_passed") in shown
    trainer = make_user("trainer", role="trainer", team="東京")
    session.add(Review(attempt_id=answers[1].id, trainer_id=trainer.id, score_override=50,
                       reason="番号の復唱が早口でした"))
    session.commit()
    at = _open(staff, _run(c, answers[-1], len(answers)))
    shown = _shown(at)
    assert t("practice.call_failed") in shown
    assert t("practice.call_turn_reviewed", score=50, auto=answers[1].score) in shown


def test_english_call_summary(session, staff):
    c = Caller(session, staff, "late_delivery", "en")
    first = c.say(BLUNT)
    last = c.say("ですから、規則ですので。")
    at = _open(staff, _run(c, last, 2), lang="en")
    shown = _shown(at)
    assert t("practice.call_failed", "en") in shown
    assert "The customer hung up" in shown
    assert "supervisor" in shown  # why, in English
    assert first.id and "Delivery" in shown  # topic tag in English


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_no_raw_turn_or_scenario_ids_on_the_practice_page(session, staff, lang):
    import re

    c = Caller(session, staff, "late_delivery", f"ids-{lang}")
    c.say(BLUNT)
    last = c.say("ですから、規則ですので。")
    at = _open(staff, _run(c, last, 2), lang=lang)
    shown = _shown(at) + "\n".join(str(b.label) for b in at.button)
    ids = {t.id for s in (c.scenario,) for t in s.turns} | {c.scenario.id}
    found = sorted(i for i in ids if re.search(rf"(?<![A-Za-z0-9_]){re.escape(i)}(?![A-Za-z0-9_])",
                                                shown))
    assert not found, found
