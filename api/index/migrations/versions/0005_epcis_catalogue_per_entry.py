"""EPCIS capture catalogue: one row per entry, rebuilt from the entries themselves

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29

Each row now names the entry it describes (seq and entry hash), so a row whose entry was
rejected, or replaced at the same seq, is recognised as stale; and every node can build the
catalogue from followed entries, not only the node that took the capture. The document
context a row kept moves to ``legacy_context``: events captured from now on carry their
extension contexts in their own ``@context``.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epcis_catalogue",
        sa.Column("consignment_id", sa.String(length=66), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("entry_hash", sa.String(length=66), nullable=False),
        sa.Column("dedupe_key", sa.String(length=256), nullable=False),
        sa.Column("hash_id", sa.String(length=128), nullable=True),
        sa.Column("hash_error", sa.Text(), nullable=True),
        sa.Column("legacy_context", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("consignment_id", "seq"),
    )
    op.create_index("ix_epcis_catalogue_key", "epcis_catalogue", ["consignment_id", "dedupe_key"])
    op.execute(
        "INSERT INTO epcis_catalogue "
        "(consignment_id, seq, entry_hash, dedupe_key, hash_id, legacy_context, created_at) "
        "SELECT e.consignment_id, e.seq, n.entry_hash, e.dedupe_key, e.hash_id, e.context, e.created_at "
        "FROM epcis_events e JOIN entries n ON n.consignment_id = e.consignment_id AND n.seq = e.seq"
    )
    op.drop_table("epcis_events")


def downgrade() -> None:
    # The old table cannot hold two captures of one event; revision 0004's code never rebuilt
    # it either, so it comes back empty (de-duplication restarts from the next capture).
    op.create_table(
        "epcis_events",
        sa.Column("consignment_id", sa.String(length=66), nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("hash_id", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("consignment_id", "dedupe_key"),
    )
    op.create_index("ix_epcis_events_hash_id", "epcis_events", ["hash_id"])
    op.drop_index("ix_epcis_catalogue_key", table_name="epcis_catalogue")
    op.drop_table("epcis_catalogue")
