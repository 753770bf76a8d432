"""Opening the index: an engine for a URL, and the schema brought to the latest migration.

Alembic owns the schema (``api/index/migrations``); booting a node runs "upgrade to head"
and nothing else, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect

from evidence.errors import LedgerError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


class UnversionedDatabase(LedgerError):
    """Raised when a database holds tables but no migration history (a pre-Alembic release)."""


def alembic_config(engine: Engine) -> Config:
    """The Alembic configuration for ``engine`` (no alembic.ini: the project has one schema)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Apply every migration the database lacks."""
    tables = set(inspect(engine).get_table_names())
    if tables and "alembic_version" not in tables:
        raise UnversionedDatabase(
            f"{engine.url.render_as_string(hide_password=True)} holds tables but no migration history "
            "(written by a release before migrations): move it aside, start the node on an empty "
            "database and run `borderledger reindex` to rebuild it from the chain and the content store"
        )
    command.upgrade(alembic_config(engine), "head")


def make_engine(url: str, migrate: bool = True) -> Engine:
    """An engine for ``url``, its schema at the latest migration; SQLite gets WAL, full
    sync and a busy timeout, for concurrent requests that never lose an accepted entry."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    else:
        engine = create_engine(url, pool_pre_ping=True)
    if migrate:
        upgrade_to_head(engine)
    return engine
