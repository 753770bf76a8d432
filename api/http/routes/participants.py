"""Consortium members: register, list, suspend, reinstate; governance proposals."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status
from web3 import Web3

from api.http.deps import CurrentParticipant, MembersDep
from api.http.schemas import ParticipantCreate, ParticipantCreated, ParticipantPublic, ProposalPublic

# Ids are uint256 on chain: anything else names no proposal or MRA.
Uint256Id = Annotated[int, Path(ge=0, le=2**256 - 1)]
router = APIRouter(prefix="/v1", tags=["participants"])
_ADDRESS = Path(pattern=r"^0x[0-9a-fA-F]{40}$")


@router.get("/participants", response_model=list[ParticipantPublic])
def list_participants(members: MembersDep, _caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every member this node knows, with its status on chain."""
    return members.participants()


@router.get("/participants/me", response_model=ParticipantPublic)
def me(members: MembersDep, caller: CurrentParticipant) -> dict[str, Any]:
    """The caller's own membership."""
    return members.describe(caller)


@router.post("/participants", response_model=ParticipantCreated, status_code=status.HTTP_201_CREATED)
def register_participant(body: ParticipantCreate, members: MembersDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only. An operator of the caller's jurisdiction is admitted at once; a customs
    administration is proposed and admitted once a majority of customs approves."""
    return members.register(
        caller,
        body.name,
        body.legal_id,
        body.jurisdiction,
        body.roles,
        Web3.to_checksum_address(body.address) if body.address else None,
    )


@router.post("/participants/{address}/suspend", response_model=ParticipantPublic)
def suspend(members: MembersDep, caller: CurrentParticipant, address: str = _ADDRESS) -> dict[str, Any]:
    """Customs only: suspend an operator of the caller's jurisdiction."""
    return members.set_suspended(caller, address, True)


@router.post("/participants/{address}/reinstate", response_model=ParticipantPublic)
def reinstate(members: MembersDep, caller: CurrentParticipant, address: str = _ADDRESS) -> dict[str, Any]:
    """Customs only: reinstate a suspended operator of the caller's jurisdiction."""
    return members.set_suspended(caller, address, False)


@router.get("/proposals/{proposal_id}", response_model=ProposalPublic)
def get_proposal(proposal_id: Uint256Id, members: MembersDep, caller: CurrentParticipant) -> dict[str, Any]:
    """A governance proposal and its approvals."""
    return members.proposal(proposal_id)


@router.post("/proposals/{proposal_id}/approve", response_model=ProposalPublic)
def approve_proposal(proposal_id: Uint256Id, members: MembersDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only: approve a proposal; it takes effect at a majority of active customs."""
    return members.approve_proposal(caller, proposal_id)
