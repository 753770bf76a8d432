"""Request dependencies: the node's services and the authenticated participant.

The accessors are ``async def`` though they await nothing: FastAPI runs a plain ``def``
dependency in its thread pool, one hop there and back per dependency and request, and they
do no I/O. The participant's lookup, which reads the index and the chain, stays a ``def``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from api.http.middleware import idempotency_scope
from api.services import Services
from api.services.aeo import AEOService
from api.services.appends import AppendsService
from api.services.checkpointer import Checkpointer
from api.services.consignments import ConsignmentsService
from api.services.controls import ControlsService
from api.services.documents import DocumentsService
from api.services.epcis import EpcisService
from api.services.errors import NotFound
from api.services.evidence_export import EvidenceService
from api.services.members import MembersService, Participant
from api.services.merkle_log import MerkleLogService
from api.services.risk import RiskService
from api.services.status import StatusService

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A participant's API key")


async def get_services(request: Request) -> Services:
    """Every service of the node."""
    services: Services = request.app.state.runtime.services
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


async def get_members(services: ServicesDep) -> MembersService:
    """Members, keys and governance."""
    return services.members


async def get_consignments(services: ServicesDep) -> ConsignmentsService:
    """Consignments and their entries."""
    return services.consignments


async def get_appends(services: ServicesDep) -> AppendsService:
    """Single appends."""
    return services.appends


async def get_documents(services: ServicesDep) -> DocumentsService:
    """Documents."""
    return services.documents


async def get_evidence(services: ServicesDep) -> EvidenceService:
    """Bundles and verification."""
    return services.evidence


async def get_epcis(services: ServicesDep) -> EpcisService:
    """EPCIS capture and export."""
    return services.epcis


async def get_aeo(services: ServicesDep) -> AEOService:
    """AEO certificates and MRAs."""
    if services.aeo is None:
        raise NotFound("this deployment has no AEORegistry")
    return services.aeo


async def get_merkle_log(services: ServicesDep) -> MerkleLogService:
    """The Merkle log, where this deployment anchors batches."""
    if services.checkpointer is None:
        raise NotFound("this deployment has no CheckpointLog; batched anchoring is off")
    return services.merkle_log


async def get_checkpointer(services: ServicesDep) -> Checkpointer:
    """The checkpointer of the Merkle log."""
    if services.checkpointer is None:
        raise NotFound("this deployment has no CheckpointLog; batched anchoring is off")
    return services.checkpointer


MembersDep = Annotated[MembersService, Depends(get_members)]
ConsignmentsDep = Annotated[ConsignmentsService, Depends(get_consignments)]
AppendsDep = Annotated[AppendsService, Depends(get_appends)]
DocumentsDep = Annotated[DocumentsService, Depends(get_documents)]
EvidenceDep = Annotated[EvidenceService, Depends(get_evidence)]
EpcisDep = Annotated[EpcisService, Depends(get_epcis)]
AEODep = Annotated[AEOService, Depends(get_aeo)]


async def get_controls(services: ServicesDep) -> ControlsService:
    return services.controls


ControlsDep = Annotated[ControlsService, Depends(get_controls)]


async def get_risk(services: ServicesDep) -> RiskService:
    return services.risk


RiskDep = Annotated[RiskService, Depends(get_risk)]


async def get_status(services: ServicesDep) -> StatusService:
    return services.status


StatusDep = Annotated[StatusService, Depends(get_status)]
MerkleLogDep = Annotated[MerkleLogService, Depends(get_merkle_log)]
CheckpointerDep = Annotated[Checkpointer, Depends(get_checkpointer)]


def get_participant(members: MembersDep, api_key: Annotated[str | None, Security(api_key_header)]) -> Participant:
    """The participant the request's API key belongs to."""
    return members.authenticate(api_key)


CurrentParticipant = Annotated[Participant, Depends(get_participant)]


async def get_idempotency_scope(
    api_key: Annotated[str | None, Security(api_key_header)],
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=128, description="the same key again returns the same entry"),
    ] = None,
) -> str | None:
    """The caller's idempotency key, bound to its API key (None without the header)."""
    return idempotency_scope(api_key, key) if api_key and key else None


IdempotencyScope = Annotated[str | None, Depends(get_idempotency_scope)]
