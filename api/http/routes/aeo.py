"""AEO certificates, recognition, and MRAs between customs administrations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, status

from api.http.deps import AEODep, CurrentParticipant
from api.http.schemas import (
    CertificateCreate,
    CertificatePublic,
    HistoryItem,
    MraCreate,
    MraPublic,
    RecognitionPublic,
    StatusChange,
    _iso_country,
)
from evidence.errors import LedgerValueError

# Ids are uint256 on chain: anything else names no proposal or MRA.
Uint256Id = Annotated[int, Path(ge=0, le=2**256 - 1)]
router = APIRouter(prefix="/v1", tags=["aeo"])


@router.post("/aeo/certificates", response_model=CertificatePublic, status_code=status.HTTP_201_CREATED)
def issue_certificate(body: CertificateCreate, aeo: AEODep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only: certify an operator of the caller's jurisdiction."""
    return aeo.issue(
        caller,
        body.number,
        body.holder,
        list(body.programmes),
        body.valid_from,
        body.valid_until,
        body.document_cid,
        body.data_elements,
    )


@router.get("/aeo/certificates", response_model=list[CertificatePublic])
def list_certificates(
    aeo: AEODep,
    caller: CurrentParticipant,
    holder: Annotated[str | None, Query(pattern=r"^0x[0-9a-fA-F]{40}$")] = None,
    issuer: Annotated[str | None, Query(min_length=2, max_length=2)] = None,
) -> list[dict[str, Any]]:
    """Certificates by holder or by issuing jurisdiction."""
    return aeo.certificates(caller, holder, issuer.upper() if issuer else None)


@router.get("/aeo/certificates/{number}", response_model=CertificatePublic)
def get_certificate(number: str, aeo: AEODep, caller: CurrentParticipant) -> dict[str, Any]:
    """A certificate and its status now; its data elements for customs and its holder only."""
    return aeo.get(caller, number)


@router.post("/aeo/certificates/{number}/{action}", response_model=CertificatePublic)
def change_certificate_status(
    number: str,
    action: Literal["suspend", "reinstate", "revoke"],
    body: StatusChange,
    aeo: AEODep,
    caller: CurrentParticipant,
) -> dict[str, Any]:
    """The issuing customs administration only: suspend, reinstate or revoke (final), with a reason."""
    return aeo.change_status(caller, number, action, body.reason)


@router.get("/aeo/certificates/{number}/history", response_model=list[HistoryItem])
def certificate_history(number: str, aeo: AEODep, _caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every change with actor, reason, tx hash and block time, read from the chain."""
    return aeo.history(number)


@router.get("/aeo/recognition", response_model=RecognitionPublic)
def recognition(
    aeo: AEODep,
    _caller: CurrentParticipant,
    certificate: Annotated[str, Query(min_length=1, max_length=64, description="certificate number")],
    by: Annotated[str, Query(min_length=2, max_length=2, description="the recognising customs' ISO code")],
    at: Annotated[datetime | None, Query(description="answer as it stood at this time (ISO 8601 with zone)")] = None,
) -> dict[str, Any]:
    """Is this trader's AEO status recognised by customs of ``by``? Read from the chain on every request."""
    try:
        code = _iso_country(by)
    except ValueError as exc:
        raise LedgerValueError(f"by: {exc}") from exc
    if at is not None and at.tzinfo is None:
        raise LedgerValueError("at: give a time zone, e.g. 2026-11-28T10:00:00Z")
    if at is not None and not 0 <= at.timestamp() < 2**63:
        raise LedgerValueError("at: must lie after 1970-01-01T00:00:00Z")
    return aeo.recognition(certificate, code, at)


@router.post("/mras", response_model=MraPublic, status_code=status.HTTP_201_CREATED)
def propose_mra(body: MraCreate, aeo: AEODep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs only: propose an MRA to a partner administration."""
    return aeo.propose_mra(caller, body.partner, list(body.scope), body.valid_until, list(body.controls))


@router.get("/mras", response_model=list[MraPublic])
def list_mras(aeo: AEODep, _caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every MRA and its state."""
    return aeo.mras()


@router.post("/mras/{mra_id}/accept", response_model=MraPublic)
def accept_mra(mra_id: Uint256Id, aeo: AEODep, caller: CurrentParticipant) -> dict[str, Any]:
    """The partner administration only: accept an MRA."""
    return aeo.accept_mra(caller, mra_id)


@router.post("/mras/{mra_id}/terminate", response_model=MraPublic)
def terminate_mra(mra_id: Uint256Id, body: StatusChange, aeo: AEODep, caller: CurrentParticipant) -> dict[str, Any]:
    """Either administration: terminate an MRA, with a reason."""
    return aeo.terminate_mra(caller, mra_id, body.reason)
