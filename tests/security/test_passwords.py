"""Issue 11, item 9: the password policy (NIST SP 800-63B style) and usernames that cannot
stand beside another (full-width, Cyrillic look-alikes)."""

from __future__ import annotations

import pytest

from core.access import SYSTEM, viewer_for
from core.errors import Refusal
from core.i18n import t
from core.passwords import check_password, common_passwords, temporary_password
from services.users import UserError, create_user, import_users_csv

WEAK = ["        ", "password", "password1234", "qwertyuiop123", "aaaaaaaaaaaaaaa",
        "123456789012", "abcabcabcabc", "sato-is-me-2026", "佐藤優子のパスワードです"]


@pytest.mark.parametrize("pw", WEAK)
def test_weak_passwords_are_refused_with_a_japanese_reason(pw):
    with pytest.raises(Refusal) as e:
        check_password(pw, username="sato", display_name="佐藤優子", min_length=12)
    assert e.value.key.startswith(("password.", "valid."))
    assert t(e.value.key, "ja", **e.value.values)  # a catalogue string exists


@pytest.mark.parametrize("pw", ["correct horse battery", "夏の夜に海辺で花火を見た", "dojo-demo-2026",
                                "my 2 cats like sardines"])
def test_long_uncommon_passwords_pass_without_composition_rules(pw):
    check_password(pw, username="sato", display_name="佐藤 優子", min_length=12)


def test_minimum_length_is_a_setting(monkeypatch):
    from core.config import get_settings

    monkeypatch.setenv("DOJO_PASSWORD_MIN_LENGTH", "20")
    get_settings.cache_clear()
    try:
        with pytest.raises(Refusal) as e:
            check_password("correct horse battery"[:19])
        assert e.value.key == "password.too_short" and e.value.values == {"n": 20}
    finally:
        get_settings.cache_clear()


def test_the_common_list_is_shipped_and_large():
    common = common_passwords()
    assert len(common) > 3000
    assert {"password", "qwerty123", "iloveyou", "sakura123"} <= common


def test_temporary_passwords_are_random_and_pass_the_policy():
    seen = {temporary_password() for _ in range(50)}
    assert len(seen) == 50
    for pw in seen:
        check_password(pw, username="sato", display_name="佐藤", min_length=12)


def test_demo_password_passes_for_every_demo_account():
    from core.config import Settings
    from demo.seed import DEMO_PEOPLE

    pw = Settings().demo_password
    for username, name, *_ in DEMO_PEOPLE:
        check_password(pw, username=username, display_name=name, min_length=12)


def test_admin_cannot_create_weak_passwords(session, make_user):
    """Before: eight spaces, 'password' and a password equal to the username were accepted."""
    admin = viewer_for(session, make_user("root", role="admin"))
    for username, pw in (("kato", " " * 8), ("kato", "password"), ("kato12345678", "kato12345678")):
        with pytest.raises(UserError) as e:
            create_user(session, username=username, display_name="加藤", role="staff",
                        password=pw, viewer=admin)
        assert e.value.key.startswith(("password.", "admin.err_password"))
    create_user(session, username="kato", display_name="加藤", role="staff",
                password="correct horse battery", viewer=admin)


@pytest.mark.parametrize("twin", ["ａｄｍｉｎ", "ADMIN", " admin ", "аdmin", "admіn", "ad\u200bmin",
                                  "ad\x00min"])
def test_look_alike_usernames_cannot_stand_beside_admin(session, make_user, twin):
    """Before: full-width ａｄｍｉｎ and Cyrillic аdmin were accepted beside admin."""
    root = viewer_for(session, make_user("admin", role="admin"))
    with pytest.raises(UserError) as e:
        create_user(session, username=twin, display_name="偽物", role="admin",
                    password="correct horse battery", viewer=root)
    assert e.value.key in ("admin.err_exists", "valid.username_chars")


def test_csv_import_applies_the_policy_and_the_username_rules(session, make_user):
    admin = viewer_for(session, make_user("root", role="admin"))
    csv = ("username,display_name,role,team,password\n"
           "kato,加藤,staff,東京,password1234\n"
           "ｍｏｒｉ,森,staff,東京,correct horse battery\n"
           "аdmin,偽,admin,,correct horse battery\n")
    report = import_users_csv(session, csv.encode(), viewer=admin)
    assert report.created == ["mori"]
    assert [(line, key) for line, key, _ in report.errors] == [
        (2, "password.common"), (4, "valid.username_chars")]


def test_operator_and_demo_accounts_are_created_by_system():
    """The demo and the CLI create accounts as SYSTEM (the policy applies to admins' input)."""
    assert SYSTEM.is_system


def test_a_name_made_only_of_look_alike_letters_is_taken(session, make_user):
    root = viewer_for(session, make_user("admin", role="admin"))
    make_user("coco")
    with pytest.raises(UserError) as e:  # Cyrillic с and о only: looks exactly like coco
        create_user(session, username="сосо", display_name="偽物", role="staff",
                    password="correct horse battery", viewer=root)
    assert e.value.key == "admin.err_exists"
    create_user(session, username="佐藤", display_name="佐藤", role="staff",  # Japanese is fine
                password="correct horse battery", viewer=root)
