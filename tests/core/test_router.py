"""AppTest of the router: login, lockout, each role's menu, refusal of other roles' pages."""

import pytest
from streamlit.testing.v1 import AppTest

from core import access
from core.i18n import t
from core.models import Role
from tests.conftest import ROOT

REFUSED = "このページを表示する権限がありません。"


def _login(at, username, password):
    at.text_input[0].input(username)
    at.text_input[1].input(password)
    at.button[0].click().run()
    return at


def test_login_page_is_japanese_and_good_password_logs_in(app_test, make_user):
    make_user("sato", team="東京")
    at = app_test()
    assert at.title[0].value == "クレーム対応道場"
    assert [w.label for w in at.text_input] == ["ユーザー名", "パスワード"]
    _login(at, "sato", "password123")
    assert not at.exception
    assert at.session_state["user_id"] is not None
    assert at.title[0].value == "ロールプレイ練習"  # staff's home page


def test_bad_password_shows_a_message_and_stays_logged_out(app_test, make_user):
    make_user("sato")
    at = _login(app_test(), "sato", "wrong-password")
    assert at.error[0].value == "ユーザー名またはパスワードが正しくありません。"
    assert "user_id" not in at.session_state


def test_lockout_after_five_failures_in_the_ui(app_test, make_user):
    make_user("sato")
    at = app_test()
    for _ in range(5):
        _login(at, "sato", "wrong-password")
    # One message for a wrong name, a wrong password and a locked account (no enumeration).
    same = t("login.bad_credentials")
    assert at.error[0].value == same
    _login(at, "sato", "password123")  # the right password, but the account is locked now
    assert at.error[0].value == same
    assert "user_id" not in at.session_state


def test_english_switch(app_test, make_user):
    at = app_test()
    at.sidebar.selectbox[0].set_value("en").run()
    assert at.text_input[0].label == "Username"


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_exactly_its_pages(app_test, make_user, role):
    user = make_user(f"u_{role.value}", role=role.value, team="東京")
    at = app_test(user)
    assert not at.exception
    allowed = access.pages_for(role)
    # Pages outside the role's navigation are not registered at all.
    for spec in access.PAGES:
        if spec not in allowed:
            with pytest.raises(ValueError):
                at.switch_page(spec.path)
    for spec in allowed:
        at.switch_page(spec.path).run()
        assert not at.exception, spec.key
        assert at.title[0].value == access_title(spec.key), spec.key
        assert not [e for e in at.error if e.value == REFUSED], spec.key


def access_title(key):
    from core.i18n import t

    return t(f"page.{key}", "ja")


@pytest.mark.parametrize("page", ["review", "team", "trends", "one_on_one", "admin", "agreement"])
def test_staff_opening_another_roles_page_directly_is_refused(app_env, make_user, page):
    staff = make_user("sato", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=30)
    at.session_state["user_id"] = staff.id
    at.run()
    assert at.error[0].value == REFUSED
    assert len(at.main.children) <= 2  # the refusal, nothing of the page


def test_anonymous_direct_page_shows_login_then_the_page(app_env, make_user):
    make_user("root", role="admin")
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=30).run()
    assert not at.title  # nothing of the page before login
    assert [w.label for w in at.text_input] == ["ユーザー名", "パスワード"]
    _login(at, "root", "password123")
    assert at.title[0].value == "ユーザー管理"


def test_anonymous_direct_page_then_wrong_role_is_refused(app_env, make_user):
    make_user("sato", team="東京")
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=30).run()
    _login(at, "sato", "password123")
    assert at.error[0].value == REFUSED
