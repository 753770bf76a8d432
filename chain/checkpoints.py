"""Binding to the deployed CheckpointLog: anchoring tree heads of the Merkle log and
reading them back (state and CheckpointAnchored logs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from chain.abi import call_view, rpc_result
from chain.compile import load_artifact
from chain.errors import ChainError
from chain.logs import EventLog, event_logs, receipt_events
from chain.sender import TransactionSender
from evidence.types import Address, Hash32, to_hex


@dataclass(frozen=True)
class Checkpoint:
    """The latest tree head as the contract stores it (earlier ones are in its logs)."""

    size: int
    timestamp: int
    block_number: int
    count: int
    root: Hash32


@dataclass(frozen=True)
class AnchoredCheckpoint:
    """A CheckpointAnchored log: the tree head, its log segment and where it landed."""

    size: int
    root: Hash32
    leaves_cid: str
    submitter: Address
    tx_hash: str
    block_number: int
    log_index: int
    block_time: int
    gas_used: int


class CheckpointLogClient:
    """The deployed CheckpointLog of one consortium."""

    def __init__(self, w3: Web3, address: str, from_block: int, sender: TransactionSender | None = None) -> None:
        self.w3 = w3
        self.from_block = from_block
        self.sender = sender or TransactionSender(w3)
        self.contract: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(address), abi=load_artifact("CheckpointLog")["abi"]
        )

    @property
    def address(self) -> Address:
        """The contract's address."""
        return Address(self.contract.address)

    def submit(self, anchor: LocalAccount, size: int, root: bytes, leaves_cid: str) -> AnchoredCheckpoint:
        """Anchor the tree head (size, root) whose new leaves are the segment ``leaves_cid``."""
        call = self.contract.functions.submitCheckpoint(size, bytes(root), leaves_cid)
        receipt = self.sender.transact(anchor, call)
        events = receipt_events(self.contract, "CheckpointAnchored", receipt.logs)
        if not events:
            raise ChainError(f"checkpoint transaction {receipt.tx_hash} emitted no CheckpointAnchored")
        return self._from_log(events[0], receipt.gas_used)

    def latest(self) -> Checkpoint:
        """The latest tree head (size 0 if none)."""
        return _checkpoint(call_view(self.contract.functions.latest()))

    def of_sizes(self, sizes: list[int]) -> dict[int, AnchoredCheckpoint]:
        """The tree heads anchored for these sizes, by size, from the contract's own
        CheckpointAnchored logs (sizes only grow, so each has at most one)."""
        if not sizes:
            return {}
        return {c.size: c for c in self.anchored(sorted(set(sizes)), with_gas=False)}

    def anchored(
        self, size: int | list[int] | None = None, with_gas: bool = True, from_block: int | None = None
    ) -> list[AnchoredCheckpoint]:
        """Every CheckpointAnchored log (of some sizes, or all; from block ``from_block`` on,
        or from the deployment), oldest first; ``with_gas`` reads each transaction's receipt
        for the gas it used (0 without)."""
        filters = {"size": size} if size is not None else None
        first = self.from_block if from_block is None else max(self.from_block, from_block)
        out = []
        for log in event_logs(self.contract, "CheckpointAnchored", first, self.w3.eth.block_number, filters):
            gas = (
                int(rpc_result(self.w3, "eth_getTransactionReceipt", [to_hex(log.tx_hash)], "receipt")["gasUsed"], 16)
                if with_gas
                else 0
            )
            out.append(self._from_log(log, gas))
        return sorted(out, key=lambda c: c.size)

    def verify_inclusion(self, leaf: bytes, index: int, size: int, proof: list[bytes]) -> bool:
        """The contract's own check of an inclusion proof against its latest checkpoint, of ``size``."""
        return bool(call_view(self.contract.functions.verifyInclusion(leaf, index, size, proof)))

    def _from_log(self, log: EventLog, gas_used: int) -> AnchoredCheckpoint:
        args = log.args
        return AnchoredCheckpoint(
            int(args["size"]),
            Hash32(bytes(args["root"])),
            str(args["leavesCid"]),
            Address(args["submitter"]),
            to_hex(log.tx_hash),
            log.block_number,
            log.log_index,
            log.block_time(lambda number: int(self.w3.eth.get_block(number)["timestamp"])),
            gas_used,
        )


def _checkpoint(value: Any) -> Checkpoint:
    size, timestamp, block, count, root = value
    return Checkpoint(int(size), int(timestamp), int(block), int(count), Hash32(bytes(root)))
