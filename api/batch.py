"""Batched anchoring: signed entries go into an append-only Merkle log (RFC 9162) whose
tree heads are anchored on chain by CheckpointLog, one transaction per batch.

An entry is durable when :meth:`BatchLog.ingest` returns (one database transaction for the
whole request) and anchored by the next checkpoint, taken when ``batch_size`` entries wait
or the oldest has waited ``max_delay`` seconds. Per-consignment hash chains hold as in the
ledger: each entry extends its consignment's head, and the same role rules apply.
"""

from __future__ import annotations

import logging
import threading
import time
from bisect import bisect_right
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, insert, select, update
from web3.contract import Contract
from web3.logs import DISCARD

from api import db
from api.errors import Conflict, NotFound
from api.schemas import MAX_BATCH_ENTRIES, BulkRequest
from api.service import LedgerService, Participant
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry, entry_hash, recover_digest_signer
from evidence.errors import LedgerValueError, RuleViolation
from evidence.event_types import EventType
from evidence.merkle import Tree, leaf_hash, multi_inclusion_proof, verify_consistency
from evidence.rules import ConsignmentView, MemberView, check_append
from evidence.types import ZERO_ADDRESS, Address, Hash32

log = logging.getLogger("borderledger.batch")


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


def signed_items(body: BulkRequest) -> list[SignedItem]:
    """The entries of a validated bulk request."""
    return [
        SignedItem(
            e.reference,
            e.event_type,
            e.payload,
            e.next_carrier,
            e.seq,
            e.prev_hash,
            e.actor,
            bytes.fromhex(e.signature[2:]),
        )
        for e in body.entries
    ]


