"""Consignments, their events, and their verification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, status

from api.deps import CurrentParticipant, LedgerDep
from api.schemas import ConsignmentCreate, ConsignmentPublic, EntryPublic, EventCreate, ReportPublic

router = APIRouter(prefix="/v1/consignments", tags=["consignments"])


@router.post("", response_model=ConsignmentPublic, status_code=status.HTTP_201_CREATED)
def create_consignment(body: ConsignmentCreate, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Exporters only: open a consignment."""
    return service.create_consignment(
        caller, body.reference, body.origin, body.destination, body.transit, body.importer, body.carrier
    )


@router.get("", response_model=list[ConsignmentPublic])
def list_consignments(service: LedgerDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """The consignments the caller may see."""
    return service.list_consignments(caller)


@router.get("/{reference}", response_model=ConsignmentPublic)
def get_consignment(reference: str, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """One consignment (parties, customs of its jurisdictions and auditors)."""
    return service.get_consignment(caller, reference)


@router.post("/{reference}/events", response_model=EntryPublic, status_code=status.HTTP_201_CREATED)
def append_event(reference: str, body: EventCreate, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Append an event, signed by the caller's custodial key and anchored on chain."""
    return service.append_event(caller, reference, body.event_type, body.payload.to_json(), body.next_carrier)


@router.get("/{reference}/events", response_model=list[EntryPublic])
def list_events(reference: str, service: LedgerDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """The consignment's entries in order."""
    return service.list_events(caller, reference)


@router.get("/{reference}/verify", response_model=ReportPublic)
def verify(reference: str, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Verify every entry: payload hash, entry hash, signature, chain link, on-chain record."""
    return service.verify(caller, reference).to_dict()
