"""AppTest of the admin page's smaller items (issue 13 item 10): a refused password keeps what
was typed in the add-user form; a created user empties it; no deprecated width argument."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.i18n import t
from core.models import User
from tests.conftest import ROOT


def _open(user) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "admin.py"), default_timeout=30)
    at.session_state["user_id"] = user.id
    at.run()
    assert not at.exception, at.exception
    return at


def _field(at, label):
    return next(w for w in at.text_input if w.label == label)


def test_refused_password_keeps_the_form_and_success_empties_it(session, make_user):
    admin = make_user("boss", role="admin")
    at = _open(admin)
    _field(at, t("admin.username")).input("newbie")
    _field(at, t("admin.display_name")).input("新人 太郎")
    _field(at, t("admin.team")).input("東京")
    _field(at, t("admin.password")).input("short")
    next(b for b in at.button if b.label == t("admin.add")).click().run()
    assert not at.exception
    assert at.error, "the short password is refused with a message"
    assert _field(at, t("admin.username")).value == "newbie"  # nothing typed is lost
    assert _field(at, t("admin.display_name")).value == "新人 太郎"
    _field(at, t("admin.password")).input("a-long-enough-passphrase-2026")
    next(b for b in at.button if b.label == t("admin.add")).click().run()
    assert not at.exception
    assert t("admin.created", username="newbie") in [s.value for s in at.success]
    assert _field(at, t("admin.username")).value == ""
    session.expire_all()
    assert session.exec(select(User).where(User.username == "newbie")).first() is not None


def test_no_deprecated_use_container_width():
    assert "use_container_width" not in (ROOT / "app_pages" / "admin.py").read_text("utf-8")
    assert Path(ROOT / "app_pages").is_dir()
