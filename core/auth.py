"""Passwords (argon2id), login, logout and lockout. Every outcome is audited; the caller
commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import or_, update
from sqlmodel import Session, select

from core import audit, validation
from core.access import Viewer
from core.clock import as_utc
from core.config import Settings, get_settings
from core.models import AuditLog, User, utcnow
from core.passwords import PasswordRefused, check_password, temporary_password
from core.throttle import SUMMARY_EVERY, THROTTLE

_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_DUMMY_HASH = _hasher.hash("not a password")

MIN_PASSWORD_LENGTH = 8  # kept for old callers; the policy is core.passwords


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class ResetNotice:
    """An admin reset this person's password: when last, and how often in 90 days."""

    last: datetime
    count: int


@dataclass(frozen=True)
class LoginResult:
    """The outcome of one login try. Pages show ONE message for every failure (wrong user,
    wrong password, locked, throttled): ``reason`` is for the audit log and tests only.
    ``must_change``: the password was right but temporary (an admin's reset) or an admin asked
    for a change; ``ok`` stays False until :func:`change_own_password` succeeds."""

    ok: bool
    user: User | None = None
    # "", "bad_credentials", "locked", "inactive", "throttled", "must_change"
    reason: str = ""
    locked_until: datetime | None = None
    reset_notice: ResetNotice | None = None

    @property
    def must_change(self) -> bool:
        return self.reason == "must_change"


RESET_NOTICE_DAYS = 7  # a reset by an admin is told at every login for this long


def _throttle_keys(settings: Settings, name: str, address: str | None):
    db = settings.resolved_database_url  # one count per database (and per process)
    by_addr = ((db, "address", address or "local"), settings.login_rate_limit_per_address)
    by_name = ((db, "username", name[:100]), settings.login_rate_limit_per_username)
    return THROTTLE, [by_addr, by_name], settings.login_rate_window_minutes * 60.0


def _failed(session: Session, settings: Settings, name: str, address: str | None, *,
            user: User | None, detail: str) -> None:
    throttle, keys, window = _throttle_keys(settings, name, address)
    throttle.failed([k for k, _ in keys], window)
    audit.record(session, action=audit.Action.login_failed, actor_id=user.id if user else None,
                 actor_name=(user.username if user else name)[:100],
                 detail=f"{detail}; from {address or 'local'}")


def reset_notice(session: Session, user: User, now: datetime) -> ResetNotice | None:
    """The notice of an admin's reset, while it is recent (``RESET_NOTICE_DAYS``)."""
    if user.admin_reset_at is None or as_utc(user.admin_reset_at) < now - timedelta(
            days=RESET_NOTICE_DAYS):
        return None
    since = now - timedelta(days=90)
    n = len(session.exec(select(AuditLog.id).where(
        AuditLog.action == audit.Action.password_reset, AuditLog.target_type == "user",
        AuditLog.target_id == user.id, AuditLog.at >= since)).all())
    return ResetNotice(last=as_utc(user.admin_reset_at), count=max(n, 1))


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    now: datetime | None = None,
    settings: Settings | None = None,
    address: str | None = None,
) -> LoginResult:
    """Check a username and password; count failures and lock after too many.

    After ``settings.lockout_attempts`` failures in a row the account is locked for
    ``settings.lockout_minutes``; while locked, even the right password is refused. The count
    is one atomic ``UPDATE … SET failed_logins = failed_logins + 1 … RETURNING`` (parallel
    tries cannot lose a failure), and a success clears it only when no lock is in force at
    that moment. Tries from one ``address`` (the client's, ``None`` = this computer) and for
    one typed name are also rate limited (:mod:`core.throttle`), unknown names included.
    Every outcome is written to the audit log. The caller commits.
    """
    settings = settings or get_settings()
    now = as_utc(now) if now else utcnow()
    typed = validation.strip_controls(username if isinstance(username, str) else "")[:100]
    name = validation.login_name(typed) or typed.strip().lower()
    throttle, keys, window = _throttle_keys(settings, name, address)
    allowed, key, summarise = throttle.check(keys, window)
    if not allowed:
        if summarise:
            audit.record(session, action=audit.Action.login_throttled, actor_name=name[:100],
                         detail=(f"{key[1]} {key[2]}: "
                                 + ("further tries refused unchecked" if summarise == 1 else
                                    f"{summarise} more tries refused")
                                 + f" (limit per {settings.login_rate_window_minutes} min;"
                                 f" summary every {SUMMARY_EVERY})"))
        return LoginResult(ok=False, reason="throttled")
    canonical = validation.login_name(username) if isinstance(username, str) else None
    user = None
    if canonical is not None and isinstance(password, str) and "\x00" not in password:
        user = session.exec(select(User).where(User.username == canonical)).first()
    if user is None:
        _hasher.verify(_DUMMY_HASH, "not a password")  # same cost: no user enumeration by time
        _failed(session, settings, name, address, user=None, detail="unknown user")
        return LoginResult(ok=False, reason="bad_credentials")
    locked_until = as_utc(user.locked_until) if user.locked_until else None
    if locked_until and locked_until > now:
        _hasher.verify(_DUMMY_HASH, "not a password")
        _failed(session, settings, name, address, user=user, detail="locked")
        return LoginResult(ok=False, reason="locked", locked_until=locked_until)
    if not user.password_hash or not verify_password(user.password_hash, password):
        failures = session.execute(
            update(User).where(User.id == user.id)
            .values(failed_logins=User.failed_logins + 1)
            .returning(User.failed_logins)
            .execution_options(synchronize_session=False)
        ).scalar_one()
        _failed(session, settings, name, address, user=user, detail=f"failure {failures}")
        if failures >= settings.lockout_attempts:
            until = now + timedelta(minutes=settings.lockout_minutes)
            session.execute(
                update(User).where(User.id == user.id)
                .values(locked_until=until, failed_logins=0)
                .execution_options(synchronize_session=False)
            )
            audit.record(session, action=audit.Action.lockout, actor_id=user.id,
                         actor_name=user.username, detail=f"locked until {until.isoformat()}")
            session.expire(user)
            return LoginResult(ok=False, reason="locked", locked_until=until)
        session.expire(user)
        return LoginResult(ok=False, reason="bad_credentials")
    if not user.active:
        audit.record(session, action=audit.Action.login_failed, actor_id=user.id,
                     actor_name=user.username, detail="inactive")
        return LoginResult(ok=False, reason="inactive")
    # The right password: clear the count only if no lock was set meanwhile (atomically).
    cleared = session.execute(
        update(User).where(User.id == user.id,
                           or_(User.locked_until.is_(None), User.locked_until <= now))
        .values(failed_logins=0, locked_until=None)
        .returning(User.id)
        .execution_options(synchronize_session=False)
    ).first()
    session.expire(user)
    if cleared is None:
        _failed(session, settings, name, address, user=user, detail="locked")
        return LoginResult(ok=False, reason="locked")
    notice = reset_notice(session, user, now)
    if user.must_change_password:
        audit.record(session, action=audit.Action.password_change_required, actor_id=user.id,
                     actor_name=user.username,
                     detail="temporary password used" if user.admin_reset_at else
                     "change requested by an admin")
        return LoginResult(ok=False, user=user, reason="must_change", reset_notice=notice)
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    audit.record(session, action=audit.Action.login, actor_id=user.id, actor_name=user.username,
                 detail=f"from {address or 'local'}"
                 + (f"; {notice.count} admin reset(s) told" if notice else ""))
    return LoginResult(ok=True, user=user, reset_notice=notice)


