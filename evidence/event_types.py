"""Event types of the evidence chain and who may append them (see ``contracts/EventTypes.sol``)."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from eth_utils.crypto import keccak

from evidence.types import Hash32


class Category(StrEnum):
    """Who may append an event type."""

    CUSTODY = "custody"  # the carrier holding custody
    CONTROL = "control"  # customs of the origin, a transit or the destination
    DECLARATION = "declaration"  # the exporter or the importer
    DOCUMENT = "document"  # any party, or customs of the consignment's jurisdictions (documents, observations)
    CONSIGNEE = "consignee"  # the importer (receipt of the goods)


class EventType(StrEnum):
    """An event type; its CBV 2.0 business step is in ``BIZ_STEPS``."""

    LOADING = "LOADING"
    DEPARTING = "DEPARTING"
    ARRIVING = "ARRIVING"
    UNLOADING = "UNLOADING"
    HANDOVER = "HANDOVER"
    DELIVERY = "DELIVERY"
    INSPECTED = "INSPECTED"
    SEAL_VERIFIED = "SEAL_VERIFIED"
    HELD = "HELD"
    RELEASED = "RELEASED"
    DECLARATION = "DECLARATION"
    DOCUMENT_ATTACHED = "DOCUMENT_ATTACHED"
    OBSERVED = "OBSERVED"  # any other EPCIS event a party captures (e.g. commissioning, packing)
    CONTROL_RESULT = "CONTROL_RESULT"  # a customs control and its result, typed (evidence.controls)
    LANE_ASSIGNED = "LANE_ASSIGNED"  # the lane a customs applies to the consignment
    DOCUMENTS_REQUESTED = "DOCUMENTS_REQUESTED"  # customs asks the trader for documents
    RECEIPT_CONFIRMED = "RECEIPT_CONFIRMED"  # the consignee confirms it received the goods

    @property
    def type_id(self) -> Hash32:
        """The bytes32 id on chain: keccak256 of the name."""
        return _type_id(self.value)

    @property
    def category(self) -> Category:
        """Who may append this event type."""
        return CATEGORIES[self]

    @classmethod
    def from_id(cls, type_id: bytes) -> EventType:
        """The event type whose on-chain id is ``type_id``."""
        found = _by_id().get(bytes(type_id))
        if found is None:
            raise ValueError(f"unknown event type id 0x{bytes(type_id).hex()}")
        return found


CATEGORIES: dict[EventType, Category] = {
    EventType.LOADING: Category.CUSTODY,
    EventType.DEPARTING: Category.CUSTODY,
    EventType.ARRIVING: Category.CUSTODY,
    EventType.UNLOADING: Category.CUSTODY,
    EventType.HANDOVER: Category.CUSTODY,
    EventType.DELIVERY: Category.CUSTODY,
    EventType.INSPECTED: Category.CONTROL,
    EventType.SEAL_VERIFIED: Category.CONTROL,
    EventType.HELD: Category.CONTROL,
    EventType.RELEASED: Category.CONTROL,
    EventType.DECLARATION: Category.DECLARATION,
    EventType.DOCUMENT_ATTACHED: Category.DOCUMENT,
    EventType.OBSERVED: Category.DOCUMENT,
    EventType.CONTROL_RESULT: Category.CONTROL,
    EventType.LANE_ASSIGNED: Category.CONTROL,
    EventType.DOCUMENTS_REQUESTED: Category.CONTROL,
    EventType.RECEIPT_CONFIRMED: Category.CONSIGNEE,
}

# CBV 2.0 business step of each event type (used when a client sends no bizStep).
BIZ_STEPS: dict[EventType, str] = {
    EventType.LOADING: "loading",
    EventType.DEPARTING: "departing",
    EventType.ARRIVING: "arriving",
    EventType.UNLOADING: "unloading",
    EventType.HANDOVER: "shipping",
    EventType.DELIVERY: "receiving",
    EventType.INSPECTED: "inspecting",
    EventType.SEAL_VERIFIED: "inspecting",
    EventType.HELD: "holding",
    EventType.RELEASED: "accepting",
    EventType.DECLARATION: "other",
    EventType.DOCUMENT_ATTACHED: "other",
    EventType.OBSERVED: "other",
    EventType.CONTROL_RESULT: "inspecting",
    EventType.LANE_ASSIGNED: "other",
    EventType.DOCUMENTS_REQUESTED: "other",
    EventType.RECEIPT_CONFIRMED: "receiving",
}


@cache
def _type_id(name: str) -> Hash32:
    return Hash32(keccak(text=name))


@cache
def _by_id() -> dict[bytes, EventType]:
    return {event_type.type_id: event_type for event_type in EventType}
