"""Streamlit glue shared by the router and every page: start-up, the signed-in viewer, the page
guard, database sessions, translated strings and refusals. Pages stay thin: they read widgets,
call a service, render. Pages get their sessions here (:func:`session`), so they never import
sqlmodel; services flush and the page commits (``s.commit()``) what it asked for."""

from __future__ import annotations

import streamlit as st

from core import auth
from core.access import Viewer, may_open, viewer_for
from core.config import get_settings
from core.db import init_db, new_session
from core.errors import Refusal
from core.i18n import t
from core.models import User
from demo.seed import seed_demo

SESSION_USER = "user_id"
SESSION_LANG = "lang"


# Shown on the first start only (cache miss): migrations, and demo data analysed by Whisper.
@st.cache_resource(show_spinner=t("app.preparing", get_settings().default_language))
def _bootstrap(database_url: str) -> bool:
    """Once per process and database: migrate to head, seed demo data in demo mode."""
    init_db()
    if get_settings().demo_mode:
        seed_demo()
    return True


def bootstrap() -> None:
    _bootstrap(get_settings().resolved_database_url)


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
    """Audit the logout and forget the signed-in user (the router reruns afterwards)."""
    with session() as s:
        auth.logout(s, viewer)
        s.commit()
    st.session_state.pop(SESSION_USER, None)


def current_viewer() -> Viewer | None:
    user_id = st.session_state.get(SESSION_USER)
    if user_id is None:
        return None
    with session() as s:
        user = s.get(User, user_id)
        if user is None or not user.active:
            st.session_state.pop(SESSION_USER, None)
            return None
        return viewer_for(s, user)


def require_page(page_key: str) -> Viewer:
    """Stop the script unless the signed-in user's role may open ``page_key``.

    Every page calls this first, so a page is refused even when its URL is typed directly; a
    visitor who is not signed in gets the login form instead.
    """
    bootstrap()
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
    settings = get_settings()
    if settings.demo_mode:
        st.info(tr("app.demo_notice", password=settings.demo_password))
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
            result = auth.authenticate(s, username, password, settings=settings)
            s.commit()
        if result.ok:
            st.session_state[SESSION_USER] = result.user.id
            st.session_state[SESSION_LANG] = result.user.language or settings.default_language
            st.rerun()
        elif result.reason == "locked":
            st.error(tr("login.locked", minutes=settings.lockout_minutes))
        elif result.reason == "inactive":
            st.error(tr("login.inactive"))
        else:
            st.error(tr("login.bad_credentials"))
    if settings.sso_enabled:
        sso_login()


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
    st.rerun()
