"""ReportAnchors: only active customs anchor; a report once; computed at a block already mined."""

from typing import Any

import pytest
from conftest import reverts
from eth_utils.crypto import keccak

REPORT = keccak(text="time-release|DE|2026-11|100")
HASH = b"\x33" * 32


@pytest.fixture(scope="module")
def anchors(ReportAnchors: Any, registry: Any, accounts: Any) -> Any:
    return ReportAnchors.deploy(registry, {"from": accounts[0]})


def test_customs_anchor_a_report_once(anchors: Any, people: Any, chain: Any) -> None:
    at = chain.height - 1
    tx = anchors.anchor(REPORT, HASH, at, {"from": people["de"]})
    event = tx.events["ReportAnchored"]
    assert event["by"] == people["de"] and event["reportHash"] == "0x" + HASH.hex() and event["atBlock"] == at
    stored = anchors.anchorOf(REPORT)
    assert str(stored[0]) == "0x" + HASH.hex() and int(stored[1]) == at and str(stored[3]) == people["de"]
    with reverts("ReportAnchorsAlreadyAnchored"):
        anchors.anchor(REPORT, b"\x44" * 32, at, {"from": people["cn"]})


def test_only_customs_anchor_and_only_reports_of_mined_blocks(anchors: Any, people: Any, chain: Any) -> None:
    for outsider in ("exporter", "auditor", "outsider"):
        with reverts("ReportAnchorsNotCustoms"):
            anchors.anchor(REPORT, HASH, 1, {"from": people[outsider]})
    with reverts("ReportAnchorsEmptyHash"):
        anchors.anchor(REPORT, b"\x00" * 32, 1, {"from": people["de"]})
    with reverts("ReportAnchorsFutureBlock"):
        anchors.anchor(REPORT, HASH, chain.height + 5, {"from": people["de"]})


def test_a_zero_registry_is_refused(ReportAnchors: Any, accounts: Any) -> None:
    with reverts("ReportAnchorsZeroAddress"):
        ReportAnchors.deploy("0x" + "00" * 20, {"from": accounts[0]})
