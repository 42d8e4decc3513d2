"""Issue 11, item 5: user-written text is shown as plain text in other people's browsers.

A payload with a heading, an image from another address, a colour, LaTeX, HTML and a table
is written where people can type (display name, incident, check-in free text, comment,
review reason) and each screen that shows it to someone else is rendered (AppTest). In every
element that shows the payload, it appears only in the one helper's escaped form
(``ui.widgets.escape``), which leaves no Markdown, HTML, LaTeX or colour syntax active.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from core import clock
from core.access import viewer_for
from core.models import (
    Comment,
    ConsentKind,
    Incident,
    OneOnOne,
    Review,
    Role,
    Team,
    User,
)
from tests.conftest import ROOT

MARK = "ZQX"
PAYLOAD = (f"{MARK} # 見出し ![i](http://evil.example/i.png) :red[赤] $x^2$ <b>b</b> | a | **太** "
           "http://evil.example")
assert len(PAYLOAD) <= 100


def escaped() -> str:
    from ui.widgets import escape

    return escape(PAYLOAD)


def test_the_helper_leaves_no_markup_active():
    from ui.widgets import escape

    out = escape("# h\n![i](http://x/i.png) :red[r] $x$ <b> | t | **b** ~~s~~ `c` 1. x\n===")
    unescaped = re.sub(r"\\.", "", out)  # drop every escaped character
    assert not set(unescaped) & set("#![]()$<>|*~`=:")
    assert "\n" not in out.replace("  \n", "")  # a line break stays a line break, nothing more


def _texts(at: AppTest) -> list[str]:
    elements = [*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success,
                *at.title, *at.header, *at.subheader]
    out = [str(e.value) for e in elements]
    out += [str(getattr(e, "label", "")) for e in at.expander]
    return out


def assert_inert(at: AppTest, where: str) -> None:
    assert not at.exception, where
    shown = [t for t in _texts(at) if MARK in t]
    assert shown, f"{where}: the payload is not shown at all"
    for text in shown:
        assert text.count(escaped()) == text.count(MARK), f"{where}: not escaped in {text!r}"


def _page(name: str, user: User, *, query: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{name}.py"), default_timeout=60)
    at.session_state["user_id"] = user.id
    for k, v in (query or {}).items():
        at.query_params[k] = str(v)
    return at.run()


@pytest.fixture
def world(session: Session):
    team = Team(name="東京")
    session.add(team)
    session.flush()

    def person(username: str, role: Role = Role.staff, name: str | None = None) -> User:
        u = User(username=username, display_name=name or username, role=role, team_id=team.id)
        session.add(u)
        session.flush()
        return u

    evil = person("evil", name=PAYLOAD)
    trainer = person("trainer", Role.trainer, name=PAYLOAD)
    hr = person("hr", Role.hr)
    session.commit()
    return {"team": team, "evil": evil, "trainer": trainer, "hr": hr, "person": person}


def test_hr_incident_page_shows_text_and_reporter_inert(session, world):
    from services.incidents import INCIDENT_KINDS

    session.add(Incident(reporter_id=world["evil"].id, team_id=world["team"].id,
                         occurred_on=clock.local_today(), kind=INCIDENT_KINDS[0],
                         description=PAYLOAD, actions=PAYLOAD))
    session.commit()
    assert_inert(_page("incidents", world["hr"]), "incidents (HR)")


def test_one_on_one_queue_shows_names_inert(session, world):
    session.add(OneOnOne(user_id=world["evil"].id, requested_by_person=True))
    session.commit()
    assert_inert(_page("one_on_one", world["hr"]), "one-on-one queue")


def test_hr_trends_show_free_text_inert(session, world, monkeypatch):
    from core.config import get_settings
    from services import checkin as wd
    from services import consent as cs

    last_week = clock.local_today() - timedelta(weeks=1)
    people = [world["evil"]] + [world["person"](f"staff{i}") for i in range(11)]
    session.commit()
    for u in people:
        v = viewer_for(session, u)
        cs.give_consent(session, v, ConsentKind.wellbeing,
                        now=clock.local_day_start(last_week - timedelta(days=7)))
        k6 = [1] * 6 if wd.checkin_state(session, v, last_week).k6_due else None
        wd.save_checkin(session, v, {"who5": [3] * 5, "k6": k6, "job": {"free_text": PAYLOAD}},
                        last_week, scenario_ids=frozenset())
    session.commit()
    get_settings.cache_clear()
    at = _page("trends", world["hr"])
    for expander in at.expander:  # free texts sit in expanders
        expander.proto.expanded = True
    assert_inert(at, "HR trends free text")


def _attempt_with_feedback(session, world):
    from tests.services.test_review import make_attempt

    attempt = make_attempt(session, world["evil"])
    session.add(Review(attempt_id=attempt.id, trainer_id=world["trainer"].id, score_override=70,
                       reason=PAYLOAD))
    session.add(Comment(attempt_id=attempt.id, author_id=world["trainer"].id, at_seconds=None,
                        text=PAYLOAD))
    session.commit()
    return attempt


def test_staff_progress_shows_trainer_comments_inert(session, world):
    _attempt_with_feedback(session, world)
    assert_inert(_page("progress", world["evil"]), "staff progress (comments, reviewer name)")


def test_review_header_shows_the_display_name_inert(session, world):
    attempt = _attempt_with_feedback(session, world)
    assert_inert(_page("review", world["trainer"], query={"attempt": attempt.id}),
                 "review header")


def test_sidebar_shows_the_signed_in_name_inert(app_test, session, world):
    at = app_test(world["evil"])
    assert not at.exception
    shown = [str(e.value) for e in (*at.sidebar.markdown, *at.sidebar.caption) if MARK in str(e.value)]
    assert shown, "the sidebar does not show the name"
    assert all(t.count(escaped()) == t.count(MARK) for t in shown), shown
