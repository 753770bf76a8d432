"""EPCIS error declarations: how a correction is keyed and linked to what it corrects.

EPCIS corrects or retracts an event by capturing it again with an ``errorDeclaration``
(declaration time, reason, and the IDs of corrective events). The CBV hash deliberately leaves
``errorDeclaration`` out, so a declaration has the hash ID of the event it declares wrong; it is
therefore keyed apart from that event (it is never "a duplicate" of it) and linked to it by
that hash ID, or by the explicit ``eventID`` the two share.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from evidence.canonical import canonical_json, payload_hash


@dataclass(frozen=True)
class CataloguedEvent:
    """An EPCIS event of a consignment, as the catalogue knows it."""

    seq: int
    event: dict[str, Any]
    hash_id: str | None


def is_declaration(event: dict[str, Any]) -> bool:
    return isinstance(event.get("errorDeclaration"), dict)


def dedupe_key(event: dict[str, Any], hash_id: str | None) -> str:
    """What makes two captures of an event the same capture: its hash ID (or, without one, its
    bytes); for an error declaration, also the declaration itself, so that a different
    declaration for the same event is captured too."""
    fields = {key: value for key, value in event.items() if key != "errorDeclaration"}
    key = hash_id or "payload:0x" + payload_hash(canonical_json(fields)).hex()
    if is_declaration(event):
        key = f"declaration:0x{payload_hash(canonical_json(event['errorDeclaration'])).hex()}:{key}"
    return key


def _identities(item: CataloguedEvent) -> set[str]:
    ids = {item.hash_id} if item.hash_id else set()
    if isinstance(item.event.get("eventID"), str):
        ids.add(item.event["eventID"])
    return ids


def links(events: list[CataloguedEvent]) -> dict[int, dict[str, Any]]:
    """seq → how the event takes part in corrections (only events that do):

    - a declaration: ``declaresErrorIn`` (seqs of the events it declares wrong), its
      ``reason`` and ``declarationTime``, ``correctiveEvents`` (seqs found for its
      ``correctiveEventIDs``) and ``correctiveEventIDsNotFound``;
    - an event declared wrong: ``errorDeclaredBy`` and ``correctedBy`` (seqs);
    - a corrective event: ``corrects`` (seqs of the events declared wrong).
    """
    out: dict[int, dict[str, Any]] = {}

    def note(seq: int, field: str, value: int) -> None:
        listed = out.setdefault(seq, {}).setdefault(field, [])
        if value not in listed:
            listed.append(value)

    by_id: dict[str, list[int]] = {}
    for item in events:
        for identity in _identities(item):
            by_id.setdefault(identity, []).append(item.seq)
    plain = {item.seq for item in events if not is_declaration(item.event)}
    for item in events:
        if not is_declaration(item.event):
            continue
        declaration = item.event["errorDeclaration"]
        declared = sorted({seq for i in _identities(item) for seq in by_id.get(i, []) if seq in plain})
        corrective_ids = [i for i in declaration.get("correctiveEventIDs") or [] if isinstance(i, str)]
        corrective = sorted({seq for i in corrective_ids for seq in by_id.get(i, [])})
        out[item.seq] = {
            "declaresErrorIn": declared,
            "reason": declaration.get("reason"),
            "declarationTime": declaration.get("declarationTime"),
            "correctiveEvents": corrective,
            "correctiveEventIDsNotFound": [i for i in corrective_ids if i not in by_id],
        }
        for seq in declared:
            note(seq, "errorDeclaredBy", item.seq)
            for fix in corrective:
                note(seq, "correctedBy", fix)
        for fix in corrective:
            for seq in declared:
                note(fix, "corrects", seq)
    return out