def _bytes(value: str) -> Hash32:
    return Hash32(bytes.fromhex(value[2:]))


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class BatchLog:
    """The Merkle log of batched entries and its checkpoints."""

    def __init__(self, service: LedgerService, checkpoints: Contract, batch_size: int, max_delay: float) -> None:
        self.service = service
        self.checkpoints = checkpoints
        self.batch_size = batch_size
        self.max_delay = max_delay
        self._lock = threading.Lock()  # the log's leaves: ingestion appends, proofs read
        self._anchoring = threading.Lock()  # one checkpoint at a time (worker thread or a direct call)
        self._stop = threading.Event()
        # The whole log's tree, loaded lazily; it grows by appending leaves, and its cached
        # subtree roots stay valid because the log only grows.
        self._tree: Tree | None = None
        self._thread: threading.Thread | None = None

    # --- ingestion --------------------------------------------------------------------

    def ingest(self, caller: Participant, items: list[SignedItem]) -> dict[str, Any]:
        """Validate every entry (signature, chain position, role rules), then store all in one
        transaction; nothing is stored if any entry is refused."""
        if not 1 <= len(items) <= MAX_BATCH_ENTRIES:
            raise LedgerValueError(f"a bulk request carries 1 to {MAX_BATCH_ENTRIES} entries, not {len(items)}")
        if not self.service.member_view(caller.address).active:
            raise RuleViolation("ConsignmentLedgerInactiveActor", "only active members submit entries")
        domain = self.service.client.domain
        members: dict[str, MemberView] = {}
        views: dict[str, ConsignmentView] = {}
        heads: dict[str, tuple[int, Hash32]] = {}
        ids: dict[str, str] = {}

        def member(address: str) -> MemberView:
            if address not in members:
                members[address] = self.service.member_view(address)
            return members[address]

        with self._lock:
            rows = []
            for n, item in enumerate(items):
                cid = ids.get(item.reference)
                if cid is None:
                    cid = ids[item.reference] = self.service._consignment_row(item.reference)["id"]
                if cid not in views:
                    info = self.service.client.consignment(_bytes(cid))
                    views[cid] = self.service._view(info, cid)
                    heads[cid] = self._head(cid, info.count, info.head)
                payload_bytes = canonical_json(item.payload)
                entry = Entry(
                    _bytes(cid),
                    item.seq,
                    _bytes(item.prev_hash),
                    Hash32(item.event_type.type_id),
                    payload_hash(payload_bytes),
                    payload_cid(payload_bytes),
                    Address(item.next_carrier or ZERO_ADDRESS),
                    Address(item.actor),
                )
                count, head = heads[cid]
                if item.seq != count or bytes(entry.prev_hash) != bytes(head):
                    raise Conflict(
                        f"entry {n}: stale head (ConsignmentLedgerStaleHead): {item.reference} continues at seq "
                        f"{count} after {_hex(head)}; nothing was stored"
                    )
                digest = entry_hash(entry, domain)
                signer = recover_digest_signer(digest, item.signature)
                if signer.lower() != item.actor.lower():
                    raise RuleViolation(
                        "ConsignmentLedgerInvalidSigner",
                        f"entry {n}: the signature recovers {signer}, not {item.actor}",
                    )
                view = views[cid]
                next_view = member(item.next_carrier) if item.next_carrier else None
                try:
                    check_append(item.event_type, member(item.actor), view, next_view)
                except RuleViolation as violation:
                    raise RuleViolation(violation.rule, f"entry {n}: {violation}; nothing was stored") from violation
                if item.event_type is EventType.HANDOVER and item.next_carrier:
                    carrier = Address(item.next_carrier)
                    views[cid] = replace(view, carrier=carrier, parties=view.parties | {carrier})
                heads[cid] = (count + 1, digest)
                rows.append((cid, item, entry, digest, payload_bytes))

            leaves = self._log().leaves
            first = len(leaves)
            now = time.time()
            with self.service.engine.begin() as conn:
                conn.execute(
                    insert(db.batch_entries),
                    [
                        {
                            "leaf_index": first + offset,
                            "consignment": cid,
                            "seq": entry.seq,
                            "event_type": item.event_type.value,
                            "prev_hash": item.prev_hash,
                            "payload_hash": _hex(entry.payload_hash),
                            "cid": entry.cid,
                            "next_carrier": entry.next_carrier,
                            "actor": entry.actor,
                            "signature": item.signature,
                            "entry_hash": _hex(digest),
                            "payload": payload_bytes.decode(),
                            "accepted_at": now,
                        }
                        for offset, (cid, item, entry, digest, payload_bytes) in enumerate(rows)
                    ],
                )
                for cid, (count, head) in heads.items():
                    updated = conn.execute(
                        update(db.batch_heads)
                        .where(db.batch_heads.c.consignment == cid)
                        .values(count=count, head=_hex(head))
                    )
                    if updated.rowcount == 0:
                        conn.execute(insert(db.batch_heads).values(consignment=cid, count=count, head=_hex(head)))
            leaves.extend(leaf_hash(bytes(digest)) for _, _, _, digest, _ in rows)
        return {
            "accepted": len(rows),
            "log_size": first + len(rows),
            "entries": [
                {"reference": item.reference, "seq": entry.seq, "entry_hash": _hex(digest), "leaf_index": first + i}
                for i, (_, item, entry, digest, _) in enumerate(rows)
            ],
        }

    def _head(self, cid: str, ledger_count: int, ledger_head: Hash32) -> tuple[int, Hash32]:
        with self.service.engine.connect() as conn:
            row = conn.execute(select(db.batch_heads).where(db.batch_heads.c.consignment == cid)).first()
        if row is None:
            return ledger_count, ledger_head
        return int(row._mapping["count"]), _bytes(row._mapping["head"])

    def _log(self) -> Tree:
        if self._tree is None:
            with self.service.engine.connect() as conn:
                hashes = conn.execute(select(db.batch_entries.c.entry_hash).order_by(db.batch_entries.c.leaf_index))
                self._tree = Tree([leaf_hash(bytes(_bytes(h))) for (h,) in hashes])
        return self._tree

    # --- checkpoints ------------------------------------------------------------------

    def latest_checkpoint(self) -> dict[str, Any] | None:
        """The latest anchored tree head."""
        with self.service.engine.connect() as conn:
            row = conn.execute(select(db.log_checkpoints).order_by(db.log_checkpoints.c.size.desc()).limit(1)).first()
        return dict(row._mapping) if row else None

    def anchored_checkpoints(self) -> list[dict[str, Any]]:
        """Every anchored tree head, oldest first."""
        with self.service.engine.connect() as conn:
            rows = conn.execute(select(db.log_checkpoints).order_by(db.log_checkpoints.c.size)).all()
        return [self._complete(dict(r._mapping)) for r in rows]

    def _complete(self, row: dict[str, Any]) -> dict[str, Any]:
        """Fill in where the checkpoint's event sits, for rows written before that was kept."""
        if row["log_index"] is not None and row["block_time"] is not None:
            return row
        receipt = self.service.client.w3.eth.get_transaction_receipt(row["tx_hash"])
        (event,) = self.checkpoints.events.CheckpointAnchored().process_receipt(receipt, errors=DISCARD)
        row["log_index"] = int(event["logIndex"])
        row["block_time"] = self.service.client.logs.block_time(row["block_number"])
        with self.service.engine.begin() as conn:
            conn.execute(
                update(db.log_checkpoints)
                .where(db.log_checkpoints.c.size == row["size"])
                .values(log_index=row["log_index"], block_time=row["block_time"])
            )
        return row

    def checkpoint(self) -> dict[str, Any] | None:
        """Anchor the current tree head if it grew since the last checkpoint.

        Refuses to anchor a log that no longer extends the last anchored root (a rewritten
        or lost database): that would be a fork, which every verifier's consistency check
        would catch, so it is stopped here with a clear error instead.
        """
        with self._anchoring:
            return self._checkpoint()

    def _checkpoint(self) -> dict[str, Any] | None:
        self._recover_lost_checkpoint()
        with self._lock:
            tree = self._log()
            size = len(tree.leaves)
            latest = self.latest_checkpoint()
            if size == 0 or (latest and latest["size"] >= size):
                return None
            tree_root = tree.root_at(size)
            if latest is not None:
                verify_consistency(
                    latest["size"],
                    size,
                    _bytes(latest["root"]),
                    tree_root,
                    tree.consistency_proof(latest["size"], size),
                )
        receipt = self.service.client.sender.transact(
            self.service.relayer, self.checkpoints.functions.submitCheckpoint(size, tree_root)
        )
        anchored = self.checkpoints.events.CheckpointAnchored().process_receipt(receipt.raw, errors=DISCARD)
        row = {
            "size": size,
            "root": _hex(tree_root),
            "tx_hash": receipt.tx_hash,
            "block_number": receipt.block_number,
            "log_index": int(anchored[0]["logIndex"]),
            "block_time": self.service.client.logs.block_time(receipt.block_number),
            "gas_used": receipt.gas_used,
            "anchored_at": time.time(),
        }
        with self.service.engine.begin() as conn:
            conn.execute(insert(db.log_checkpoints).values(**row))
        return row

    def _recover_lost_checkpoint(self) -> None:
        """Record a checkpoint the chain has but the database lost (a crash between the
        transaction and its row): otherwise every later submission would revert."""
        on_chain = self.checkpoints.functions.latest().call()
        size = int(on_chain[0])
        latest = self.latest_checkpoint()
        if size == 0 or (latest is not None and latest["size"] >= size):
            return
        block = int(on_chain[2])
        (event,) = [
            e
            for e in self.checkpoints.events.CheckpointAnchored().get_logs(from_block=block, to_block=block)
            if int(e["args"]["size"]) == size
        ]
        receipt = self.service.client.w3.eth.get_transaction_receipt(event["transactionHash"])
        with self.service.engine.begin() as conn:
            conn.execute(
                insert(db.log_checkpoints).values(
                    size=size,
                    root=_hex(on_chain[4]),
                    tx_hash=_hex(event["transactionHash"]),
                    block_number=block,
                    log_index=int(event["logIndex"]),
                    block_time=int(on_chain[1]),
                    gas_used=int(receipt["gasUsed"]),
                    anchored_at=time.time(),
                )
            )
        log.warning("recorded checkpoint of size %d from the chain (its row was lost)", size)

    def _due(self) -> bool:
        latest = self.latest_checkpoint()
        anchored = latest["size"] if latest else 0
        with self.service.engine.connect() as conn:
            waiting, oldest = conn.execute(
                select(func.count(), func.min(db.batch_entries.c.accepted_at)).where(
                    db.batch_entries.c.leaf_index >= anchored
                )
            ).one()
        return bool(waiting) and (waiting >= self.batch_size or time.time() - oldest >= self.max_delay)

    def start(self) -> BatchLog:
        """Start the checkpoint thread."""

        def loop() -> None:
            while not self._stop.wait(0.1):
                try:
                    if self._due():
                        self.checkpoint()
                except Exception:
                    log.warning("checkpoint failed; retrying", exc_info=True)

        self._thread = threading.Thread(target=loop, name="checkpoints", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the checkpoint thread."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)

    # --- proofs -----------------------------------------------------------------------

    def _anchored(self, size: int | None) -> dict[str, Any]:
        """The anchored checkpoint of ``size`` (None: the latest)."""
        if size is None:
            checkpoint = self.latest_checkpoint()
            if checkpoint is None:
                raise NotFound("nothing is anchored yet")
            return self._complete(checkpoint)
        with self.service.engine.connect() as conn:
            row = conn.execute(select(db.log_checkpoints).where(db.log_checkpoints.c.size == size)).first()
        if row is None:
            raise NotFound(f"no checkpoint of tree size {size} is anchored")
        return self._complete(dict(row._mapping))

    def proof(self, entry_hash_hex: str, tree_size: int | None = None) -> dict[str, Any]:
        """The inclusion proof of an entry in an anchored tree (default: the latest)."""
        with self.service.engine.connect() as conn:
            row = conn.execute(select(db.batch_entries).where(db.batch_entries.c.entry_hash == entry_hash_hex)).first()
        if row is None:
            raise NotFound(f"no batched entry {entry_hash_hex}")
        if tree_size is None:
            checkpoint = self.latest_checkpoint()
            if checkpoint is None or checkpoint["size"] <= row.leaf_index:
                raise Conflict(
                    f"entry {entry_hash_hex} is accepted but not yet anchored; retry after the next checkpoint"
                )
            checkpoint = self._complete(checkpoint)
        else:
            checkpoint = self._anchored(tree_size)
            if checkpoint["size"] <= row.leaf_index:
                raise Conflict(f"entry {entry_hash_hex} (leaf {row.leaf_index}) is not in the tree of size {tree_size}")
        with self._lock:
            path = self._log().inclusion_proof(row.leaf_index, checkpoint["size"])
        return {
            "entry_hash": entry_hash_hex,
            "leaf_index": row.leaf_index,
            "tree_size": checkpoint["size"],
            "proof": [_hex(p) for p in path],
            "root": checkpoint["root"],
            "checkpoint": _public(checkpoint),
            "contract": self.checkpoints.address,
        }

    def consistency(self, first: int, second: int | None = None) -> dict[str, Any]:
        """The consistency proof between two anchored tree sizes (default second: the latest)."""
        old = self._anchored(first)
        new = self._anchored(second)
        if old["size"] > new["size"]:
            raise LedgerValueError(f"tree size {first} is larger than {new['size']}: a proof runs from old to new")
        with self._lock:
            path = self._log().consistency_proof(old["size"], new["size"])
        return {
            "first": _public(old),
            "second": _public(new),
            "proof": [_hex(p) for p in path],
            "contract": self.checkpoints.address,
        }

    def entries_of(self, cid: str) -> list[tuple[dict[str, Any], dict[str, Any] | None]]:
        """A consignment's batched entries in order, each with the checkpoint that anchored it
        (None while it waits for one)."""
        return self._entries_and_checkpoints(cid)[0]

    def _entries_and_checkpoints(
        self, cid: str
    ) -> tuple[list[tuple[dict[str, Any], dict[str, Any] | None]], list[dict[str, Any]]]:
        with self.service.engine.connect() as conn:
            rows = conn.execute(
                select(db.batch_entries).where(db.batch_entries.c.consignment == cid).order_by(db.batch_entries.c.seq)
            ).all()
        if not rows:
            return [], []
        anchored = self.anchored_checkpoints()
        sizes = [c["size"] for c in anchored]
        out: list[tuple[dict[str, Any], dict[str, Any] | None]] = []
        for r in rows:
            i = bisect_right(sizes, r.leaf_index)  # the first checkpoint whose tree holds the leaf
            out.append((dict(r._mapping), anchored[i] if i < len(anchored) else None))
        return out, anchored

    def evidence(self, cid: str) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], list[dict[str, Any]], list[str]]:
        """A consignment's anchored batched entries, each with the checkpoint that anchored it;
        those checkpoints and the latest (oldest first), each with its consistency proof from
        the one before it; and one multi-leaf inclusion proof of the entries in the latest."""
        all_rows, anchored = self._entries_and_checkpoints(cid)
        rows = [(r, c) for r, c in all_rows if c is not None]
        if not rows:
            return [], [], []
        latest = anchored[-1]
        chosen = sorted({c["size"]: c for c in [*(c for _, c in rows), latest]}.values(), key=lambda c: c["size"])
        with self._lock:
            tree = self._log()
            inclusion = multi_inclusion_proof(tree, [r["leaf_index"] for r, _ in rows], latest["size"])
            consistency = [
                tree.consistency_proof(previous["size"], c["size"]) if previous else []
                for previous, c in zip([None, *chosen[:-1]], chosen, strict=True)
            ]
        checkpoints = [
            {**_public(c), "consistency": [_hex(p) for p in path]} for c, path in zip(chosen, consistency, strict=True)
        ]
        return rows, checkpoints, [_hex(p) for p in inclusion]


def _public(checkpoint: dict[str, Any]) -> dict[str, Any]:
    keys = ("size", "root", "tx_hash", "block_number", "log_index", "block_time")
    return {k: checkpoint[k] for k in keys}
