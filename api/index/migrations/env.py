"""Alembic environment: migrations run on the engine the node opened (online only)."""

from __future__ import annotations

from alembic import context

from api.index.tables import metadata

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    # One transaction per migration: a migration that rebuilds a table on SQLite switches
    # foreign keys off first, which SQLite ignores inside an open transaction.
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, transaction_per_migration=True
    )
    with context.begin_transaction():
        context.run_migrations()
