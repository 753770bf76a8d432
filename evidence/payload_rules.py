"""What an entry's payload must state, by event type. The contracts see only a payload's
hash, so these rules are kept by every node that accepts an entry (and re-read by whoever
verifies it); a refusal names its rule like the contracts' refusals do."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from evidence.controls import (
    CONTROL_RESULT_FIELD,
    DOCUMENTS_REQUESTED_FIELD,
    HOLD_FIELD,
    LANE_FIELD,
    ControlResult,
    DocumentsRequested,
    Hold,
    LaneAssigned,
)
from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.models import stated_part
from evidence.prearrival import declaration_facts

# event type → (rule name, payload field, model)
_TYPED: dict[EventType, tuple[str, str, type[BaseModel]]] = {
    EventType.CONTROL_RESULT: ("ControlResultFacts", CONTROL_RESULT_FIELD, ControlResult),
    EventType.LANE_ASSIGNED: ("LaneFacts", LANE_FIELD, LaneAssigned),
    EventType.DOCUMENTS_REQUESTED: ("DocumentsRequestedFacts", DOCUMENTS_REQUESTED_FIELD, DocumentsRequested),
}
RULES = ("DeclarationFacts", "HoldFacts", *(rule for rule, _, _ in _TYPED.values()))


def typed_part(event_type: EventType, payload: Any) -> BaseModel:
    """The typed part of a payload of ``event_type``; ValueError naming the field otherwise."""
    _, field, model = _TYPED[event_type]
    return stated_part(payload, field, model, f"a {event_type.value} states '{field}'")


def check_payload(event_type: EventType, payload: Any, actor_jurisdiction: str | None = None) -> None:
    """RuleViolation unless ``payload`` states what an entry of ``event_type`` must; a control
    result names its actor's own administration."""
    if event_type is EventType.DECLARATION:
        try:
            declaration_facts(payload)
        except ValueError as why:
            raise RuleViolation("DeclarationFacts", str(why)) from None
    if event_type is EventType.HELD and isinstance(payload, dict) and HOLD_FIELD in payload:
        try:
            stated_part(payload, HOLD_FIELD, Hold, "")
        except ValueError as why:
            raise RuleViolation("HoldFacts", str(why)) from None
    if event_type not in _TYPED:
        return
    rule = _TYPED[event_type][0]
    try:
        typed = typed_part(event_type, payload)
    except ValueError as why:
        raise RuleViolation(rule, str(why)) from None
    if isinstance(typed, ControlResult) and actor_jurisdiction and typed.authority.country != actor_jurisdiction:
        raise RuleViolation(
            rule,
            f"{CONTROL_RESULT_FIELD}.authority.country is {typed.authority.country}, but the signer is customs of "
            f"{actor_jurisdiction}: a control result is signed by the administration that made it",
        )
