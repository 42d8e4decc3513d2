"""Streamlit glue shared by the router and every page: start-up, the signed-in viewer, the page
guard, database sessions, translated strings and refusals. Pages stay thin: they read widgets,
call a service, render. Pages get their sessions here (:func:`session`), so they never import
sqlmodel; services flush and the page commits (``s.commit()``) what it asked for."""

from __future__ import annotations

import streamlit as st

from core import auth, sessions
from core.access import Viewer, may_open, viewer_for
from core.config import get_settings
from core.db import init_db, new_session
from core.errors import Refusal
from core.i18n import t
from core.models import User
from demo.seed import seed_demo

SESSION_USER = "user_id"
SESSION_LANG = "lang"
SESSION_ID = "login_session_id"  # the UserSession row of this login (core.sessions)


# Shown on the first start only (cache miss): migrations, and demo data analysed by Whisper.
@st.cache_resource(show_spinner=t("app.preparing", get_settings().default_language))
def _bootstrap(database_url: str) -> bool:
    """Once per process and database: migrate to head, seed demo data in demo mode."""
    init_db()
    if get_settings().demo_mode:
        seed_demo()
    from core.worker import start_embedded

    start_embedded()  # the background worker beside this process (unless external/immediate)
    return True


def bootstrap() -> None:
    _bootstrap(get_settings().resolved_database_url)
    from core.worker import start_embedded

    start_embedded()  # again if the embedded worker died (a no-op while it runs)


def lang() -> str:
    return st.session_state.get(SESSION_LANG) or get_settings().default_language


def tr(key: str, **values: object) -> str:
    """The catalogue string ``key`` in the viewer's language."""
    return t(key, lang(), **values)


def refusal_text(e: Refusal) -> str:
    """A refusal's catalogue text in the viewer's language."""
    return tr(e.key, **e.values)


def show_refusal(e: Refusal) -> None:
    """Show a refusal (any kind of the :class:`core.errors.Refusal` family) as an error box."""
    st.error(refusal_text(e))


def session():
    """A new database session (``core.db.new_session``; use as a context manager and commit
    explicitly). Pages get their sessions here and never import sqlmodel."""
    return new_session()


def sign_out(viewer: Viewer) -> None:
    """Audit the logout, end every session of the person (all tabs and devices) and forget the
    signed-in user. With the cookie routes the browser then drops its cookie (``/api/logout``);
    otherwise the router reruns."""
    with session() as s:
        auth.logout(s, viewer)
        s.commit()
        sessions.revoke_user(s, viewer.id)
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_ID, None)
    if sessions.COOKIE_ROUTES:
        go_to(sessions.end_url("/"))


def go_to(url: str) -> None:
    """Send the browser to ``url`` of this site (a full page load) and stop this run."""
    import json

    st.html(f"<script>window.location.replace({json.dumps(url)});</script>",
            unsafe_allow_javascript=True)
    st.caption(f"[{tr('session.continue')}]({url})")
    st.stop()


def _cookie_token() -> str | None:
    try:
        token = st.context.cookies.get(sessions.COOKIE)
    except Exception:  # noqa: BLE001 - no browser request (AppTest): no cookie
        return None
    return token if isinstance(token, str) else None  # AppTest's context is no real request


def _start_session(s, user: User) -> str:
    """A server-side session for this login (committed); returns its one-time ticket."""
    try:
        agent = st.context.headers.get("User-Agent", "") or ""
    except Exception:  # noqa: BLE001
        agent = ""
    row, ticket = sessions.begin(s, user, user_agent=agent)
    s.commit()
    st.session_state[SESSION_ID] = row.id
    return ticket


def _signed_in(ticket: str) -> None:
    """After a login: the cookie handshake (full page load back here), else a rerun."""
    if sessions.COOKIE_ROUTES:
        st.html("<script>window.location.replace('" + sessions.BEGIN_PATH + "?ticket="
                + ticket + "&next=' + encodeURIComponent(window.location.pathname + "
                "window.location.search));</script>", unsafe_allow_javascript=True)
        st.caption(tr("session.signing_in"))
        st.stop()
    st.rerun()


def _forget() -> None:
    st.session_state.pop(SESSION_USER, None)
    st.session_state.pop(SESSION_ID, None)


