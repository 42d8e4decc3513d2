"""core.sessions on SQLite and PostgreSQL: ticket → token, expiry (idle, absolute), revocation
(logout everywhere, role / password / active changes), and the two routes with their cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import Session

from core import sessions
from core.db import get_engine
from core.models import Role, User, UserSession, utcnow


@pytest.fixture
def person(any_db_env):
    from core.access import SYSTEM
    from services.users import create_user

    with Session(get_engine(), expire_on_commit=False) as s:
        user = create_user(s, username="sato", display_name="佐藤", role="staff",
                           password="password123", team_name="東京", viewer=SYSTEM)
        s.commit()
        return user


def login(user_id: int, now=None) -> tuple[int, str]:
    with Session(get_engine(), expire_on_commit=False) as s:
        row, ticket = sessions.begin(s, s.get(User, user_id), now=now)
        s.commit()
        token = sessions.redeem(s, ticket, now=now)
        assert token
        return row.id, token


def resolve(token, now=None):
    with Session(get_engine(), expire_on_commit=False) as s:
        found = sessions.resolve(s, token, now=now)
        return found[1].id if found else None


def test_a_ticket_gives_one_token_once_and_only_hashes_are_stored(person):
    with Session(get_engine(), expire_on_commit=False) as s:
        row, ticket = sessions.begin(s, s.get(User, person.id))
        s.commit()
        token = sessions.redeem(s, ticket)
        assert token and sessions.redeem(s, ticket) is None  # spent
        stored = s.get(UserSession, row.id)
        assert stored.token_hash == sessions._hash(token) and token not in stored.token_hash
        assert stored.ticket_hash is None
    assert resolve(token) == person.id
    assert resolve("not-a-token") is None and resolve(None) is None


def test_an_old_ticket_is_refused(person):
    with Session(get_engine(), expire_on_commit=False) as s:
        _row, ticket = sessions.begin(s, s.get(User, person.id))
        s.commit()
        later = utcnow() + timedelta(seconds=sessions.TICKET_SECONDS + 1)
        assert sessions.redeem(s, ticket, now=later) is None


def test_idle_and_absolute_expiry(person):
    start = utcnow()
    _sid, token = login(person.id, now=start)
    # activity every 20 minutes keeps it alive...
    for minutes in (20, 40, 60):
        assert resolve(token, now=start + timedelta(minutes=minutes)) == person.id
    # ... 30 minutes of silence ends it, for good
    assert resolve(token, now=start + timedelta(minutes=91)) is None
    assert resolve(token, now=start + timedelta(minutes=92)) is None
    _sid, token = login(person.id, now=start)
    t = start
    while t + timedelta(minutes=25) < start + timedelta(hours=11, minutes=55):
        t += timedelta(minutes=25)
        assert resolve(token, now=t) == person.id
    assert resolve(token, now=start + timedelta(hours=12, minutes=1)) is None  # absolute


@pytest.mark.parametrize("change", ["role", "password", "inactive"])
def test_changing_role_password_or_active_ends_the_sessions(person, change):
    _sid, token = login(person.id)
    with Session(get_engine(), expire_on_commit=False) as s:
        user = s.get(User, person.id)
        if change == "role":
            user.role = Role.trainer
        elif change == "password":
            user.password_hash = "changed"
        else:
            user.active = False
        s.add(user)
        s.commit()
    assert resolve(token) is None


def test_logout_ends_every_session_of_the_person(person):
    sid1, token1 = login(person.id)
    _sid2, token2 = login(person.id)
    with Session(get_engine(), expire_on_commit=False) as s:
        assert sessions.revoke_user(s, person.id) == 2
        assert sessions.check(s, sid1) is None
    assert resolve(token1) is None and resolve(token2) is None


def test_next_is_always_a_path_of_this_site():
    assert sessions.safe_next("/practice?attempt=3") == "/practice?attempt=3"
    for bad in ("https://evil.example/", "//evil.example", "/\\evil", "", None, "practice"):
        assert sessions.safe_next(bad) == "/"


def test_routes_set_and_drop_an_httponly_samesite_cookie(person):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    client = TestClient(Starlette(routes=sessions.routes()), follow_redirects=False)
    with Session(get_engine(), expire_on_commit=False) as s:
        _row, ticket = sessions.begin(s, s.get(User, person.id))
        s.commit()
    r = client.get(sessions.begin_url(ticket, "/practice?x=1"))
    assert r.status_code == 303 and r.headers["location"] == "/practice?x=1"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{sessions.COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=lax" in cookie and "Path=/" in cookie
    token = r.cookies[sessions.COOKIE]
    assert resolve(token) == person.id
    again = client.get(sessions.begin_url(ticket, "/"))  # a replayed ticket sets nothing
    assert "set-cookie" not in again.headers
    client.cookies.set(sessions.COOKIE, token)
    out = client.get(sessions.end_url("/"))
    assert out.status_code == 303 and f'{sessions.COOKIE}=""' in out.headers["set-cookie"]
    assert resolve(token) is None
