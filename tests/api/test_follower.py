"""The chain follower on the embedded chain: it keeps a cursor of the confirmed block it
has followed, finds everything the node wrote already indexed (nothing twice), and when the
block under its cursor is replaced (a reorg deeper than its depth) follows again from
before it, idempotently."""

from __future__ import annotations

import logging

import pytest

from api.runtime import Runtime
from api.services.follower import CURSOR
from api.services.node import AnchoredHere
from chain.rpc import block_hash


def test_the_follower_follows_to_the_head_and_adds_nothing_twice(demo_runtime: Runtime) -> None:
    services = demo_runtime.services
    index, w3 = services.node.index, services.node.chain.w3
    services.follower.run_once()
    consignments = index.candidate_consignments("", None, True)
    entries = {c.id: index.entries_of(c.id) for c in consignments}
    head = w3.eth.block_number
    cursor = index.chain_cursor(CURSOR)
    assert cursor is not None and cursor[0] >= head - services.follower.confirmations
    assert cursor[1] == block_hash(w3, cursor[0])
    assert services.follower.run_once() == 0  # nothing new
    assert {c.id: index.entries_of(c.id) for c in index.candidate_consignments("", None, True)} == entries


def test_a_replaced_block_under_the_cursor_rewinds_and_refollows(
    demo_runtime: Runtime, caplog: pytest.LogCaptureFixture
) -> None:
    services = demo_runtime.services
    index = services.node.index
    services.follower.run_once()
    cursor = index.chain_cursor(CURSOR)
    assert cursor is not None
    before = {c.id: index.entries_of(c.id) for c in index.candidate_consignments("", None, True)}
    index.set_chain_cursor(CURSOR, cursor[0], "0x" + "ee" * 32)  # as if the chain replaced that block
    with caplog.at_level(logging.ERROR, logger="borderledger.follower"):
        followed = services.follower.run_once()
    assert followed > 0 and "was replaced" in caplog.text
    after_cursor = index.chain_cursor(CURSOR)
    assert after_cursor is not None and after_cursor[1] != "0x" + "ee" * 32
    assert {c.id: index.entries_of(c.id) for c in index.candidate_consignments("", None, True)} == before


def test_the_entries_this_node_anchored_are_remembered_within_a_bound() -> None:
    """What the follower may skip without an index read: exactly the (consignment, seq,
    hash) triples this node anchored lately, never another hash at the same seq."""
    anchored = AnchoredHere(size=3)
    for seq in range(5):
        anchored.add("0xc", seq, f"0x{seq}")
    assert ("0xc", 4, "0x4") in anchored and ("0xc", 2, "0x2") in anchored
    assert ("0xc", 1, "0x1") not in anchored  # forgotten: looked up in the index as any other
    assert ("0xc", 4, "0xother") not in anchored  # another node's entry at that seq is never skipped
    anchored.add("0xc", 4, "0x4")  # again: still held once
    anchored.add("0xc", 5, "0x5")
    assert ("0xc", 3, "0x3") in anchored and ("0xc", 2, "0x2") not in anchored
