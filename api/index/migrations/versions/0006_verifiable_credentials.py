"""Verifiable credentials: issuer keys, issued credentials, status list versions, consents

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29

These tables are the issuer's own records (its signing keys, what it issued and published);
unlike the rest of the index they cannot be rebuilt from the chain, and reindexing keeps them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "issuer_keys",
        sa.Column("kid", sa.String(length=512), nullable=False),
        sa.Column("issuer", sa.String(length=42), nullable=False),
        sa.Column("public_jwk", sa.Text(), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.create_index("ix_issuer_keys_issuer", "issuer_keys", ["issuer"])
    op.create_table(
        "credentials",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("issuer", sa.String(length=42), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("subject_ref", sa.String(length=256), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_credentials_subject_ref", "credentials", ["subject_ref"])
    op.create_index("ux_credentials_status_index", "credentials", ["issuer", "status_index"], unique=True)
    op.create_table(
        "status_list_versions",
        sa.Column("issuer", sa.String(length=42), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("list_hash", sa.String(length=66), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("issuer", "purpose", "version"),
    )
    op.create_table(
        "disclosure_consents",
        sa.Column("certificate", sa.String(length=64), nullable=False),
        sa.Column("elements", sa.String(length=256), nullable=False),
        sa.Column("consented_by", sa.String(length=42), nullable=False),
        sa.Column("consented_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("certificate"),
    )


def downgrade() -> None:
    for table in ("disclosure_consents", "status_list_versions", "credentials", "issuer_keys"):
        op.drop_table(table)
