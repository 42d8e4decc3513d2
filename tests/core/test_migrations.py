"""The schema comes only from Alembic: empty database → head on SQLite and PostgreSQL, and the
migrated schema equals the models (no model change without a migration)."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

import core.models  # noqa: F401
from core.db import make_engine, migrate

TABLES = {"user", "team", "trainerteam", "attempt", "review", "comment", "checkin", "consent",
          "flag", "oneonone", "incident", "auditlog", "alembic_version"}


def test_empty_database_upgrades_to_head_and_matches_models(db_url):
    migrate(db_url)
    engine = make_engine(db_url)
    try:
        assert TABLES <= set(inspect(engine).get_table_names())
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        assert diff == [], f"models differ from migrations: {diff}"
        migrate(db_url)  # idempotent
    finally:
        engine.dispose()


def test_sqlite_runs_with_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    migrate(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
