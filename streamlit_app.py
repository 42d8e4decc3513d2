"""Complaint Dojo — the router: log in, then offer the pages the user's role may open."""

from __future__ import annotations

import streamlit as st

from core import auth, ui
from core.access import pages_for
from core.config import get_settings
from core.models import Role

st.set_page_config(page_title="クレーム対応道場", page_icon=":material/support_agent:", layout="wide")
ui.bootstrap()
settings = get_settings()


def language_switch() -> None:
    options = {"ja": "日本語", "en": "English"}
    current = ui.lang()
    choice = st.sidebar.selectbox(
        ui.tr("app.language"), list(options), index=list(options).index(current),
        format_func=options.get, key="lang_select",
    )
    if choice != current:
        st.session_state[ui.SESSION_LANG] = choice
        st.rerun()


def login_page() -> None:
    st.title(ui.tr("app.title"))
    st.caption(ui.tr("app.tagline"))
    if settings.demo_mode:
        st.info(ui.tr("app.demo_notice", password=settings.demo_password))
    with st.form("login"):
        st.subheader(ui.tr("login.heading"))
        username = st.text_input(ui.tr("login.username"))
        password = st.text_input(ui.tr("login.password"), type="password")
        submitted = st.form_submit_button(ui.tr("login.submit"), type="primary")
    if submitted:
        if not username.strip() or not password:
            st.error(ui.tr("login.empty"))
            return
        with ui.session() as s:
            result = auth.authenticate(s, username, password, settings=settings)
            s.commit()
        if result.ok:
            st.session_state[ui.SESSION_USER] = result.user.id
            st.session_state[ui.SESSION_LANG] = result.user.language or settings.default_language
            st.rerun()
        elif result.reason == "locked":
            st.error(ui.tr("login.locked", minutes=settings.lockout_minutes))
        elif result.reason == "inactive":
            st.error(ui.tr("login.inactive"))
        else:
            st.error(ui.tr("login.bad_credentials"))
    if settings.sso_enabled:
        sso_login()


def sso_login() -> None:
    """Single sign-on through st.login (OIDC, configured in .streamlit/secrets.toml)."""
    if not getattr(st, "user", None) or not st.user.is_logged_in:
        if st.button(ui.tr("login.sso")):
            st.login()
        return
    email = str(st.user.get("email", ""))
    with ui.session() as s:
        user = auth.login_by_email(s, email)
        s.commit()
    if user is None:
        st.error(ui.tr("login.sso_unknown", email=email))
        return
    st.session_state[ui.SESSION_USER] = user.id
    st.rerun()


def logout() -> None:
    st.session_state.pop(ui.SESSION_USER, None)
    if settings.sso_enabled and getattr(st, "user", None) and st.user.is_logged_in:
        st.logout()
    st.rerun()


viewer = ui.current_viewer()
if viewer is None:
    language_switch()
    st.navigation(
        [st.Page(login_page, title=ui.tr("page.login"), icon=":material/login:")], position="hidden"
    ).run()
else:
    pages = [
        st.Page(spec.path, title=ui.tr(f"page.{spec.key}"), icon=spec.icon, url_path=spec.key)
        for spec in pages_for(viewer.role)
    ]
    current = st.navigation(pages, position="hidden")
    with st.sidebar:
        st.markdown(f"**{ui.tr('app.title')}**")
        for page in pages:  # the menu: only the pages this role may open
            st.page_link(page)
        st.divider()
        st.caption(ui.tr("app.signed_in_as", name=viewer.display_name,
                         role=ui.tr(f"role.{Role(viewer.role).value}")))
        if st.button(ui.tr("app.logout"), icon=":material/logout:"):
            logout()
    language_switch()
    current.run()