def current_viewer() -> Viewer | None:
    """The signed-in person: this tab's login, else the login cookie (reload, new tab, back
    button). A login that ended (logout anywhere, idle or absolute expiry, role, password or
    active flag changed) signs the tab out."""
    user_id = st.session_state.get(SESSION_USER)
    with session() as s:
        if user_id is None:
            found = sessions.resolve(s, _cookie_token())
            if found is None:
                return None
            row, user = found
            st.session_state[SESSION_USER] = user.id
            st.session_state[SESSION_ID] = row.id
            st.session_state.setdefault(SESSION_LANG,
                                        user.language or get_settings().default_language)
            return viewer_for(s, user)
        session_id = st.session_state.get(SESSION_ID)
        if session_id is not None:
            user = sessions.check(s, session_id)
            if user is None or user.id != user_id:
                _forget()
                return None
        else:  # signed in without a session row (AppTest sets the user id directly)
            user = s.get(User, user_id)
        if user is None or not user.active:
            _forget()
            return None
        return viewer_for(s, user)


def require_page(page_key: str) -> Viewer:
    """Stop the script unless the signed-in user's role may open ``page_key``.

    Every page calls this first, so a page is refused even when its URL is typed directly; a
    visitor who is not signed in gets the login form instead.
    """
    bootstrap()
    # Headings wrap between words, never inside one with a small kana starting a line
    # (issue 13: セルフチ／ェック on a phone).
    st.html("<style>h1, h2, h3, h4 { word-break: normal; line-break: strict; "
            "overflow-wrap: break-word; } @media (max-width: 640px) { "
            "h1 { font-size: 1.9rem !important; } h2 { font-size: 1.4rem !important; } }"
            "</style>")
    viewer = current_viewer()
    if viewer is None:  # a typed or shared address: sign in here, then this page opens
        login_form()
        st.stop()
    if not may_open(viewer, page_key):
        st.error(tr("app.refused"))
        st.stop()
    return viewer


def login_form() -> None:
    """The login form; on success the script reruns as the signed-in user (same address)."""
    from ui import safety

    settings = get_settings()
    if safety.demo_password_visible():  # demo mode, and a browser on this computer only
        st.info(tr("app.demo_notice", password=settings.demo_password))
    elif settings.demo_mode:
        st.caption(tr("security.demo_notice_remote"))
    changed = safety.password_change_form(session, lang())  # after a temporary password
    if changed is not None:
        _complete_login(changed)
        return
    if st.session_state.get(safety.PENDING_CHANGE):
        return
    with st.form("login"):
        st.subheader(tr("login.heading"))
        username = st.text_input(tr("login.username"))
        password = st.text_input(tr("login.password"), type="password")
        submitted = st.form_submit_button(tr("login.submit"), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(tr("login.empty"))
            return
        with session() as s:
            result = auth.authenticate(s, username, password, settings=settings,
                                       address=safety.client_address())
            s.commit()
        if result.ok:
            _complete_login(result.user.id)
        elif result.must_change:  # the right, temporary password: a new one comes first
            safety.start_password_change(result)
            st.rerun()
        elif result.reason == "inactive":  # said only after the right password
            st.error(tr("login.inactive"))
        else:  # wrong name, wrong password, locked, rate-limited: one message (no enumeration)
            st.error(tr("login.bad_credentials"))
    if settings.sso_enabled:
        sso_login()


def _complete_login(user_id: int) -> None:
    """Sign ``user_id`` in: the viewer's language, a server-side session, then the rerun."""
    with session() as s:
        user = s.get(User, user_id)
        st.session_state[SESSION_USER] = user.id
        st.session_state[SESSION_LANG] = user.language or get_settings().default_language
        ticket = _start_session(s, user)
    _signed_in(ticket)


def sso_login() -> None:
    """Single sign-on through st.login (OIDC, configured in .streamlit/secrets.toml)."""
    if not getattr(st, "user", None) or not st.user.is_logged_in:
        if st.button(tr("login.sso")):
            st.login()
        return
    email = str(st.user.get("email", ""))
    with session() as s:
        user = auth.login_by_email(s, email)
        s.commit()
    if user is None:
        st.error(tr("login.sso_unknown", email=email))
        return
    st.session_state[SESSION_USER] = user.id
    with session() as s:
        ticket = _start_session(s, s.get(User, user.id))
    _signed_in(ticket)
