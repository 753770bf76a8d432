"""Log segments: the signed entries a checkpoint adds to the Merkle log, with their
payloads, as one document.

Each checkpoint names its segment's CID on chain, so chain + content are enough for any node
to rebuild the log and check it: the segments' entries, hashed as leaves in order, must give
every anchored root, and each payload must hash to what its entry signed. Canonical JSON
(RFC 8785), so one segment has one CID; one document rather than a block per payload, so a
checkpoint of 10,000 entries is one write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from evidence.canonical import canonical_json, canonical_string, payload_hash
from evidence.eip712 import Domain, Entry, entry_hash
from evidence.errors import LedgerValueError
from evidence.merkle import leaf_hash
from evidence.types import Address, Hash32, hash32, to_hex

FORMAT = "borderledger-log-segment"
VERSION = 1


@dataclass(frozen=True)
class SignedLeaf:
    """One leaf of the log: the entry its author signed, the signature, and the payload
    (RFC 8785 canonical JSON, as hashed into the entry)."""

    entry: Entry
    signature: bytes
    payload: str

    def leaf(self, domain: Domain) -> bytes:
        """The Merkle leaf hash: of the entry hash."""
        return leaf_hash(bytes(entry_hash(self.entry, domain, log=True)))


def segment_item(leaf: SignedLeaf) -> bytes:
    """One leaf's object in a segment document, in RFC 8785 form. The workers that check a bulk
    request encode it while they hold the leaf, so a checkpoint only joins them.

    Written out rather than canonicalised (less than half the time, on every entry of a bulk
    request): its keys are fixed and ASCII, so this is their RFC 8785 order, and each text
    value takes :func:`canonical_string`. A property test holds it to ``rfc8785`` for any text."""
    e = leaf.entry
    seq = canonical_json(e.seq).decode()  # refused beyond what RFC 8785 numbers hold exactly
    return (
        f'{{"actor":{canonical_string(e.actor)},"cid":{canonical_string(e.cid)},"consignment":"{to_hex(e.consignment)}",'
        f'"event_type":"{to_hex(e.event_type)}","next_carrier":{canonical_string(e.next_carrier)},'
        f'"payload":{canonical_string(leaf.payload)},"payload_hash":"{to_hex(e.payload_hash)}",'
        f'"prev_hash":"{to_hex(e.prev_hash)}","seq":{seq},"signature":"{to_hex(leaf.signature)}"}}'
    ).encode()


def join_segment(first: int, items: Sequence[bytes]) -> bytes:
    """The segment document of leaves ``first`` onwards from their items (:func:`segment_item`):
    byte for byte the RFC 8785 form of the whole document, since "entries" sorts before its
    other keys and an array's form is its items' joined by commas."""
    rest = canonical_json({"first": first, "format": FORMAT, "version": VERSION})
    return b'{"entries":[' + b",".join(items) + b"]," + rest[1:]


def encode_segment(first: int, leaves: Sequence[SignedLeaf]) -> bytes:
    """The segment document of leaves ``first`` .. ``first + len(leaves) - 1``."""
    return join_segment(first, [segment_item(leaf) for leaf in leaves])


def decode_segment(data: bytes) -> tuple[int, list[SignedLeaf]]:
    """(first leaf index, leaves) of a segment document; LedgerValueError if malformed."""
    try:
        document: Any = json.loads(data)
        if document.get("format") != FORMAT or document.get("version") != VERSION:
            raise LedgerValueError(f"not a {FORMAT} version {VERSION} document")
        first = document["first"]
        if not isinstance(first, int) or first < 0:
            raise LedgerValueError("a segment's first leaf index is a non-negative integer")
        leaves = [_leaf(item) for item in document["entries"]]
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        if isinstance(exc, LedgerValueError):
            raise
        raise LedgerValueError(f"malformed log segment: {exc}") from exc
    return first, leaves


def _leaf(item: dict[str, Any]) -> SignedLeaf:
    seq = item["seq"]
    if not isinstance(seq, int) or not 0 <= seq < 2**64:
        raise LedgerValueError(f"seq {seq!r} is not a uint64")
    signature = bytes.fromhex(str(item["signature"])[2:])
    entry = Entry(
        hash32(item["consignment"]),
        seq,
        hash32(item["prev_hash"]),
        Hash32(hash32(item["event_type"])),
        hash32(item["payload_hash"]),
        str(item["cid"]),
        Address(str(item["next_carrier"])),
        Address(str(item["actor"])),
    )
    payload = item["payload"]
    if not isinstance(payload, str):
        raise LedgerValueError(f"leaf {seq}: the payload is a string of canonical JSON")
    if payload_hash(payload.encode()) != entry.payload_hash:
        raise LedgerValueError(f"leaf of seq {seq}: the payload does not hash to the entry's payloadHash")
    return SignedLeaf(entry, signature, payload)
