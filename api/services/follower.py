"""Following the chain live: what other organisations' nodes write reaches this node's index.

Each pass reads the logs of the blocks that are at least ``confirmations`` deep and not yet
followed (Clique and other engines without finality may replace their last blocks), and
adds, idempotently, the members, consignments and ledger entries the index lacks, with
their payloads from the content store (re-hashed against the anchored CID). A pending
entry of this node that lost its seq to another node's entry is refused as the contract
would refuse it. A reorg deeper than the depth (the followed block's hash changed) is
followed again from before it: entries this node holds that the chain dropped go back to
the outbox (its reconcile pass), which sends them again — they are signed, so any node may.

The consortium's Merkle log is one shared log, operated by the node whose relayer the
customs majority made an ANCHOR; every other node follows its checkpoints: it fetches each
checkpoint's log segment from the content network, checks that it extends the log it holds
to exactly the anchored root, and only then indexes its batched entries. A segment that
does not is never indexed: it raises the split-view alarm (logs, /healthz). Until it has
read a checkpoint's segment, the node is behind the log, which is no alarm.
"""

from __future__ import annotations

import json
import logging
import threading

from api.index.rows import EntryStatus
from api.services.members import MembersService
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from api.services.reindex import (
    add_missing_members,
    checkpoint_entries,
    checkpoint_row,
    ledger_entry,
    opened_consignment,
)
from api.services.worker import PeriodicWorker
from chain.indexer import LogReader
from chain.rpc import block_hash
from content.store import ContentError, ContentNotFound
from evidence.documents import document_in
from evidence.errors import VerificationError
from evidence.event_types import EventType
from evidence.types import ZERO_ADDRESS

log = logging.getLogger("borderledger.follower")

CURSOR = "ledger"
REWIND_BLOCKS = 64  # how far before a changed block to follow again after a deep reorg


