"""Border status as a pure function: each border's own customs decide its state."""

from __future__ import annotations

from typing import Any

from evidence.event_types import EventType
from evidence.status import StatusEntry, border_status

ROUTE = ["CN", "KZ", "DE"]


def entry(seq: int, event_type: EventType, jurisdiction: str, **payload: Any) -> StatusEntry:
    return StatusEntry(seq, event_type, payload, jurisdiction)


def states(entries: list[StatusEntry]) -> dict[str, str]:
    return {b["jurisdiction"]: b["state"] for b in border_status(ROUTE, entries)}


def invoice(seq: int) -> StatusEntry:
    document = {
        "type": "commercial_invoice",
        "sha256": "ab" * 32,
        "cid": "Qm" + "x" * 44,
        "cidV1": "bafy",
        "size": 1,
        "filename": "inv.pdf",
        "mediaType": "application/pdf",
    }
    return entry(seq, EventType.DOCUMENT_ATTACHED, "CN", **{"bl:document": document})


def test_a_border_moves_from_declared_to_released() -> None:
    declared = entry(0, EventType.DECLARATION, "CN", **{"bl:declaration": {"declaredTo": "DE", "kind": "import"}})
    assert states([declared]) == {"CN": "not_declared", "KZ": "not_declared", "DE": "declared"}
    lane = entry(1, EventType.LANE_ASSIGNED, "DE", **{"bl:lane": {"lane": "yellow"}})
    asked = entry(
        2,
        EventType.DOCUMENTS_REQUESTED,
        "DE",
        **{"bl:documentsRequested": {"documents": [{"type": "commercial_invoice"}]}},
    )
    held = entry(3, EventType.HELD, "DE", **{"bl:hold": {"reasonCategory": "documents"}})
    assert states([declared, lane])["DE"] == "lane_assigned"
    assert states([declared, lane, asked])["DE"] == "documents_requested"
    assert states([declared, lane, asked, held])["DE"] == "held"
    released = entry(5, EventType.RELEASED, "DE")
    borders = border_status(ROUTE, [declared, lane, asked, held, invoice(4), released])
    de = borders[2]
    assert de["state"] == "released" and de["documents_requested"][0]["answered"] is True
    assert de["held"] == {"seq": 3, "reason_category": "documents"} and de["lane"] == {"seq": 1, "lane": "yellow"}


def test_only_a_borders_own_customs_move_it_and_a_new_hold_reopens_it() -> None:
    kz_hold = entry(0, EventType.HELD, "KZ")
    assert states([kz_hold]) == {"CN": "not_declared", "KZ": "held", "DE": "not_declared"}
    assert border_status(ROUTE, [kz_hold])[1]["held"] == {"seq": 0, "reason_category": None}  # nothing disclosed
    again = [kz_hold, entry(1, EventType.RELEASED, "KZ"), entry(2, EventType.HELD, "KZ")]
    assert states(again)["KZ"] == "held"
