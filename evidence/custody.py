"""Replaying a consignment's evidence chain: who was allowed to write each entry at the
time it was written, and the chain of custody read from it. Pure functions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from evidence.checks import Check
from evidence.errors import RuleViolation
from evidence.event_types import Category, EventType
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView, check_append
from evidence.types import ZERO_ADDRESS, Address, Jurisdiction


@dataclass(frozen=True)
class MemberEvent:
    """One change of a member in the registry's logs, at (block, log index)."""

    block: int
    log_index: int
    kind: str  # admitted | suspended | reinstated | removed
    roles: tuple[Role, ...] = ()
    jurisdiction: str = ""


def member_at(address: str, events: list[MemberEvent], block: int, log_index: int) -> MemberView:
    """The member as it stood just before (block, log_index), from its registry events."""
    roles: frozenset[Role] = frozenset()
    jurisdiction = ""
    active = False
    for event in sorted(events, key=lambda e: (e.block, e.log_index)):
        if (event.block, event.log_index) >= (block, log_index):
            break
        if event.kind == "admitted":
            roles, jurisdiction, active = frozenset(event.roles), event.jurisdiction, True
        elif event.kind == "suspended":
            active = False
        elif event.kind == "reinstated":
            active = True
        elif event.kind == "removed":
            active = False
    return MemberView(Address(address), roles, Jurisdiction(jurisdiction), active)


@dataclass(frozen=True)
class ConsignmentFacts:
    """What was fixed when the consignment was opened."""

    exporter: Address
    importer: Address
    carrier: Address  # the first carrier
    jurisdictions: frozenset[Jurisdiction]


@dataclass(frozen=True)
class WrittenEntry:
    """An entry as written: its fields that matter for the rules, and where it landed."""

    seq: int
    event_type: EventType
    actor: Address
    next_carrier: Address
    block: int
    log_index: int
    block_time: int | None
    event_time: str | None  # the EPCIS eventTime its payload states, if any


@dataclass
class Custody:
    """The chain of custody and the customs controls, read from the entries."""

    holders: list[dict[str, Any]] = field(default_factory=list)
    handovers: list[dict[str, Any]] = field(default_factory=list)
    controls: list[dict[str, Any]] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON data."""
        return {
            "holders": self.holders,
            "handovers": self.handovers,
            "controls": self.controls,
            "declarations": self.declarations,
            "documents": self.documents,
        }


def event_time(payload: Any) -> str | None:
    """The ``eventTime`` of a parsed payload, if it states one."""
    value = payload.get("eventTime") if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None


def replay(
    facts: ConsignmentFacts, entries: list[WrittenEntry], membership: dict[str, list[MemberEvent]]
) -> tuple[list[Check], Custody]:
    """For each entry, whether its actor was allowed to write it when it was written (same
    rules as the contract, with roles as they stood at that block), and the custody story."""
    checks: list[Check] = []
    custody = Custody()
    carrier = facts.carrier
    parties = {facts.exporter, facts.importer, facts.carrier}
    custody.holders.append({"carrier": carrier, "from_seq": None, "since": None})

    # Entries of one batch share a block and log position: each member is looked up once there.
    views: dict[tuple[str, int, int], tuple[MemberView, str]] = {}

    def view(address: str, entry: WrittenEntry) -> tuple[MemberView, str]:
        key = (address, entry.block, entry.log_index)
        if key not in views:
            member = member_at(address, membership.get(address, []), entry.block, entry.log_index)
            views[key] = (member, ", ".join(sorted(r.value for r in member.roles)) or "no role")
        return views[key]

    consignment = ConsignmentView(facts.exporter, facts.importer, carrier, frozenset(parties), facts.jurisdictions)
    for entry in entries:
        actor, roles = view(entry.actor, entry)
        next_view = view(entry.next_carrier, entry)[0] if entry.next_carrier != ZERO_ADDRESS else None
        state = "active" if actor.active else "not active"
        try:
            check_append(entry.event_type, actor, consignment, next_view)
            checks.append(Check("authorised", True, f"{roles} ({state}, {actor.jurisdiction}) at block {entry.block}"))
        except RuleViolation as violation:
            checks.append(Check("authorised", False, f"{violation.rule}: {violation} — actor was {roles} ({state})"))

        when = entry.event_time
        step = {
            "seq": entry.seq,
            "event_type": entry.event_type.value,
            "actor": entry.actor,
            "event_time": when,
            "block_time": entry.block_time,
        }
        category = entry.event_type.category
        if entry.event_type is EventType.HANDOVER and entry.next_carrier != ZERO_ADDRESS:
            custody.handovers.append({**step, "from": carrier, "to": entry.next_carrier})
            carrier = entry.next_carrier
            parties.add(carrier)
            consignment = ConsignmentView(
                facts.exporter, facts.importer, carrier, frozenset(parties), facts.jurisdictions
            )
            custody.holders.append({"carrier": carrier, "from_seq": entry.seq, "since": when})
        elif category is Category.CONTROL:
            custody.controls.append({**step, "jurisdiction": str(actor.jurisdiction), "result": entry.event_type.value})
        elif category is Category.DECLARATION:
            custody.declarations.append(step)
        elif category is Category.DOCUMENT:
            custody.documents.append(step)
    return checks, custody
