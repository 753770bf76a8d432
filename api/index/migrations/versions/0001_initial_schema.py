"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-29 04:05:31.553909
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_aeo_certificates() -> None:
    op.create_table(
        "aeo_certificates",
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=42), nullable=False),
        sa.Column("issuer", sa.String(length=2), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("document_cid", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("number"),
    )
    with op.batch_alter_table("aeo_certificates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_aeo_certificates_holder"), ["holder"], unique=False)
        batch_op.create_index(batch_op.f("ix_aeo_certificates_issuer"), ["issuer"], unique=False)


def _create_consignments() -> None:
    op.create_table(
        "consignments",
        sa.Column("id", sa.String(length=66), nullable=False),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("exporter", sa.String(length=42), nullable=False),
        sa.Column("importer", sa.String(length=42), nullable=False),
        sa.Column("origin", sa.String(length=2), nullable=False),
        sa.Column("destination", sa.String(length=2), nullable=False),
        sa.Column("transit", sa.String(length=128), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("consignments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consignments_exporter"), ["exporter"], unique=False)
        batch_op.create_index(batch_op.f("ix_consignments_importer"), ["importer"], unique=False)


def _create_documents() -> None:
    op.create_table(
        "documents",
        sa.Column("cid", sa.String(length=128), nullable=False),
        sa.Column("cid_v1", sa.String(length=128), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=42), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("cid"),
        sa.UniqueConstraint("cid_v1"),
    )


def _create_epcis_events() -> None:
    op.create_table(
        "epcis_events",
        sa.Column("dedupe_key", sa.String(length=128), nullable=False),
        sa.Column("hash_id", sa.String(length=128), nullable=True),
        sa.Column("reference", sa.String(length=128), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("context", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("dedupe_key"),
    )
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_epcis_events_hash_id"), ["hash_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_epcis_events_reference"), ["reference"], unique=False)


def _create_idempotency_keys() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("scope"),
    )


def _create_log_checkpoints() -> None:
    op.create_table(
        "log_checkpoints",
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=66), nullable=False),
        sa.Column("leaves_cid", sa.String(length=128), nullable=False),
        sa.Column("tx_hash", sa.String(length=66), nullable=False),
        sa.Column("block_number", sa.BigInteger(), nullable=False),
        sa.Column("log_index", sa.Integer(), nullable=False),
        sa.Column("block_time", sa.BigInteger(), nullable=False),
        sa.Column("gas_used", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("size"),
    )


def _create_participants() -> None:
    op.create_table(
        "participants",
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("name", sa.String(length=256), nullable=False),
        sa.Column("legal_id", sa.String(length=128), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("roles", sa.String(length=128), nullable=False),
        sa.Column("keystore", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("address"),
    )


def _create_rejected_entries() -> None:
    op.create_table(
        "rejected_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("consignment_id", sa.String(length=66), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("entry_hash", sa.String(length=66), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rejected_entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rejected_entries_consignment_id"), ["consignment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rejected_entries_idempotency_key"), ["idempotency_key"], unique=False)


def _create_api_keys() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant", sa.String(length=42), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant"],
            ["participants.address"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key_hash"),
    )
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_keys_participant"), ["participant"], unique=False)


def _create_consignment_parties() -> None:
    op.create_table(
        "consignment_parties",
        sa.Column("consignment_id", sa.String(length=66), nullable=False),
        sa.Column("address", sa.String(length=42), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignments.id"],
        ),
        sa.PrimaryKeyConstraint("consignment_id", "address"),
    )
    with op.batch_alter_table("consignment_parties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consignment_parties_address"), ["address"], unique=False)


def _create_entries() -> None:
    op.create_table(
        "entries",
        sa.Column("consignment_id", sa.String(length=66), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("event_type", sa.String(length=32), nullable=False),
        sa.Column("prev_hash", sa.String(length=66), nullable=False),
        sa.Column("payload_hash", sa.String(length=66), nullable=False),
        sa.Column("payload_cid", sa.String(length=128), nullable=False),
        sa.Column("next_carrier", sa.String(length=42), nullable=False),
        sa.Column("actor", sa.String(length=42), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.String(length=66), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("anchor_kind", sa.String(length=8), nullable=False),
        sa.Column("leaf_index", sa.BigInteger(), nullable=True),
        sa.Column("checkpoint_size", sa.BigInteger(), nullable=True),
        sa.Column("tx_hash", sa.String(length=66), nullable=True),
        sa.Column("block_number", sa.BigInteger(), nullable=True),
        sa.Column("log_index", sa.Integer(), nullable=True),
        sa.Column("block_time", sa.BigInteger(), nullable=True),
        sa.Column("idempotency_key", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["consignment_id"],
            ["consignments.id"],
        ),
        sa.PrimaryKeyConstraint("consignment_id", "seq"),
        sa.UniqueConstraint("entry_hash"),
        sa.UniqueConstraint("idempotency_key"),
        sa.UniqueConstraint("leaf_index"),
    )
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entries_actor"), ["actor"], unique=False)
        batch_op.create_index(batch_op.f("ix_entries_status"), ["status"], unique=False)


def upgrade() -> None:
    # Autogenerated by Alembic, then split one table a function.
    _create_aeo_certificates()
    _create_consignments()
    _create_documents()
    _create_epcis_events()
    _create_idempotency_keys()
    _create_log_checkpoints()
    _create_participants()
    _create_rejected_entries()
    _create_api_keys()
    _create_consignment_parties()
    _create_entries()


def downgrade() -> None:
    # ### commands auto generated by Alembic - please adjust! ###
    with op.batch_alter_table("entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entries_status"))
        batch_op.drop_index(batch_op.f("ix_entries_actor"))

    op.drop_table("entries")
    with op.batch_alter_table("consignment_parties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignment_parties_address"))

    op.drop_table("consignment_parties")
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_keys_participant"))

    op.drop_table("api_keys")
    with op.batch_alter_table("rejected_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rejected_entries_idempotency_key"))
        batch_op.drop_index(batch_op.f("ix_rejected_entries_consignment_id"))

    op.drop_table("rejected_entries")
    op.drop_table("participants")
    op.drop_table("log_checkpoints")
    op.drop_table("idempotency_keys")
    with op.batch_alter_table("epcis_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_epcis_events_reference"))
        batch_op.drop_index(batch_op.f("ix_epcis_events_hash_id"))

    op.drop_table("epcis_events")
    op.drop_table("documents")
    with op.batch_alter_table("consignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consignments_importer"))
        batch_op.drop_index(batch_op.f("ix_consignments_exporter"))

    op.drop_table("consignments")
    with op.batch_alter_table("aeo_certificates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aeo_certificates_issuer"))
        batch_op.drop_index(batch_op.f("ix_aeo_certificates_holder"))

    op.drop_table("aeo_certificates")
    # ### end Alembic commands ###
