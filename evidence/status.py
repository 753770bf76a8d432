"""Where a consignment stands at each border, as its trader may see it: declared, the lane
customs applied, documents requested (and whether answered), held (with the reason category
customs chose to disclose), released. A pure function of the consignment's entries; the
risk score and the reasons behind a lane never appear here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.controls import DOCUMENTS_REQUESTED_FIELD, HOLD_FIELD, LANE_FIELD
from evidence.documents import document_in
from evidence.event_types import EventType
from evidence.prearrival import DECLARATION_FIELD


@dataclass(frozen=True)
class StatusEntry:
    """An entry as the status reads it: who wrote it for which jurisdiction."""

    seq: int
    event_type: EventType
    payload: Any
    actor_jurisdiction: str


def _field(payload: Any, name: str) -> dict[str, Any]:
    value = payload.get(name) if isinstance(payload, dict) else None
    return value if isinstance(value, dict) else {}


def _border(jurisdiction: str, entries: list[StatusEntry]) -> dict[str, Any]:
    border: dict[str, Any] = {
        "jurisdiction": jurisdiction,
        "declared": None,
        "lane": None,
        "documents_requested": [],
        "held": None,
        "released": None,
    }
    attached: list[tuple[int, str]] = []
    for e in entries:
        if e.event_type is EventType.DOCUMENT_ATTACHED and isinstance(e.payload, dict):
            ref = document_in(e.payload)
            if ref is not None:
                attached.append((e.seq, ref.document_type.value))
        declared = _field(e.payload, DECLARATION_FIELD)
        if e.event_type is EventType.DECLARATION and declared.get("declaredTo") == jurisdiction:
            border["declared"] = {"seq": e.seq, "kind": declared.get("kind")}
        if e.actor_jurisdiction != jurisdiction:
            continue  # the rest is this border's customs' own
        if e.event_type is EventType.LANE_ASSIGNED:
            border["lane"] = {"seq": e.seq, "lane": _field(e.payload, LANE_FIELD).get("lane")}
        elif e.event_type is EventType.DOCUMENTS_REQUESTED:
            wanted = [d.get("type") for d in _field(e.payload, DOCUMENTS_REQUESTED_FIELD).get("documents", [])]
            border["documents_requested"].append({"seq": e.seq, "documents": wanted})
        elif e.event_type is EventType.HELD:
            border["held"] = {"seq": e.seq, "reason_category": _field(e.payload, HOLD_FIELD).get("reasonCategory")}
            border["released"] = None
        elif e.event_type is EventType.RELEASED:
            border["released"] = {"seq": e.seq}
    for request in border["documents_requested"]:
        after = {kind for seq, kind in attached if seq > request["seq"]}
        request["answered"] = all(kind in after for kind in request["documents"])
    border["state"] = _state(border)
    return border


def _state(border: dict[str, Any]) -> str:
    if border["released"] is not None:
        return "released"
    if border["held"] is not None:
        return "held"
    if any(not r["answered"] for r in border["documents_requested"]):
        return "documents_requested"
    if border["lane"] is not None:
        return "lane_assigned"
    return "declared" if border["declared"] is not None else "not_declared"


def border_status(route: list[str], entries: list[StatusEntry]) -> list[dict[str, Any]]:
    """Each border of the route (origin, transits, destination), in order, with its state."""
    ordered = sorted(entries, key=lambda e: e.seq)
    return [_border(jurisdiction, ordered) for jurisdiction in dict.fromkeys(route)]
