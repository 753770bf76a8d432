"""The Merkle log's tree read from the index (complete subtrees stored, the right edge in
memory): every proof equals the in-memory tree's, a node restarted on the same database
finds its edge again, and subtrees missing (an older database, a rebuild) are derived."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

import api.index.tables as t
from api.index import Index, make_engine
from api.index.merkle_nodes import NodeRow
from api.index.rows import AnchorKind, ConsignmentRow, StoredEntry
from api.services.merkle_tree import StoredTree
from evidence.merkle import Tree, leaf_hash
from evidence.types import Address, hash32, to_hex
from tests.index.stored_entries import stored_entry

CONSIGNMENT = "0x" + "c1" * 32


def log_entry(seq: int) -> StoredEntry:
    return stored_entry(CONSIGNMENT, seq, AnchorKind.LOG, digest=seq.to_bytes(32, "big"))


@pytest.fixture
def index(tmp_path: Path) -> Index:
    index = Index(make_engine(f"sqlite:///{tmp_path / 'index.db'}"))
    row = ConsignmentRow(
        CONSIGNMENT, "MERKLE-1", Address("0x" + "ab" * 20), Address("0x" + "cd" * 20), "CN", "DE", (), "0x", 1
    )
    index.add_consignment(row, [])
    return index


def ingest(index: Index, tree: StoredTree, first: int, count: int) -> None:
    entries = [log_entry(seq) for seq in range(first, first + count)]
    edge, nodes = tree.extended([leaf_hash(bytes(hash32(e.entry_hash))) for e in entries])
    add_log_entries(index, entries, nodes)
    tree.adopt(edge, nodes)


def add_log_entries(index: Index, entries: list[StoredEntry], nodes: Sequence[NodeRow] = ()) -> None:
    with index.adding_log_entries() as writer:
        writer.add(entries)
        writer.add_nodes(nodes)


def leaves(n: int) -> list[bytes]:
    return [leaf_hash(seq.to_bytes(32, "big")) for seq in range(n)]


def test_stored_proofs_equal_the_in_memory_trees(index: Index) -> None:
    stored = StoredTree(index)
    for first, count in [(0, 1), (1, 6), (7, 33), (40, 61)]:
        ingest(index, stored, first, count)
        memory = Tree(leaves(first + count))
        assert stored.size == memory.size and stored.root == memory.root
        for size in range(1, stored.size + 1, 7):
            assert stored.root_at(size) == memory.root_at(size)
            assert stored.consistency_proof(size) == memory.consistency_proof(size)
            for leaf in range(0, size, 5):
                assert stored.inclusion_proof(leaf, size) == memory.inclusion_proof(leaf, size)


def test_a_restarted_node_finds_its_edge_and_a_lost_subtree_table_is_derived_again(index: Index) -> None:
    ingest(index, StoredTree(index), 0, 77)
    again = StoredTree(index)  # the node restarted on the same database
    assert again.size == 77 and again.root == Tree(leaves(77)).root
    index.drop_merkle_nodes_from(0)  # a database from before the table, or a rebuild
    assert index.merkle_leaf_count() == 0
    derived = StoredTree(index)
    assert derived.size == 77 and derived.root == Tree(leaves(77)).root
    assert index.merkle_leaf_count() == 77
    ingest(index, derived, 77, 3)
    assert StoredTree(index).root == Tree(leaves(80)).root


def test_subtrees_beyond_a_shorter_log_are_dropped(index: Index) -> None:
    tree = StoredTree(index)
    ingest(index, tree, 0, 20)
    index.drop_merkle_nodes_from(13)
    assert index.merkle_leaf_count() == 13
    nodes = index.merkle_nodes([(2, 2), (2, 3), (3, 1), (0, 12)])
    assert set(nodes) == {(2, 2), (0, 12)}  # (2, 2) covers leaves 8..11; (2, 3) reached leaf 15
    assert to_hex(StoredTree(index).root) == to_hex(Tree(leaves(20)).root)  # derived again from the entries


def test_a_bulk_written_entry_reads_back_as_written_and_a_refused_request_leaves_nothing(index: Index) -> None:
    """Bulk rows are positional (``StoredEntry.COLUMNS``): every column of the table, each
    value in its place; a bulk request that raises part-way commits none of its parts."""
    assert set(StoredEntry.COLUMNS) == set(t.entries.c.keys())
    written = [log_entry(seq) for seq in range(3)]
    with pytest.raises(RuntimeError), index.adding_log_entries() as writer:
        writer.add(written[:2])
        raise RuntimeError("entry 2 refused")
    assert index.entries_of(CONSIGNMENT) == []
    add_log_entries(index, written)
    assert index.entries_of(CONSIGNMENT) == written
