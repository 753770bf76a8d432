"""RFC 9162 Merkle log: roots, inclusion and consistency proofs for every tree size 1..64,
against a straightforward reference computation of the RFC's definitions."""

from __future__ import annotations

import hashlib

import pytest

from evidence.merkle import (
    CompactRange,
    ProofError,
    RootMismatchError,
    Tree,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    root,
    verify_consistency,
    verify_inclusion,
)

ENTRIES = [f"entry-{i}".encode() for i in range(64)]
LEAVES = [leaf_hash(e) for e in ENTRIES]


def reference_root(entries: list[bytes]) -> bytes:
    """MTH as RFC 9162 §2.1.1 writes it, over raw entries."""
    if not entries:
        return hashlib.sha256(b"").digest()
    if len(entries) == 1:
        return hashlib.sha256(b"\x00" + entries[0]).digest()
    k = 1 << (len(entries) - 1).bit_length() - 1
    return hashlib.sha256(b"\x01" + reference_root(entries[:k]) + reference_root(entries[k:])).digest()


def test_known_vectors() -> None:
    assert root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert leaf_hash(b"").hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@pytest.mark.parametrize("size", range(1, 65))
def test_roots_and_every_inclusion_proof(size: int) -> None:
    leaves = LEAVES[:size]
    expected = reference_root(ENTRIES[:size])
    assert root(leaves) == expected
    for index in range(size):
        proof = inclusion_proof(leaves, index)
        verify_inclusion(leaves[index], index, size, proof, expected)


@pytest.mark.parametrize("size", range(1, 65))
def test_every_consistency_proof(size: int) -> None:
    new_root = reference_root(ENTRIES[:size])
    for old in range(0, size + 1):
        proof = consistency_proof(LEAVES[:size], old)
        verify_consistency(old, size, reference_root(ENTRIES[:old]), new_root, proof)


def test_wrong_leaf_index_or_root_is_refused() -> None:
    leaves = LEAVES[:13]
    proof = inclusion_proof(leaves, 5)
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaves[6], 5, 13, proof, root(leaves))
    with pytest.raises(RootMismatchError):
        verify_inclusion(leaves[5], 5, 13, proof, root(leaves[:12]))
    with pytest.raises((ProofError, RootMismatchError)):
        verify_inclusion(leaves[5], 4, 13, proof, root(leaves))
    with pytest.raises(ProofError):
        verify_inclusion(leaves[5], 13, 13, proof, root(leaves))
    with pytest.raises(ProofError):
        verify_inclusion(leaves[5], 5, 13, proof[:-1], root(leaves))


def test_forked_history_fails_consistency() -> None:
    old = LEAVES[:7]
    forked = [*LEAVES[:3], leaf_hash(b"rewritten"), *LEAVES[4:20]]
    proof = consistency_proof(forked, 7)
    with pytest.raises(RootMismatchError):
        verify_consistency(7, 20, root(old), root(forked), proof)
    with pytest.raises(ProofError):
        verify_consistency(7, 20, root(old), root(LEAVES[:20]), [])


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 33, 64])
def test_tree_with_cached_subtrees_gives_the_same_proofs(size: int) -> None:
    from evidence.merkle import Tree

    tree = Tree(LEAVES[:size])
    assert tree.root == root(LEAVES[:size])
    for index in range(size):
        assert tree.inclusion_proof(index) == inclusion_proof(LEAVES[:size], index)


@pytest.mark.parametrize("size", range(1, 65))
def test_tree_consistency_proofs_between_every_pair_of_sizes(size: int) -> None:
    from evidence.merkle import Tree

    tree = Tree(LEAVES[:64])
    assert tree.root_at(size) == reference_root(ENTRIES[:size])
    for old in range(0, size + 1):
        proof = tree.consistency_proof(old, size)
        assert proof == consistency_proof(LEAVES[:size], old)
        verify_consistency(old, size, reference_root(ENTRIES[:old]), reference_root(ENTRIES[:size]), proof)


@pytest.mark.parametrize("size", range(1, 65))
def test_multi_leaf_inclusion_proofs(size: int) -> None:
    from evidence.merkle import Tree, multi_inclusion_proof, verify_multi_inclusion

    tree = Tree(LEAVES[:64])
    expected = reference_root(ENTRIES[:size])
    subsets = [range(size), [0], [size - 1], range(0, size, 3), range(size // 2, size), [size // 3, size - 1]]
    for subset in subsets:
        leaves = {i: LEAVES[i] for i in subset}
        proof = multi_inclusion_proof(tree, list(leaves), size)
        verify_multi_inclusion(leaves, size, proof, expected)
        if size > 1:
            moved = {**leaves, min(leaves): leaf_hash(b"not in the log")}
            with pytest.raises(RootMismatchError):
                verify_multi_inclusion(moved, size, proof, expected)
        if proof:
            with pytest.raises(ProofError):
                verify_multi_inclusion(leaves, size, proof[:-1], expected)
            with pytest.raises(ProofError):
                verify_multi_inclusion(leaves, size, [*proof, proof[0]], expected)


def test_a_compact_range_keeps_the_root_of_every_prefix_with_one_subtree_per_set_bit() -> None:
    edge = CompactRange()
    for n, leaf in enumerate(LEAVES, start=1):
        edge.append(leaf)
        assert edge.size == n and edge.root == root(LEAVES[:n])
        assert len(edge.edge) == bin(n).count("1")
    assert CompactRange().root == root([])


def test_what_a_compact_range_completes_are_the_trees_complete_subtrees() -> None:
    """Every (level, index, root) an append reports is the complete subtree's root as the
    in-memory tree computes it, each reported once: a store of them answers every proof."""
    tree, edge, seen = Tree(LEAVES[:45]), CompactRange(), set()
    for leaf in LEAVES[:45]:
        for level, index, value in edge.append(leaf):
            assert value == tree.perfect(level, index)
            assert (level, index) not in seen
            seen.add((level, index))
    assert len(seen) == 45 + 22 + 11 + 5 + 2 + 1  # every complete subtree of 45 leaves
    assert CompactRange.of(tree).edge == edge.edge


def test_a_compact_range_refuses_an_edge_that_does_not_fit_its_size() -> None:
    with pytest.raises(ProofError):
        CompactRange(5, {0: LEAVES[0]})
    resumed = CompactRange(3, {1: root(LEAVES[:2]), 0: LEAVES[2]})
    resumed.append(LEAVES[3])
    assert resumed.root == root(LEAVES[:4])
