"""The Merkle log's complete subtrees in the index (a part of :class:`api.index.Index`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Table, and_, delete, func, or_, select

import api.index.tables as t

NodeRow = tuple[int, int, bytes]  # (level, index, root)


def insert_merkle_nodes(conn: Connection, rows: Sequence[NodeRow]) -> None:
    """Store complete subtrees in ``conn``'s transaction (with the leaves that complete them)."""
    bulk_insert(conn, t.merkle_nodes, ("level", "idx", "hash"), rows)


class MerkleNodeQueries:
    """Complete-subtree roots of the log, written with the leaves that complete them."""

    engine: Engine

    def merkle_nodes(self, keys: Sequence[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """The stored roots of these (level, index) subtrees (those that are stored)."""
        out: dict[tuple[int, int], bytes] = {}
        n = t.merkle_nodes.c
        with self.engine.connect() as conn:
            for start in range(0, len(keys), 200):
                chunk = keys[start : start + 200]
                wanted = or_(*(and_(n.level == level, n.idx == index) for level, index in chunk))
                for row in conn.execute(select(n.level, n.idx, n.hash).where(wanted)):
                    out[(int(row.level), int(row.idx))] = bytes(row.hash)
        return out

    def merkle_leaf_count(self) -> int:
        """How many leaves the stored subtrees cover."""
        with self.engine.connect() as conn:
            found = conn.execute(select(func.max(t.merkle_nodes.c.idx)).where(t.merkle_nodes.c.level == 0)).scalar()
        return 0 if found is None else int(found) + 1

    def add_merkle_nodes(self, rows: Sequence[NodeRow]) -> None:
        """Store complete subtrees."""
        with self.engine.begin() as conn:
            insert_merkle_nodes(conn, rows)

    def drop_merkle_nodes_from(self, leaves: int) -> None:
        """Forget every subtree that reaches leaf ``leaves`` or beyond (the log was rebuilt shorter)."""
        n = t.merkle_nodes.c
        with self.engine.begin() as conn:
            for level in range(64):
                # (idx + 1) << level > leaves  ⟺  idx >= leaves >> level
                conn.execute(delete(t.merkle_nodes).where(n.level == level, n.idx >= leaves >> level))

    def log_leaf_hashes(self, start: int, end: int, chunk: int = 20_000) -> Iterator[str]:
        """The entry hashes of log leaves ``start`` up to ``end``, in order, read in chunks."""
        e = t.entries.c
        for first in range(start, end, chunk):
            query = (
                select(e.entry_hash)
                .where(e.leaf_index >= first, e.leaf_index < min(end, first + chunk))
                .order_by(e.leaf_index)
            )
            with self.engine.connect() as conn:
                rows = [r.entry_hash for r in conn.execute(query)]
            yield from rows

    def log_leaf_count(self) -> int:
        """How many leaves the log holds (its largest leaf index plus one)."""
        with self.engine.connect() as conn:
            found = conn.execute(select(func.max(t.entries.c.leaf_index))).scalar()
        return 0 if found is None else int(found) + 1


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """Insert many rows of plain values (text, numbers, bytes, None), each in ``columns``
    order, with the driver's own executemany: SQLAlchemy's per-row parameter processing was
    most of the cost of storing a 10,000-entry request, and these columns need none."""
    if not rows:
        return
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({', '.join([mark] * len(columns))})"
    conn.exec_driver_sql(sql, list(rows))
