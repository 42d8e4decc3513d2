"""AppTest: HR's one-on-one queue shows the new state after saving, says where a closed entry
went, reopens a closed one (audited), and shows dates in the company's time zone (issue 13)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import select
from streamlit.testing.v1 import AppTest

from core.access import viewer_for
from core.i18n import t
from core.models import AuditLog, ConsentKind, OneOnOne, OneOnOneStatus
from services import consent
from services import one_on_one as oo
from tests.conftest import ROOT


def _open(user) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app_pages" / "one_on_one.py"), default_timeout=30)
    at.session_state["user_id"] = user.id
    at.run()
    assert not at.exception, at.exception
    return at


def _texts(at) -> str:
    return "\n".join(str(m.value) for kind in ("markdown", "caption", "success", "info", "error")
                     for m in getattr(at, kind))


def _requested(session, make_user):
    staff = make_user("sato", team="東京", display_name="佐藤 優子")
    hr = make_user("hr", role="hr", display_name="人事 花子")
    v = viewer_for(session, staff)
    consent.give_consent(session, v, ConsentKind.wellbeing)
    one = oo.request_one_on_one(session, v)
    session.commit()
    return staff, hr, one


def test_saving_shows_the_new_state_at_once(app_env, make_user, session):
    _staff, hr, _one = _requested(session, make_user)
    at = _open(hr)
    assert t("one_on_one.status_open") in _texts(at)
    at.selectbox[0].set_value("scheduled")
    at.button[0].click().run()
    shown = _texts(at)
    assert t("one_on_one.saved_as", person="佐藤 優子", status=t("one_on_one.status_scheduled")) in shown
    header = next(m.value for m in at.markdown if "佐藤 優子" in m.value)
    assert t("one_on_one.status_scheduled") in header and t("one_on_one.status_open") not in header


def test_declined_entry_says_where_it_went_and_can_be_reopened(app_env, make_user, session):
    _staff, hr, one = _requested(session, make_user)
    at = _open(hr)
    at.selectbox[0].set_value("declined")
    at.button[0].click().run()
    assert t("one_on_one.saved_closed", person="佐藤 優子",
             status=t("one_on_one.status_declined")) in _texts(at)
    assert t("one_on_one.empty") in _texts(at)  # it left the open list — and we said so
    at.toggle(key="include_closed").set_value(True).run()
    reopen = [b for b in at.button if b.label == t("one_on_one.reopen")]
    assert reopen
    reopen[0].click().run()
    assert not at.exception
    assert t("one_on_one.reopened", person="佐藤 優子") in _texts(at)
    session.expire_all()
    assert session.get(OneOnOne, one.id).status == OneOnOneStatus.open
    logs = session.exec(select(AuditLog).where(AuditLog.target_id == str(one.id))).all()
    assert any("reopened (declined → open)" in (log.detail or "") for log in logs)


def test_reopen_is_refused_while_another_entry_is_open(app_env, make_user, session):
    staff, hr, one = _requested(session, make_user)
    hv = viewer_for(session, hr)
    oo.update_one_on_one(session, hv, one.id, status="declined")
    oo.request_one_on_one(session, viewer_for(session, staff))  # a new request
    session.commit()
    try:
        oo.reopen_one_on_one(session, hv, one.id)
    except Exception as e:  # noqa: BLE001 - the refusal class is asserted below
        assert getattr(e, "key", "") == "one_on_one.err_other_open"
    else:
        raise AssertionError("reopened a second open entry")


def test_dates_are_company_dates(app_env, make_user, session, monkeypatch):
    """A flag at 2026-12-01 20:00 UTC is 12-02 in Japan (05:00 JST)."""
    from core.models import Flag
    staff, hr, one = _requested(session, make_user)
    flag = Flag(user_id=staff.id, level="watch", reasons=[], created_at=datetime(2026, 12, 1, 20, 0,
                                                                                   tzinfo=UTC),
                shared_at=datetime(2026, 12, 1, 20, 0, tzinfo=UTC))
    session.add(flag)
    session.flush()
    one.flag_id = flag.id
    session.add(one)
    session.commit()
    at = _open(hr)
    assert t("one_on_one.flagged_on", date="2026-12-02") in _texts(at)
