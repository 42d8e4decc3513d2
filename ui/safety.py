"""What a visitor may learn from the app's surface: error pages, their address, the demo hint.

- :func:`configure` sets ``client.showErrorDetails`` from ``Settings.environment``: tracebacks
  reach the browser only in development (``.streamlit/config.toml`` says "none" as well);
- :func:`run_guarded` runs a page: an unexpected exception is logged on the server with its
  traceback and a short error id, and the visitor sees a Japanese message with that id (no
  SQL, no path, no stack);
- :func:`client_address` / :func:`is_local_visitor`: who is on the other end (for the login
  rate limit, and to show the demo password only on this computer).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Mapping

import streamlit as st

from core.config import get_settings
from core.i18n import t

log = logging.getLogger("dojo.errors")
LOCAL_ADDRESSES = frozenset({"127.0.0.1", "::1", "localhost"})


def configure() -> None:
    """Error details in the browser only in development."""
    detail = "full" if get_settings().environment == "development" else "none"
    try:
        st.set_option("client.showErrorDetails", detail)
    except Exception:  # noqa: BLE001 - an older Streamlit without the option: config.toml rules
        log.debug("client.showErrorDetails cannot be set at run time")


def _friendly_default() -> bool:
    """Friendly page in production under a real server; tests (AppTest, no runtime) and
    development see the exception itself."""
    from streamlit import runtime
    from streamlit.runtime import Runtime

    # AppTest runs pages with a stand-in runtime (a mock): there the exception must surface.
    real_server = runtime.exists() and type(runtime.get_instance()) is Runtime
    return get_settings().environment != "development" and real_server


def new_error_id() -> str:
    return secrets.token_hex(4).upper()


def run_guarded(page: Callable[[], object], *, friendly: bool | None = None,
                lang: str | None = None) -> None:
    """Run ``page``; on an unexpected exception log it with an error id and show a Japanese
    error message carrying that id instead of the traceback. Streamlit's own control flow
    (``st.stop``, ``st.rerun``, page switches) passes through untouched."""
    friendly = _friendly_default() if friendly is None else friendly
    try:
        page()
    except Exception as exc:
        if not friendly:
            raise
        error_id = new_error_id()
        log.error("error id %s: unhandled exception while running a page", error_id,
                  exc_info=exc)
        language = lang or st.session_state.get("lang") or get_settings().default_language
        st.error(t("security.error_page", language, error_id=error_id), icon=":material/error:")


def is_local_address(address: str | None, headers: Mapping[str, str] | None = None) -> bool:
    """True when the visitor is on this computer: no (or a loopback) address and no proxy
    header saying the request was forwarded from elsewhere."""
    forwarded = {k.lower(): v for k, v in (headers or {}).items()}
    if forwarded.get("x-forwarded-for") or forwarded.get("forwarded") or forwarded.get("x-real-ip"):
        return False
    return address is None or address in LOCAL_ADDRESSES


def _context_headers() -> dict[str, str]:
    try:
        return dict(st.context.headers or {})
    except Exception:  # noqa: BLE001 - no request context (bare script)
        return {}


def client_address() -> str | None:
    """The visitor's address as Streamlit sees it on the socket (``None`` on this computer).
    Proxy headers are not used: anyone can write them."""
    try:
        return st.context.ip_address
    except Exception:  # noqa: BLE001 - no request context (bare script)
        return None


def is_local_visitor() -> bool:
    try:
        address = st.context.ip_address
    except Exception:  # noqa: BLE001
        address = None
    return is_local_address(address, _context_headers())


def demo_password_visible() -> bool:
    """The demo password is shown on the login page in demo mode, to a visitor on this
    computer only."""
    return get_settings().demo_mode and is_local_visitor()


# --- after a temporary password: the person sets their own ------------------------------------

PENDING_CHANGE = "pw_change_pending"  # {"user_id", "since", "admin_reset", "notice"}
PENDING_SECONDS = 600  # the change form stays valid this long after the temporary login
RESET_NOTICE = "pw_reset_notice_seen"  # the user id the notice was shown to


def start_password_change(result) -> None:
    """Remember (server side, in this browser session) that ``result.user`` proved a password
    that must be changed; the login form shows the change form next."""
    import time

    notice = result.reset_notice
    st.session_state[PENDING_CHANGE] = {
        "user_id": result.user.id, "since": time.monotonic(),
        "admin_reset": result.user.admin_reset_at is not None,
        "notice": (notice.last, notice.count) if notice else None,
    }


def show_reset_notice(viewer, lang: str) -> None:
    """Once per browser session: if an admin reset this person's password lately, say so (the
    database decides, ``core.auth.reset_notice``; it survives the cookie handshake's reload)."""
    from core import auth
    from core.db import new_session
    from core.models import User, utcnow

    if st.session_state.get(RESET_NOTICE) == viewer.id:
        return
    st.session_state[RESET_NOTICE] = viewer.id
    with new_session() as s:
        user = s.get(User, viewer.id)
        notice = auth.reset_notice(s, user, utcnow()) if user is not None else None
    _warn_reset((notice.last, notice.count) if notice else None, lang)


def _warn_reset(notice, lang: str) -> None:
    from core.clock import format_local

    if notice:
        last, count = notice
        st.warning(t("security.reset_notice", lang, when=format_local(last), n=count),
                   icon=":material/shield_person:")


def password_change_form(session_factory, lang: str) -> int | None:
    """The change form after a temporary (or admin-required) password. Returns the user id
    once the new password is set (the caller signs them in), else None. An expired pending
    change goes back to the login form."""
    import time

    from core import auth
    from core.config import get_settings
    from core.errors import Refusal
    from core.i18n import t as tr_

    pending = st.session_state.get(PENDING_CHANGE)
    if not pending:
        return None
    if time.monotonic() - pending["since"] > PENDING_SECONDS:
        st.session_state.pop(PENDING_CHANGE, None)
        return None
    _warn_reset(pending.get("notice"), lang)
    st.subheader(tr_("security.change_heading", lang))
    st.info(tr_("security.change_required" if pending["admin_reset"]
                else "security.change_required_admin", lang))
    with st.form("password_change"):
        new = st.text_input(tr_("security.new_password", lang), type="password",
                            help=tr_("security.change_help", lang,
                                     n=get_settings().password_min_length))
        again = st.text_input(tr_("security.new_password_again", lang), type="password")
        submitted = st.form_submit_button(tr_("security.change_submit", lang), type="primary")
    if not submitted:
        return None
    if new != again:
        st.error(tr_("password.mismatch", lang))
        return None
    try:
        with session_factory() as s:
            auth.change_own_password(s, pending["user_id"], new)
            s.commit()
    except Refusal as e:
        st.error(tr_(e.key, lang, **e.values))
        return None
    st.session_state.pop(PENDING_CHANGE, None)
    return pending["user_id"]
