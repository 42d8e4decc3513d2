"""Every role logs in through the form, sees its own menu and not the others', and cannot open
another role's page by typing its address."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import go, logout, nav_titles, shot, wait_ready

pytestmark = pytest.mark.e2e

REFUSED = "このページを表示する権限がありません。"

# What each person sees in the sidebar menu, in order (core/strings/common.toml [page]).
MENUS = {
    "sato": [
        "ロールプレイ練習",
        "声の基準づくり",
        "わたしの成長",
        "週1回のセルフチェック",
        "カスハラ報告",
        "わたしのデータ",
    ],
    "trainer": ["レビュー", "チームの成長", "採点の一致度", "わたしのデータ"],
    "hr": ["ウェルビーイング傾向", "1on1 キュー", "カスハラ報告", "わたしのデータ"],
    "admin": ["ユーザー管理", "採点の一致度", "個人データの削除・訂正", "わたしのデータ"],
}
HOME = {
    "sato": ("practice", "ロールプレイ練習"),
    "trainer": ("review", "レビュー"),
    "hr": ("trends", "ウェルビーイング傾向"),
    "admin": ("admin", "ユーザー管理"),
}
ROLE_LABEL = {"sato": "スタッフ", "trainer": "トレーナー", "hr": "人事", "admin": "管理者"}
NAMES = {"sato": "佐藤 優子", "trainer": "指導 健一", "hr": "人事 花子", "admin": "管理 太郎"}
ALL_TITLES = {t for titles in MENUS.values() for t in titles}
# A page another role owns, by address (url_path = page key), and its title.
FOREIGN = {
    "sato": [("trends", "ウェルビーイング傾向"), ("admin", "ユーザー管理"), ("review", "レビュー")],
    "trainer": [("one_on_one", "1on1 キュー"), ("checkin", "週1回のセルフチェック")],
    "hr": [("review", "レビュー"), ("practice", "ロールプレイ練習")],
    "admin": [("trends", "ウェルビーイング傾向"), ("one_on_one", "1on1 キュー")],
}


def test_login_page_in_japanese(app, open_page):
    page = open_page(app)
    main = page.get_by_test_id("stMain")
    assert main.get_by_role("heading", name="クレーム対応道場", level=1).is_visible()
    assert "dojo-demo-2026" in main.inner_text()  # demo notice tells the password
    form = page.get_by_test_id("stForm")
    form.get_by_label("ユーザー名").fill("sato")
    form.get_by_label("パスワード").fill("wrong-password")
    form.get_by_role("button", name="ログイン").click()
    error = main.get_by_test_id("stAlertContentError")
    error.wait_for()
    assert error.inner_text().strip() == "ユーザー名またはパスワードが正しくありません。"
    assert page.get_by_test_id("stSidebar").get_by_text("でログイン中").count() == 0
    shot(page, "login-wrong-password")


def _push_path(page, key: str) -> None:
    page.evaluate(
        "(p) => { history.pushState({}, '', p); dispatchEvent(new PopStateEvent('popstate')); }",
        f"/{key}",
    )
    page.wait_for_timeout(300)
    wait_ready(page)


def _heading(page) -> str:
    h1 = page.get_by_test_id("stMain").locator("h1")
    return h1.first.inner_text().strip() if h1.count() else ""


# Every role on SQLite; the staff journey once more on a fresh PostgreSQL database.
CASES = [("sqlite", u) for u in MENUS] + [("postgresql", "sato")]


@pytest.mark.parametrize(("backend", "user"), CASES, ids=[f"{b}-{u}" for b, u in CASES])
def test_each_role_sees_its_own_menu_and_not_others_pages(request, open_page, backend, user):
    any_app = request.getfixturevalue("app" if backend == "sqlite" else "app_pg")
    page = open_page(any_app, user=user)
    sidebar = page.get_by_test_id("stSidebar")
    assert nav_titles(page) == MENUS[user]
    assert f"{NAMES[user]}（{ROLE_LABEL[user]}）でログイン中" in sidebar.inner_text()
    assert _heading(page) == MENUS[user][0]  # the role's home page
    assert not (ALL_TITLES - set(MENUS[user])) & set(nav_titles(page))
    # Every page of the menu opens without an error or a refusal.
    for title in MENUS[user]:
        go(page, title)
        main = page.get_by_test_id("stMain")
        assert main.get_by_test_id("stException").count() == 0, f"{title}: exception"
        assert REFUSED not in main.inner_text(), f"{title}: refused"
    shot(page, f"menu-{user}-{any_app.name}")

    # Control: an own page reached by changing the address within the session does open.
    own_key, own_title = HOME[user]
    _push_path(page, own_key)
    page.get_by_test_id("stMain").get_by_role("heading", name=own_title, level=1).wait_for()
    for key, title in FOREIGN[user]:
        # Within the session (client-side navigation to the typed path, as the back button does).
        _push_path(page, key)
        assert _heading(page) != title, f"/{key} opened for {user}"
        assert title not in page.get_by_test_id("stMain").inner_text()
        assert page.get_by_test_id("stSidebar").get_by_text("でログイン中").count() == 1
    shot(page, f"foreign-url-in-session-{user}-{any_app.name}")
    for key, title in FOREIGN[user]:
        # Typed into the address bar: a new page load (a new session, so not logged in).
        page.goto(f"/{key}")
        wait_ready(page)
        main_text = page.get_by_test_id("stMain").inner_text()
        assert _heading(page) != title, f"/{key} opened for {user} after reload"
        assert title not in main_text or REFUSED in main_text
    shot(page, f"foreign-url-{user}-{any_app.name}")


def test_logout_returns_to_the_login_form(app, open_page):
    page = open_page(app, user="suzuki")
    logout(page)
    assert page.get_by_test_id("stSidebar").get_by_text("でログイン中").count() == 0
    assert page.get_by_test_id("stForm").get_by_label("ユーザー名").is_visible()
