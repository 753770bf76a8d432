"""Entries as their authors sign them, built from their parts, and the CPU-bound half of
checking a bulk of them (canonical payloads, hashes, signer recovery): pure functions a
pool of worker processes runs while the node keeps the order-dependent checks (positions,
roles) to itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Domain, Entry, entry_hash, recover_digest_signer
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.log_segment import SignedLeaf, segment_item
from evidence.models import EventPayload
from evidence.types import ZERO_ADDRESS, Address, Hash32


def build_entry(
    consignment: Hash32,
    seq: int,
    prev_hash: Hash32,
    event_type: EventType,
    payload_bytes: bytes,
    next_carrier: str | None,
    actor: str,
) -> Entry:
    """The entry an author signs, from its parts and the canonical payload."""
    return Entry(
        consignment,
        seq,
        prev_hash,
        Hash32(event_type.type_id),
        payload_hash(payload_bytes),
        payload_cid(payload_bytes),
        Address(next_carrier or ZERO_ADDRESS),
        Address(actor),
    )


@dataclass(frozen=True)
class SignedFields:
    """One entry of a bulk request: what its author signed, as sent."""

    consignment: Hash32
    seq: int
    prev_hash: Hash32
    event_type: EventType
    payload: Any
    next_carrier: str | None
    actor: str
    signature: bytes


@dataclass(frozen=True)
class Prepared:
    """An entry built and its signature recovered; ``refusal`` says why the signature cannot
    be recovered (malformed or malleable), and then ``signer`` is None. ``segment_item`` is
    the leaf as the checkpoint's segment will carry it (:func:`segment_item`)."""

    payload_bytes: bytes
    entry: Entry
    digest: Hash32
    signer: Address | None
    segment_item: bytes
    refusal: str | None = None


@dataclass(frozen=True)
class PayloadRefused:
    """An entry whose payload is no EPCIS 2.0 event, or has no RFC 8785 form: nothing is built
    from it. ``errors``: where in the payload, and what is wrong."""

    errors: tuple[tuple[str, str], ...]


def prepare(items: Sequence[SignedFields], domain: Domain, log: bool = True) -> list[Prepared | PayloadRefused]:
    """Check each entry's payload is an EPCIS 2.0 event, build the entry from its parts and
    recover who signed it (a ``LogEntry`` with ``log``). A refused payload refuses its entry
    alone, here: the caller names the entry, whichever worker prepared it."""
    out: list[Prepared | PayloadRefused] = []
    for item in items:
        errors = epcis_errors(item.payload)
        if errors:
            out.append(PayloadRefused(errors))
            continue
        try:
            payload_bytes = canonical_json(item.payload)
        except LedgerValueError as unhashable:  # the EPCIS model refuses these first; kept should it not
            out.append(PayloadRefused((("", str(unhashable)),)))
            continue
        entry = build_entry(
            item.consignment, item.seq, item.prev_hash, item.event_type, payload_bytes, item.next_carrier, item.actor
        )
        digest = entry_hash(entry, domain, log)
        leaf = segment_item(SignedLeaf(entry, item.signature, payload_bytes.decode()))
        try:
            signer = recover_digest_signer(digest, item.signature)
            out.append(Prepared(payload_bytes, entry, digest, signer, leaf))
        except LedgerValueError as refused:
            out.append(Prepared(payload_bytes, entry, digest, None, leaf, str(refused)))
    return out


def epcis_errors(payload: Any) -> tuple[tuple[str, str], ...]:
    """Where and why ``payload`` is no EPCIS 2.0 event (none if it is one)."""
    try:
        EventPayload.model_validate(payload)
    except ValidationError as invalid:
        return tuple((".".join(str(part) for part in e["loc"]), e["msg"]) for e in invalid.errors())
    return ()
