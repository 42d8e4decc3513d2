"""Helpers for the security tests: users written directly (no policy, any database), and
``in_threads`` to run one function in parallel threads, each with its own session."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlmodel import Session


@pytest.fixture
def add_user():
    """``add_user(session, "sato", role="staff", team_id=None, password=...)`` → User."""
    from core.auth import hash_password
    from core.models import Role, User

    def add(session: Session, username: str, *, role: str = "staff", team_id: int | None = None,
            password: str = "correct horse 42", display_name: str | None = None) -> User:
        user = User(username=username, display_name=display_name or username, role=Role(role),
                    team_id=team_id, password_hash=hash_password(password))
        session.add(user)
        session.commit()
        session.refresh(user)
        return user

    return add


@pytest.fixture
def in_threads():
    """``in_threads(n, fn)`` runs ``fn(i, session)`` in ``n`` threads at once (a barrier starts
    them together), each with its own session on the configured database; returns the results
    or re-raises the first exception."""
    from core.db import get_engine

    def run(n: int, fn: Callable[[int, Session], object]) -> list[object]:
        engine = get_engine()
        barrier = threading.Barrier(n)
        results: list[object] = [None] * n
        errors: list[BaseException] = []

        def worker(i: int) -> None:
            try:
                with Session(engine, expire_on_commit=False) as s:
                    barrier.wait(timeout=30)
                    results[i] = fn(i, s)
            except BaseException as e:  # noqa: BLE001 - reported to the test below
                errors.append(e)

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
        if errors:
            raise errors[0]
        return results

    return run


@pytest.fixture
def settings_env(monkeypatch):
    """``settings_env(LOCKOUT_ATTEMPTS="5", ...)``: set DOJO_* variables and reload settings."""
    from core.config import get_settings

    def set_(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"DOJO_{key.upper()}", str(value))
        get_settings.cache_clear()

    yield set_
    get_settings.cache_clear()
