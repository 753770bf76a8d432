"""Log segments: what a checkpoint publishes must decode to exactly what was signed."""

from __future__ import annotations

import json
from typing import Any

import pytest
import rfc8785

from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry
from evidence.errors import LedgerValueError
from evidence.log_segment import SignedLeaf, decode_segment, encode_segment
from evidence.types import Address, Hash32, hash32

ACTOR = Address("0x" + "11" * 20)


def _leaf(seq: int, payload: dict[str, object]) -> SignedLeaf:
    body = canonical_json(payload)
    entry = Entry(
        hash32("0x" + "ab" * 32),
        seq,
        hash32("0x" + "00" * 32),
        Hash32(hash32("0x" + "cd" * 32)),
        payload_hash(body),
        payload_cid(body),
        Address("0x" + "00" * 20),
        ACTOR,
    )
    return SignedLeaf(entry, b"\x01" * 65, body.decode())


def test_a_segment_round_trips_entries_signatures_and_payloads() -> None:
    leaves = [_leaf(0, {"type": "ObjectEvent", "n": 0}), _leaf(1, {"type": "ObjectEvent", "n": 1})]
    first, decoded = decode_segment(encode_segment(7, leaves))
    assert first == 7
    assert decoded == leaves


def test_a_segment_is_the_rfc8785_form_of_its_whole_document() -> None:
    """Joined from per-leaf items, the segment is still what canonicalising the whole gives
    (one segment, one CID), for no leaf, one and several."""
    for count in (0, 1, 3):
        leaves = [_leaf(n, {"type": "ObjectEvent", "n": n, "é": "ü"}) for n in range(count)]
        whole: dict[str, Any] = {
            "format": "borderledger-log-segment",
            "version": 1,
            "first": 5,
            "entries": [
                {
                    "consignment": "0x" + "ab" * 32,
                    "seq": leaf.entry.seq,
                    "prev_hash": "0x" + "00" * 32,
                    "event_type": "0x" + "cd" * 32,
                    "payload_hash": "0x" + bytes(leaf.entry.payload_hash).hex(),
                    "cid": leaf.entry.cid,
                    "next_carrier": "0x" + "00" * 20,
                    "actor": ACTOR,
                    "signature": "0x" + "01" * 65,
                    "payload": leaf.payload,
                }
                for leaf in leaves
            ],
        }
        assert encode_segment(5, leaves) == rfc8785.dumps(whole)


def test_a_segment_whose_payload_was_swapped_is_refused() -> None:
    document = json.loads(encode_segment(0, [_leaf(0, {"type": "ObjectEvent", "n": 0})]))
    document["entries"][0]["payload"] = canonical_json({"type": "ObjectEvent", "n": 666}).decode()
    with pytest.raises(LedgerValueError, match="does not hash to the entry's payloadHash"):
        decode_segment(json.dumps(document).encode())


def test_a_segment_without_payloads_is_refused() -> None:
    document = json.loads(encode_segment(0, [_leaf(0, {"type": "ObjectEvent"})]))
    del document["entries"][0]["payload"]
    with pytest.raises(LedgerValueError, match="malformed log segment"):
        decode_segment(json.dumps(document).encode())


def test_a_document_of_another_format_is_refused() -> None:
    with pytest.raises(LedgerValueError, match="not a borderledger-log-segment"):
        decode_segment(b'{"format": "something-else", "version": 1, "first": 0, "entries": []}')
