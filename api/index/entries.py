"""The index's SQL for entries (single and batched), refused entries and log checkpoints."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, Select, bindparam, case, delete, exists, func, insert, select, update

import api.index.tables as t
from api.index.merkle_nodes import NodeRow, bulk_insert, insert_merkle_nodes
from api.index.rows import AnchorKind, ChainLocation, CheckpointRow, EntryOutline, EntryStatus, StoredEntry
from evidence.event_types import EventType
from evidence.types import Address

# A log entry is anchored by the first checkpoint whose tree holds its leaf: read from
# log_checkpoints, not written into each row, so anchoring a checkpoint of 10,000 entries is
# one row and not 10,000 row updates under the database's write lock. A row's own columns
# hold a ledger entry's transaction (and a log entry's, when rebuilt or followed with it).
_covering = t.log_checkpoints.alias("covering")
_first_holding = (
    select(func.min(t.log_checkpoints.c.size))
    .where(t.log_checkpoints.c.size > t.entries.c.leaf_index)
    .correlate(t.entries)
    .scalar_subquery()
)
_ENTRIES_ANCHORED = t.entries.outerjoin(_covering, _covering.c.size == _first_holding)
_anchoring_status = case((_covering.c.size.is_not(None), EntryStatus.ANCHORED.value), else_=t.entries.c.status)
_FROM_CHECKPOINT = {
    "status": _anchoring_status,
    "checkpoint_size": func.coalesce(_covering.c.size, t.entries.c.checkpoint_size),
    **{
        name: func.coalesce(_covering.c[name], t.entries.c[name])
        for name in ("tx_hash", "block_number", "log_index", "block_time")
    },
}
_ENTRY_COLUMNS = [_FROM_CHECKPOINT[c.name].label(c.name) if c.name in _FROM_CHECKPOINT else c for c in t.entries.c]


def _entries(*extra: Any) -> Select[Any]:
    """SELECT of entries with their anchoring (and ``extra`` columns first)."""
    return select(*extra, *_ENTRY_COLUMNS).select_from(_ENTRIES_ANCHORED)


# The statements every single append runs, built once with bound parameters: building a
# SELECT with the anchoring above and its cache key costs ~150 µs a call, running one ~35.
_c = t.entries.c
_ENTRY_AT = _entries().where(_c.consignment_id == bindparam("consignment_id"), _c.seq == bindparam("seq"))
_ENTRY_BY_HASH = _entries().where(_c.entry_hash == bindparam("entry_hash"))
_ENTRY_BY_IDEMPOTENCY = _entries().where(_c.idempotency_key == bindparam("key"))
_LAST_ENTRY = _entries().where(_c.consignment_id == bindparam("consignment_id")).order_by(_c.seq.desc()).limit(1)
_INSERT_ENTRY = insert(t.entries)
_MARK_ANCHORED = (
    update(t.entries)
    .where(_c.consignment_id == bindparam("at_consignment"), _c.seq == bindparam("at_seq"))
    .values(
        status=EntryStatus.ANCHORED.value,
        tx_hash=bindparam("tx_hash"),
        block_number=bindparam("block_number"),
        log_index=bindparam("log_index"),
        block_time=bindparam("block_time"),
    )
)


class EntryQueries:
    """Entries, refused entries and checkpoints (a part of :class:`api.index.Index`)."""

    engine: Engine

    # --- reading ---------------------------------------------------------------------

    def entries_of(
        self, consignment_id: str, status: EntryStatus | None = None, after_seq: int = -1, limit: int | None = None
    ) -> list[StoredEntry]:
        """A consignment's entries in order (of one status, or all); a page of them with
        ``after_seq`` and ``limit``."""
        query = (
            _entries()
            .where(t.entries.c.consignment_id == consignment_id, t.entries.c.seq > after_seq)
            .order_by(t.entries.c.seq)
            .limit(limit)
        )
        if status is not None:
            query = query.where(_anchoring_status == status.value)
        with self.engine.connect() as conn:
            return [StoredEntry.from_row(r._mapping) for r in conn.execute(query)]

    def entry_outlines(self, consignment_id: str, status: EntryStatus) -> list[EntryOutline]:
        """A consignment's entries in order without their payloads and signatures: what a
        bundle's header needs before its entries are streamed."""
        c = t.entries.c
        query = (
            select(
                c.seq,
                c.actor,
                c.next_carrier,
                c.anchor_kind,
                c.leaf_index,
                _FROM_CHECKPOINT["checkpoint_size"].label("checkpoint_size"),
            )
            .select_from(_ENTRIES_ANCHORED)
            .where(c.consignment_id == consignment_id, _anchoring_status == status.value)
            .order_by(c.seq)
        )
        with self.engine.connect() as conn:
            return [
                EntryOutline(
                    int(r.seq),
                    Address(r.actor),
                    Address(r.next_carrier),
                    AnchorKind(r.anchor_kind),
                    r.leaf_index,
                    r.checkpoint_size,
                )
                for r in conn.execute(query)
            ]

    def entry(self, consignment_id: str, seq: int) -> StoredEntry | None:
        """One entry."""
        with self.engine.connect() as conn:
            row = conn.execute(_ENTRY_AT, {"consignment_id": consignment_id, "seq": seq}).first()
        return StoredEntry.from_row(row._mapping) if row else None

    def entry_by_hash(self, entry_hash: str) -> StoredEntry | None:
        """The entry with this entry hash."""
        with self.engine.connect() as conn:
            row = conn.execute(_ENTRY_BY_HASH, {"entry_hash": entry_hash}).first()
        return StoredEntry.from_row(row._mapping) if row else None

    def entry_by_idempotency(self, key: str) -> StoredEntry | None:
        """The entry a request with this idempotency key recorded."""
        with self.engine.connect() as conn:
            row = conn.execute(_ENTRY_BY_IDEMPOTENCY, {"key": key}).first()
        return StoredEntry.from_row(row._mapping) if row else None

    def rejection_of(self, idempotency_key: str) -> str | None:
        """Why the contract refused the entry a request with this key recorded, if it did."""
        query = select(t.rejected_entries.c.error).where(t.rejected_entries.c.idempotency_key == idempotency_key)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return str(row.error) if row else None

    def last_entry(self, consignment_id: str) -> StoredEntry | None:
        """The entry with the highest seq, whatever its status."""
        with self.engine.connect() as conn:
            row = conn.execute(_LAST_ENTRY, {"consignment_id": consignment_id}).first()
        return StoredEntry.from_row(row._mapping) if row else None

    def last_handover(self, consignment_id: str) -> str | None:
        """The next carrier named by the consignment's latest accepted HANDOVER, if any."""
        query = (
            select(t.entries.c.next_carrier)
            .where(t.entries.c.consignment_id == consignment_id, t.entries.c.event_type == EventType.HANDOVER.value)
            .order_by(t.entries.c.seq.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return str(row.next_carrier) if row else None

    def is_batched(self, consignment_id: str) -> bool:
        """Whether the consignment's entries go through the Merkle log."""
        query = select(t.entries.c.seq).where(
            t.entries.c.consignment_id == consignment_id, t.entries.c.anchor_kind == AnchorKind.LOG.value
        )
        with self.engine.connect() as conn:
            return conn.execute(query.limit(1)).first() is not None

    def ledger_consignments(self) -> list[str]:
        """Consignments with entries anchored by their own transactions (the outbox's)."""
        query = select(t.entries.c.consignment_id).where(t.entries.c.anchor_kind == AnchorKind.LEDGER.value)
        with self.engine.connect() as conn:
            return sorted({r.consignment_id for r in conn.execute(query.distinct())})

    def pending_consignments(self) -> list[str]:
        """Consignments with entries waiting for their ledger transaction."""
        query = select(t.entries.c.consignment_id).where(t.entries.c.status == EntryStatus.PENDING.value)
        with self.engine.connect() as conn:
            return sorted({r.consignment_id for r in conn.execute(query.distinct())})

    def pending_count(self) -> int:
        """Entries accepted and waiting for their ledger transaction."""
        query = select(func.count()).where(t.entries.c.status == EntryStatus.PENDING.value)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def entries_of_type(self, event_type: EventType, containing: str) -> list[tuple[str, StoredEntry]]:
        """(reference, entry) of every entry of ``event_type`` whose payload contains a string."""
        query = (
            _entries(t.consignments.c.reference)
            .join(t.consignments, t.consignments.c.id == t.entries.c.consignment_id)
            .where(t.entries.c.event_type == event_type.value, t.entries.c.payload.contains(containing))
        )
        with self.engine.connect() as conn:
            return [(r.reference, StoredEntry.from_row(r._mapping)) for r in conn.execute(query)]

    def payload_mentions(self, consignment_id: str, text: str) -> bool:
        """Whether any entry of the consignment has ``text`` in its payload (one indexed scan,
        no rows read)."""
        query = select(exists().where(t.entries.c.consignment_id == consignment_id, t.entries.c.payload.contains(text)))
        with self.engine.connect() as conn:
            return bool(conn.execute(query).scalar_one())

    # --- writing ---------------------------------------------------------------------

    def add_entry(self, entry: StoredEntry) -> None:
        """Record one accepted entry (the outbox row of a single entry)."""
        with self.engine.begin() as conn:
            conn.execute(_INSERT_ENTRY, entry.row())

    def add_anchored_entry(self, entry: StoredEntry, new_carrier: tuple[str, str] | None) -> None:
        """Record an entry found anchored on chain (written through another node); a HANDOVER
        adds its new carrier to the parties."""
        with self.engine.begin() as conn:
            conn.execute(insert(t.entries).values(**entry.row()))
            if new_carrier is not None:
                add_party(conn, entry.consignment_id, *new_carrier)

    def add_followed_checkpoint(
        self, checkpoint: CheckpointRow, entries: list[StoredEntry], new_carriers: list[tuple[str, str]]
    ) -> None:
        """Record a checkpoint another node anchored, with the batched entries of its segment
        and the carriers its HANDOVERs name ((consignment id, address)), in one transaction."""
        with self.engine.begin() as conn:
            if entries:
                conn.execute(insert(t.entries), [e.row() for e in entries])
            conn.execute(insert(t.log_checkpoints).values(**checkpoint.row()))
            for consignment_id, address in new_carriers:
                add_party(conn, consignment_id, address, "carrier")

    # --- following the chain -----------------------------------------------------------

    def chain_cursor(self, name: str) -> tuple[int, str] | None:
        """(block number, block hash) of the last block followed into the index."""
        query = select(t.chain_cursor).where(t.chain_cursor.c.name == name)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return (int(row.block_number), str(row.block_hash)) if row else None

    def set_chain_cursor(self, name: str, block_number: int, block_hash: str) -> None:
        """Record that the logs up to ``block_number`` are in the index."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.chain_cursor).where(t.chain_cursor.c.name == name))
            conn.execute(insert(t.chain_cursor).values(name=name, block_number=block_number, block_hash=block_hash))

    def delete_entry(self, consignment_id: str, seq: int) -> None:
        """Forget an entry the contract refused before it was accepted."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.entries).where(t.entries.c.consignment_id == consignment_id, t.entries.c.seq == seq))

    def mark_anchored(
        self, consignment_id: str, seq: int, where: ChainLocation, new_carrier: tuple[str, str] | None
    ) -> None:
        """Record where a ledger entry landed; a HANDOVER adds its new carrier to the parties."""
        located = {
            "at_consignment": consignment_id,
            "at_seq": seq,
            "tx_hash": where.tx_hash,
            "block_number": where.block_number,
            "log_index": where.log_index,
            "block_time": where.block_time,
        }
        with self.engine.begin() as conn:
            conn.execute(_MARK_ANCHORED, located)
            if new_carrier is not None:
                add_party(conn, consignment_id, *new_carrier)

    def mark_pending(self, consignment_id: str, seq: int) -> None:
        """An entry the chain no longer holds goes back to the outbox."""
        with self.engine.begin() as conn:
            conn.execute(
                update(t.entries)
                .where(t.entries.c.consignment_id == consignment_id, t.entries.c.seq == seq)
                .values(status=EntryStatus.PENDING.value, tx_hash=None, block_number=None, log_index=None)
            )

    def reject_from(self, consignment_id: str, seq: int, reason: str) -> None:
        """Move pending entry ``seq`` and every pending entry after it to ``rejected_entries``."""
        with self.engine.begin() as conn:
            rows = conn.execute(
                select(t.entries).where(
                    t.entries.c.consignment_id == consignment_id,
                    t.entries.c.status == EntryStatus.PENDING.value,
                    t.entries.c.seq >= seq,
                )
            ).all()
            for row in rows:
                why = reason if row.seq == seq else f"follows rejected entry {seq}"
                conn.execute(
                    insert(t.rejected_entries).values(
                        consignment_id=consignment_id,
                        seq=row.seq,
                        event_type=row.event_type,
                        actor=row.actor,
                        entry_hash=row.entry_hash,
                        payload=row.payload,
                        error=why,
                        idempotency_key=row.idempotency_key,
                    )
                )
                conn.execute(
                    delete(t.entries).where(t.entries.c.consignment_id == consignment_id, t.entries.c.seq == row.seq)
                )

    @contextmanager
    def adding_log_entries(self) -> Iterator[LogEntriesWriter]:
        """A transaction to record a bulk request's entries a part at a time (while the rest
        are still being checked), then the complete subtrees their leaves complete: committed
        when the block ends, all or nothing; each HANDOVER makes its next carrier a party."""
        with self.engine.begin() as conn:
            yield LogEntriesWriter(conn)

    # --- the Merkle log --------------------------------------------------------------

    def has_log(self) -> bool:
        """Whether the Merkle log holds any leaf."""
        query = select(t.entries.c.leaf_index).where(t.entries.c.leaf_index.is_not(None)).limit(1)
        with self.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def log_entries(self, first: int, end: int) -> list[StoredEntry]:
        """The log's leaves ``first`` up to (not including) ``end``, in leaf order."""
        query = (
            _entries()
            .where(t.entries.c.leaf_index >= first, t.entries.c.leaf_index < end)
            .order_by(t.entries.c.leaf_index)
        )
        with self.engine.connect() as conn:
            return [StoredEntry.from_row(r._mapping) for r in conn.execute(query)]

    def waiting_leaves(self) -> tuple[int, float | None]:
        """(count, oldest acceptance time) of log entries no checkpoint covers yet."""
        anchored = select(func.coalesce(func.max(t.log_checkpoints.c.size), 0)).scalar_subquery()
        query = select(func.count(), func.min(t.entries.c.accepted_at)).where(t.entries.c.leaf_index >= anchored)
        with self.engine.connect() as conn:
            count, oldest = conn.execute(query).one()
        return int(count), oldest

    def latest_checkpoint(self) -> CheckpointRow | None:
        """The largest anchored tree head."""
        query = select(t.log_checkpoints).order_by(t.log_checkpoints.c.size.desc()).limit(1)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return CheckpointRow.from_row(row._mapping) if row else None

    def checkpoint(self, size: int) -> CheckpointRow | None:
        """The anchored tree head of ``size``."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.log_checkpoints).where(t.log_checkpoints.c.size == size)).first()
        return CheckpointRow.from_row(row._mapping) if row else None

    def checkpoints(self) -> list[CheckpointRow]:
        """Every anchored tree head, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.log_checkpoints).order_by(t.log_checkpoints.c.size)).all()
        return [CheckpointRow.from_row(r._mapping) for r in rows]

    def add_checkpoint(self, checkpoint: CheckpointRow) -> None:
        """Record an anchored tree head: the leaves it added are anchored by it from now on."""
        with self.engine.begin() as conn:
            conn.execute(insert(t.log_checkpoints).values(**checkpoint.row()))


def add_party(conn: Connection, consignment_id: str, address: str, role: str) -> None:
    """Add a party to a consignment unless it is one already."""
    exists = conn.execute(
        select(t.consignment_parties.c.address).where(
            t.consignment_parties.c.consignment_id == consignment_id, t.consignment_parties.c.address == address
        )
    ).first()
    if not exists:
        conn.execute(insert(t.consignment_parties).values(consignment_id=consignment_id, address=address, role=role))


class LogEntriesWriter:
    """Writes into one open transaction (see :meth:`EntryQueries.adding_log_entries`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, entries: Sequence[StoredEntry]) -> None:
        """Accepted log entries; each HANDOVER makes its next carrier a party."""
        bulk_insert(self._conn, t.entries, StoredEntry.COLUMNS, [e.row_values() for e in entries])
        for e in entries:
            if e.event_type is EventType.HANDOVER:
                add_party(self._conn, e.consignment_id, e.next_carrier, "carrier")

    def add_nodes(self, nodes: Sequence[NodeRow]) -> None:
        """The log's complete subtrees the added leaves complete."""
        insert_merkle_nodes(self._conn, nodes)
