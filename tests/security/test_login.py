"""Issue 11, items 1, 7 (floods) and 10 (enumeration): the lockout counter under parallel
tries, rate limits for unknown users, and one message for every failed login. The parallel
tests run on SQLite and PostgreSQL (``any_db_env``), each thread with its own session."""

from __future__ import annotations

from sqlmodel import Session, func, select

from core import auth
from core.models import AuditLog, User


def _try(username: str, password: str, address: str | None = None):
    def go(_i: int, s: Session):
        r = auth.authenticate(s, username, password, address=address)
        s.commit()
        return r
    return go


def _audit(session: Session, action: str) -> int:
    return session.exec(select(func.count()).select_from(AuditLog)
                        .where(AuditLog.action == action)).one()


def test_parallel_wrong_passwords_are_each_counted(any_db_env, add_user, in_threads,
                                                   settings_env):
    """Before: ``failed_logins += 1`` read-modify-write lost most of 32 parallel failures."""
    settings_env(LOCKOUT_ATTEMPTS=1000, LOGIN_RATE_LIMIT_PER_ADDRESS=0,
                 LOGIN_RATE_LIMIT_PER_USERNAME=0)
    from core.db import get_engine

    with Session(get_engine()) as s:
        uid = add_user(s, "sato").id
    for _ in range(4):
        results = in_threads(8, _try("sato", "wrong password"))
        assert all(r.reason == "bad_credentials" for r in results)
    with Session(get_engine()) as s:
        assert s.get(User, uid).failed_logins == 32


def test_parallel_tries_lock_the_account_and_the_right_password_is_refused(
        any_db_env, add_user, in_threads, settings_env):
    """Before: 24 parallel wrong tries moved the counter 1 → 3 and the right password got in."""
    settings_env(LOCKOUT_ATTEMPTS=5, LOGIN_RATE_LIMIT_PER_ADDRESS=0,
                 LOGIN_RATE_LIMIT_PER_USERNAME=0)
    from core.db import get_engine

    with Session(get_engine()) as s:
        add_user(s, "sato")
    results = [r for _ in range(3) for r in in_threads(8, _try("sato", "wrong password"))]
    assert sum(r.reason == "locked" for r in results) >= 1
    with Session(get_engine()) as s:
        right = auth.authenticate(s, "sato", "correct horse 42")
        s.commit()
        assert not right.ok and right.reason == "locked"
        assert _audit(s, "lockout") >= 1


def test_right_password_racing_wrong_ones_never_clears_a_lock(any_db_env, add_user, in_threads,
                                                              settings_env):
    """The success path clears the count only when no lock is in force at that moment."""
    settings_env(LOCKOUT_ATTEMPTS=3, LOGIN_RATE_LIMIT_PER_ADDRESS=0,
                 LOGIN_RATE_LIMIT_PER_USERNAME=0)
    from core.db import get_engine

    with Session(get_engine()) as s:
        uid = add_user(s, "sato").id

    def mixed(i: int, s: Session):
        return _try("sato", "correct horse 42" if i == 7 else "wrong password")(i, s)

    in_threads(8, mixed)
    with Session(get_engine()) as s:
        user = s.get(User, uid)
        # 7 wrong tries with a limit of 3: locked, whatever the right one did meanwhile
        assert user.locked_until is not None
        later = auth.authenticate(s, "sato", "correct horse 42")
        assert later.reason == "locked"


def test_unknown_user_flood_from_one_address_is_limited_and_summarised(
        any_db_env, add_user, settings_env):
    """Before: 105 anonymous unknown-user logins were each checked and each audited, pushing
    every real event off the admin's screen."""
    settings_env(LOGIN_RATE_LIMIT_PER_ADDRESS=20, LOGIN_RATE_LIMIT_PER_USERNAME=10)
    from core.access import viewer_for
    from core.audit import search
    from core.db import get_engine

    with Session(get_engine()) as s:
        add_user(s, "sato")
        admin = viewer_for(s, add_user(s, "root", role="admin"))
        reasons = []
        for i in range(105):
            reasons.append(auth.authenticate(s, f"ghost{i}", "x", address="203.0.113.9").reason)
        s.commit()
        assert reasons[:20] == ["bad_credentials"] * 20
        assert set(reasons[20:]) == {"throttled"}
        assert _audit(s, "login_failed") == 20
        assert _audit(s, "login_throttled") == 1  # one summary row for the 85 refused tries
        # the same person from another address is not affected, and the real event is on page 1
        assert auth.authenticate(s, "sato", "correct horse 42", address="198.51.100.7").ok
        s.commit()
        rows, total = search(s, admin, per_page=50)
        assert total == 22 and rows[0].action == "login" and rows[0].actor_name == "sato"


def test_one_unknown_username_from_many_addresses_is_limited(any_db_env, settings_env):
    settings_env(LOGIN_RATE_LIMIT_PER_ADDRESS=20, LOGIN_RATE_LIMIT_PER_USERNAME=10)
    from core.db import get_engine

    with Session(get_engine()) as s:
        reasons = [auth.authenticate(s, "ghost", "x", address=f"203.0.113.{i}").reason
                   for i in range(14)]
        s.commit()
    assert reasons == ["bad_credentials"] * 10 + ["throttled"] * 4


def test_nul_and_odd_usernames_fail_like_any_wrong_login(any_db_env, add_user):
    """Before: a NUL byte reached PostgreSQL (psycopg.DataError, SQL shown to the visitor)."""
    from core.db import get_engine

    with Session(get_engine()) as s:
        add_user(s, "admin", role="admin")
        for typed in ("ad\x00min", "admin\x00", "\x00", "a" * 5000, "аdmin", "ad\u202emin"):
            r = auth.authenticate(s, typed, "correct horse 42", address="203.0.113.1")
            assert not r.ok and r.reason == "bad_credentials", repr(typed)
        assert not auth.authenticate(s, "admin", "pass\x00word", address="203.0.113.2").ok
        s.commit()  # the audit rows (NUL stripped) are stored on both databases
        names = s.exec(select(AuditLog.actor_name)).all()
        assert all("\x00" not in n and len(n) <= 100 for n in names)


def test_full_width_username_logs_in_as_the_same_account(any_db_env, add_user):
    """NFKC at the login: ｓａｔｏ is sato (and cannot be a second account, see validation)."""
    from core.db import get_engine

    with Session(get_engine()) as s:
        add_user(s, "sato")
        assert auth.authenticate(s, "ｓａｔｏ", "correct horse 42").ok
        assert auth.authenticate(s, " SATO ", "correct horse 42").ok
