"""The outbox worker: anchors accepted entries the chain could not take at once, and puts
back into the outbox entries a restarted node lost (a dev chain may drop its last blocks).

Entries are signed, so sending one again is idempotent: at its seq, the contract holds
either nothing (send it) or exactly this entry hash (it landed; record where).
"""

from __future__ import annotations

import logging
import time

from api.index.rows import EntryStatus, StoredEntry
from api.services.appends import AppendsService
from api.services.node import Node
from api.services.worker import PeriodicWorker
from chain.errors import ContractRevert
from chain.indexer import AppendedEntry
from chain.ledger import AppendResult
from chain.sender import Receipt
from evidence.types import hash32

log = logging.getLogger("borderledger.outbox")


class OutboxWorker(PeriodicWorker):
    """A thread that drains the outbox; :meth:`run_once` does one pass (tests call it)."""

    name = "outbox"
    failure = "outbox pass failed; retrying"

    def __init__(
        self, node: Node, appends: AppendsService, interval: float = 0.5, reconcile_every: float = 60.0
    ) -> None:
        super().__init__(interval, log)
        self.node = node
        self.appends = appends
        self.reconcile_every = reconcile_every
        self._reconciled_at: float | None = None  # monotonic time of the last reconciliation

    def after_failure(self) -> None:
        """A failed send may have left the nonce count ahead of the chain."""
        self.node.chain.sender.forget_nonces()

    def pending_count(self) -> int:
        """Entries accepted and not yet anchored."""
        return self.node.index.pending_count()

    def run_once(self) -> None:
        """Send what is pending, in order; on the first pass after a start, and then every
        ``reconcile_every`` seconds, first check every consignment's anchored entries against
        the chain. (Reconciling on every pass cost a chain call per consignment every half
        second: with thousands of consignments, the worker took the node's CPU from appends.)"""
        now = time.monotonic()
        if self._reconciled_at is None or now - self._reconciled_at >= self.reconcile_every:
            for consignment_id in self.node.index.ledger_consignments():
                with self.node.locks.of(consignment_id):
                    self._reconcile(consignment_id)
            self._reconciled_at = now
        for consignment_id in self.node.index.pending_consignments():
            with self.node.locks.of(consignment_id):
                self._drain(consignment_id)

    def _reconcile(self, consignment_id: str) -> None:
        """Entries recorded as anchored that the chain no longer holds go back to pending."""
        count, _ = self.node.chain.head(hash32(consignment_id))
        for entry in self.node.index.entries_of(consignment_id, EntryStatus.ANCHORED):
            if entry.leaf_index is None and entry.seq >= count:
                log.warning("entry %s/%s is no longer on chain: back to the outbox", consignment_id, entry.seq)
                self.node.index.mark_pending(consignment_id, entry.seq)

    def _drain(self, consignment_id: str) -> None:
        chain = self.node.chain
        logged: dict[int, AppendedEntry] | None = None  # the ledger's logs, read once if needed
        for entry in self.node.index.entries_of(consignment_id, EntryStatus.PENDING):
            count, _ = chain.head(hash32(consignment_id))
            if entry.seq < count:
                if logged is None:
                    logged = {e.seq: e for e in chain.logs.entries(hash32(consignment_id))}
                found = logged.get(entry.seq)
                if found is not None and found.entry_hash == entry.entry_hash:
                    receipt = Receipt(found.tx_hash, found.block_number, "", 1, 0, [])
                    landed = AppendResult(hash32(entry.entry_hash), receipt, found.log_index, found.block_time)
                    self.appends.mark_anchored(entry, landed)
                else:
                    self._reject(entry, f"seq {entry.seq} holds another entry on chain")
                continue
            if entry.seq > count:
                return  # an earlier entry is missing; wait for it
            try:
                result = chain.append(self.node.relayer, entry.evidence(), entry.signature)
            except ContractRevert as revert:
                if revert.error == "ConsignmentLedgerStaleHead":
                    return  # the chain moved meanwhile; look again next pass
                self._reject(entry, f"the contract refused it: {revert.error} {revert.args_by_name}")
                return
            self.appends.mark_anchored(entry, result)
            log.info("anchored %s/%s from the outbox", consignment_id, entry.seq)

    def _reject(self, entry: StoredEntry, reason: str) -> None:
        """An entry the contract refuses can never land, nor can those chained after it: they
        move to ``rejected_entries`` (with the reason) and their seqs are free again."""
        log.error("entry %s/%s rejected: %s", entry.consignment_id, entry.seq, reason)
        self.node.index.reject_from(entry.consignment_id, entry.seq, reason)
