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
from evidence.merkle import verify_consistency
from evidence.rules.checkpoints import check_checkpoint
from evidence.types import hash32, to_hex

log = logging.getLogger("borderledger.checkpointer")
WATCH_INTERVAL = 5.0  # seconds between looks at the chain's checkpoints when nothing is due


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

    @property
    def split_view(self) -> str | None:
        """Why the chain anchors a tree head this node's log cannot be, if it does (see
        :meth:`MerkleLogService.raise_split_view`)."""
        return self.merkle_log.split_view

    def checkpoint(self) -> CheckpointRow | None:
        """Anchor the current tree head if it grew since the last checkpoint; nothing while
        the chain shows a split view (see :attr:`split_view`)."""
        with self._anchoring:
            if not self._adopt_checkpoints_from_chain():
                return None
            index = self.node.index
            with self.merkle_log.lock:
                tree = self.merkle_log.tree()
                size = tree.size
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
            # What the checkpoint commits to is in the content store before the chain names it:
            # the segment of signed entries with their payloads, as one file.
            segment = self.merkle_log.segment(previous, size)
            leaves_cid = self.node.store.add(segment).cid_v1
            row = _row(self.contract.submit(self.node.relayer, size, root, leaves_cid))
            index.add_checkpoint(row)
            return row

    def _adopt_checkpoints_from_chain(self) -> bool:
        """Record checkpoints the chain has and the index lacks (a crash between a transaction
        and its row), each only once it is proven to be this node's own log: its root must be
        the root of the node's first ``size`` leaves. Returns False, and reports a split view,
        when the chain holds a checkpoint this node cannot prove: a root its leaves do not give,
        or, on the log's operator, a head beyond its leaves. On a node that follows the log, a
        head beyond its leaves is one it has not followed yet, not a split view: the follower
        raises one if that head's segment does not extend the log (:mod:`api.services.follower`)."""
        # Under the log's lock: on a node that follows the log, the follower indexes a
        # checkpoint with its leaves under the same lock, and must not be adopted twice.
        with self.merkle_log.lock:
            return self._adopt_under_lock()

    def _adopt_under_lock(self) -> bool:
        index = self.node.index
        latest = index.latest_checkpoint()
        previous = latest.size if latest else 0
        if latest is None and not index.has_log():
            return True  # no log here yet (a new node before `reindex`): nothing to judge against
        on_chain = self.contract.latest()
        if on_chain.size <= previous:
            return self.split_view is None
        for anchored in self.contract.anchored():
            if anchored.size <= previous:
                continue
            tree = self.merkle_log.tree()
            if anchored.size > tree.size:
                if not self.merkle_log.operates_log():
                    return self.split_view is None  # leaves it has not followed yet: the follower judges them
                self.merkle_log.raise_split_view(anchored, f"has only {tree.size} leaves")
                return False
            ours = tree.root_at(anchored.size)
            if bytes(ours) != bytes(anchored.root):
                self.merkle_log.raise_split_view(anchored, f"has root {to_hex(ours)} there")
                return False
            index.add_checkpoint(_row(anchored))
            log.warning("recorded checkpoint of size %d from the chain (its row was lost)", anchored.size)
            previous = anchored.size
        return True

    def watch(self) -> str | None:
        """Compare the chain's checkpoints with this node's log; the split view, if any."""
        with self._anchoring:
            self._adopt_checkpoints_from_chain()
        return self.split_view

    def due(self) -> bool:
        """Whether enough entries wait, or the oldest has waited long enough."""
        waiting, oldest = self.node.index.waiting_leaves()
        return bool(waiting) and (waiting >= self.batch_size or time.time() - (oldest or 0) >= self.max_delay)

    def start(self) -> Checkpointer:
        """Start the worker thread."""

        def loop() -> None:
            last_watch = 0.0
            while not self._stop.wait(0.1):
                try:
                    if self.due():
                        self.checkpoint()
                    elif time.monotonic() - last_watch > WATCH_INTERVAL:
                        self.watch()
                        last_watch = time.monotonic()
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
