"""Passwords (argon2id), login and lockout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, select

from core import audit
from core.config import Settings, get_settings
from core.models import User, utcnow

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash("not a password")

MIN_PASSWORD_LENGTH = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class LoginResult:
    ok: bool
    user: User | None = None
    reason: str = ""  # "", "bad_credentials", "locked", "inactive"
    locked_until: datetime | None = None


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> LoginResult:
    """Check a username and password; count failures and lock after too many.

    After ``settings.lockout_attempts`` failures in a row the account is locked for
    ``settings.lockout_minutes``; while locked, even the right password is refused. Every
    outcome is written to the audit log. The caller commits.
    """
    settings = settings or get_settings()
    now = _aware(now) or utcnow()
    username = username.strip()
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        _hasher.verify(_DUMMY_HASH, "not a password")  # same cost: no user enumeration by time
        audit.record(session, action=audit.Action.login_failed, actor_name=username[:100],
                     detail="unknown user")
        return LoginResult(ok=False, reason="bad_credentials")
    locked_until = _aware(user.locked_until)
    if locked_until and locked_until > now:
        audit.record(session, action=audit.Action.login_failed, actor_id=user.id,
                     actor_name=user.username, detail="locked")
        return LoginResult(ok=False, user=None, reason="locked", locked_until=locked_until)
    if not user.password_hash or not verify_password(user.password_hash, password):
        user.failed_logins += 1
        audit.record(session, action=audit.Action.login_failed, actor_id=user.id,
                     actor_name=user.username, detail=f"failure {user.failed_logins}")
        if user.failed_logins >= settings.lockout_attempts:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
            audit.record(session, action=audit.Action.lockout, actor_id=user.id,
                         actor_name=user.username,
                         detail=f"locked until {user.locked_until.isoformat()}")
            session.add(user)
            return LoginResult(ok=False, reason="locked", locked_until=user.locked_until)
        session.add(user)
        return LoginResult(ok=False, reason="bad_credentials")
    if not user.active:
        audit.record(session, action=audit.Action.login_failed, actor_id=user.id,
                     actor_name=user.username, detail="inactive")
        return LoginResult(ok=False, reason="inactive")
    user.failed_logins = 0
    user.locked_until = None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    audit.record(session, action=audit.Action.login, actor_id=user.id, actor_name=user.username)
    return LoginResult(ok=True, user=user)


def login_by_email(session: Session, email: str) -> User | None:
    """Single sign-on: the identity provider vouched for ``email``; find the active user whose
    username is that address (the provider proves who, the database says which role)."""
    user = session.exec(select(User).where(User.username == email.strip().lower())).first()
    if user is None or not user.active:
        audit.record(session, action=audit.Action.login_failed, actor_name=email[:100],
                     detail="sso: unknown or inactive")
        return None
    audit.record(session, action=audit.Action.login, actor_id=user.id, actor_name=user.username,
                 detail="sso")
    return user
