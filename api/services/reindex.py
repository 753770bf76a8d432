"""Rebuilding the index from the chain's logs and the content store.

Node-local secrets (custodial keystores, API keys) are not on chain and are kept; every
rebuildable table is replaced, so a second organisation's node with an empty database and
the same chain and content reaches the same verification results. Single entries come from
the ledger's EventAppended logs; batched entries from the log segments each checkpoint
names, checked against the anchored roots before anything is written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass

from api.index.rows import AnchorKind, ChainLocation, CheckpointRow, ConsignmentRow, EntryStatus, StoredEntry
from api.services.members import MembersService
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from chain.checkpoints import AnchoredCheckpoint
from chain.indexer import AppendedEntry, CreatedConsignment
from content.store import ContentNotFound
from evidence.documents import document_in
from evidence.eip712 import entry_hash
from evidence.errors import VerificationError
from evidence.event_types import EventType
from evidence.log_segment import decode_segment
from evidence.merkle import CompactRange
from evidence.roles import Role
from evidence.types import ZERO_ADDRESS, Address, to_hex

log = logging.getLogger("borderledger.reindex")

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""


@dataclass
class ReindexStats:
    """What a rebuild found."""

    participants_added: int = 0
    consignments: int = 0
    entries: int = 0
    batched_entries: int = 0
    checkpoints: int = 0
    documents: int = 0


def reindex(
    node: Node, members: MembersService, progress: Progress | None = None, merkle_log: MerkleLogService | None = None
) -> ReindexStats:
    """Rebuild consignments, parties, entries (single and batched), checkpoints and
    documents; add members missing from the directory. ``merkle_log`` (the running node's)
    forgets the tree it cached from the old index."""
    report = progress or (lambda stage, done, total: None)
    stats = ReindexStats()
    _add_missing_members(node, members, stats, report)
    consignments = _consignments(node, report)
    entries = _ledger_entries(node, report)
    checkpoints, batched = _log_entries(node, report)
    entries += batched
    parties = {row.id: parties for row, parties in consignments}
    for entry in sorted(entries, key=lambda e: (e.consignment_id, e.seq)):
        if entry.event_type is EventType.HANDOVER and entry.next_carrier != ZERO_ADDRESS:
            known = parties.setdefault(entry.consignment_id, [])
            if all(address != entry.next_carrier for address, _ in known):
                known.append((entry.next_carrier, "carrier"))
    documents = _documents(entries)
    node.index.replace_rebuildable(consignments, entries, documents, checkpoints)
    if merkle_log is not None:
        merkle_log.reload()
    stats.consignments = len(consignments)
    stats.entries = len(entries)
    stats.batched_entries = len(batched)
    stats.checkpoints = len(checkpoints)
    stats.documents = len(documents)
    return stats


def _add_missing_members(node: Node, members: MembersService, stats: ReindexStats, report: Progress) -> None:
    membership = node.chain.logs.membership()
    stats.participants_added += add_missing_members(node, members, sorted(membership), report)


def add_missing_members(
    node: Node, members: MembersService, accounts: list[str], report: Progress | None = None
) -> int:
    """Add to the directory (without keys) the members among ``accounts`` it lacks; their
    standing is read from the chain on every request, so only the admission matters here."""
    known = {p.address for p in node.index.participants()}
    added = 0
    for done, address in enumerate(accounts, start=1):
        if address not in known:
            info = node.chain.member(address)
            roles: list[Role] = sorted(info.roles, key=lambda r: r.value)
            members.add_participant(address, None, info.name, info.legal_id, info.jurisdiction, roles)
            added += 1
        if report is not None:
            report("members", done, len(accounts))
    return added


def _consignments(node: Node, report: Progress) -> list[tuple[ConsignmentRow, list[tuple[str, str]]]]:
    created = node.chain.logs.consignments()
    out = []
    for done, c in enumerate(created, start=1):
        out.append(opened_consignment(c))
        report("consignments", done, len(created))
    return out


def opened_consignment(c: CreatedConsignment) -> tuple[ConsignmentRow, list[tuple[str, str]]]:
    """The index's consignment and first parties for a ConsignmentCreated log."""
    row = ConsignmentRow(
        c.id, c.reference, Address(c.exporter), Address(c.importer), c.origin, c.destination, c.transit, c.tx_hash,
        c.block_number,
    )  # fmt: skip
    return row, [(c.exporter, "exporter"), (c.importer, "importer"), (c.carrier, "carrier")]


def _ledger_entries(node: Node, report: Progress) -> list[StoredEntry]:
    logged = node.chain.logs.entries()
    out = []
    for done, e in enumerate(logged, start=1):
        try:
            payload = node.store.get_raw(e.cid)  # re-hashed against the CID by the store
        except ContentNotFound:
            # Written straight to the contract, its payload never published: the index holds
            # what content it can; bundles still carry the entry (payload null) from the chain.
            log.warning("entry %s/%s: payload %s was never published; not indexed", e.consignment, e.seq, e.cid)
            report("entries", done, len(logged))
            continue
        out.append(ledger_entry(e, payload))
        report("entries", done, len(logged))
    return out


def ledger_entry(e: AppendedEntry, payload: bytes) -> StoredEntry:
    """The index's entry for an EventAppended log and its payload (re-hashed by the store)."""
    return StoredEntry(
        e.consignment,
        e.seq,
        e.event_type,
        e.prev_hash,
        e.payload_hash,
        e.cid,
        Address(e.next_carrier),
        Address(e.actor),
        e.signature,
        e.entry_hash,
        payload.decode(),
        EntryStatus.ANCHORED,
        AnchorKind.LEDGER,
        location=ChainLocation(e.tx_hash, e.block_number, e.log_index, e.block_time),
        accepted_at=float(e.block_time),
    )


def _log_entries(node: Node, report: Progress) -> tuple[list[CheckpointRow], list[StoredEntry]]:
    """Every anchored checkpoint and the batched entries of its segment, after checking that
    the segments, in order, rebuild a log whose roots are the anchored ones."""
    contract = node.chain.checkpoint_log
    if contract is None:
        return [], []
    tree = CompactRange()
    checkpoints: list[CheckpointRow] = []
    entries: list[StoredEntry] = []
    anchored = contract.anchored()
    for done, c in enumerate(anchored, start=1):
        entries += checkpoint_entries(node, c, tree)
        checkpoints.append(checkpoint_row(c))
        report("checkpoints", done, len(anchored))
    return checkpoints, entries


def checkpoint_row(c: AnchoredCheckpoint) -> CheckpointRow:
    """The index's row of an anchored checkpoint."""
    return CheckpointRow(
        c.size, to_hex(c.root), c.leaves_cid, c.tx_hash, c.block_number, c.log_index, c.block_time, c.gas_used
    )


def checkpoint_entries(
    node: Node, c: AnchoredCheckpoint, edge: CompactRange, segment: bytes | None = None
) -> list[StoredEntry]:
    """The batched entries checkpoint ``c`` anchors, read from its log segment (``segment``,
    its verified bytes if the caller fetched them already), once the segment is shown to
    extend ``edge`` (the right edge of the log up to the previous checkpoint) to exactly the
    anchored root; ``edge`` is extended. VerificationError if it does not (``edge`` unchanged)."""
    domain = node.chain.domain
    first, leaves = decode_segment(segment if segment is not None else node.store.cat(c.leaves_cid))
    if first != edge.size or first + len(leaves) != c.size:
        raise VerificationError(
            f"checkpoint {c.size}: its segment holds leaves {first}..{first + len(leaves) - 1}, "
            f"not {edge.size}..{c.size - 1}"
        )
    where = ChainLocation(c.tx_hash, c.block_number, c.log_index, c.block_time)
    entries, trial = [], edge.copy()
    for offset, leaf in enumerate(leaves):
        digest = entry_hash(leaf.entry, domain, log=True)
        trial.append(leaf.leaf(domain))
        payload = leaf.payload.encode()  # checked against payloadHash by decode_segment
        entries.append(
            StoredEntry(
                to_hex(leaf.entry.consignment),
                leaf.entry.seq,
                EventType.from_id(leaf.entry.event_type),
                to_hex(leaf.entry.prev_hash),
                to_hex(leaf.entry.payload_hash),
                leaf.entry.cid,
                leaf.entry.next_carrier,
                leaf.entry.actor,
                leaf.signature,
                to_hex(digest),
                payload.decode(),
                EntryStatus.ANCHORED,
                AnchorKind.LOG,
                leaf_index=first + offset,
                checkpoint_size=c.size,
                location=where,
                accepted_at=float(c.block_time),
            )
        )
    if trial.root != bytes(c.root):
        raise VerificationError(f"checkpoint {c.size}: the segments do not rebuild its anchored root")
    edge.size, edge.edge = trial.size, trial.edge
    return entries


def _documents(entries: list[StoredEntry]) -> list[tuple[str, str, str, int, str]]:
    """The documents the entries attach: (cid, cid_v1, sha256, size, first attacher)."""
    seen: dict[str, tuple[str, str, str, int, str]] = {}
    for entry in entries:
        ref = document_in(json.loads(entry.payload))
        if ref is not None and ref.cid not in seen:
            seen[ref.cid] = (ref.cid, ref.cid_v1, ref.sha256, ref.size, entry.actor)
    return list(seen.values())