def issue_temporary_password(session: Session, user: User, *, now: datetime | None = None) -> str:
    """An admin's reset: a random one-time password that must be changed at the next login.

    The account's lock and failure count are cleared; ``admin_reset_at`` makes the next logins
    say that an admin reset the password (:func:`reset_notice`). Returns the password, to be
    shown once to the admin (it is stored only as a hash). The caller audits and commits.
    """
    password = temporary_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    user.admin_reset_at = as_utc(now) if now else utcnow()
    user.failed_logins = 0
    user.locked_until = None
    session.add(user)
    return password


def change_own_password(session: Session, user_id: int, new_password: str, *,
                        current_password: str | None = None,
                        error: type | None = None) -> User:
    """The person sets their own password (after a temporary one, or when asked to).

    Without ``current_password`` this is allowed only while ``must_change_password`` is set
    (the person has just proved the temporary password at the login form). The new password
    must meet :mod:`core.passwords` and differ from the current one. Clears the flag, records
    ``password_changed`` (saying whether it follows an admin's reset) and ``login``.
    """
    err = error or PasswordRefused
    user = session.get(User, user_id)
    if user is None or not user.active:
        raise err("security.login_failed")
    if current_password is None:
        if not user.must_change_password:
            raise err("security.login_failed")
    elif not verify_password(user.password_hash, current_password):
        raise err("security.login_failed")
    check_password(new_password, username=user.username, display_name=user.display_name,
                   error=err)
    if verify_password(user.password_hash, new_password):
        raise err("password.same_as_old")
    after_reset = user.must_change_password and user.admin_reset_at is not None
    user.password_hash = hash_password(new_password)
    user.must_change_password = False
    user.password_changed_at = utcnow()
    user.failed_logins = 0
    session.add(user)
    audit.record(session, action=audit.Action.password_changed, actor_id=user.id,
                 actor_name=user.username, target_type="user", target_id=user.id,
                 detail="after an admin reset" if after_reset else "by the person")
    if current_password is None:
        audit.record(session, action=audit.Action.login, actor_id=user.id,
                     actor_name=user.username, detail="after password change")
    session.flush()
    return user


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


def logout(session: Session, viewer: Viewer) -> None:
    """Record that ``viewer`` signed out (the router forgets them afterwards)."""
    audit.record_by(session, viewer, audit.Action.logout, "user", viewer.id)
