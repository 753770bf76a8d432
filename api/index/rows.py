"""Typed rows of the index, and the one place an entry changes shape: database row, wire
(API answer), evidence (``evidence.eip712.Entry``) and bundle entry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from evidence.eip712 import Entry
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.rules.ledger import MemberView
from evidence.types import ZERO_ADDRESS, Address, hash32, to_hex


class EntryStatus(StrEnum):
    """Where an accepted entry stands."""

    PENDING = "pending"  # in the outbox: its ledger transaction is not mined yet
    BATCHED = "batched"  # a leaf of the Merkle log that no checkpoint covers yet
    ANCHORED = "anchored"  # on chain: by its own transaction or under an anchored checkpoint


class AnchorKind(StrEnum):
    """How an entry reaches the chain."""

    LEDGER = "ledger"  # its own ConsignmentLedger.appendEvent transaction
    LOG = "log"  # a leaf of the Merkle log, anchored by a CheckpointLog checkpoint


@dataclass(frozen=True)
class ChainLocation:
    """Where a transaction's event sits on chain."""

    tx_hash: str
    block_number: int
    log_index: int
    block_time: int


@dataclass(frozen=True)
class Participant:
    """A participant known to this node, as authenticated by its API key."""

    address: Address
    name: str
    legal_id: str
    jurisdiction: str
    roles: frozenset[Role]
    keystore: str | None
    # The registry's view of it, read when its API key was checked (not stored).
    standing: MemberView | None = field(default=None, compare=False)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> Participant:
        """From a ``participants`` row."""
        roles = frozenset(Role(r) for r in str(row["roles"]).split(",") if r)
        return cls(Address(row["address"]), row["name"], row["legal_id"], row["jurisdiction"], roles, row["keystore"])

    def row(self) -> dict[str, Any]:
        """As a ``participants`` row."""
        roles = ",".join(sorted(r.value for r in self.roles))
        return {
            "address": self.address,
            "name": self.name,
            "legal_id": self.legal_id,
            "jurisdiction": self.jurisdiction,
            "roles": roles,
            "keystore": self.keystore,
        }


@dataclass(frozen=True)
class ConsignmentRow:
    """A consignment as opened on chain."""

    id: str
    reference: str
    exporter: Address
    importer: Address
    origin: str
    destination: str
    transit: tuple[str, ...]
    tx_hash: str
    block_number: int

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ConsignmentRow:
        """From a ``consignments`` row."""
        transit = tuple(t for t in str(row["transit"]).split(",") if t)
        return cls(
            row["id"],
            row["reference"],
            Address(row["exporter"]),
            Address(row["importer"]),
            row["origin"],
            row["destination"],
            transit,
            row["tx_hash"],
            int(row["block_number"]),
        )

    def row(self) -> dict[str, Any]:
        """As a ``consignments`` row."""
        return {
            "id": self.id,
            "reference": self.reference,
            "exporter": self.exporter,
            "importer": self.importer,
            "origin": self.origin,
            "destination": self.destination,
            "transit": ",".join(self.transit),
            "tx_hash": self.tx_hash,
            "block_number": self.block_number,
        }


@dataclass(frozen=True)
class CheckpointRow:
    """An anchored tree head of the Merkle log."""

    size: int
    root: str
    leaves_cid: str
    tx_hash: str
    block_number: int
    log_index: int
    block_time: int
    gas_used: int

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> CheckpointRow:
        """From a ``log_checkpoints`` row."""
        return cls(**{k: row[k] for k in cls.__dataclass_fields__})

    def row(self) -> dict[str, Any]:
        """As a ``log_checkpoints`` row."""
        return {k: getattr(self, k) for k in self.__dataclass_fields__}

    @property
    def location(self) -> ChainLocation:
        """Where its CheckpointAnchored event sits."""
        return ChainLocation(self.tx_hash, self.block_number, self.log_index, self.block_time)

    def public(self) -> dict[str, Any]:
        """What verifiers and the API see of it."""
        keys = ("size", "root", "leaves_cid", "tx_hash", "block_number", "log_index", "block_time")
        return {k: getattr(self, k) for k in keys}


class EntryOutline(NamedTuple):
    """An entry without its payload and signature: who wrote it, and where it is anchored."""

    seq: int
    actor: Address
    next_carrier: Address
    anchor_kind: AnchorKind
    leaf_index: int | None
    checkpoint_size: int | None


_EVENT_TYPES: dict[str, EventType] = {e.value: e for e in EventType}
_STATUSES: dict[str, EntryStatus] = {s.value: s for s in EntryStatus}
_ANCHOR_KINDS: dict[str, AnchorKind] = {k.value: k for k in AnchorKind}


