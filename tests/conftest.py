"""Fixtures shared by every test package.

``app_env`` gives a test its own data directory and a fresh SQLite database migrated to head.
``pg_url`` is a fresh PostgreSQL database on the local server (127.0.0.1:5432, trust auth);
it FAILS (never skips) when PostgreSQL is unreachable, so CI cannot go green without it.
``db_url`` runs a test once on SQLite and once on PostgreSQL.
"""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = os.environ.get("DOJO_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432")
PG_ADMIN_DB = os.environ.get("DOJO_TEST_PG_DB", "test")


def _reset_caches() -> None:
    from core import db
    from core.config import get_settings
    from core.i18n import catalogue

    get_settings.cache_clear()
    db._engine_for.cache_clear()
    from core import queue

    queue.reset_cache()
    catalogue.cache_clear()


@pytest.fixture(scope="session")
def pg_server():
    """An engine on the PostgreSQL server's admin database (autocommit, for CREATE DATABASE)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(f"{PG_SERVER}/{PG_ADMIN_DB}", isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as c:
            c.execute(text("select 1"))
    except Exception as e:  # noqa: BLE001
        pytest.fail(f"PostgreSQL is required for these tests and is not reachable: {e}")
    yield engine
    engine.dispose()


@pytest.fixture
def pg_url(pg_server) -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    from sqlalchemy import text

    name = f"dojo_test_{uuid.uuid4().hex[:12]}"
    with pg_server.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield f"{PG_SERVER}/{name}"
    from core import db

    db._engine_for.cache_clear()
    with pg_server.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'dojo.sqlite3'}"
    return request.getfixturevalue("pg_url")


def _configure(monkeypatch, data_dir: Path, url: str, **extra: str) -> None:
    monkeypatch.setenv("DOJO_DATA_DIR", str(data_dir))
    monkeypatch.setenv("DOJO_DATABASE_URL", url)
    monkeypatch.setenv("DOJO_DEMO_MODE", "false")
    # Background jobs run at once in the test's own process (tests/jobs start real workers).
    monkeypatch.setenv("DOJO_QUEUE_URL", "immediate")
    for key, value in extra.items():
        monkeypatch.setenv(f"DOJO_{key.upper()}", value)
    _reset_caches()


@pytest.fixture
def app_env(tmp_path, monkeypatch) -> Iterator[Path]:
    """A data directory and a migrated SQLite database for this test; returns the data dir."""
    from core.db import init_db

    data_dir = tmp_path / "data"
    _configure(monkeypatch, data_dir, f"sqlite:///{data_dir / 'dojo.sqlite3'}")
    monkeypatch.chdir(tmp_path)  # no stray .env from the work tree
    init_db()
    yield data_dir
    _reset_caches()


@pytest.fixture
def any_db_env(db_url, tmp_path, monkeypatch) -> Iterator[str]:
    """Like ``app_env`` but once on SQLite and once on PostgreSQL; returns the URL."""
    from core.db import init_db

    _configure(monkeypatch, tmp_path / "data", db_url)
    monkeypatch.chdir(tmp_path)
    init_db()
    yield db_url
    _reset_caches()


@pytest.fixture
def session(app_env) -> Iterator[Session]:
    from core.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as s:
        yield s


@pytest.fixture
def make_user(session):
    """``make_user("sato", role="staff", team="東京")`` → User (password "password123")."""
    from core.access import SYSTEM
    from services.users import create_user

    def make(username: str, *, role: str = "staff", team: str | None = None,
             password: str = "password123", display_name: str | None = None):
        user = create_user(session, username=username, display_name=display_name or username,
                           role=role, password=password, team_name=team, viewer=SYSTEM)
        session.commit()
        return user

    return make


@pytest.fixture
def app_test(app_env):
    """``app_test(user=None)`` → a Streamlit AppTest of the router, signed in as ``user``."""
    from streamlit.testing.v1 import AppTest

    def make(user=None, *, page: str | None = None, timeout: float = 30):
        at = AppTest.from_file(str(ROOT / "streamlit_app.py"), default_timeout=timeout)
        if user is not None:
            at.session_state["user_id"] = user.id
        at.run()
        if page is not None:
            at.switch_page(page).run()
        return at

    return make

# ``analysis_cache`` is ONE directory for the whole test session (and kept between sessions) that
# holds the assembled Whisper model and the rendered customer voices, so the 145 MB model is
# assembled once and each customer line is synthesised once. ``practice_env`` links a test's data
# directory to it (``<data>/models`` and ``<data>/voices``) so the app runs its normal code path.
# Override the place with ``DOJO_TEST_CACHE``.


@pytest.fixture(scope="session")
def analysis_cache() -> Path:
    root = Path(os.environ.get("DOJO_TEST_CACHE") or Path(tempfile.gettempdir()) / "dojo-test-cache")
    (root / "models").mkdir(parents=True, exist_ok=True)
    (root / "voices").mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture
def practice_env(app_env, analysis_cache) -> Path:
    """``app_env`` whose model and voice caches are the shared session cache."""
    app_env.mkdir(parents=True, exist_ok=True)
    for name in ("models", "voices"):
        link = app_env / name
        if not link.exists():
            link.symlink_to(analysis_cache / name, target_is_directory=True)
    return app_env
