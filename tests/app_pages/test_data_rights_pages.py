"""AppTest of the data-rights pages (My data, the admin's erasure page) and of every other page
after an erasure: the erased person appears on none of them."""

from __future__ import annotations

import pytest
from google.protobuf import text_format
from sqlmodel import Session, select
from streamlit.testing.v1 import AppTest

from core import access
from core.db import get_engine
from core.models import AuditLog, ErasureRecord, Role, User
from tests.conftest import ROOT
from tests.services.test_data_rights import DISPLAY, FREE_TEXT, NAME, NOTES, TRANSCRIPT, everything

REFUSED = "このページを表示する権限がありません。"
HEAVY = {"practice", "calibrate"}  # Whisper and voices; they show only one's own attempts


def _open(user_id: int, page: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / f"{page}.py"), default_timeout=60)
    at.session_state["user_id"] = user_id
    return at.run()


def _all_text(at: AppTest) -> str:
    """Every text the page rendered: element protos (UTF-8) and dataframe contents."""
    out: list[str] = []

    def walk(node) -> None:
        children = getattr(node, "children", None)
        if children:
            for child in children.values():
                walk(child)
            return
        value = None
        if getattr(node, "type", "") in ("dataframe", "arrow_data_frame", "table"):
            try:
                value = node.value.to_string()
            except Exception:  # noqa: BLE001  (a frame without values)
                value = None
        if value is not None:
            out.append(value)
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(text_format.MessageToString(proto, as_utf8=True))

    walk(at._tree)
    return "\n".join(out)


@pytest.fixture
def world(app_env):
    with Session(get_engine(), expire_on_commit=False) as s:
        w = everything(s)
    return w


def test_my_data_page_summarises_downloads_and_corrects(world):
    p = world["p"]
    at = _open(p.id, "my_data")
    assert not at.exception
    assert at.title[0].value == "わたしのデータ"
    text = _all_text(at)
    assert "セルフチェックの回答（自由記述を含む）" in text and "保存期間" in text
    assert "締まった週" in text  # the withdrawal rule, for staff
    at.button(key="prepare_archive").click().run()
    assert not at.exception
    assert "アーカイブを作成しました" in _all_text(at)
    assert at.get("download_button")
    with Session(get_engine()) as s:
        assert s.exec(select(AuditLog).where(AuditLog.action == "data_exported")).one()

    at.text_input[0].set_value("訂正 花子")
    at.selectbox[0].set_value("en")
    next(b for b in at.button if b.label == "保存する").click().run()
    assert not at.exception
    with Session(get_engine()) as s:
        user = s.get(User, p.id)
        assert (user.display_name, user.language) == ("訂正 花子", "en")
    assert at.title[0].value == "My data"  # the page follows the new language


def test_erasure_page_is_for_admins_and_confirms_by_username(world):
    for who in ("p", "hr", "trainer"):
        at = _open(world[who].id, "data_rights")
        assert at.error[0].value == REFUSED
    admin, p = world["admin"], world["p"]
    at = _open(admin.id, "data_rights")
    assert not at.exception
    at.selectbox[0].set_value(p.id).run()
    text = _all_text(at)
    assert "削除されるもの" in text and "残るもの" in text
    assert "ロールプレイの回答（文字起こし・採点結果を含む）" in text and "監査ログ" in text
    at.text_input[0].set_value("wrong")
    at.text_area[0].set_value("本人の依頼")
    next(b for b in at.button if b.label == "このユーザーのデータを削除する").click().run()
    assert at.error[0].value.startswith("確認のため")
    with Session(get_engine()) as s:
        assert s.get(User, p.id) is not None
    at.text_input[0].set_value(NAME)
    at.text_area[0].set_value("本人の依頼（12/1 受付）")
    next(b for b in at.button if b.label == "このユーザーのデータを削除する").click().run()
    assert not at.exception
    assert "削除しました" in _all_text(at)
    with Session(get_engine()) as s:
        assert s.get(User, p.id) is None
        assert s.exec(select(ErasureRecord)).one().former_user_id == p.id


def test_an_erased_person_appears_on_no_page(world):
    from services import data_rights as dr

    needles = [NAME, DISPLAY, FREE_TEXT, NOTES, TRANSCRIPT]
    admin = world["admin"]
    seen_before = _all_text(_open(admin.id, "admin"))
    assert NAME in seen_before  # the search can find the person while they exist
    with Session(get_engine(), expire_on_commit=False) as s:
        dr.erase_user(s, access.viewer_for(s, s.get(User, admin.id)), world["p"].id,
                      reason="本人の依頼")
        s.commit()
    checked = []
    for who in ("admin", "trainer", "hr", "bystander"):
        user_id = world[who].id
        with Session(get_engine()) as s:
            role = s.get(User, user_id).role
        for spec in access.pages_for(Role(role)):
            if spec.key in HEAVY:
                continue
            at = _open(user_id, spec.key)
            assert not at.exception, f"{spec.key} as {who}: {at.exception}"
            text = _all_text(at)
            for needle in needles:
                assert needle not in text, f"{needle!r} on {spec.key} as {who}"
            checked.append(spec.key)
    assert {"admin", "data_rights", "review", "team", "trends", "one_on_one", "incidents",
            "my_data"} <= set(checked)
