"""The outbox finds its pending entries through a partial index that holds those only: an
entry leaves it when it is anchored, a batched entry never enters it, and SQLite plans the
outbox's lookups with it (the status is a bound parameter, which SQLite weighs when it plans)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from api.index import Index, make_engine
from api.index.rows import AnchorKind, ChainLocation, ConsignmentRow, EntryStatus
from evidence.types import Address
from tests.index.stored_entries import stored_entry

SINGLE, BATCHED = "0x" + "a1" * 32, "0x" + "b2" * 32


@pytest.fixture
def index(tmp_path: Path) -> Index:
    index = Index(make_engine(f"sqlite:///{tmp_path / 'index.db'}"))
    for n, consignment in enumerate((SINGLE, BATCHED)):
        row = ConsignmentRow(
            consignment, f"PENDING-{n}", Address("0x" + "ab" * 20), Address("0x" + "cd" * 20), "CN", "DE", (), "0x", 1
        )
        index.add_consignment(row, [])
    return index


def in_partial_index(index: Index) -> int:
    with index.engine.connect() as conn:
        return int(conn.exec_driver_sql("SELECT count(*) FROM entries INDEXED BY ix_entries_pending WHERE "
                                         "entries.status = 'pending'").scalar_one())  # fmt: skip


def test_pending_entries_are_found_and_leave_the_outbox_when_anchored(index: Index) -> None:
    with index.adding_log_entries() as writer:
        writer.add([stored_entry(BATCHED, seq, AnchorKind.LOG) for seq in range(5)])
    for seq in range(3):
        index.add_entry(stored_entry(SINGLE, seq, AnchorKind.LEDGER))
    assert index.pending_count() == 3
    assert index.pending_consignments() == [SINGLE]
    assert in_partial_index(index) == 3  # the batched entries never entered it

    index.mark_anchored(SINGLE, 0, ChainLocation("0x" + "11" * 32, 7, 0, 1_700_000_000), None)
    assert index.pending_count() == 2
    assert [e.seq for e in index.entries_of(SINGLE, EntryStatus.PENDING)] == [1, 2]

    index.reject_from(SINGLE, 1, "refused by the contract")
    assert index.pending_count() == 0
    assert index.pending_consignments() == []
    assert in_partial_index(index) == 0
    assert [e.seq for e in index.entries_of(SINGLE)] == [0]  # the anchored one stays
    assert len(index.entries_of(BATCHED)) == 5


def test_the_queries_for_pending_entries_use_the_partial_index(index: Index) -> None:
    """The statements the outbox's lookups send, as sent, planned by SQLite."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "status" in statement:
            sent.append((statement, parameters))

    event.listen(index.engine, "before_cursor_execute", capture)
    index.pending_count()
    index.pending_consignments()
    index.reject_from(SINGLE, 1, "refused by the contract")
    event.remove(index.engine, "before_cursor_execute", capture)
    assert len(sent) == 3
    with index.engine.connect() as conn:
        for statement, parameters in sent:
            plan = " ".join(
                str(step[-1]) for step in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            )
            assert "INDEX ix_entries_pending" in plan, (statement, plan)
