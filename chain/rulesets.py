"""Binding to the deployed RiskRuleSets: versioned risk rule sets the customs majority adopts."""

from __future__ import annotations

import time
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from chain.abi import call_view
from chain.compile import load_artifact
from chain.errors import TransactionFailed
from chain.logs import receipt_events
from chain.sender import Receipt, TransactionSender


class RiskRuleSetsClient:
    """The deployed RiskRuleSets."""

    def __init__(self, w3: Web3, address: str, deployed_block: int, sender: TransactionSender) -> None:
        self.w3 = w3
        self.sender = sender
        self.deployed_block = deployed_block
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact("RiskRuleSets")["abi"]
        )

    def propose(self, customs: LocalAccount, text_hash: bytes, cid: str) -> tuple[int, Receipt]:
        """Propose a rule set; returns its version once the node's latest block holds it."""
        receipt = self.sender.transact(customs, self.contract.functions.propose(text_hash, cid))
        # The proposer's approval is logged in the same receipt.
        logs = receipt_events(self.contract, "RuleSetProposed", receipt.logs)
        version = int(logs[0].args["version"])
        self._await_count(version)
        return version, receipt

    def _await_count(self, version: int) -> None:
        """Until ``count()`` at the latest block reaches ``version``. On a network without
        instant finality (geth Clique) the block a receipt named can be replaced by a rival
        sealed at the same height without the transaction, which lands a block later; read at
        once, the version the receipt announced was not there yet (seen in a consortium test)."""
        deadline = time.monotonic() + self.sender.receipt_timeout
        while self.count() < version:
            if time.monotonic() > deadline:
                raise TransactionFailed(
                    f"rule set version {version} was proposed in a block the node no longer holds, "
                    f"and is not on chain {self.sender.receipt_timeout}s later"
                )
            time.sleep(0.1)

    def approve(self, customs: LocalAccount, version: int) -> Receipt:
        """Approve a proposed rule set as ``customs``."""
        return self.sender.transact(customs, self.contract.functions.approve(version))

    def current(self, block: int | None = None) -> int:
        """The version in force (0: none), now or at ``block``."""
        return int(call_view(self.contract.functions.current(), block))

    def count(self) -> int:
        """How many versions were proposed."""
        return int(call_view(self.contract.functions.count()))

    def rule_set(self, version: int, block: int | None = None) -> dict[str, Any]:
        """A version as the contract holds it (now, or at ``block``)."""
        text_hash, cid, proposer, proposed_at, expires_at, adopted_at, adopted_block = call_view(
            self.contract.functions.ruleSet(version), block
        )
        return {
            "version": version,
            "text_hash": "0x" + bytes(text_hash).hex(),
            "cid": cid,
            "proposer": proposer,
            "proposed_at": int(proposed_at),
            "expires_at": int(expires_at),
            "adopted_at": int(adopted_at) or None,
            "adopted_block": int(adopted_block) or None,
            "approvals": int(call_view(self.contract.functions.countingApprovals(version), block)),
        }
