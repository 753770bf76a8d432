"""An append-only Merkle log with RFC 9162 (Certificate Transparency v2) hashing.

leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right). Proof generation
(for the server) and verification (for anyone) are pure functions; verification follows
the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from bisect import bisect_left
from collections.abc import Mapping, Sequence

from evidence.errors import VerificationError

HASH_SIZE = 32


class ProofError(VerificationError):
    """Raised when a proof is malformed for the sizes it claims (wrong length, bad index)."""


class RootMismatchError(VerificationError):
    """Raised when a proof recomputes a root other than the one expected."""


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 ‖ entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 ‖ left ‖ right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH(D[n]) over leaf hashes; the empty tree's root is SHA-256 of nothing."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(index, D[n]) over leaf hashes (RFC 9162 §2.1.3.1)."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ProofError(f"leaf {index} is not in a tree of size {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(leaves[:k], index), root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) over leaf hashes (RFC 9162 §2.1.4.1); empty when m is 0 or n."""
    n = len(leaves)
    if not 0 <= old_size <= n:
        raise ProofError(f"size {old_size} is not within a tree of size {n}")
    if old_size in (0, n):
        return []
    return _subproof(old_size, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


class SubtreeTree(ABC):
    """Proof generation over the roots of complete subtrees.

    In an RFC 9162 tree every left child is a complete subtree aligned to its size, so any
    root the proofs need is a complete subtree's root or is hashed from a few of them: a
    store of those (:meth:`perfect`) answers every proof with O(log n) lookups, whatever the
    log's size. :class:`Tree` keeps them in memory; the service keeps them in its index.
    """

    @property
    @abstractmethod
    def size(self) -> int:
        """The number of leaves."""

    @abstractmethod
    def perfect(self, level: int, index: int) -> bytes:
        """The root of the complete subtree over leaves ``index·2^level`` up to ``(index+1)·2^level``."""

    def _root(self, start: int, end: int) -> bytes:
        n = end - start
        if n & (n - 1) == 0 and start % n == 0:
            return self.perfect(n.bit_length() - 1, start // n)
        k = _split(n)
        return node_hash(self._root(start, start + k), self._root(start + k, end))

    def _roots(self, ranges: Sequence[tuple[int, int]]) -> list[bytes]:
        """The roots of these leaf ranges; a store may read every subtree they need at once."""
        return [self._root(start, end) for start, end in ranges]

    @property
    def root(self) -> bytes:
        """MTH of all leaves."""
        return self.root_at(self.size)

    def root_at(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves: the root the log had at that size."""
        if not 0 <= size <= self.size:
            raise ProofError(f"size {size} is not within a tree of size {self.size}")
        return root([]) if size == 0 else self._roots([(0, size)])[0]

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]), as :func:`inclusion_proof` (``size``: all leaves)."""
        n = self.size if size is None else size
        if not 0 <= index < n <= self.size:
            raise ProofError(f"leaf {index} is not in a tree of size {n} (the log has {self.size})")
        ranges: list[tuple[int, int]] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                start = start + k
        return self._roots(ranges[::-1])

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]), as :func:`consistency_proof` (``new_size``: all leaves)."""
        n = self.size if new_size is None else new_size
        if not 0 <= old_size <= n <= self.size:
            raise ProofError(f"sizes {old_size} and {n} are not within a tree of size {self.size}")
        if old_size in (0, n):
            return []
        # SUBPROOF(m, D[start:end], complete), unrolled from the root down.
        ranges: list[tuple[int, int]] = []
        m, start, end, complete = old_size, 0, n, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                ranges.append((start + k, end))
                end = start + k
            else:
                ranges.append((start, start + k))
                m, start, complete = m - k, start + k, False
        if not complete:
            ranges.append((start, end))
        return self._roots(ranges[::-1])


def subtrees_of(start: int, end: int) -> list[tuple[int, int]]:
    """The complete subtrees, as (level, index), whose roots hash into the root of leaves
    ``start`` up to ``end`` (a range an RFC 9162 proof asks for)."""
    n = end - start
    if n & (n - 1) == 0 and start % n == 0:
        return [(n.bit_length() - 1, start // n)]
    k = _split(n)
    return [*subtrees_of(start, start + k), *subtrees_of(start + k, end)]


class Tree(SubtreeTree):
    """A tree over leaf hashes held in memory, remembering each complete subtree's root once
    computed, so each proof costs O(log n) hashes after the first."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self._perfect: dict[tuple[int, int], bytes] = {}

    @property
    def size(self) -> int:
        return len(self.leaves)

    def perfect(self, level: int, index: int) -> bytes:
        if level == 0:
            return self.leaves[index]
        key = (level, index)
        cached = self._perfect.get(key)
        if cached is None:
            cached = node_hash(self.perfect(level - 1, 2 * index), self.perfect(level - 1, 2 * index + 1))
            self._perfect[key] = cached
        return cached


class CompactRange:
    """The right edge of a log: the root of one complete subtree per set bit of its size
    (largest first), which is all that appending leaves and computing the root need —
    O(log n) memory for a log of any size."""

    def __init__(self, size: int = 0, edge: Mapping[int, bytes] | None = None) -> None:
        self.size = size
        self.edge = dict(edge or {})  # level → root of the complete subtree at that level
        if sorted(self.edge) != [h for h in range(size.bit_length()) if size >> h & 1]:
            raise ProofError(f"a log of size {size} has an edge at levels of its set bits, not {sorted(self.edge)}")

    @classmethod
    def of(cls, tree: SubtreeTree) -> CompactRange:
        """The right edge of ``tree``."""
        n = tree.size
        return cls(n, {h: tree.perfect(h, (n >> h) - 1) for h in range(n.bit_length()) if n >> h & 1})

    def copy(self) -> CompactRange:
        return CompactRange(self.size, self.edge)

    def append(self, leaf: bytes) -> list[tuple[int, int, bytes]]:
        """Add a leaf; returns the complete subtrees it completes, as (level, index, root),
        the leaf itself first."""
        index, node, level = self.size, leaf, 0
        completed = [(0, index, leaf)]
        while index & 1:  # a right child: its left sibling waits on the edge
            node = node_hash(self.edge.pop(level), node)
            level, index = level + 1, index >> 1
            completed.append((level, index, node))
        self.edge[level] = node
        self.size += 1
        return completed

    @property
    def root(self) -> bytes:
        """MTH of the whole log: the edge's roots hashed together from the smallest up."""
        if self.size == 0:
            return root([])
        levels = sorted(self.edge)
        value = self.edge[levels[0]]
        for level in levels[1:]:
            value = node_hash(self.edge[level], value)
        return value


def multi_inclusion_proof(tree: SubtreeTree, indices: Sequence[int], size: int) -> list[bytes]:
    """One proof for many leaves of D[size]: the root of every maximal subtree that holds none
    of ``indices``, left to right. With the leaves themselves it recomputes the root (see
    :func:`verify_multi_inclusion`); for runs of neighbouring leaves it is far shorter than
    their separate inclusion proofs, and checked with one hash per tree node."""
    wanted = sorted(set(indices))
    if not wanted or wanted[0] < 0 or wanted[-1] >= size or size > tree.size:
        raise ProofError(f"leaves {wanted[:1]}…{wanted[-1:]} are not all within a tree of size {size}")
    ranges: list[tuple[int, int]] = []

    def walk(start: int, end: int) -> None:
        if bisect_left(wanted, end) == bisect_left(wanted, start):
            ranges.append((start, end))
        elif end - start > 1:
            k = _split(end - start)
            walk(start, start + k)
            walk(start + k, end)

    walk(0, size)
    return tree._roots(ranges)


def verify_multi_inclusion(
    leaves: Mapping[int, bytes], size: int, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Check that each ``leaves[index]`` (a leaf hash) is at ``index`` in the tree of ``size``
    with ``expected_root``, given the proof :func:`multi_inclusion_proof` makes.

    Raises ProofError for a malformed proof and RootMismatchError for a wrong root.
    """
    wanted = sorted(leaves)
    if not wanted or wanted[0] < 0 or wanted[-1] >= size:
        raise ProofError(f"leaf indices must lie within the tree size {size}")
    supplied = iter(proof)

    def walk(start: int, end: int) -> bytes:
        if bisect_left(wanted, end) == bisect_left(wanted, start):
            node = next(supplied, None)
            if node is None:
                raise ProofError("multi-leaf inclusion proof is shorter than the tree needs")
            return node
        if end - start == 1:
            return leaves[start]
        k = _split(end - start)
        return node_hash(walk(start, start + k), walk(start + k, end))

    computed = walk(0, size)
    if next(supplied, None) is not None:
        raise ProofError("multi-leaf inclusion proof is longer than the tree needs")
    if computed != expected_root:
        raise RootMismatchError(f"the leaves and proof give root {computed.hex()}, expected {expected_root.hex()}")


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> None:
    """Check that ``leaf`` (a leaf hash) is at ``index`` in the tree of ``size`` with ``expected_root``.

    Raises ProofError for a malformed proof and RootMismatchError for a wrong root.
    """
    if not 0 <= index < size:
        raise ProofError(f"index {index} is not within tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is shorter than the tree is deep")
    if r != expected_root:
        raise RootMismatchError(f"inclusion proof gives root {r.hex()}, expected {expected_root.hex()}")


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> None:
    """Check that the tree of ``new_size`` with ``new_root`` extends the one of ``old_size``.

    Raises ProofError for a malformed proof and RootMismatchError for a wrong root.
    """
    if not 0 <= old_size <= new_size:
        raise ProofError(f"size {old_size} cannot precede size {new_size}")
    if old_size == new_size:
        if proof:
            raise ProofError("equal sizes need an empty proof")
        if old_root != new_root:
            raise RootMismatchError("equal sizes with different roots")
        return
    if old_size == 0:
        if proof:
            raise ProofError("a proof from the empty tree must be empty")
        return
    if not proof:
        raise ProofError("consistency proof is empty")
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is longer than needed")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is shorter than needed")
    if fr != old_root:
        raise RootMismatchError(f"consistency proof gives old root {fr.hex()}, expected {old_root.hex()}")
    if sr != new_root:
        raise RootMismatchError(f"consistency proof gives new root {sr.hex()}, expected {new_root.hex()}")
