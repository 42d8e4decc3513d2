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

    return get_settings().environment != "development" and runtime.exists()


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
