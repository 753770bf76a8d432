"""Consortium members: register, list, suspend, reinstate; governance proposals."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Path, status
from web3 import Web3

from api.deps import CurrentParticipant, LedgerDep
from api.schemas import ParticipantCreate, ParticipantCreated, ParticipantPublic, ProposalPublic

router = APIRouter(prefix="/v1", tags=["participants"])
_ADDRESS = Path(pattern=r"^0x[0-9a-fA-F]{40}$")


@router.get("/participants", response_model=list[ParticipantPublic])
def list_participants(service: LedgerDep, _caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every member this node knows, with its status on chain."""
    return service.participants()


@router.get("/participants/me", response_model=ParticipantPublic)
def me(service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """The caller's own membership."""
    return service.describe_member(caller)


@router.post("/participants", response_model=ParticipantCreated, status_code=status.HTTP_201_CREATED)
def register_participant(body: ParticipantCreate, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only. An operator of the caller's jurisdiction is admitted at once; a customs
    administration is proposed and admitted once a majority of customs approves."""
    return service.register_participant(
        caller,
        body.name,
        body.legal_id,
        body.jurisdiction,
        body.roles,
        Web3.to_checksum_address(body.address) if body.address else None,
    )


@router.post("/participants/{address}/suspend", response_model=ParticipantPublic)
def suspend(service: LedgerDep, caller: CurrentParticipant, address: str = _ADDRESS) -> dict[str, Any]:
    """Customs only: suspend an operator of the caller's jurisdiction."""
    return service.set_suspended(caller, address, True)


@router.post("/participants/{address}/reinstate", response_model=ParticipantPublic)
def reinstate(service: LedgerDep, caller: CurrentParticipant, address: str = _ADDRESS) -> dict[str, Any]:
    """Customs only: reinstate a suspended operator of the caller's jurisdiction."""
    return service.set_suspended(caller, address, False)


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(proposal_id: int, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """A governance proposal and its approvals."""
    return service.proposal(caller, proposal_id)


@router.post("/proposals/{proposal_id}/approve", response_model=ProposalPublic)
def approve_proposal(proposal_id: int, service: LedgerDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only: approve a proposal; it takes effect at a majority of active customs."""
    return service.approve_proposal(caller, proposal_id)
