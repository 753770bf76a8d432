"""Pre-arrival proofs as pure functions: each rule of the deadline table at its boundary."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.payload_rules import check_payload
from evidence.prearrival import HOUR, TimedEntry, prove_all

DECLARED_AT = 1_800_000_000  # the declaration's block timestamp


def declaration(seq: int = 0, block: int | None = 10, **facts: Any) -> TimedEntry:
    stated = {"kind": "entry_summary", "mode": "sea_container", "declaredTo": "DE"} | facts
    payload = {"type": "ObjectEvent", "bl:declaration": stated}
    return TimedEntry(seq, EventType.DECLARATION, payload, block, 0, DECLARED_AT if block else None, True)


def event(seq: int, event_type: EventType, lead: int | None, block: int = 20) -> TimedEntry:
    """An entry whose signed event time is ``lead`` seconds after the declaration's block time."""
    payload = {"eventTime": "no time" if lead is None else _rfc3339(DECLARED_AT + lead)}
    return TimedEntry(seq, event_type, payload, block, 0, DECLARED_AT + 60, True)


def _rfc3339(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def status(*entries: TimedEntry) -> str:
    (proof,) = prove_all(list(entries))
    return str(proof["status"])


@pytest.mark.parametrize(
    ("facts", "counted_from", "lead", "expected"),
    [
        ({"mode": "sea_container"}, EventType.LOADING, 25 * HOUR, "timely"),
        ({"mode": "sea_container"}, EventType.LOADING, 24 * HOUR, "timely"),  # "at least 24 h"
        ({"mode": "sea_container"}, EventType.LOADING, 24 * HOUR - 1, "late"),
        ({"mode": "sea_container"}, EventType.LOADING, 23 * HOUR, "late"),
        ({"mode": "sea_bulk"}, EventType.ARRIVING, 4 * HOUR, "timely"),
        ({"mode": "short_sea"}, EventType.ARRIVING, 2 * HOUR - 1, "late"),
        ({"mode": "road"}, EventType.ARRIVING, 30 * 60, "late"),
        ({"mode": "road"}, EventType.ARRIVING, HOUR, "timely"),
        ({"mode": "rail"}, EventType.ARRIVING, 90 * 60, "late"),
        ({"mode": "rail", "railShortFinalLeg": True}, EventType.ARRIVING, 90 * 60, "timely"),
        ({"mode": "air", "airShortHaul": True}, EventType.DEPARTING, 0, "timely"),
        ({"mode": "air"}, EventType.ARRIVING, 3 * HOUR, "late"),
    ],
)
def test_each_deadline_at_its_boundary(
    facts: dict[str, Any], counted_from: EventType, lead: int, expected: str
) -> None:
    assert status(declaration(**facts), event(1, counted_from, lead)) == expected


def test_written_after_the_event_is_an_order_violation_whatever_time_it_claims() -> None:
    # Arrival claims a time two days later, but the ledger wrote it first.
    arrived = event(0, EventType.ARRIVING, 48 * HOUR, block=5)
    (proof,) = prove_all([arrived, declaration(seq=1, mode="road")])
    assert proof["status"] == "order_violation"
    assert "before the declaration" in proof["reason"]


def test_what_cannot_be_decided_is_incomplete_or_not_applicable_never_timely() -> None:
    assert status(declaration()) == "incomplete"  # no loading yet
    assert status(declaration(block=None), event(1, EventType.LOADING, 30 * HOUR)) == "incomplete"
    assert status(declaration(), event(1, EventType.LOADING, None)) == "incomplete"  # no usable event time
    assert status(declaration(kind="export"), event(1, EventType.LOADING, 30 * HOUR)) == "not_applicable"
    unstated = TimedEntry(0, EventType.DECLARATION, {"type": "ObjectEvent"}, 10, 0, DECLARED_AT, True)
    (proof,) = prove_all([unstated, event(1, EventType.LOADING, 30 * HOUR)])
    assert proof["status"] == "incomplete" and "bl:declaration" in proof["reason"]


def test_the_proof_names_its_rule_source_and_figures() -> None:
    (proof,) = prove_all([declaration(), event(1, EventType.LOADING, 25 * HOUR)])
    assert proof["deadline"] == {
        "rule": "entry_summary/sea_container",
        "lead_seconds": 24 * HOUR,
        "counted_from": "LOADING",
        "legal_source": "Commission Delegated Regulation (EU) 2015/2446, Art. 106(1)(a)(i)",
    }
    assert proof["lead_seconds"] == 25 * HOUR and proof["declared"]["block_time"] == DECLARED_AT
    assert proof["rules"] == "eu-ens-2015-2446-art106/1" and proof["times_from_chain"] is True


@pytest.mark.parametrize(
    "stated",
    [
        None,
        {"kind": "entry_summary"},
        {"kind": "guess", "mode": "road", "declaredTo": "DE"},
        {"kind": "import", "mode": "road", "declaredTo": "Germany"},
    ],
)
def test_a_declaration_must_state_its_facts(stated: Any) -> None:
    payload = {"type": "ObjectEvent"} | ({"bl:declaration": stated} if stated is not None else {})
    with pytest.raises(RuleViolation) as refused:
        check_payload(EventType.DECLARATION, payload)
    assert refused.value.rule == "DeclarationFacts"
    check_payload(EventType.LOADING, {"type": "ObjectEvent"})  # other types carry no such rule
