"""The checkpointer: anchors the Merkle log's tree head on chain, one transaction per batch,
with the log segment it adds published in the content store first.

A checkpoint is taken when ``batch_size`` entries wait or the oldest has waited
``max_delay`` seconds. It refuses to anchor a log that no longer extends the last anchored
root (a rewritten or lost database): that would be a fork every verifier would catch.
"""

from __future__ import annotations

import logging
import threading
import time

from api.index.rows import CheckpointRow
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from chain.checkpoints import AnchoredCheckpoint, CheckpointLogClient
from evidence.log_segment import SignedLeaf, encode_segment
from evidence.merkle import verify_consistency
from evidence.rules.checkpoints import check_checkpoint
from evidence.types import hash32, to_hex

log = logging.getLogger("borderledger.checkpointer")


def _row(anchored: AnchoredCheckpoint) -> CheckpointRow:
    return CheckpointRow(
        anchored.size,
        to_hex(anchored.root),
        anchored.leaves_cid,
        anchored.tx_hash,
        anchored.block_number,
        anchored.log_index,
        anchored.block_time,
        anchored.gas_used,
    )


class Checkpointer:
    """Anchors checkpoints; :meth:`start` runs it as a worker thread."""

    def __init__(
        self, node: Node, merkle_log: MerkleLogService, contract: CheckpointLogClient, batch_size: int, max_delay: float
    ) -> None:
        self.node = node
        self.merkle_log = merkle_log
        self.contract = contract
        self.batch_size = batch_size
        self.max_delay = max_delay
        self._anchoring = threading.Lock()  # one checkpoint at a time (worker thread or a direct call)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def checkpoint(self) -> CheckpointRow | None:
        """Anchor the current tree head if it grew since the last checkpoint."""
        with self._anchoring:
            self._recover_lost_checkpoint()
            index = self.node.index
            with self.merkle_log.lock:
                tree = self.merkle_log.tree()
                size = len(tree.leaves)
                latest = index.latest_checkpoint()
                previous = latest.size if latest else 0
                if size == 0 or size <= previous:
                    return None
                # The contract's rules, checked first: a refusal names its rule before anything is sent.
                check_checkpoint(self.node.chain.member(self.node.relayer.address).view(), previous, size)
                root = tree.root_at(size)
                if latest is not None:
                    proof = tree.consistency_proof(latest.size, size)
                    verify_consistency(latest.size, size, hash32(latest.root), root, proof)
            segment = encode_segment(
                previous, [SignedLeaf(e.evidence(), e.signature) for e in index.log_entries(previous, size)]
            )
            leaves_cid = self.node.store.put_raw(segment)
            row = _row(self.contract.submit(self.node.relayer, size, root, leaves_cid))
            index.add_checkpoint(row, previous)
            return row

    def _recover_lost_checkpoint(self) -> None:
        """Record a checkpoint the chain has but the database lost (a crash between the
        transaction and its row): otherwise every later submission would revert."""
        on_chain = self.contract.latest()
        latest = self.node.index.latest_checkpoint()
        previous = latest.size if latest else 0
        if on_chain.size == 0 or on_chain.size <= previous:
            return
        (anchored,) = self.contract.anchored(on_chain.size)
        self.node.index.add_checkpoint(_row(anchored), previous)
        log.warning("recorded checkpoint of size %d from the chain (its row was lost)", on_chain.size)

    def due(self) -> bool:
        """Whether enough entries wait, or the oldest has waited long enough."""
        waiting, oldest = self.node.index.waiting_leaves()
        return bool(waiting) and (waiting >= self.batch_size or time.time() - (oldest or 0) >= self.max_delay)

    def start(self) -> Checkpointer:
        """Start the worker thread."""

        def loop() -> None:
            while not self._stop.wait(0.1):
                try:
                    if self.due():
                        self.checkpoint()
                except Exception:
                    log.warning("checkpoint failed; retrying", exc_info=True)

        self._thread = threading.Thread(target=loop, name="checkpointer", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the worker thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
