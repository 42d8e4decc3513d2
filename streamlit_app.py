"""Complaint Dojo — the router: log in, then offer the pages the user's role may open."""

from __future__ import annotations

import streamlit as st

from core.access import PAGES, pages_for
from core.config import get_settings
from core.models import Role
from ui import safety, shell
from ui.widgets import escape

st.set_page_config(page_title="クレーム対応道場", page_icon=":material/support_agent:", layout="wide")
safety.configure()  # no tracebacks in the browser outside development
shell.bootstrap()
settings = get_settings()


def language_switch() -> None:
    options = {"ja": "日本語", "en": "English"}
    current = shell.lang()
    choice = st.sidebar.selectbox(
        shell.tr("app.language"), list(options), index=list(options).index(current),
        format_func=options.get, key="lang_select",
    )
    if choice != current:
        st.session_state[shell.SESSION_LANG] = choice
        st.rerun()


def login_page() -> None:
    st.title(shell.tr("app.title"))
    st.caption(shell.tr("app.tagline"))
    shell.login_form()


def logout(viewer) -> None:
    shell.sign_out(viewer)  # audited
    if settings.sso_enabled and getattr(st, "user", None) and st.user.is_logged_in:
        st.logout()
    st.rerun()


viewer = shell.current_viewer()
if viewer is None:
    language_switch()
    # Every page address is known even before login: the page's own guard shows the login form,
    # so a link such as /review?attempt=12 leads to that attempt once the person has signed in.
    login = st.Page(login_page, title=shell.tr("page.login"), icon=":material/login:", default=True)
    addresses = [
        st.Page(spec.path, title=shell.tr(f"page.{spec.key}"), url_path=spec.key) for spec in PAGES
    ]
    safety.run_guarded(st.navigation([login, *addresses], position="hidden").run)
else:
    pages = [
        st.Page(spec.path, title=shell.tr(f"page.{spec.key}"), icon=spec.icon, url_path=spec.key)
        for spec in pages_for(viewer.role)
    ]
    current = st.navigation(pages, position="hidden")
    with st.sidebar:
        st.markdown(f"**{shell.tr('app.title')}**")
        for page in pages:  # the menu: only the pages this role may open
            st.page_link(page)
        st.divider()
        st.caption(shell.tr("app.signed_in_as", name=escape(viewer.display_name),
                         role=shell.tr(f"role.{Role(viewer.role).value}")))
        if st.button(shell.tr("app.logout"), icon=":material/logout:"):
            logout(viewer)
    language_switch()
    safety.show_reset_notice(viewer, shell.lang())  # an admin reset the password lately
    safety.run_guarded(current.run)  # an error: a Japanese page with an id, the trace in the log
