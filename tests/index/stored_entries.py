"""Entries as the index stores them, for the index's own tests."""

from __future__ import annotations

from api.index.rows import AnchorKind, StoredEntry
from evidence.eip712 import Entry
from evidence.event_types import EventType
from evidence.types import ZERO_ADDRESS, Address, Hash32, hash32

ACTOR = Address("0x" + "ab" * 20)


def stored_entry(
    consignment: str,
    seq: int,
    kind: AnchorKind = AnchorKind.LEDGER,
    digest: bytes | None = None,
    idempotency_key: str | None = None,
) -> StoredEntry:
    """An ARRIVING entry of ``consignment`` at ``seq`` by :data:`ACTOR`, just accepted: a
    batched one (``AnchorKind.LOG``) is leaf ``seq``. Its entry hash is ``digest``, or one
    unique to (consignment, seq)."""
    entry = Entry(
        hash32(consignment), seq, Hash32(bytes(32)), Hash32(EventType.ARRIVING.type_id), Hash32(bytes(32)), "cid",
        Address(ZERO_ADDRESS), ACTOR,
    )  # fmt: skip
    digest = digest if digest is not None else hash32(consignment)[:30] + seq.to_bytes(2, "big")
    leaf = seq if kind is AnchorKind.LOG else None
    return StoredEntry.accepted(
        entry, digest, b"sig", b"{}", EventType.ARRIVING, kind, 0.0, leaf_index=leaf, idempotency_key=idempotency_key
    )
