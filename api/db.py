"""The service's index: participants, API keys, consignments and entries (SQLAlchemy Core).

SQLite by default, PostgreSQL by URL. The chain and the content are the source of truth;
this index can be rebuilt from them. Entry rows double as the outbox: a row is written
``pending`` before its transaction is sent and marked ``anchored`` once it is mined.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    inspect,
    text,
)

metadata = MetaData()

participants = Table(
    "participants",
    metadata,
    Column("address", String(42), primary_key=True),
    Column("name", String(256), nullable=False),
    Column("legal_id", String(128), nullable=False),
    Column("jurisdiction", String(2), nullable=False),
    Column("roles", String(128), nullable=False),  # comma separated Role names
    Column("keystore", Text, nullable=True),  # encrypted JSON keystore; null for non-custodial
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("participant", String(42), ForeignKey("participants.address"), nullable=False, index=True),
    Column("key_hash", String(64), nullable=False, unique=True),  # sha-256 of the key
    Column("label", String(128), nullable=False, default="default"),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

consignments = Table(
    "consignments",
    metadata,
    Column("id", String(66), primary_key=True),  # 0x + keccak256(reference)
    Column("reference", String(128), nullable=False, unique=True),
    Column("exporter", String(42), nullable=False, index=True),
    Column("importer", String(42), nullable=False, index=True),
    Column("origin", String(2), nullable=False),
    Column("destination", String(2), nullable=False),
    Column("transit", String(128), nullable=False, default=""),  # comma separated
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

consignment_parties = Table(
    "consignment_parties",
    metadata,
    Column("consignment", String(66), ForeignKey("consignments.id"), primary_key=True),
    Column("address", String(42), primary_key=True, index=True),
    Column("role", String(16), nullable=False),
)

entries = Table(
    "entries",
    metadata,
    Column("consignment", String(66), ForeignKey("consignments.id"), primary_key=True),
    Column("seq", Integer, primary_key=True),
    Column("event_type", String(32), nullable=False),
    Column("prev_hash", String(66), nullable=False),
    Column("payload_hash", String(66), nullable=False),
    Column("cid", String(128), nullable=False),
    Column("next_carrier", String(42), nullable=False),
    Column("actor", String(42), nullable=False, index=True),
    Column("signature", LargeBinary, nullable=False),
    Column("entry_hash", String(66), nullable=False),
    Column("payload", Text, nullable=False),  # RFC 8785 canonical JSON
    Column("status", String(16), nullable=False),  # pending | anchored | rejected
    Column("error", Text, nullable=True),  # why a pending entry was rejected by the contract
    Column("idempotency_key", String(64), nullable=True, unique=True),  # sha-256 of API key ‖ Idempotency-Key
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", Integer, nullable=True),
    Column("log_index", Integer, nullable=True),
    Column("block_time", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    UniqueConstraint("entry_hash", name="uq_entries_entry_hash"),
)


documents = Table(
    "documents",
    metadata,
    Column("cid", String(128), primary_key=True),  # CIDv0, as `ipfs add` prints it
    Column("cid_v1", String(128), nullable=False, unique=True),
    Column("sha256", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("uploaded_by", String(42), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


aeo_certificates = Table(
    "aeo_certificates",
    metadata,
    Column("number", String(64), primary_key=True),
    Column("holder", String(42), nullable=False, index=True),
    Column("issuer", String(2), nullable=False, index=True),
    Column("record", Text, nullable=False),  # RFC 8785 JSON of the MRA data elements
    Column("document_cid", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


epcis_events = Table(
    "epcis_events",
    metadata,
    Column("dedupe_key", String(128), primary_key=True),  # the event hash ID, or payload:<hash> without one
    Column("hash_id", String(128), nullable=True, index=True),
    Column("consignment", String(128), nullable=False, index=True),  # reference
    Column("seq", Integer, nullable=False),
    Column("context", Text, nullable=True),  # the capture document's @context
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


rejected_entries = Table(
    "rejected_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consignment", String(66), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("actor", String(42), nullable=False),
    Column("entry_hash", String(66), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("idempotency_key", String(64), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

batch_entries = Table(
    "batch_entries",
    metadata,
    Column("leaf_index", Integer, primary_key=True),  # position in the Merkle log
    Column("consignment", String(66), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("prev_hash", String(66), nullable=False),
    Column("payload_hash", String(66), nullable=False),
    Column("cid", String(128), nullable=False),
    Column("next_carrier", String(42), nullable=False),
    Column("actor", String(42), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("entry_hash", String(66), nullable=False, unique=True),
    Column("payload", Text, nullable=False),
    Column("accepted_at", Float, nullable=False),
    UniqueConstraint("consignment", "seq", name="uq_batch_entries_position"),
)

batch_heads = Table(
    "batch_heads",
    metadata,
    Column("consignment", String(66), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("head", String(66), nullable=False),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", Integer, primary_key=True),
    Column("root", String(66), nullable=False),
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", Integer, nullable=False),
    Column("gas_used", Integer, nullable=False),
    Column("anchored_at", Float, nullable=False),
    Column("log_index", Integer, nullable=True),  # of CheckpointAnchored, for ordering against registry events
    Column("block_time", Integer, nullable=True),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("scope", String(64), primary_key=True),  # sha-256 of the API key ‖ the Idempotency-Key header
    Column("request_hash", String(64), nullable=False),
    Column("state", String(16), nullable=False),  # in_progress | done
    Column("status_code", Integer, nullable=True),
    Column("headers", Text, nullable=True),
    Column("body", LargeBinary, nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)


def _add_missing_columns(engine: Engine) -> None:
    """Additive schema changes of newer releases: add columns an older database lacks."""
    inspector = inspect(engine)
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if not inspector.has_table(table.name):
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    kind = column.type.compile(dialect=engine.dialect)
                    conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}'))


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout for concurrent requests."""
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
    metadata.create_all(engine)
    _add_missing_columns(engine)
    return engine
