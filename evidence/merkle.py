"""An append-only Merkle log with RFC 9162 (Certificate Transparency v2) hashing.

leaf = SHA-256(0x00 ‖ entry), node = SHA-256(0x01 ‖ left ‖ right). Proof generation
(for the server) and verification (for anyone) are pure functions; verification follows
the algorithms of RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
"""

from __future__ import annotations

import hashlib
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


class Tree:
    """A tree over fixed leaf hashes that remembers subtree roots, so each proof costs
    O(log n) hashes after the first (the free functions above recompute from the leaves)."""

    def __init__(self, leaves: Sequence[bytes]) -> None:
        self.leaves = list(leaves)
        self._roots: dict[tuple[int, int], bytes] = {}

    def _root(self, start: int, end: int) -> bytes:
        key = (start, end)
        cached = self._roots.get(key)
        if cached is not None:
            return cached
        n = end - start
        if n == 1:
            value = self.leaves[start]
        else:
            k = _split(n)
            value = node_hash(self._root(start, start + k), self._root(start + k, end))
        self._roots[key] = value
        return value

    @property
    def root(self) -> bytes:
        """MTH of all leaves."""
        return root(self.leaves) if not self.leaves else self._root(0, len(self.leaves))

    def inclusion_proof(self, index: int, size: int | None = None) -> list[bytes]:
        """PATH(index, D[size]), as :func:`inclusion_proof` (``size``: all leaves)."""
        n = len(self.leaves) if size is None else size
        if not 0 <= index < n <= len(self.leaves):
            raise ProofError(f"leaf {index} is not in a tree of size {n} (the log has {len(self.leaves)})")
        proof: list[bytes] = []
        start, end = 0, n
        while end - start > 1:
            k = _split(end - start)
            if index < start + k:
                proof.append(self._root(start + k, end))
                end = start + k
            else:
                proof.append(self._root(start, start + k))
                start = start + k
        proof.reverse()
        return proof

    def root_at(self, size: int) -> bytes:
        """MTH of the first ``size`` leaves: the root the log had at that size."""
        if not 0 <= size <= len(self.leaves):
            raise ProofError(f"size {size} is not within a tree of size {len(self.leaves)}")
        return root([]) if size == 0 else self._root(0, size)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> list[bytes]:
        """PROOF(old_size, D[new_size]), as :func:`consistency_proof` (``new_size``: all leaves)."""
        n = len(self.leaves) if new_size is None else new_size
        if not 0 <= old_size <= n <= len(self.leaves):
            raise ProofError(f"sizes {old_size} and {n} are not within a tree of size {len(self.leaves)}")
        if old_size in (0, n):
            return []
        # SUBPROOF(m, D[start:end], complete), unrolled from the root down.
        proof: list[bytes] = []
        m, start, end, complete = old_size, 0, n, True
        while m != end - start:
            k = _split(end - start)
            if m <= k:
                proof.append(self._root(start + k, end))
                end = start + k
            else:
                proof.append(self._root(start, start + k))
                m, start, complete = m - k, start + k, False
        if not complete:
            proof.append(self._root(start, end))
        proof.reverse()
        return proof


def multi_inclusion_proof(tree: Tree, indices: Sequence[int], size: int) -> list[bytes]:
    """One proof for many leaves of D[size]: the root of every maximal subtree that holds none
    of ``indices``, left to right. With the leaves themselves it recomputes the root (see
    :func:`verify_multi_inclusion`); for runs of neighbouring leaves it is far shorter than
    their separate inclusion proofs, and checked with one hash per tree node."""
    wanted = sorted(set(indices))
    if not wanted or wanted[0] < 0 or wanted[-1] >= size or size > len(tree.leaves):
        raise ProofError(f"leaves {wanted[:1]}…{wanted[-1:]} are not all within a tree of size {size}")
    proof: list[bytes] = []

    def walk(start: int, end: int) -> None:
        if bisect_left(wanted, end) == bisect_left(wanted, start):
            proof.append(tree._root(start, end))
        elif end - start > 1:
            k = _split(end - start)
            walk(start, start + k)
            walk(start + k, end)

    walk(0, size)
    return proof


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
