"""StatusListAnchors: only active customs anchor, each under its own address; versions only
grow; what an issuer anchored is readable at any block."""

from typing import Any

import pytest
from conftest import reverts
from eth_utils.crypto import keccak

LIST = keccak(text="https://customs.example/issuers/cn-gacc/status/revocation")
HASH_1 = b"\x11" * 32
HASH_2 = b"\x22" * 32


def latest(anchors: Any, issuer: Any, block: int | None = None) -> tuple[str, int]:
    anchor = anchors.latest.call(issuer, LIST, block_identifier=block)
    return str(anchor[0]), int(anchor[1])


@pytest.fixture(scope="module")
def anchors(StatusListAnchors: Any, registry: Any, accounts: Any) -> Any:
    return StatusListAnchors.deploy(registry, {"from": accounts[0]})


def test_customs_anchor_their_lists_and_versions_only_grow(anchors: Any, people: Any, chain: Any) -> None:
    tx = anchors.anchor(LIST, 1, HASH_1, {"from": people["cn"]})
    event = tx.events["StatusListAnchored"]
    assert event["issuer"] == people["cn"] and event["version"] == 1 and event["listHash"] == "0x" + HASH_1.hex()
    first_block = tx.block_number
    anchors.anchor(LIST, 2, HASH_2, {"from": people["cn"]})
    assert latest(anchors, people["cn"]) == ("0x" + HASH_2.hex(), 2)
    # What the list was at an earlier block stays provable.
    assert latest(anchors, people["cn"], first_block) == ("0x" + HASH_1.hex(), 1)
    for stale in (1, 2):
        with reverts("StatusListAnchorsStaleVersion"):
            anchors.anchor(LIST, stale, HASH_1, {"from": people["cn"]})


def test_only_active_customs_anchor_and_never_in_anothers_name(anchors: Any, people: Any) -> None:
    for outsider in ("exporter", "carrier", "auditor", "outsider"):
        with reverts("StatusListAnchorsNotCustoms"):
            anchors.anchor(LIST, 1, HASH_1, {"from": people[outsider]})
    with reverts("StatusListAnchorsEmptyHash"):
        anchors.anchor(LIST, 1, b"\x00" * 32, {"from": people["cn"]})
    anchors.anchor(LIST, 1, HASH_1, {"from": people["cn"]})
    # Another administration's anchor of the same list id is its own, never CN's.
    anchors.anchor(LIST, 5, HASH_2, {"from": people["de"]})
    assert latest(anchors, people["cn"]) == ("0x" + HASH_1.hex(), 1)
    assert latest(anchors, people["de"]) == ("0x" + HASH_2.hex(), 5)


def test_a_zero_registry_is_refused(StatusListAnchors: Any, accounts: Any) -> None:
    with reverts("StatusListAnchorsZeroAddress"):
        StatusListAnchors.deploy("0x" + "00" * 20, {"from": accounts[0]})
