"""The index's tables (SQLAlchemy Core). Alembic migrations in ``migrations/`` create them;
nothing else changes the schema.

The chain and the content store are the source of truth; every table but ``participants``
(custodial keystores), ``api_keys``, ``idempotency_keys`` and the credential issuer's own
records (``issuer_keys``, ``credentials``, ``status_list_versions``, ``disclosure_consents``)
can be rebuilt from them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    func,
    text,
)

metadata = MetaData()

# Entries waiting in the outbox (EntryStatus.PENDING): the predicate of their partial index.
_PENDING = text("status = 'pending'")

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
    Column("label", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

consignments = Table(
    "consignments",
    metadata,
    Column("id", String(66), primary_key=True),  # 0x + keccak256(exporter ‖ reference)
    Column("reference", String(128), nullable=False, index=True),
    Column("exporter", String(42), nullable=False, index=True),
    Column("importer", String(42), nullable=False, index=True),
    Column("origin", String(2), nullable=False),
    Column("destination", String(2), nullable=False),
    Column("transit", String(128), nullable=False),  # comma separated
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

consignment_parties = Table(
    "consignment_parties",
    metadata,
    Column("consignment_id", String(66), ForeignKey("consignments.id"), primary_key=True),
    Column("address", String(42), primary_key=True, index=True),
    Column("role", String(16), nullable=False),
)

# One row per entry, single or batched. ``status`` is an EntryStatus; ``anchor_kind`` says
# whether it is (or will be) anchored by its own ledger transaction or as a Merkle log leaf.
# Once anchored, tx_hash .. block_time locate the transaction: the append, or the checkpoint
# whose tree first holds the leaf (``checkpoint_size``). A leaf this node's ingest stored
# keeps "batched" here: its checkpoint is read from log_checkpoints (api.index.entries).
entries = Table(
    "entries",
    metadata,
    Column("consignment_id", String(66), ForeignKey("consignments.id"), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("event_type", String(32), nullable=False),
    Column("prev_hash", String(66), nullable=False),
    Column("payload_hash", String(66), nullable=False),
    Column("payload_cid", String(128), nullable=False),
    Column("next_carrier", String(42), nullable=False),
    Column("actor", String(42), nullable=False),
    Column("signature", LargeBinary, nullable=False),
    Column("entry_hash", String(66), nullable=False, unique=True),
    Column("payload", Text, nullable=False),  # RFC 8785 canonical JSON
    Column("status", String(16), nullable=False),
    Column("anchor_kind", String(8), nullable=False),
    Column("leaf_index", BigInteger, nullable=True, unique=True),
    Column("checkpoint_size", BigInteger, nullable=True),
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", BigInteger, nullable=True),
    Column("log_index", Integer, nullable=True),
    Column("block_time", BigInteger, nullable=True),
    Column("idempotency_key", String(64), nullable=True, unique=True),  # sha-256 of API key ‖ Idempotency-Key
    Column("accepted_at", Float, nullable=False),
    # Only the outbox looks entries up by status, and only for pending ones: a partial index
    # holds those few, and a batched entry's insert never touches it.
    Index("ix_entries_pending", "consignment_id", "seq", sqlite_where=_PENDING, postgresql_where=_PENDING),
)

rejected_entries = Table(
    "rejected_entries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("consignment_id", String(66), nullable=False, index=True),
    Column("seq", BigInteger, nullable=False),
    Column("event_type", String(32), nullable=False),
    Column("actor", String(42), nullable=False),
    Column("entry_hash", String(66), nullable=False),
    Column("payload", Text, nullable=False),
    Column("error", Text, nullable=False),
    Column("idempotency_key", String(64), nullable=True, index=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)

documents = Table(
    "documents",
    metadata,
    Column("cid", String(128), primary_key=True),  # CIDv0, as `ipfs add` prints it
    Column("cid_v1", String(128), nullable=False, unique=True),
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
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

epcis_catalogue = Table(
    "epcis_catalogue",
    metadata,
    # What the EPCIS service knows of each entry that is an EPCIS event: its de-duplication key
    # and hash ID. Rebuilt from the entries (a row is stale once its entry_hash no longer matches).
    Column("consignment_id", String(66), primary_key=True),
    Column("seq", BigInteger, primary_key=True),
    Column("entry_hash", String(66), nullable=False),
    Column("dedupe_key", String(256), nullable=False),  # the hash ID, or payload:<hash> without one
    Column("hash_id", String(128), nullable=True),
    Column("hash_error", Text, nullable=True),  # why the reference algorithm could not hash it
    Column("legacy_context", Text, nullable=True),  # the document @context of a pre-0005 capture
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_epcis_catalogue_key", "consignment_id", "dedupe_key"),
)

log_checkpoints = Table(
    "log_checkpoints",
    metadata,
    Column("size", BigInteger, primary_key=True),
    Column("root", String(66), nullable=False),
    Column("leaves_cid", String(128), nullable=False),  # the log segment this checkpoint added
    Column("tx_hash", String(66), nullable=False),
    Column("block_number", BigInteger, nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_time", BigInteger, nullable=False),
    Column("gas_used", BigInteger, nullable=False),
)

# The Merkle log's complete subtrees (level 0: the leaves): every root a proof needs is one
# of these or hashed from a few, so proofs are O(log n) reads and nothing of the tree is held
# in memory. Derived from the log's entries; a rebuild derives them again.
merkle_nodes = Table(
    "merkle_nodes",
    metadata,
    Column("level", Integer, primary_key=True),
    Column("idx", BigInteger, primary_key=True),
    Column("hash", LargeBinary(32), nullable=False),
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

chain_cursor = Table(
    "chain_cursor",
    metadata,
    # How far the node has followed the chain: the last block (confirmation depth applied)
    # whose logs are in the index, and its hash, to notice a reorg below the depth.
    Column("name", String(32), primary_key=True),
    Column("block_number", BigInteger, nullable=False),
    Column("block_hash", String(66), nullable=False),
)

# --- verifiable credentials: the issuer's own records, not rebuildable from the chain --------

issuer_keys = Table(
    "issuer_keys",
    metadata,
    # A credential-signing key of an issuer this node holds: its DID URL and its private key as
    # PKCS#8 PEM, encrypted with the keystore password. Retired keys stay listed in the DID
    # document, so that what they signed keeps verifying; only the newest key signs.
    Column("kid", String(512), primary_key=True),
    Column("issuer", String(42), nullable=False, index=True),
    Column("public_jwk", Text, nullable=False),
    Column("private_pem", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("retired_at", DateTime(timezone=True), nullable=True),
)

credentials = Table(
    "credentials",
    metadata,
    Column("id", String(128), primary_key=True),  # urn:uuid:...
    Column("issuer", String(42), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject_ref", String(256), nullable=False, index=True),  # certificate number, consignment id[:seq]
    Column("status_index", Integer, nullable=False),  # its bit in the issuer's two status lists
    Column("token", Text, nullable=False),  # the vc+jwt
    Column("issued_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),  # final
    Column("revoked_reason", Text, nullable=True),
    Index("ux_credentials_status_index", "issuer", "status_index", unique=True),
)

status_list_versions = Table(
    "status_list_versions",
    metadata,
    # Every version of an issuer's status list that was published, with where its hash was
    # anchored on chain: what a list said at a past block can be shown and proven.
    Column("issuer", String(42), primary_key=True),
    Column("purpose", String(16), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("token", Text, nullable=False),
    Column("list_hash", String(66), nullable=False),
    Column("published_at", DateTime(timezone=True), nullable=False),
    Column("tx_hash", String(66), nullable=True),
    Column("block_number", BigInteger, nullable=True),
)

disclosure_consents = Table(
    "disclosure_consents",
    metadata,
    # The MRA data elements an AEO holder consents to disclose in its status credentials.
    Column("certificate", String(64), primary_key=True),
    Column("elements", String(256), nullable=False),  # comma separated
    Column("consented_by", String(42), nullable=False),
    Column("consented_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
)
