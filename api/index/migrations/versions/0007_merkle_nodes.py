"""The Merkle log's complete subtrees, so the tree is read from the index, not held in memory

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29

Derived from the log's entries: a node whose log predates this table fills it at start.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "merkle_nodes",
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("idx", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.LargeBinary(length=32), nullable=False),
        sa.PrimaryKeyConstraint("level", "idx"),
    )


def downgrade() -> None:
    op.drop_table("merkle_nodes")