class ChainFollower(PeriodicWorker):
    """A thread that follows the chain into the index; :meth:`run_once` does one pass."""

    name = "follower"
    failure = "following the chain failed; retrying"

    def __init__(
        self,
        node: Node,
        members: MembersService,
        merkle_log: MerkleLogService,
        confirmations: int,
        interval: float = 1.0,
    ) -> None:
        super().__init__(interval, log)
        self.node = node
        self.members = members
        self.merkle_log = merkle_log
        self.confirmations = confirmations
        self._one_pass = threading.Lock()  # the worker's passes and direct calls never overlap

    def followed_to(self) -> int:
        """The last block whose logs are in the index."""
        cursor = self.node.index.chain_cursor(CURSOR)
        return cursor[0] if cursor else self._start_block() - 1

    def _start_block(self) -> int:
        return self.node.chain.manifest.registry.block

    def run_once(self) -> int:
        """Follow the confirmed blocks not yet followed; returns how many were."""
        with self._one_pass:
            return self._follow()

    def _follow(self) -> int:
        chain, index = self.node.chain, self.node.index
        w3 = chain.w3
        cursor = index.chain_cursor(CURSOR)
        first = self._start_block()
        if cursor is not None:
            followed, followed_hash = cursor
            if block_hash(w3, followed) != followed_hash:
                rewound = max(first - 1, followed - self.confirmations - REWIND_BLOCKS)
                log.error(
                    "block %s was replaced (a reorg deeper than %s confirmations): following again from %s",
                    followed,
                    self.confirmations,
                    rewound + 1,
                )
                followed = rewound
        else:
            followed = first - 1
        safe = w3.eth.block_number - self.confirmations
        if safe <= followed:
            return 0
        window = chain.logs.between(followed + 1, safe)
        self._members(window)
        self._consignments(window)
        self._entries(window)
        self._checkpoints(safe)
        safe_hash = block_hash(w3, safe)
        if safe_hash is not None:
            index.set_chain_cursor(CURSOR, safe, safe_hash)
        return safe - followed

    def _members(self, window: LogReader) -> None:
        accounts = sorted(window.membership())
        if accounts:
            add_missing_members(self.node, self.members, accounts)

    def _consignments(self, window: LogReader) -> None:
        index = self.node.index
        for created in window.consignments():
            if index.consignment(created.id) is None:
                row, parties = opened_consignment(created)
                index.add_consignment(row, parties)
                log.info("followed consignment %s (%s)", created.reference, created.id)

    def _entries(self, window: LogReader) -> None:
        node = self.node
        index = node.index
        for logged in window.entries():
            if (logged.consignment, logged.seq, logged.entry_hash) in node.anchored_here:
                continue  # this node's own, already indexed where it landed
            with node.locks.of(logged.consignment):
                held = index.entry(logged.consignment, logged.seq)
                if held is not None and held.entry_hash == logged.entry_hash:
                    continue  # this node's own, or followed before
                if held is not None and held.status is EntryStatus.PENDING:
                    # Another node's entry took the seq: ours can never land there, nor after it.
                    index.reject_from(logged.consignment, logged.seq, f"seq {logged.seq} holds another entry on chain")
                elif held is not None:
                    log.error(
                        "entry %s/%s differs from the chain's; left for reconcile", logged.consignment, logged.seq
                    )
                    continue
                try:
                    payload = node.store.get_raw(logged.cid)
                except ContentNotFound:
                    log.warning(
                        "entry %s/%s: payload %s never published; not indexed",
                        logged.consignment,
                        logged.seq,
                        logged.cid,
                    )
                    continue
                entry = ledger_entry(logged, payload)
                handover = entry.event_type is EventType.HANDOVER and entry.next_carrier != ZERO_ADDRESS
                node.store.put_raw(payload)  # this node's own pinned copy: evidence outlives its writer's node
                index.add_anchored_entry(entry, (entry.next_carrier, "carrier") if handover else None)
                self._document(entry.payload, entry.actor)

    def _checkpoints(self, safe: int) -> None:
        """Index the checkpoints (and their batched entries) anchored up to block ``safe``
        that extend the log this node holds."""
        contract = self.node.chain.checkpoint_log
        if contract is None:
            return
        index = self.node.index
        # Checkpoints only grow: the logs from the latest one held on are all that can be new.
        held = index.latest_checkpoint()
        anchored_logs = contract.anchored(from_block=held.block_number if held else None)
        # Under the log's lock: the checkpointer adopts checkpoints of leaves the node holds
        # under the same lock, so each checkpoint is recorded once.
        with self.merkle_log.lock:
            latest = index.latest_checkpoint()
            previous = latest.size if latest else 0
            new = [c for c in anchored_logs if c.size > previous and c.block_number <= safe]
            if not new:
                return
            tree = self.merkle_log.tree()
            if tree.size != previous:
                return  # leaves of its own wait for a checkpoint: the checkpointer judges (split view)
            extended = tree.edge.copy()
            try:
                for anchored in new:
                    segment = self.node.store.cat(anchored.leaves_cid)  # fetched (and verified) once
                    try:
                        entries = checkpoint_entries(self.node, anchored, extended, segment)
                    except VerificationError as refused:
                        self.merkle_log.raise_split_view(anchored, f"is not extended to it by its segment: {refused}")
                        return
                    self.node.store.add(segment)  # pinned here too
                    carriers = [
                        (e.consignment_id, str(e.next_carrier))
                        for e in entries
                        if e.event_type is EventType.HANDOVER and e.next_carrier != ZERO_ADDRESS
                    ]
                    index.add_followed_checkpoint(checkpoint_row(anchored), entries, carriers)
                    for entry in entries:
                        self._document(entry.payload, entry.actor)
                    log.info("followed checkpoint %d (%d batched entries)", anchored.size, len(entries))
            except ContentError as missing:
                # Checkpoints are retried every pass (they are not behind the cursor); the
                # ledger's facts keep being followed meanwhile.
                log.warning("checkpoint segment not available here yet: %s", missing)
            finally:
                self.merkle_log.reload()

    def _document(self, payload: str, actor: str) -> None:
        """Record the document a followed DOCUMENT_ATTACHED entry anchors, attached by its
        uploader, and keep a pinned copy of its bytes (fetched through the content network,
        re-hashed), so that it stays available when the uploader's node is not. A document
        that cannot be fetched now is recorded all the same, and served once it can be."""
        ref = document_in(json.loads(payload))
        if ref is None or self.node.index.document(ref.cid) is not None:
            return
        try:
            self.node.store.add(self.node.store.cat(ref.cid))
        except ContentError as unavailable:
            log.warning("document %s not copied here: %s", ref.cid, unavailable)
        self.node.index.add_document(ref.cid, ref.cid_v1, ref.sha256, ref.size, actor)
