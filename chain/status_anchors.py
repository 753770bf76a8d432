"""Binding to the deployed StatusListAnchors: the hashes of published credential status lists."""

from __future__ import annotations

from dataclasses import dataclass

from eth_account.signers.local import LocalAccount
from eth_utils.crypto import keccak
from web3 import Web3
from web3.contract import Contract

from chain.abi import call_view
from chain.compile import load_artifact
from chain.sender import Receipt, TransactionSender


def list_id(url: str) -> bytes:
    """The on-chain id of a status list: keccak256 of its URL."""
    return keccak(text=url)


@dataclass(frozen=True)
class ListAnchor:
    """The newest anchored version of one list, as the contract holds it."""

    list_hash: str
    version: int
    anchored_at: int
    anchored_block: int


class StatusListAnchorsClient:
    """The deployed StatusListAnchors."""

    def __init__(self, w3: Web3, address: str, deployed_block: int, sender: TransactionSender) -> None:
        self.w3 = w3
        self.sender = sender
        self.deployed_block = deployed_block
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact("StatusListAnchors")["abi"]
        )

    def anchor(self, issuer: LocalAccount, url: str, version: int, list_hash: bytes) -> Receipt:
        """Anchor version ``version`` of ``issuer``'s list at ``url``."""
        return self.sender.transact(issuer, self.contract.functions.anchor(list_id(url), version, list_hash))

    def latest(self, issuer: str, url: str, block: int | None = None) -> ListAnchor:
        """The newest version anchored (now, or at ``block``); version 0 if none."""
        call = self.contract.functions.latest(Web3.to_checksum_address(issuer), list_id(url))
        list_hash, version, at, anchored_block = call_view(call, block)
        return ListAnchor("0x" + bytes(list_hash).hex(), int(version), int(at), int(anchored_block))
