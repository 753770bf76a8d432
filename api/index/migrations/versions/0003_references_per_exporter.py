"""References are per exporter: consignments.reference is no longer unique, and EPCIS
captures are keyed by consignment id (consignment_id, dedupe_key) rather than reference

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Names the constraint 0001 left unnamed, so batch mode can drop it on SQLite as well.
_NAMING = {"uq": "%(table_name)s_%(column_0_name)s_key"}


@contextmanager
def _rebuilding_parent_tables() -> Iterator[None]:
    """Batch mode on SQLite rebuilds consignments (drop, then rename a copy), which the rows
    pointing at it would refuse: foreign keys are off meanwhile (pysqlite runs DDL outside a
    transaction, where the pragma applies) and checked once the copy carries every id again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys = OFF")
    yield
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"migration 0003 would break foreign keys: {broken}")
        op.execute("PRAGMA foreign_keys = ON")


def _captures_table(name: str, key_column: str, key_type: sa.types.TypeEngine[str]) -> None:
    op.create_table(
        name,
        sa.Column(key_column, key_type, nullable=False),
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("hash_id", sa.String(length=128), nullable=True),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint(key_column, "dedupe_key"),
    )


def _rekey_captures(source_key: str, target_key: str, lookup: str) -> None:
    """Rebuild epcis_events keyed by ``target_key``, translating each row's key through
    consignments (``lookup``: the column matched against the old key)."""
    target_type = sa.String(length=66) if target_key == "consignment_id" else sa.String(length=128)
    _captures_table("epcis_events_new", target_key, target_type)
    selected = "id" if target_key == "consignment_id" else "reference"
    op.execute(
        f"INSERT INTO epcis_events_new ({target_key}, dedupe_key, hash_id, seq, context, created_at) "
        f"SELECT c.{selected}, e.dedupe_key, e.hash_id, e.seq, e.context, e.created_at "
        f"FROM epcis_events e JOIN consignments c ON c.{lookup} = e.{source_key}"
    )
    op.drop_index("ix_epcis_events_hash_id", table_name="epcis_events")
    op.drop_table("epcis_events")
    op.rename_table("epcis_events_new", "epcis_events")
    op.create_index("ix_epcis_events_hash_id", "epcis_events", ["hash_id"])


def upgrade() -> None:
    with _rebuilding_parent_tables(), op.batch_alter_table("consignments", naming_convention=_NAMING) as batch:
        batch.drop_constraint("consignments_reference_key", type_="unique")
        batch.create_index("ix_consignments_reference", ["reference"])
    # Before 0003 a reference named one consignment, so every capture maps to one id.
    _rekey_captures("reference", "consignment_id", lookup="reference")


def downgrade() -> None:
    _rekey_captures("consignment_id", "reference", lookup="id")
    with _rebuilding_parent_tables(), op.batch_alter_table("consignments", naming_convention=_NAMING) as batch:
        batch.drop_index("ix_consignments_reference")
        batch.create_unique_constraint("consignments_reference_key", ["reference"])
