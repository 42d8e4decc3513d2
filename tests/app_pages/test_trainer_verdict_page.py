"""AppTest: staff read their trainer's verdict where they are sent to read it (issue 13 item 1):
the attempt page shows the trainer's score beside the automatic one, the reason, corrections and
timed comments; the history uses the reviewed score; the back link returns to My progress."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models import Comment, Review
from tests.conftest import ROOT
from tests.services.test_calls import Caller
from ui.widgets import escape


@pytest.fixture
def people(make_user):
    return {"staff": make_user("sato", team="東京", display_name="佐藤"),
            "trainer": make_user("kimura", role="trainer", team="東京", display_name="木村")}


def _open(user, query: dict | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=120)
    at.session_state["user_id"] = user.id
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def _shown(at: AppTest) -> str:
    parts = [e.value for kind in ("markdown", "caption", "info", "success", "warning", "error")
             for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture
def reviewed(session, people):
    c = Caller(session, people["staff"], "late_delivery", "r1")
    a = c.say()  # the model answer: a high automatic score
    session.add(Review(attempt_id=a.id, trainer_id=people["trainer"].id, score_override=70,
                       reason="言葉は正しいが、早口で謝罪が伝わりません。",
                       rubric_corrections={"empathy": False}))
    session.add(Comment(attempt_id=a.id, author_id=people["trainer"].id, at_seconds=2.5,
                        text="ここで一呼吸おきましょう"))
    session.commit()
    return a


def test_attempt_page_shows_the_trainers_verdict(reviewed, people):
    a = reviewed
    at = _open(people["staff"], {"attempt": str(a.id), "from": "progress"})
    shown = _shown(at)
    assert t("practice.trainer_heading") in shown
    assert t("practice.trainer_score", score=70, auto=a.score) in shown
    assert t("practice.not_passed", mark=80) in shown  # 70 against the stored mark of 80
    assert "早口で謝罪が伝わりません" in shown
    assert "ここで一呼吸おきましょう" in shown
    correction = t("practice.trainer_correction", label="共感", said=t("practice.not_said"))
    assert escape(correction) in shown  # shown as plain text (Markdown specials escaped)
    # a comment plays the recording from its moment
    play = [b for b in at.button if b.label == t("practice.play_from", seconds=2.5)]
    assert play
    play[0].click().run()
    assert not at.exception
    # back to where the person came from
    back = [b for b in at.button if b.label == t("practice.back_progress")]
    assert back
    back[0].click().run()
    assert not at.exception
    assert at.title[0].value == t("page.progress")


def test_history_uses_the_reviewed_score_with_the_automatic_beside(reviewed, people):
    at = _open(people["staff"], page="app_pages/progress.py")
    history = at.dataframe[-1].value
    row = history.iloc[0]
    assert row[t("progress.col_score")] == 70
    assert row[t("progress.col_auto")] == reviewed.score
    best = at.dataframe[0].value
    assert best.iloc[0][t("progress.col_calls")] == t("progress.calls_value", calls=0, passed=0)


def test_someone_elses_feedback_is_not_shown(reviewed, make_user):
    other = make_user("suzuki", team="東京")
    at = _open(other, {"attempt": str(reviewed.id)})
    assert "早口で謝罪が伝わりません" not in _shown(at)


def test_headings_never_break_inside_a_word(people):
    at = _open(people["staff"], page="app_pages/progress.py")
    css = [str(e.proto) for e in at.get("html")]
    assert any("line-break: strict" in c for c in css), css


def test_new_feedback_is_announced_where_staff_land(reviewed, people, session):
    at = _open(people["staff"])  # the practice page: where staff land after signing in
    assert t("practice.new_feedback", n=2) in _shown(at)
    from core.access import viewer_for
    from services import progress

    progress.mark_feedback_seen(session, viewer_for(session, people["staff"]), reviewed.id)
    at = _open(people["staff"])
    assert "新しいフィードバック" not in _shown(at)
