"""Entries keep only the indexes a query uses: the outbox's pending ones, partially indexed

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

``ix_entries_actor`` served no query, and ``ix_entries_status`` indexed every entry for the
one lookup the outbox makes (its pending entries); each cost every insert a B-tree update,
10,000 of them per bulk request. The partial index holds the pending entries only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_entries_actor", table_name="entries")
    op.drop_index("ix_entries_status", table_name="entries")
    op.create_index(
        "ix_entries_pending",
        "entries",
        ["consignment_id", "seq"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )


def downgrade() -> None:
    op.drop_index("ix_entries_pending", table_name="entries")
    op.create_index("ix_entries_status", "entries", ["status"])
    op.create_index("ix_entries_actor", "entries", ["actor"])
