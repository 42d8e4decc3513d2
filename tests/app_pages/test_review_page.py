"""AppTest of the trainer's pages: review (queue, one recording, override, comments), team
progress (CSV of exactly the rows shown) and agreement; refusals for other teams and roles.
Interface texts of the review page are looked up in the string catalogue (``core.i18n.t``)."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.access import viewer_for
from core.audit import Action
from core.i18n import t
from core.models import AuditLog, Comment, Review
from services import review
from tests.conftest import ROOT
from tests.services.test_review import make_attempt

REFUSED_ATTEMPT = t("review.refused_attempt")
SAVE = t("review.save")


@pytest.fixture
def people(make_user):
    return {
        "sato": make_user("sato", team="東京", display_name="佐藤"),
        "suzuki": make_user("suzuki", team="東京", display_name="鈴木"),
        "yamamoto": make_user("yamamoto", team="大阪", display_name="山本"),
        "trainer": make_user("trainer", role="trainer", team="東京", display_name="指導"),
        "trainer_osaka": make_user("trainer_osaka", role="trainer", team="大阪"),
    }


def page(name: str, user, *, attempt=None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=30)
    at.session_state["user_id"] = user.id
    if attempt is not None:
        at.query_params["attempt"] = str(attempt)
    return at.run()


def button(at: AppTest, label: str):
    matches = [b for b in at.button if b.label == label]
    assert matches, f"no button {label!r} in {[b.label for b in at.button]}"
    return matches[0]


def audit_rows(session, action, target_id=None):
    session.expire_all()
    stmt = select(AuditLog).where(AuditLog.action == action)
    if target_id is not None:
        stmt = stmt.where(AuditLog.target_id == target_id)
    return session.exec(stmt).all()


def test_trainer_reviews_overrides_with_reason_and_comments_at_a_time(session, people):
    a = make_attempt(session, people["sato"], score=65)
    make_attempt(session, people["yamamoto"], score=40)  # another team: never in this queue
    at = page("review", people["trainer"])
    assert not at.exception
    assert at.title[0].value == t("page.review")
    counts = {m.label: m.value for m in at.metric}
    assert counts[t("review.count_total")] == "1" and counts[t("review.count_unreviewed")] == "1"
    assert list(at.dataframe[0].value[t("review.person")]) == ["佐藤"]

    # open it from the queue: the URL carries ?attempt= and the view is audited once
    button(at, t("review.open")).click().run()
    assert at.query_params["attempt"] == str(a.id)
    assert not at.error
    assert at.get("audio")
    assert len(audit_rows(session, Action.view_attempt, a.id)) == 1

    # play the second segment: the player starts at its start, the comment form follows
    button(at, t("review.play_from", t="0:04")).click().run()
    assert at.get("audio")[0].proto.start_time == 4
    assert at.number_input(key=f"rv_c_at_{a.id}").value == pytest.approx(4.6)

    # override with a reason and one rubric correction
    at.number_input(key=f"rv_override_{a.id}").set_value(85)
    at.text_area(key=f"rv_reason_{a.id}").input("共感は「ご不便を」で十分に伝わっています")
    at.checkbox(key=f"rv_corr_{a.id}_empathy").check()
    button(at, SAVE).click().run()
    assert not at.exception and not at.error
    assert at.success[0].value == t("review.saved")
    # a comment at a time in the recording
    at.number_input(key=f"rv_c_at_{a.id}").set_value(4.6)
    at.text_area(key=f"rv_c_text_{a.id}").input("ここで一拍おくと落ち着いて聞こえます")
    button(at, t("review.comment_add")).click().run()
    assert not at.error
    assert any("ここで一拍" in m.value for m in at.markdown)

    session.expire_all()
    r = session.exec(select(Review)).one()
    assert (r.score_override, r.rubric_corrections) == (85, {"empathy": True})
    c = session.exec(select(Comment)).one()
    assert (c.at_seconds, c.author_id) == (4.6, people["trainer"].id)
    assert len(audit_rows(session, Action.view_attempt, a.id)) == 1  # reruns are not new views
    assert len(audit_rows(session, Action.override, a.id)) == 1

    # the trainee sees both on their progress data
    fb = review.feedback_for_trainee(session, viewer_for(session, people["sato"]))
    assert {(f.kind, f.new) for f in fb} == {("review", True), ("comment", True)}
    rev = next(f for f in fb if f.kind == "review")
    assert (rev.score_override, rev.auto_score, rev.author) == (85, 65, "指導")
    assert next(f for f in fb if f.kind == "comment").at_seconds == 4.6

    # back in the queue it counts as reviewed and overridden
    button(at, t("review.back")).click().run()
    counts = {m.label: m.value for m in at.metric}
    assert (counts[t("review.count_reviewed")], counts[t("review.count_overridden")]) == ("1", "1")


def test_override_without_reason_is_refused_with_a_message(session, people):
    a = make_attempt(session, people["sato"], score=65)
    at = page("review", people["trainer"], attempt=a.id)
    at.number_input(key=f"rv_override_{a.id}").set_value(90)
    button(at, SAVE).click().run()
    assert [e.value for e in at.error] == [t("review.err_reason_required")]
    session.expire_all()
    assert session.exec(select(Review)).all() == []


def test_trainer_of_another_team_cannot_open_the_attempt_by_url(session, people):
    a = make_attempt(session, people["sato"], score=65)
    at = page("review", people["trainer_osaka"], attempt=a.id)
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSED_ATTEMPT]
    assert not at.get("audio") and not at.get("form") and not at.metric
    assert not any("お届け" in m.value for m in at.markdown)
    assert audit_rows(session, Action.view_attempt) == []
    # the same through the router with the query parameter typed in the URL
    router = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=30)
    router.session_state["user_id"] = people["trainer_osaka"].id
    router.query_params["attempt"] = str(a.id)
    router.run()
    router.switch_page("app_pages/review.py")
    router.query_params["attempt"] = str(a.id)
    router.run()
    assert router.title[0].value == t("page.review")
    assert [e.value for e in router.error] == [REFUSED_ATTEMPT]
    assert not router.get("audio")
    # a number that is no attempt gets the same refusal (no probing for ids)
    assert [e.value for e in page("review", people["trainer"], attempt=99999).error] == [
        REFUSED_ATTEMPT]
    # and the own team's trainer opens it
    ok = page("review", people["trainer"], attempt=a.id)
    assert not ok.error and ok.get("audio")


def test_review_page_shows_a_stored_demo_result_of_today(session, people):
    """A result stored before the typed contract (schema 1) opens with everything it holds."""
    from services.analysis_result import format_seconds
    from tests.analysis.test_result import stored_v1
    from ui.widgets import escape

    old = stored_v1()["answer_apology_baseline"]
    a = make_attempt(session, people["sato"], score=int(old["score"]))
    a.result, a.passed = old, old["passed"]
    session.add(a)
    session.commit()
    at = page("review", people["trainer"], attempt=a.id)
    assert not at.exception and not at.error, at.exception
    assert at.caption[0].value == t("review.pass_mark", mark=int(old["pass_mark"]))
    labels = [b.label for b in at.button]
    for seg in old["segments"]:
        assert t("review.play_from", t=format_seconds(seg["start"])) in labels
    shown = "\n".join(m.value for m in at.markdown)
    assert all(escape(i["explanation_ja"]) in shown for i in old["breakdown"])
    assert {m.label for m in at.metric} >= {t("review.metric_pace"), t("review.metric_f0")}
    assert len(at.get("vega_lite_chart")) >= 2  # what the trainee saw
    for g in old["rubric"]:
        assert at.checkbox(key=f"rv_corr_{a.id}_{g['id']}") is not None


def test_staff_typing_the_review_url_is_refused(session, people):
    a = make_attempt(session, people["sato"], score=65)
    at = page("review", people["sato"], attempt=a.id)
    assert at.error[0].value == t("app.refused")
    assert not at.get("audio")


@pytest.fixture
def capture_downloads(monkeypatch):
    """The bytes handed to st.download_button, by file name."""
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    files: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def load(self, path_or_data, mimetype, kind, filename=None):
        if filename and isinstance(path_or_data, bytes):
            files[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", load)
    return files


def _csv_rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def _frame_rows(df) -> list[dict[str, str]]:
    return [{k: "" if v is None or pd.isna(v) else str(v) for k, v in row.items()}
            for row in df.to_dict("records")]


def test_team_csv_contains_exactly_the_visible_rows(session, people, capture_downloads):
    from scenarios.loader import load_catalogue

    harassment = {s.id: s.title for s in load_catalogue().filter(harassment=True)}
    assert "harassment_abuse" in harassment
    make_attempt(session, people["sato"], score=60)
    make_attempt(session, people["suzuki"], score=90, scenario="harassment_abuse")
    make_attempt(session, people["yamamoto"], score=70)  # another team
    at = page("team", people["trainer"])
    assert not at.exception
    table = at.dataframe[0].value
    name, scenario_col, flag = t("team.col_name"), t("team.col_scenario"), t("team.col_completed_flag")
    assert list(table[name]) == ["佐藤", "鈴木"]
    assert _csv_rows(capture_downloads["team_progress.csv"]) == _frame_rows(table)

    # narrow to one person: the table and the CSV both hold exactly that row
    capture_downloads.clear()
    at.multiselect(key="tm_people").select(people["suzuki"].id).run()
    table = at.dataframe[0].value
    assert list(table[name]) == ["鈴木"]
    rows = _csv_rows(capture_downloads["team_progress.csv"])
    assert rows == _frame_rows(table) and len(rows) == 1
    # harassment-training record: one row per person and harassment scenario
    h = at.dataframe[1].value
    done = {(r[name], r[scenario_col]): r[flag] for r in h.to_dict("records")}
    assert done == {("鈴木", title): t("team.yes") if sid == "harassment_abuse" else t("team.no")
                    for sid, title in harassment.items()}
    assert _csv_rows(capture_downloads["harassment_training.csv"]) == _frame_rows(h)

    # the export is audited when clicked, not when shown
    assert audit_rows(session, Action.export_csv) == []
    at.download_button(key="tm_csv").click().run()
    rows = audit_rows(session, Action.export_csv)
    assert len(rows) == 1 and rows[0].detail == "rows=1"


def test_agreement_page_for_admins(session, people, make_user):
    admin = make_user("admin", role="admin")
    a = make_attempt(session, people["sato"], score=60)
    trainer = viewer_for(session, people["trainer"])
    review.save_review(session, trainer, a.id, score_override=80, reason="十分",
                       rubric_corrections={"empathy": True})
    session.commit()
    at = page("agreement", admin)
    assert not at.exception and at.title[0].value == t("page.agreement")
    row = at.dataframe[0].value.to_dict("records")[0]
    assert row[t("agreement.col_reviewed")] == 1 and row[t("agreement.col_rate")] == 100.0
    assert row[t("agreement.col_signed")] == 20.0
    assert t("agreement.times", label="共感", n=1) in row[t("agreement.col_groups")]
    assert "佐藤" not in str(at.dataframe[0].value)  # aggregates only
