from datetime import timedelta

from sqlmodel import select

from core import auth
from core.config import get_settings
from core.models import AuditLog, User, utcnow


def _actions(session):
    return [a.action for a in session.exec(select(AuditLog).order_by(AuditLog.id)).all()]


def test_passwords_are_argon2id_hashes(make_user, session):
    user = make_user("sato")
    assert user.password_hash.startswith("$argon2id$")
    assert "password123" not in user.password_hash
    assert auth.verify_password(user.password_hash, "password123")
    assert not auth.verify_password(user.password_hash, "password124")


def test_good_and_bad_password(make_user, session):
    make_user("sato")
    ok = auth.authenticate(session, "sato", "password123")
    assert ok.ok and ok.user.username == "sato"
    bad = auth.authenticate(session, "sato", "wrong-password")
    assert not bad.ok and bad.reason == "bad_credentials"
    unknown = auth.authenticate(session, "nobody", "password123")
    assert not unknown.ok and unknown.reason == "bad_credentials"
    session.commit()
    assert _actions(session)[-3:] == ["login", "login_failed", "login_failed"]


def test_lockout_after_five_failures_for_fifteen_minutes(make_user, session):
    make_user("sato")
    now = utcnow()
    for i in range(4):
        r = auth.authenticate(session, "sato", "wrong", now=now)
        assert r.reason == "bad_credentials", i
    fifth = auth.authenticate(session, "sato", "wrong", now=now)
    assert fifth.reason == "locked"
    assert fifth.locked_until == now + timedelta(minutes=get_settings().lockout_minutes)
    # even the right password is refused while locked
    assert auth.authenticate(session, "sato", "password123", now=now + timedelta(minutes=14)).reason == "locked"
    # and works again after the lock expires
    assert auth.authenticate(session, "sato", "password123", now=now + timedelta(minutes=15, seconds=1)).ok
    session.commit()
    assert "lockout" in _actions(session)


def test_lockout_policy_is_configurable(make_user, session, monkeypatch):
    monkeypatch.setenv("DOJO_LOCKOUT_ATTEMPTS", "2")
    get_settings.cache_clear()
    make_user("sato")
    assert auth.authenticate(session, "sato", "x").reason == "bad_credentials"
    assert auth.authenticate(session, "sato", "x").reason == "locked"


def test_success_resets_failure_count(make_user, session):
    make_user("sato")
    for _ in range(4):
        auth.authenticate(session, "sato", "wrong")
    assert auth.authenticate(session, "sato", "password123").ok
    for _ in range(4):
        assert auth.authenticate(session, "sato", "wrong").reason == "bad_credentials"


def test_inactive_user_cannot_log_in(make_user, session):
    user = make_user("sato")
    user.active = False
    session.add(user)
    session.commit()
    assert auth.authenticate(session, "sato", "password123").reason == "inactive"
    assert session.exec(select(User).where(User.username == "sato")).one().active is False
