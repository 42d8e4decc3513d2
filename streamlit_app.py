"""Complaint Dojo — the router: log in, then offer the pages the user's role may open."""

from __future__ import annotations

import streamlit as st

from core import ui
from core.access import PAGES, pages_for
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
    ui.login_form()


def logout() -> None:
    st.session_state.pop(ui.SESSION_USER, None)
    if settings.sso_enabled and getattr(st, "user", None) and st.user.is_logged_in:
        st.logout()
    st.rerun()


viewer = ui.current_viewer()
if viewer is None:
    language_switch()
    # Every page address is known even before login: the page's own guard shows the login form,
    # so a link such as /review?attempt=12 leads to that attempt once the person has signed in.
    login = st.Page(login_page, title=ui.tr("page.login"), icon=":material/login:", default=True)
    addresses = [
        st.Page(spec.path, title=ui.tr(f"page.{spec.key}"), url_path=spec.key) for spec in PAGES
    ]
    st.navigation([login, *addresses], position="hidden").run()
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
