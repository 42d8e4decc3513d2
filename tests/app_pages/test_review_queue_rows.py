"""AppTest: review queue rows open what they say (issue 13 item 6) — the table's selection is
keyed by the rows it shows, and the turn column names the customer's line, not a turn id."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from core.i18n import t
from services import catalogue
from tests.conftest import ROOT
from tests.services.test_review import make_attempt


@pytest.fixture
def people(make_user):
    return {"sato": make_user("sato", team="東京", display_name="佐藤"),
            "suzuki": make_user("suzuki", team="東京", display_name="鈴木"),
            "trainer": make_user("trainer", role="trainer", team="東京", display_name="指導")}


def _queue(user) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "review.py"), default_timeout=30)
    at.session_state["user_id"] = user.id
    at.run()
    assert not at.exception, at.exception
    return at


def _table_key(at: AppTest) -> str:
    return at.dataframe[0].proto.id


def test_turns_are_named_by_the_customers_line(session, people):
    make_attempt(session, people["sato"], turn="t2_order")
    at = _queue(people["trainer"])
    turns = list(at.dataframe[0].value[t("review.turn")])
    line = catalogue.turn("late_delivery", "t2_order").customer
    assert turns == [line[:27] + "…"]
    assert "t2_order" not in str(at.dataframe[0].value)
    assert t("review.select_hint") in [c.value for c in at.caption]


def test_the_selection_belongs_to_the_rows_shown(session, people):
    make_attempt(session, people["sato"], days_ago=1)
    make_attempt(session, people["suzuki"])
    at = _queue(people["trainer"])
    everyone = _table_key(at)
    at.selectbox(key="rv_f_person").set_value(people["suzuki"].id).run()
    assert not at.exception
    assert list(at.dataframe[0].value[t("review.person")]) == ["鈴木"]
    filtered = _table_key(at)
    assert filtered != everyone  # a row picked in the full list cannot open a row of this one
    at.selectbox(key="rv_f_person").set_value(None).run()
    assert _table_key(at) == everyone  # the same rows: the same key
