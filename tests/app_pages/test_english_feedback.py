"""AppTest: in the English UI the scored feedback names the scenario's phrase groups by their
English labels and tips (``label_en`` / ``tip_en`` of the scenario catalogue, looked up when
shown), on the practice page and on the trainer's review page (issue 13)."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.app_pages.test_call_summary_page import _open, _run, _shown
from tests.conftest import ROOT
from tests.services.test_calls import BLUNT, Caller
from ui.shell import SESSION_LANG
from ui.widgets import escape


@pytest.fixture
def staff(make_user):
    return make_user("sato", team="東京")


def _groups(turn, result: dict) -> list:
    """The turn's groups that lost points in ``result`` (missed required, NG said)."""
    keys = {i["key"] for i in result["breakdown"] if i.get("points", 0) > 0}
    out = [g for g in turn.required if f"required:{g.id}" in keys]
    out += [g for g in turn.ng if f"ng:{g.id}" in keys]
    return out


def test_practice_feedback_names_groups_in_english(session, staff):
    c = Caller(session, staff, "late_delivery", "en-feedback")
    turn = c.turn
    first = c.say(BLUNT)
    groups = _groups(turn, first.result)
    assert groups and all(g.label_en for g in groups)
    at = _open(staff, _run(c, first, 1), lang="en")
    shown = _shown(at)
    for g in groups:
        assert escape(f"“{g.label_en}”") in shown or escape(f"({g.label_en})") in shown, g.id
        assert escape(f"“{g.label}”") not in shown and escape(f"({g.label})") not in shown, g.id
        if g.tip and g.tip_en:
            assert g.tip_en in shown and g.tip not in shown, g.id
    # the Japanese UI keeps the Japanese labels
    shown_ja = _shown(_open(staff, _run(c, first, 1), lang="ja"))
    assert any(g.label in shown_ja for g in groups)
    assert not any(escape(f"“{g.label_en}”") in shown_ja for g in groups)


def test_review_page_rubric_in_english(session, staff, make_user):
    trainer = make_user("trainer", role="trainer", team="東京")
    c = Caller(session, staff, "late_delivery", "en-review")
    turn = c.turn
    a = c.say(BLUNT)
    at = AppTest.from_file(str(ROOT / "app_pages" / "review.py"), default_timeout=60)
    at.session_state["user_id"] = trainer.id
    at.session_state[SESSION_LANG] = "en"
    at.query_params["attempt"] = str(a.id)
    at.run()
    assert not at.exception, at.exception
    shown = "\n".join(m.value for m in at.markdown)
    boxes = [cb.label for cb in at.checkbox]
    for g in turn.required:
        assert f"] {escape(g.label_en)}" in shown, g.id  # the rubric row (verdict, label)
        assert f"] {escape(g.label)}" not in shown, g.id
        assert any(g.label_en in b for b in boxes), (g.id, boxes)
