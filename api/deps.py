"""Request dependencies: the service and the authenticated participant."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from api.aeo_service import AEOService
from api.epcis.service import EpcisService
from api.middleware import idempotency_scope
from api.service import LedgerService, Participant

api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A participant's API key")


def get_service(request: Request) -> LedgerService:
    """The node's ledger service."""
    service: LedgerService = request.app.state.runtime.service
    return service


LedgerDep = Annotated[LedgerService, Depends(get_service)]


def get_aeo(request: Request) -> AEOService:
    """The node's AEO service."""
    aeo: AEOService = request.app.state.runtime.aeo
    return aeo


AEODep = Annotated[AEOService, Depends(get_aeo)]


def get_epcis(request: Request) -> EpcisService:
    """The node's EPCIS service."""
    epcis: EpcisService = request.app.state.runtime.epcis
    return epcis


EpcisDep = Annotated[EpcisService, Depends(get_epcis)]


def get_participant(service: LedgerDep, api_key: Annotated[str | None, Security(api_key_header)]) -> Participant:
    """The participant the request's API key belongs to."""
    return service.authenticate(api_key)


CurrentParticipant = Annotated[Participant, Depends(get_participant)]


def get_idempotency_scope(
    api_key: Annotated[str | None, Security(api_key_header)],
    key: Annotated[
        str | None,
        Header(alias="Idempotency-Key", max_length=128, description="the same key again returns the same entry"),
    ] = None,
) -> str | None:
    """The caller's idempotency key, bound to its API key (None without the header)."""
    return idempotency_scope(api_key, key) if api_key and key else None


IdempotencyScope = Annotated[str | None, Depends(get_idempotency_scope)]
