"""Log segments: what a checkpoint publishes must decode to exactly what was signed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry
from evidence.errors import LedgerValueError
from evidence.log_segment import SignedLeaf, decode_segment, encode_segment, segment_item
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


@settings(max_examples=300, deadline=None)
@given(
    payload=st.text(),
    seq=st.integers(min_value=0, max_value=2**53 - 1),
    hashes=st.lists(st.binary(min_size=32, max_size=32), min_size=4, max_size=4),
    signature=st.binary(min_size=65, max_size=65),
    cid=st.text(),
    actor=st.text(),
)
def test_a_leaf_s_item_is_its_rfc8785_form(
    payload: str, seq: int, hashes: list[bytes], signature: bytes, cid: str, actor: str
) -> None:
    """The item written out field by field is what ``rfc8785`` makes of the same object, for
    any text: quotes, backslashes, control characters, non-ASCII, astral planes."""
    consignment, prev, event_type, digest = (Hash32(h) for h in hashes)
    entry = Entry(consignment, seq, prev, event_type, digest, cid, Address(actor), Address(actor[::-1]))
    item: dict[str, Any] = {
        "consignment": "0x" + consignment.hex(),
        "seq": seq,
        "prev_hash": "0x" + prev.hex(),
        "event_type": "0x" + event_type.hex(),
        "payload_hash": "0x" + digest.hex(),
        "cid": cid,
        "next_carrier": actor,
        "actor": actor[::-1],
        "signature": "0x" + signature.hex(),
        "payload": payload,
    }
    assert segment_item(SignedLeaf(entry, signature, payload)) == rfc8785.dumps(item)


def test_a_leaf_whose_seq_json_cannot_carry_exactly_is_refused() -> None:
    leaf = _leaf(0, {"type": "ObjectEvent"})
    beyond = replace(leaf, entry=replace(leaf.entry, seq=2**53))
    with pytest.raises(LedgerValueError, match="canonicalised"):
        segment_item(beyond)


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
