"""The Merkle log's tree as the index stores it: complete-subtree roots in the index, the
right edge (one root per set bit of the size) in memory, and a bounded cache of the roots
proofs read most (the upper levels). Memory does not grow with the log.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence

from api.index import Index
from api.index.merkle_nodes import NodeRow
from evidence.merkle import CompactRange, ProofError, SubtreeTree, leaf_hash, subtrees_of
from evidence.types import hash32

CACHED_ROOTS = 1 << 16  # about 10 MiB of the most recently read subtree roots
SYNC_CHUNK = 50_000  # leaves per transaction when deriving stored subtrees from the log


class StoredTree(SubtreeTree):
    """The log's tree, read from the index; call its methods with the log's lock held."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.edge = CompactRange()
        self._cache: OrderedDict[tuple[int, int], bytes] = OrderedDict()
        self.sync()

    @property
    def size(self) -> int:
        return self.edge.size

    def perfect(self, level: int, index: int) -> bytes:
        key = (level, index)
        value = self._cache.get(key)
        if value is None:
            value = self.index.merkle_nodes([key]).get(key)
            if value is None:
                raise ProofError(f"the index holds no subtree at level {level}, index {index} (log of {self.size})")
        self._remember(key, value)
        return value

    def _roots(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        # A proof's subtrees read in one query, before its roots are hashed together.
        self.prefetch([key for start, end in ranges for key in subtrees_of(start, end)])
        return super()._roots(ranges)

    def prefetch(self, keys: Sequence[tuple[int, int]]) -> None:
        """Read these subtrees in one query (a proof's, before it is computed)."""
        missing = [k for k in keys if k not in self._cache]
        for key, value in self.index.merkle_nodes(missing).items():
            self._remember(key, value)

    def sync(self) -> None:
        """Derive the stored subtrees the log's leaves lack: after a follower or a rebuild
        wrote leaves, or for a log that predates the table. Reads and writes in chunks."""
        leaves, stored = self.index.log_leaf_count(), self.index.merkle_leaf_count()
        if stored > leaves:
            self.index.drop_merkle_nodes_from(leaves)
            stored = leaves
        self._cache.clear()
        self.edge = self._edge_at(stored)
        rows: list[NodeRow] = []
        for entry_hash in self.index.log_leaf_hashes(stored, leaves):
            rows += self.edge.append(leaf_hash(bytes(hash32(entry_hash))))
            if len(rows) >= SYNC_CHUNK:
                self.index.add_merkle_nodes(rows)
                rows = []
        self.index.add_merkle_nodes(rows)

    def extended(self, leaves: Sequence[bytes], edge: CompactRange | None = None) -> tuple[CompactRange, list[NodeRow]]:
        """The edge once ``leaves`` are appended (to ``edge``, an extension of this tree's edge
        not adopted yet, if given), and the subtrees they complete; nothing is stored or
        changed (the caller stores the rows with the leaves, then :meth:`adopt`)."""
        edge, rows = (self.edge if edge is None else edge).copy(), []
        for leaf in leaves:
            rows += edge.append(leaf)
        return edge, rows

    def adopt(self, edge: CompactRange, rows: Sequence[NodeRow]) -> None:
        """The rows are stored: the log now ends at ``edge``. Their upper levels are cached
        (every later proof reads them)."""
        self.edge = edge
        for level, index, value in rows:
            if level >= 8:
                self._remember((level, index), value)

    def _edge_at(self, size: int) -> CompactRange:
        keys = [(h, (size >> h) - 1) for h in range(size.bit_length()) if size >> h & 1]
        found = self.index.merkle_nodes(keys)
        if len(found) != len(keys):
            raise ProofError(f"the index lacks the right edge of its log of {size} leaves")
        return CompactRange(size, {h: found[(h, i)] for h, i in keys})

    def _remember(self, key: tuple[int, int], value: bytes) -> None:
        self._cache[key] = value
        self._cache.move_to_end(key)
        if len(self._cache) > CACHED_ROOTS:
            self._cache.popitem(last=False)