@dataclass(frozen=True)
class StoredEntry:
    """One accepted entry: every field its author signed, its payload, and its anchor."""

    consignment_id: str
    seq: int
    event_type: EventType
    prev_hash: str
    payload_hash: str
    payload_cid: str
    next_carrier: Address  # ZERO_ADDRESS unless a HANDOVER
    actor: Address
    signature: bytes
    entry_hash: str
    payload: str  # RFC 8785 canonical JSON
    status: EntryStatus
    anchor_kind: AnchorKind
    leaf_index: int | None = None
    checkpoint_size: int | None = None
    location: ChainLocation | None = None
    idempotency_key: str | None = field(default=None, compare=False)
    accepted_at: float = field(default=0.0, compare=False)

    @classmethod
    def accepted(
        cls,
        entry: Entry,
        entry_hash: bytes,
        signature: bytes,
        payload: bytes,
        event_type: EventType,
        anchor_kind: AnchorKind,
        accepted_at: float,
        leaf_index: int | None = None,
        idempotency_key: str | None = None,
    ) -> StoredEntry:
        """A signed entry just accepted: pending (ledger) or batched (log)."""
        status = EntryStatus.PENDING if anchor_kind is AnchorKind.LEDGER else EntryStatus.BATCHED
        return cls(
            to_hex(entry.consignment),
            entry.seq,
            event_type,
            to_hex(entry.prev_hash),
            to_hex(entry.payload_hash),
            entry.cid,
            entry.next_carrier,
            entry.actor,
            bytes(signature),
            to_hex(entry_hash),
            payload.decode(),
            status,
            anchor_kind,
            leaf_index=leaf_index,
            idempotency_key=idempotency_key,
            accepted_at=accepted_at,
        )

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> StoredEntry:
        """From an ``entries`` row. A bundle or a verification reads tens of thousands: the
        enums are looked up in value maps (calling an enum class costs several times more)."""
        location = None
        if row["tx_hash"] is not None:
            location = ChainLocation(row["tx_hash"], row["block_number"], row["log_index"], row["block_time"])
        return cls(
            row["consignment_id"],
            int(row["seq"]),
            _EVENT_TYPES[row["event_type"]],
            row["prev_hash"],
            row["payload_hash"],
            row["payload_cid"],
            Address(row["next_carrier"]),
            Address(row["actor"]),
            bytes(row["signature"]),
            row["entry_hash"],
            row["payload"],
            _STATUSES[row["status"]],
            _ANCHOR_KINDS[row["anchor_kind"]],
            row["leaf_index"],
            row["checkpoint_size"],
            location,
            row["idempotency_key"],
            float(row["accepted_at"]),
        )

    COLUMNS = (
        "consignment_id",
        "seq",
        "event_type",
        "prev_hash",
        "payload_hash",
        "payload_cid",
        "next_carrier",
        "actor",
        "signature",
        "entry_hash",
        "payload",
        "status",
        "anchor_kind",
        "leaf_index",
        "checkpoint_size",
        "tx_hash",
        "block_number",
        "log_index",
        "block_time",
        "idempotency_key",
        "accepted_at",
    )

    def row(self) -> dict[str, Any]:
        """As an ``entries`` row."""
        return dict(zip(self.COLUMNS, self.row_values(), strict=True))

    def row_values(self) -> tuple[Any, ...]:
        """The ``entries`` row's values, in :attr:`COLUMNS` order (a bulk insert's parameters)."""
        where = self.location
        return (
            self.consignment_id,
            self.seq,
            self.event_type.value,
            self.prev_hash,
            self.payload_hash,
            self.payload_cid,
            self.next_carrier,
            self.actor,
            self.signature,
            self.entry_hash,
            self.payload,
            self.status.value,
            self.anchor_kind.value,
            self.leaf_index,
            self.checkpoint_size,
            where.tx_hash if where else None,
            where.block_number if where else None,
            where.log_index if where else None,
            where.block_time if where else None,
            self.idempotency_key,
            self.accepted_at,
        )

    def evidence(self) -> Entry:
        """The struct its author signed."""
        return Entry(
            hash32(self.consignment_id),
            self.seq,
            hash32(self.prev_hash),
            hash32(to_hex(self.event_type.type_id)),
            hash32(self.payload_hash),
            self.payload_cid,
            self.next_carrier,
            self.actor,
        )

    def public(self) -> dict[str, Any]:
        """The entry as the API answers it."""
        where = self.location
        return {
            "seq": self.seq,
            "event_type": self.event_type.value,
            "actor": self.actor,
            "entry_hash": self.entry_hash,
            "prev_hash": self.prev_hash,
            "payload_hash": self.payload_hash,
            "cid": self.payload_cid,
            "next_carrier": None if self.next_carrier == ZERO_ADDRESS else self.next_carrier,
            "signature": to_hex(self.signature),
            "payload": json.loads(self.payload),
            "status": self.status.value,
            "tx_hash": where.tx_hash if where else None,
            "block_number": where.block_number if where else None,
            "log_index": where.log_index if where else None,
            "block_time": where.block_time if where else None,
            "leaf_index": self.leaf_index,
        }

    def bundle_entry(self) -> dict[str, Any]:
        """The entry as an evidence bundle carries it (docs/evidence-bundle.md)."""
        where = self.location
        return {
            "seq": self.seq,
            "event_type": self.event_type.value,
            "prev_hash": self.prev_hash,
            "payload_hash": self.payload_hash,
            "cid": self.payload_cid,
            "next_carrier": self.next_carrier,
            "actor": self.actor,
            "signature": to_hex(self.signature),
            "entry_hash": self.entry_hash,
            "payload": self.payload,
            "tx_hash": where.tx_hash if where else None,
            "block_number": where.block_number if where else None,
            "log_index": where.log_index if where else None,
            "block_time": where.block_time if where else None,
            "leaf_index": self.leaf_index,
        }
