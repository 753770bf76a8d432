"""EPCIS captures are de-duplicated per consignment: key (reference, dedupe_key)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _table(name: str, reference_first: bool) -> None:
    key = ("reference", "dedupe_key") if reference_first else ("dedupe_key",)
    op.create_table(
        name,
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("hash_id", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint(*key),
    )


def _move(source: str, target: str) -> None:
    columns = "reference, dedupe_key, hash_id, seq, context, created_at"
    op.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM {source}")
    op.drop_table(source)


def upgrade() -> None:
    # Recreated rather than altered: SQLite cannot change a primary key in place.
    _table("epcis_events_new", reference_first=True)
    _move("epcis_events", "epcis_events_new")
    op.rename_table("epcis_events_new", "epcis_events")
    op.create_index("ix_epcis_events_hash_id", "epcis_events", ["hash_id"])


def downgrade() -> None:
    op.drop_index("ix_epcis_events_hash_id", table_name="epcis_events")
    _table("epcis_events_old", reference_first=False)
    _move("epcis_events", "epcis_events_old")
    op.rename_table("epcis_events_old", "epcis_events")
    op.create_index("ix_epcis_events_hash_id", "epcis_events", ["hash_id"])
    op.create_index("ix_epcis_events_reference", "epcis_events", ["reference"])
