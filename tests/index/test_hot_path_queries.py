"""The statements every single append runs are built once, with bound parameters
(api.index.entries, api.index.repository): each reads and writes what it names on SQLite
and on PostgreSQL alike, and the lookups of one entry or consignment find that one only."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest

from api.index import Index, make_engine
from api.index.rows import ChainLocation, ConsignmentRow, EntryStatus, Participant
from consortium.postgres import PostgresServer
from evidence.roles import Role
from evidence.types import Address
from tests.index.stored_entries import stored_entry

FIRST, SECOND = "0x" + "a1" * 32, "0x" + "b2" * 32
CARRIER, OTHER = Address("0x" + "ab" * 20), Address("0x" + "cd" * 20)
_databases = count()


@pytest.fixture(params=["sqlite", "postgresql"])
def index(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Index]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'index.db'}"
    else:  # a database of its own on the session's server, which other tests find empty
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.create_database(f"hot_path_{next(_databases)}")
    index = Index(make_engine(url))
    for n, consignment in enumerate((FIRST, SECOND)):
        row = ConsignmentRow(consignment, f"HOT-{n}", CARRIER, OTHER, "CN", "DE", (), "0x", 1)
        index.add_consignment(row, [(CARRIER, "carrier")] if n == 0 else [(OTHER, "importer")])
    yield index
    index.engine.dispose()


def test_the_prebuilt_statements_read_and_write_what_they_name(index: Index) -> None:
    index.add_participant(Participant(CARRIER, "Carrier", "CN-C", "CN", frozenset({Role.CARRIER}), None))
    index.add_api_key(CARRIER, "11" * 32, "default")
    assert index.participant_by_key("11" * 32) == Participant(
        CARRIER, "Carrier", "CN-C", "CN", frozenset({Role.CARRIER}), None
    )
    assert index.participant_by_key("22" * 32) is None

    assert [c.id for c in index.consignments_named("HOT-1")] == [SECOND]
    assert index.consignments_named("HOT-9") == []
    found = index.consignment(FIRST.upper().replace("0X", "0x"))
    assert found is not None and found.reference == "HOT-0"
    assert index.parties(FIRST) == {CARRIER: "carrier"} and index.parties(SECOND) == {OTHER: "importer"}

    assert index.last_entry(FIRST) is None
    written = [stored_entry(FIRST, 0), stored_entry(FIRST, 1, idempotency_key="retry-1"), stored_entry(SECOND, 0)]
    for e in written:
        index.add_entry(e)
    assert index.entry(FIRST, 1) == written[1] and index.entry(SECOND, 1) is None
    assert index.entry_by_hash(written[2].entry_hash) == written[2]
    assert index.entry_by_hash("0x" + "00" * 32) is None
    assert index.entry_by_idempotency("retry-1") == written[1] and index.entry_by_idempotency("retry-2") is None
    last = index.last_entry(FIRST)
    assert last is not None and last.seq == 1

    where = ChainLocation("0x" + "33" * 32, 7, 2, 1_700_000_000)
    index.mark_anchored(FIRST, 0, where, None)
    anchored = index.entry(FIRST, 0)
    assert anchored is not None and anchored.status is EntryStatus.ANCHORED and anchored.location == where
    # Only the entry named: its neighbour in the consignment and its namesake in another wait.
    neighbours = [index.entry(FIRST, 1), index.entry(SECOND, 0)]
    assert [e.status if e else None for e in neighbours] == [EntryStatus.PENDING] * 2
