"""Logins that survive a reload, in a real Chromium against ``streamlit run app.py`` (the
st.App with the login-cookie routes, what ``make run`` starts): reload, a new tab and the back
button keep the person signed in; logout ends the session in every tab."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.conftest import (
    DEFAULT_TIMEOUT_MS,
    OUT,
    START_TIMEOUT,
    AppServer,
    _start_app,
    _stop_app,
    assert_no_exception,
    login,
    wait_ready,
)


@pytest.fixture(scope="module")
def cookie_app(e2e_cache, tmp_path_factory) -> Iterator[AppServer]:
    server = _start_app("asgi", tmp_path_factory.mktemp("app-asgi"), e2e_cache, script="app.py",
                        env_extra={"DOJO_PRERENDER_VOICES": "false"})
    yield server
    _stop_app(server)


def signed_in(page) -> bool:
    wait_ready(page, timeout=START_TIMEOUT * 1000)
    return page.get_by_test_id("stSidebar").get_by_text("でログイン中").count() > 0


def on_login_form(page) -> bool:
    wait_ready(page, timeout=START_TIMEOUT * 1000)
    return page.get_by_test_id("stForm").get_by_label("パスワード").count() > 0


def test_reload_new_tab_and_back_keep_the_login_and_logout_ends_it_everywhere(cookie_app,
                                                                             chromium):
    context = chromium.new_context(base_url=cookie_app.url, locale="ja-JP",
                                   timezone_id="Asia/Tokyo", viewport={"width": 1400,
                                                                       "height": 1000})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/progress")
        wait_ready(page, timeout=START_TIMEOUT * 1000)
        login(page, "sato")
        page.wait_for_url("**/progress")  # back where the login began
        cookie = next(c for c in context.cookies() if c["name"] == "dojo_session")
        assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
        assert "dojo_session" not in page.evaluate("document.cookie")  # not readable by scripts

        page.reload()
        assert signed_in(page), "a reload logged the person out"
        assert page.url.endswith("/progress")
        assert_no_exception(page)

        page.goto("/checkin")
        assert signed_in(page)
        page.go_back()
        page.wait_for_url("**/progress")
        assert signed_in(page), "the back button logged the person out"

        other = context.new_page()
        other.goto("/")
        assert signed_in(other), "a new tab is not signed in"
        page.screenshot(path=str(OUT / "sessions-reloaded.png"), full_page=True)

        page.get_by_test_id("stSidebar").get_by_role("button", name="ログアウト").click()
        page.wait_for_url("**/")
        assert on_login_form(page)
        assert not any(c["name"] == "dojo_session" for c in context.cookies())
        other.reload()
        assert on_login_form(other), "the other tab is still signed in after logout"
        page.reload()
        assert on_login_form(page)
    finally:
        context.close()


def test_a_stolen_cookie_of_an_ended_session_opens_nothing(cookie_app, chromium):
    first = chromium.new_context(base_url=cookie_app.url, locale="ja-JP")
    first.set_default_timeout(DEFAULT_TIMEOUT_MS)
    second = chromium.new_context(base_url=cookie_app.url, locale="ja-JP")
    second.set_default_timeout(DEFAULT_TIMEOUT_MS)
    try:
        page = first.new_page()
        page.goto("/")
        wait_ready(page, timeout=START_TIMEOUT * 1000)
        login(page, "suzuki")
        cookie = next(c for c in first.cookies() if c["name"] == "dojo_session")
        copy = second.new_page()
        second.add_cookies([cookie])
        copy.goto("/")
        assert signed_in(copy)  # the same session, another browser: a valid cookie works
        page.get_by_test_id("stSidebar").get_by_role("button", name="ログアウト").click()
        page.wait_for_url("**/")
        assert on_login_form(page)
        copy.reload()
        assert on_login_form(copy), "a logged-out session's cookie still signs in"
    finally:
        first.close()
        second.close()
