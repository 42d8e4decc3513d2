"""Logins that survive a reload: server-side sessions behind an HttpOnly cookie.

A Streamlit page cannot set a cookie (it talks to the browser over a websocket), so the
handshake has two steps:

1. The login form (ui.shell) checks the password and calls ``begin``: a ``UserSession`` row with
   a one-time **ticket** (random, only its SHA-256 stored, valid ``TICKET_SECONDS``). The
   websocket session is signed in at once (``st.session_state``), as before.
2. The page sends the browser to ``/api/session?ticket=…&next=<this page>``, a small route of the
   ``st.App`` in ``app.py``. It redeems the ticket (once) for a new random **token**, stores the
   token's SHA-256, sets it as the ``dojo_session`` cookie (HttpOnly, SameSite=Lax, Secure with
   ``DOJO_COOKIE_SECURE``) and redirects back. Every later page load (reload, new tab, back
   button) reads the cookie through ``st.context.cookies`` and ``resolve``s it.

A session ends when it is revoked (logout ends every session of the person: "everywhere"), after
``session_idle_minutes`` without activity, ``session_absolute_hours`` after it began, or when
the person's role, password or active flag changes (``fingerprint``: no code that changes a
user has to remember to revoke anything).

``COOKIE_ROUTES`` is True only in a process serving ``app.py`` (``streamlit run app.py``); under
plain ``streamlit run streamlit_app.py`` or AppTest the login lasts as long as the websocket.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from urllib.parse import quote

from sqlalchemy import update
from sqlmodel import Session, col, select

from core.config import get_settings
from core.models import User, UserSession, utcnow

COOKIE = "dojo_session"
TICKET_SECONDS = 60
TOUCH_SECONDS = 60  # last_seen_at is written at most this often
BEGIN_PATH = "/api/session"
END_PATH = "/api/logout"
COOKIE_ROUTES = False  # set by app.py when the routes are served by this process


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def fingerprint(user: User) -> str:
    """Changes whenever the role, the password or the active flag changes."""
    raw = f"{user.id}|{user.role}|{int(bool(user.active))}|{user.password_hash}"
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _as_utc(value: datetime | None) -> datetime | None:
    from core.clock import as_utc

    return as_utc(value) if value is not None else None


def begin(session: Session, user: User, *, now: datetime | None = None,
          user_agent: str = "") -> tuple[UserSession, str]:
    """A new session for ``user`` and its one-time ticket (flushes; the caller commits)."""
    now = now or utcnow()
    ticket = secrets.token_urlsafe(32)
    row = UserSession(
        user_id=user.id, ticket_hash=_hash(ticket),
        ticket_expires_at=now + timedelta(seconds=TICKET_SECONDS), fingerprint=fingerprint(user),
        created_at=now, last_seen_at=now,
        expires_at=now + timedelta(hours=get_settings().session_absolute_hours),
        user_agent=user_agent[:300],
    )
    session.add(row)
    session.flush()
    return row, ticket


def redeem(session: Session, ticket: str, *, now: datetime | None = None) -> str | None:
    """The cookie token for a valid, unused ticket (the ticket is spent); None otherwise.
    Commits."""
    now = now or utcnow()
    if not ticket:
        return None
    row = session.exec(select(UserSession).where(UserSession.ticket_hash == _hash(ticket))).first()
    if row is None:
        return None
    expires = _as_utc(row.ticket_expires_at)
    if expires is None or expires < now:
        return None
    token = secrets.token_urlsafe(32)
    # Spend the ticket in one conditional UPDATE: two requests with one ticket get one token.
    n = session.exec(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ticket_hash == _hash(ticket))
        .values(ticket_hash=None, ticket_expires_at=None, token_hash=_hash(token))
    ).rowcount
    session.commit()
    if n != 1:
        return None
    return token if check(session, row.id, now=now) is not None else None


def _valid(row: UserSession, user: User | None, now: datetime) -> bool:
    settings = get_settings()
    if user is None or not user.active or row.revoked_at is not None:
        return False
    if now >= _as_utc(row.expires_at):
        return False
    if now - _as_utc(row.last_seen_at) >= timedelta(minutes=settings.session_idle_minutes):
        return False
    return row.fingerprint == fingerprint(user)


def check(session: Session, session_id: int, *, now: datetime | None = None) -> User | None:
    """The user of a still valid session (its activity noted); None if it has ended (and then
    it is revoked, so it cannot come back). Commits when it writes."""
    now = now or utcnow()
    row = session.get(UserSession, session_id)
    if row is None:
        return None
    user = session.get(User, row.user_id)
    if not _valid(row, user, now):
        if row.revoked_at is None:
            row.revoked_at = now
            session.add(row)
            session.commit()
        return None
    if now - _as_utc(row.last_seen_at) >= timedelta(seconds=TOUCH_SECONDS):
        row.last_seen_at = now
        session.add(row)
        session.commit()
    return user


def resolve(session: Session, token: str | None, *,
            now: datetime | None = None) -> tuple[UserSession, User] | None:
    """The session and user a cookie token stands for, if still valid."""
    if not token:
        return None
    row = session.exec(select(UserSession).where(UserSession.token_hash == _hash(token))).first()
    if row is None:
        return None
    user = check(session, row.id, now=now)
    return (row, user) if user is not None else None


def revoke(session: Session, session_id: int, *, now: datetime | None = None) -> None:
    session.exec(update(UserSession).where(UserSession.id == session_id,
                                           col(UserSession.revoked_at).is_(None))
                 .values(revoked_at=now or utcnow()))
    session.commit()


def revoke_user(session: Session, user_id: int, *, now: datetime | None = None) -> int:
    """End every session of ``user_id`` (logout everywhere, or an admin's decision)."""
    n = session.exec(update(UserSession).where(UserSession.user_id == user_id,
                                               col(UserSession.revoked_at).is_(None))
                     .values(revoked_at=now or utcnow())).rowcount
    session.commit()
    return n


def safe_next(target: str | None) -> str:
    """Only a path of this site (``/practice?x=1``), never another host."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def begin_url(ticket: str, next_path: str) -> str:
    return f"{BEGIN_PATH}?ticket={quote(ticket)}&next={quote(safe_next(next_path), safe='')}"


def end_url(next_path: str = "/") -> str:
    return f"{END_PATH}?next={quote(safe_next(next_path), safe='')}"


# --------------------------------------------------------------------------- the routes


def _engine_session() -> Session:
    from core.db import get_engine

    return Session(get_engine(), expire_on_commit=False)


def _set_cookie(response, token: str) -> None:
    settings = get_settings()
    response.set_cookie(COOKIE, token, httponly=True, samesite="lax", path="/",
                        secure=settings.cookie_secure,
                        max_age=settings.session_absolute_hours * 3600)


async def begin_route(request):
    """GET /api/session?ticket=…&next=…: ticket → cookie, then back to the page."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    ticket = request.query_params.get("ticket", "")
    target = safe_next(request.query_params.get("next"))

    def work() -> str | None:
        with _engine_session() as s:
            return redeem(s, ticket)

    token = await run_in_threadpool(work)
    response = RedirectResponse(target, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    if token:
        _set_cookie(response, token)
    return response


async def end_route(request):
    """GET /api/logout: end the cookie's session (all of its person's) and drop the cookie."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import RedirectResponse

    token = request.cookies.get(COOKIE)

    def work() -> None:
        with _engine_session() as s:
            found = resolve(s, token)
            if found is not None:
                revoke_user(s, found[1].id)

    await run_in_threadpool(work)
    response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
    response.headers["Cache-Control"] = "no-store"
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response


def routes() -> list:
    from starlette.routing import Route

    return [Route(BEGIN_PATH, begin_route, methods=["GET"]),
            Route(END_PATH, end_route, methods=["GET"])]
