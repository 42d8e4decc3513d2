"""Engine, sessions and migrations: the one module that owns the database connection.

SQLite (the default) runs with WAL and foreign keys on; PostgreSQL through a
``postgresql+psycopg://`` URL. ``init_db()`` upgrades the schema to Alembic's head; the app calls
it at start, tests call it on a fresh database.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from core.config import get_settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets its pragmas and its folder is created."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True)


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def get_engine() -> Engine:
    return _engine_for(get_settings().resolved_database_url)


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str | None = None, revision: str = "head") -> None:
    """Upgrade the database at ``url`` (default: the configured one) to ``revision``."""
    url = url or get_settings().resolved_database_url
    if url.startswith("sqlite"):
        make_engine(url).dispose()  # creates the folder
    command.upgrade(alembic_config(url), revision)


def init_db() -> Engine:
    """Migrate the configured database to head and return its engine."""
    migrate()
    return get_engine()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    with Session(get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except Exception:
            session.rollback()
            raise


def new_session() -> Session:
    """A new session on the configured database; the caller commits and closes it (``with``)."""
    return Session(get_engine(), expire_on_commit=False)


def insert_ignore(session: Session, model, values: dict, conflict: list[str]) -> bool:
    """``INSERT … ON CONFLICT (conflict) DO NOTHING`` of one ``model`` row on SQLite or
    PostgreSQL; True when this call inserted it. Two sessions racing to create the same row
    (one per unique key) both go on without an IntegrityError: the loser's insert waits for the
    winner's transaction and does nothing; both then read and update the one row."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = model.__table__
    stmt = (insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict)
            .returning(*table.primary_key.columns))  # rowcount is -1 here on psycopg
    return session.execute(stmt).first() is not None
