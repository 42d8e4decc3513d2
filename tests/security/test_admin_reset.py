"""Issue 11, item 2: an admin cannot quietly become a user.

Before: an admin reset a staff member's password, logged in as them and read every WHO-5/K6
answer; nothing told the person and the audit showed only ``password_reset`` then ``login``.
Now a reset gives a one-time temporary password that must be changed at the next login, the
person is told at their next logins that an admin reset it, every step is audited, and the
admin's audit view shows no wellbeing details (no flag reasons)."""

from __future__ import annotations

import pytest
from sqlmodel import select

from core import auth
from core.access import viewer_for
from core.audit import search
from core.errors import Refusal
from core.models import AuditLog, ConsentKind, User

OWN = "correct horse battery"


def _actions(session, target_id=None):
    session.expire_all()
    rows = session.exec(select(AuditLog).order_by(AuditLog.id)).all()
    return [r.action for r in rows if target_id is None or r.actor_id == target_id
            or r.target_id == target_id]


@pytest.fixture
def pair(session, make_user):
    admin = viewer_for(session, make_user("root", role="admin"))
    staff = make_user("sato", team="東京", password=OWN)
    return admin, staff


def test_reset_gives_a_temporary_password_that_must_be_changed(session, pair):
    from services.users import reset_password

    admin, staff = pair
    temp = reset_password(session, staff.id, viewer=admin)
    session.commit()
    assert isinstance(temp, str) and len(temp) >= 16
    assert not auth.authenticate(session, "sato", OWN).ok  # the old one is gone
    first = auth.authenticate(session, "sato", temp)
    session.commit()
    # the right temporary password does NOT sign anyone in: a new password comes first
    assert not first.ok and first.must_change and first.user.id == staff.id
    assert first.reset_notice is not None and first.reset_notice.count == 1
    with pytest.raises(Refusal) as e:
        auth.change_own_password(session, staff.id, "password1234")
    assert e.value.key == "password.common"
    auth.change_own_password(session, staff.id, "a brand new phrase of mine")
    session.commit()
    # the temporary password was one-time
    assert not auth.authenticate(session, "sato", temp).ok
    again = auth.authenticate(session, "sato", "a brand new phrase of mine")
    session.commit()
    assert again.ok and again.reset_notice is not None  # the person is told at next login
    acts = _actions(session, staff.id)
    assert "password_reset" in acts and "password_change_required" in acts
    changed = session.exec(select(AuditLog).where(AuditLog.action == "password_changed")).one()
    assert changed.detail == "after an admin reset"


def test_without_the_temporary_login_no_password_can_be_set(session, pair):
    _, staff = pair
    with pytest.raises(Refusal) as e:
        auth.change_own_password(session, staff.id, "a brand new phrase of mine")
    assert e.value.key == "security.login_failed"


def test_admin_can_require_a_change_at_next_login(session, pair):
    from services.users import update_user

    admin, staff = pair
    update_user(session, staff.id, viewer=admin, require_password_change=True)
    session.commit()
    r = auth.authenticate(session, "sato", OWN)
    assert r.must_change and not r.ok and r.reset_notice is None
    auth.change_own_password(session, staff.id, "a brand new phrase of mine")
    session.commit()
    assert auth.authenticate(session, "sato", "a brand new phrase of mine").ok


def test_admin_audit_view_shows_no_flag_reasons(session, pair):
    from services import checkin as wd
    from services import consent as cs

    admin, staff = pair
    v = viewer_for(session, staff)
    cs.give_consent(session, v, ConsentKind.wellbeing)
    from core.clock import local_today

    severe = {"who5": [0] * 5, "k6": [4] * 6,
              "job": {"harassment": "four_plus", "sleep": "very_poorly"}}
    result = wd.save_checkin(session, v, severe, local_today(), scenario_ids=frozenset())
    assert result.flag is not None
    wd.share_flag(session, v, result.flag.id)
    session.commit()
    stored = session.exec(select(AuditLog).where(AuditLog.action == "consent_changed")).all()
    assert all("who5" not in (r.detail or "") for r in stored)  # the row itself holds no codes
    rows, _ = search(session, admin, action="consent_changed")
    assert rows and all(r.detail is None for r in rows)


def test_login_page_asks_for_a_new_password_after_a_reset(app_test, session, pair):
    """AppTest of the real login form: the temporary password leads to the change form, not
    into the app; after the change the person is signed in and told about the reset."""
    from services.users import reset_password

    admin, staff = pair
    temp = reset_password(session, staff.id, viewer=admin)
    session.commit()
    at = app_test()
    at.text_input[0].input("sato")
    at.text_input[1].input(temp)
    at.button[0].click().run()
    assert not at.exception
    texts = " ".join(str(e.value) for e in (*at.info, *at.warning, *at.subheader, *at.markdown))
    assert "新しいパスワード" in texts
    assert "user_id" not in at.session_state or at.session_state["user_id"] is None
    new = [w for w in at.text_input if w.label.startswith("新しいパスワード")]
    new[0].input("a brand new phrase of mine")
    new[1].input("a brand new phrase of mine")
    next(b for b in at.button if b.label == "パスワードを変更して続ける").click().run()
    assert not at.exception
    assert at.session_state["user_id"] == staff.id
    session.expire_all()
    assert session.get(User, staff.id).must_change_password is False
