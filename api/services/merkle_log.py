"""The Merkle log of batched entries (RFC 9162): bulk ingest, the tree, and the proofs
served to verifiers. Its checkpoints are anchored by :mod:`api.services.checkpointer`.

An entry is durable when :meth:`MerkleLogService.ingest` returns (one database transaction
for the whole request). Per-consignment hash chains hold as in the ledger: each entry
extends its consignment's head, and the same role rules apply.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from api.index.rows import AnchorKind, CheckpointRow, EntryOutline, Participant, StoredEntry
from api.services.consignments import ConsignmentsService
from api.services.errors import Conflict, NotFound
from api.services.members import MembersService
from api.services.merkle_tree import StoredTree
from api.services.node import Node
from api.verify_pool import VerifyPool
from chain.checkpoints import AnchoredCheckpoint
from evidence.eip712 import Domain
from evidence.errors import LedgerValueError, RuleViolation
from evidence.event_types import EventType
from evidence.log_segment import SignedLeaf, encode_segment, join_segment
from evidence.merkle import leaf_hash, multi_inclusion_proof
from evidence.payload_rules import check_payload
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView, check_append, check_signer_and_position, check_submitter
from evidence.signed_entries import PayloadRefused, Prepared, SignedFields, prepare
from evidence.types import Address, Hash32, hash32, to_hex

log = logging.getLogger("borderledger.merkle_log")

MAX_BATCH_ENTRIES = 10_000  # entries per bulk request
UNANCHORED_HELD = 100_000  # accepted entries kept in memory for the next checkpoint's segment
MAX_LEAVES_PER_READ = 1_000
_PREPARE_CHUNK = 1_000  # entries a worker prepares at a time for a bulk request


def _signed_fields(entry: StoredEntry) -> dict[str, Any]:
    """What the entry's author signed, the signature and the entry hash (no payload)."""
    public = entry.public()
    keys = ("seq", "event_type", "prev_hash", "payload_hash", "cid", "next_carrier", "actor", "signature", "entry_hash")
    return {k: public[k] for k in keys}


@dataclass(frozen=True)
class SignedItem:
    """One entry of a bulk request, as its author signed it."""

    reference: str
    event_type: EventType
    payload: dict[str, Any]
    next_carrier: str | None
    seq: int
    prev_hash: str
    actor: str
    signature: bytes


class _Batch:
    """The state a bulk request's checks carry from one entry to the next."""

    def __init__(self, log: MerkleLogService, caller: Participant) -> None:
        self.log = log
        self.caller = caller
        self.reader = log.members.view_of(caller)
        self.members: dict[str, MemberView] = {caller.address: self.reader}
        self.views: dict[str, ConsignmentView] = {}
        self.heads: dict[str, tuple[int, Hash32]] = {}
        self.ids: dict[str, str] = {}

    def member(self, address: str) -> MemberView:
        if address not in self.members:
            self.members[address] = self.log.members.view(address)
        return self.members[address]

    def consignment(self, reference: str) -> str:
        if reference not in self.ids:
            consignments = self.log.consignments
            # The submitter must read the consignment: no refusal tells a stranger its head.
            row, info, _ = consignments.readable(self.caller, reference, self.reader)
            consignments.require_batched(row)
            self.ids[reference] = row.id
            self.views[row.id] = consignments.view(info, row)
            self.heads[row.id] = consignments.next_position(row, info)
        return self.ids[reference]

    def accept(
        self, n: int, item: SignedItem, ready: Prepared | PayloadRefused, leaf_index: int, now: float
    ) -> tuple[StoredEntry, bytes]:
        """Entry ``n`` of the request, prepared by the workers, checked in order against the
        entries before it (EPCIS form, roles, payload rules, signer, position): the entry to
        store and its segment item; RuleViolation or LedgerValueError if refused."""
        if isinstance(ready, PayloadRefused):
            where = "; ".join(f"entries.{n}.payload{'.' if at else ''}{at}: {why}" for at, why in ready.errors)
            raise LedgerValueError(f"entry {n}: the payload is no EPCIS 2.0 event ({where}); nothing was stored")
        consignment_id, entry = self.ids[item.reference], ready.entry
        try:
            view = self.views[consignment_id]
            next_view = self.member(item.next_carrier) if item.next_carrier else None
            actor = self.member(item.actor)
            check_append(item.event_type, actor, view, next_view)
            check_payload(item.event_type, item.payload, actor.jurisdiction)
            if ready.signer is None:
                raise LedgerValueError(f"entry {n}: {ready.refusal}; nothing was stored")
            count, head = self.heads[consignment_id]
            check_signer_and_position(entry, ready.digest, ready.signer, count, head)
        except RuleViolation as violation:
            raise RuleViolation(violation.rule, f"entry {n}: {violation}; nothing was stored") from violation
        if item.event_type is EventType.HANDOVER and item.next_carrier:
            carrier = Address(item.next_carrier)
            self.views[consignment_id] = replace(view, carrier=carrier, parties=view.parties | {carrier})
        self.heads[consignment_id] = (entry.seq + 1, ready.digest)
        stored = StoredEntry.accepted(
            entry,
            ready.digest,
            item.signature,
            ready.payload_bytes,
            item.event_type,
            AnchorKind.LOG,
            now,
            leaf_index=leaf_index,
        )
        return stored, ready.segment_item


