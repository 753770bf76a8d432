"""What an entry's payload must state, by event type. The contracts see only a payload's
hash, so these rules are kept by every node that accepts an entry (and re-read by whoever
verifies it); a refusal names its rule like the contracts' refusals do."""

from __future__ import annotations

from typing import Any

from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.prearrival import declaration_facts


def check_payload(event_type: EventType, payload: Any) -> None:
    """RuleViolation unless ``payload`` states what an entry of ``event_type`` must."""
    if event_type is EventType.DECLARATION:
        try:
            declaration_facts(payload)
        except ValueError as why:
            raise RuleViolation("DeclarationFacts", str(why)) from None
