"""Binding to the deployed ReportAnchors: hashes of reports computed from the ledger at a block."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from chain.abi import call_view
from chain.compile import load_artifact
from chain.sender import Receipt, TransactionSender


def report_id(kind: str, jurisdiction: str, period: str | None, block: int) -> bytes:
    """What identifies a report on chain: keccak256 of ``kind|jurisdiction|period|block``."""
    return keccak(text=f"{kind}|{jurisdiction}|{period or 'all'}|{block}")


@dataclass(frozen=True)
class ReportAnchor:
    """An anchored report (``anchored_at`` 0: none)."""

    report_hash: str
    at_block: int
    anchored_at: int
    anchored_by: str


class ReportAnchorsClient:
    """The deployed ReportAnchors."""

    def __init__(self, w3: Web3, address: str, deployed_block: int, sender: TransactionSender) -> None:
        self.w3 = w3
        self.sender = sender
        self.deployed_block = deployed_block
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact("ReportAnchors")["abi"]
        )

    def anchor(self, customs: LocalAccount, identifier: bytes, report_hash: bytes, at_block: int) -> Receipt:
        """Anchor a report's hash as ``customs``."""
        return self.sender.transact(customs, self.contract.functions.anchor(identifier, report_hash, at_block))

    def anchor_of(self, identifier: bytes) -> ReportAnchor:
        """The anchor of a report, if any."""
        report_hash, at_block, anchored_at, by = call_view(self.contract.functions.anchorOf(identifier))
        return ReportAnchor("0x" + bytes(report_hash).hex(), int(at_block), int(anchored_at), str(by))