class MerkleLogService:
    """The log's leaves, ingest and proofs."""

    def __init__(
        self,
        node: Node,
        members: MembersService,
        consignments: ConsignmentsService,
        verify_pool: VerifyPool | None = None,
    ) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self.verify_pool = verify_pool  # shares out signer recovery for long requests
        # The log's leaves: ingest appends, proofs and checkpoints read; re-entrant, so the chain
        # follower can forget the cached tree while it holds the lock to extend the log.
        self.lock = threading.RLock()
        self._tree: StoredTree | None = None  # loaded lazily (and caught up with the index's leaves)
        # The segment items (see evidence.log_segment) of what this node's ingests stored and
        # no checkpoint covers yet, one request's each, in leaf order with its first leaf
        # index: the checkpointer joins its segment from these instead of reading back and
        # encoding what was just written. At most UNANCHORED_HELD; older ones are read from
        # the index.
        self._unanchored: deque[tuple[int, list[bytes]]] = deque()
        # Set when the chain anchors a tree head that this node's log cannot be (a split
        # view): reported in the logs and /healthz. It stays: an anchored head never changes.
        self.split_view: str | None = None

    def raise_split_view(self, anchored: AnchoredCheckpoint, why: str) -> None:
        """Sound the split-view alarm for ``anchored``, which this node's log cannot be (``why``)."""
        alarm = (
            f"CheckpointLog holds size {anchored.size} root {to_hex(anchored.root)} (block {anchored.block_number}, "
            f"by {anchored.submitter}); this node's log {why}: a split view; nothing more is anchored or "
            "followed until the consortium resolves it"
        )
        if alarm != self.split_view:
            log.error("split view: %s", alarm)
        self.split_view = alarm

    def operates_log(self) -> bool:
        """Whether this node operates the consortium's Merkle log (its relayer is an ANCHOR);
        every other node follows it."""
        return self.members.view(self.node.relayer.address).holds(Role.ANCHOR)

    def reload(self) -> None:
        """Forget the cached tree and leaves (after the index was rebuilt underneath)."""
        with self.lock:
            self._tree = None
            self._unanchored.clear()

    def segment(self, first: int, end: int) -> bytes:
        """The segment document of leaves ``first`` up to (not including) ``end``: joined from
        the items the ingests that stored them hold, or encoded from the index."""
        with self.lock:
            items = self._held_items(first, end)
        if items is not None:
            return join_segment(first, items)
        leaves = self.node.index.log_entries(first, end)  # stored leaves never change
        return encode_segment(first, [SignedLeaf(e.evidence(), e.signature, e.payload) for e in leaves])

    def _held_items(self, first: int, end: int) -> list[bytes] | None:
        held = self._unanchored
        while held and held[0][0] + len(held[0][1]) <= first:
            held.popleft()  # anchored already
        out: list[bytes] = []
        for start, items in held:
            if start > first + len(out):
                break
            skip = first + len(out) - start
            out.extend(items[skip : skip + end - first - len(out)])
            if len(out) == end - first:
                return out
        return None

    def _hold(self, first: int, items: list[bytes]) -> None:
        self._unanchored.append((first, items))
        while sum(len(chunk) for _, chunk in self._unanchored) > UNANCHORED_HELD:
            self._unanchored.popleft()

    def tree(self) -> StoredTree:
        """The whole log's tree; call with :attr:`lock` held."""
        if self._tree is None:
            self._tree = StoredTree(self.node.index)
        return self._tree

    def _require_log_operator(self) -> None:
        """The consortium has one Merkle log, operated by the node whose relayer the customs
        majority made an ANCHOR; other nodes follow it, and never start a log of their own
        (that would be a split view)."""
        if not self.operates_log():
            relayer = self.node.relayer.address
            raise RuleViolation(
                "CheckpointLogNotAnchor",
                f"this node does not operate the consortium's Merkle log (its relayer {relayer} is no anchor): "
                "send batched entries to the log operator's node",
            )

    def ingest(self, caller: Participant, items: list[SignedItem]) -> dict[str, Any]:
        """Check every entry (chain position, signature, role rules), then store all in one
        transaction; nothing is stored if any entry is refused."""
        if not 1 <= len(items) <= MAX_BATCH_ENTRIES:
            raise LedgerValueError(f"a bulk request carries 1 to {MAX_BATCH_ENTRIES} entries, not {len(items)}")
        check_submitter(self.members.view_of(caller))
        self._require_log_operator()
        batch = _Batch(self, caller)
        domain = self.node.chain.domain
        fields = [
            SignedFields(
                hash32(batch.consignment(item.reference)),
                item.seq,
                hash32(item.prev_hash),
                item.event_type,
                item.payload,
                item.next_carrier,
                item.actor,
                item.signature,
            )
            for item in items
        ]
        prepared = self._prepare(fields, domain)
        # Under the lock and in one transaction while the workers finish: each chunk is checked
        # in order and written as it comes back; nothing is committed if any entry is refused.
        with self.lock:
            tree = self.tree()
            first, now = tree.size, time.time()
            accepted: list[StoredEntry] = []
            segment_items: list[bytes] = []
            edge, nodes = tree.edge, []
            with self.node.index.adding_log_entries() as writer:

                def write(part: list[StoredEntry]) -> None:
                    """Store ``part`` and the subtrees its leaves complete (while the workers
                    prepare the next part, rather than all of them after the last)."""
                    nonlocal edge
                    writer.add(part)
                    edge, completed = tree.extended([leaf_hash(bytes(hash32(e.entry_hash))) for e in part], edge)
                    writer.add_nodes(completed)
                    nodes.extend(completed)

                for n, (item, ready) in enumerate(zip(items, prepared, strict=True)):
                    stored, segment_item = batch.accept(n, item, ready, first + n, now)
                    accepted.append(stored)
                    segment_items.append(segment_item)
                    if len(accepted) % _PREPARE_CHUNK == 0:
                        write(accepted[-_PREPARE_CHUNK:])
                write(accepted[len(accepted) - len(accepted) % _PREPARE_CHUNK :])
            # Durable in the index now; the checkpointer publishes the payloads to the content
            # store before it anchors them, so chain + content rebuild the log.
            tree.adopt(edge, nodes)
            self._hold(first, segment_items)
        return {
            "accepted": len(accepted),
            "log_size": first + len(accepted),
            "entries": [
                {"reference": item.reference, "seq": e.seq, "entry_hash": e.entry_hash, "leaf_index": e.leaf_index}
                for item, e in zip(items, accepted, strict=True)
            ],
        }

    def _prepare(self, fields: list[SignedFields], domain: Domain) -> Iterable[Prepared | PayloadRefused]:
        """Entries built, payloads checked and signers recovered, by the worker processes for long requests: in
        order, each chunk as soon as it is done, so that the caller checks the first while the
        workers prepare the rest."""
        pool = self.verify_pool
        executor = pool.for_entries(len(fields)) if pool is not None else None
        if pool is None or executor is None:
            return prepare(fields, domain)
        share = min(_PREPARE_CHUNK, -(-len(fields) // (2 * pool.workers)))  # at least two chunks per worker
        chunks = [fields[i : i + share] for i in range(0, len(fields), share)]
        return (p for done in executor.map(prepare, chunks, [domain] * len(chunks)) for p in done)

    # --- checkpoints and proofs ----------------------------------------------------------

    def checkpoints(self) -> list[dict[str, Any]]:
        """Every anchored tree head, oldest first."""
        return [c.public() for c in self.node.index.checkpoints()]

    def leaves(self, start: int, end: int) -> dict[str, Any]:
        """The signed entries of anchored leaves ``start`` up to ``end`` (at most
        MAX_LEAVES_PER_READ), as Certificate Transparency's get-entries: what a monitor needs
        to recompute every anchored root and see what a node leaves out. Payloads are not
        included (they are served to who may read their consignment)."""
        latest = self.node.index.latest_checkpoint()
        anchored = latest.size if latest else 0
        if start < 0 or end <= start:
            raise LedgerValueError(f"leaves run from start to end, start < end; not {start}..{end}")
        end = min(end, anchored, start + MAX_LEAVES_PER_READ)
        entries = self.node.index.log_entries(start, end) if start < end else []
        return {
            "tree_size": anchored,
            "start": start,
            "entries": [
                {"leaf_index": e.leaf_index, "consignment": e.consignment_id, **_signed_fields(e)} for e in entries
            ],
        }

    def latest(self) -> dict[str, Any]:
        """The latest anchored tree head."""
        return self.checkpoint(None).public()

    def checkpoint(self, size: int | None) -> CheckpointRow:
        """The anchored checkpoint of ``size`` (None: the latest)."""
        found = self.node.index.latest_checkpoint() if size is None else self.node.index.checkpoint(size)
        if found is None:
            raise NotFound("nothing is anchored yet" if size is None else f"no checkpoint of tree size {size}")
        return found

    def proof(self, entry_hash: str, tree_size: int | None = None) -> dict[str, Any]:
        """The inclusion proof of an entry in an anchored tree (default: the latest)."""
        entry = self.node.index.entry_by_hash(entry_hash)
        if entry is None or entry.leaf_index is None:
            raise NotFound(f"no batched entry {entry_hash}")
        try:
            checkpoint = self.checkpoint(tree_size)
        except NotFound:
            if tree_size is not None:
                raise
            checkpoint = None
        if checkpoint is None or checkpoint.size <= entry.leaf_index:
            raise Conflict(
                f"entry {entry_hash} (leaf {entry.leaf_index}) is not in the anchored tree"
                + (f" of size {tree_size}" if tree_size else "; retry after the next checkpoint")
            )
        with self.lock:
            path = self.tree().inclusion_proof(entry.leaf_index, checkpoint.size)
        return {
            "entry_hash": entry_hash,
            "leaf_index": entry.leaf_index,
            "tree_size": checkpoint.size,
            "proof": [to_hex(p) for p in path],
            "root": checkpoint.root,
            "checkpoint": checkpoint.public(),
            "contract": self._contract(),
        }

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        """The consistency proof between two anchored tree sizes (default second: the latest)."""
        old, new = self.checkpoint(first), self.checkpoint(second)
        if old.size > new.size:
            raise LedgerValueError(f"tree size {first} is larger than {new.size}: a proof runs from old to new")
        with self.lock:
            path = self.tree().consistency_proof(old.size, new.size)
        return {
            "first": old.public(),
            "second": new.public(),
            "proof": [to_hex(p) for p in path],
            "contract": self._contract(),
        }

    def evidence(self, entries: Sequence[StoredEntry | EntryOutline]) -> tuple[list[dict[str, Any]], list[str]]:
        """For a consignment's anchored log entries: the checkpoints that anchored them and
        the latest (oldest first), each with its consistency proof from the one before, and
        one multi-leaf inclusion proof of the entries in the latest."""
        logged = [e for e in entries if e.leaf_index is not None and e.checkpoint_size is not None]
        latest = self.node.index.latest_checkpoint()
        if not logged or latest is None:
            return [], []
        sizes = sorted({*(e.checkpoint_size for e in logged if e.checkpoint_size), latest.size})
        chosen = [self.checkpoint(size) for size in sizes]
        with self.lock:
            tree = self.tree()
            inclusion = multi_inclusion_proof(
                tree, [e.leaf_index for e in logged if e.leaf_index is not None], latest.size
            )
            consistency = [
                tree.consistency_proof(previous.size, c.size) if previous else []
                for previous, c in zip([None, *chosen[:-1]], chosen, strict=True)
            ]
        keys = ("size", "root", "tx_hash", "block_number", "log_index", "block_time")
        checkpoints = [
            {**{k: getattr(c, k) for k in keys}, "consistency": [to_hex(p) for p in path]}
            for c, path in zip(chosen, consistency, strict=True)
        ]
        return checkpoints, [to_hex(p) for p in inclusion]

    def _contract(self) -> str | None:
        log = self.node.chain.checkpoint_log
        return log.address if log else None
