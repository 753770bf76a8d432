"""Verifiable credentials: issuing (customs), listing, revoking, key rotation; and what is
public, with no API key — issuers' DID documents, status lists, the vocabulary, verifying."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, status
from fastapi.responses import JSONResponse, Response
from pydantic import Field

from api.http.deps import CurrentParticipant, ServicesDep
from api.http.schemas import _Input
from client.credentials import vocab
from evidence.credential_rules import DataElement
from evidence.vc import StatusPurpose


def _content(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """The 200 answer's media types (error answers stay JSON)."""
    return {200: {"content": {m: {} for m in media_types}}}


router = APIRouter(prefix="/v1", tags=["credentials"])
public = APIRouter(tags=["public credentials"])


class Disclosure(_Input):
    """The MRA data elements a credential discloses (the holder must have consented)."""

    disclose: list[DataElement] = Field(default_factory=list, max_length=4)


class Revocation(_Input):
    """Why a credential is revoked."""

    reason: str = Field(min_length=3, max_length=500)


class CredentialToVerify(_Input):
    """A credential as its compact JWS (vc+jwt) text."""

    credential: str = Field(min_length=1, max_length=65_536)


@router.put("/aeo/certificates/{number}/disclosure-consent")
def consent(number: str, body: Disclosure, services: ServicesDep, caller: CurrentParticipant) -> dict[str, Any]:
    """The certificate's holder only: which data elements its status credentials may disclose."""
    return services.credentials.set_consent(caller, number, list(body.disclose))


@router.post("/aeo/certificates/{number}/credentials", status_code=status.HTTP_201_CREATED)
def issue_aeo_status(
    number: str, body: Disclosure, services: ServicesDep, caller: CurrentParticipant
) -> dict[str, Any]:
    """The certificate's issuing customs administration: an AEO status credential (vc+jwt)."""
    return services.credentials.issue_aeo_status(caller, number, list(body.disclose))


@router.get("/aeo/certificates/{number}/credentials")
def aeo_credentials(number: str, services: ServicesDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every credential issued about a certificate (a superseded one shows as revoked)."""
    return services.credentials.of_certificate(caller, number)


@router.post("/consignments/{reference}/credentials", status_code=status.HTTP_201_CREATED)
def issue_consignment_evidence(reference: str, services: ServicesDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs of one of the consignment's jurisdictions: a credential summarising its verified evidence."""
    return services.credentials.issue_consignment_evidence(caller, reference)


@router.post("/consignments/{reference}/entries/{seq}/credentials", status_code=status.HTTP_201_CREATED)
def issue_control_result(
    reference: str,
    seq: Annotated[int, Path(ge=0, le=2**63 - 1)],
    services: ServicesDep,
    caller: CurrentParticipant,
) -> dict[str, Any]:
    """The customs administration that recorded a CONTROL_RESULT entry: a credential attesting it."""
    return services.credentials.issue_control_result(caller, reference, seq)


@router.get("/consignments/{reference}/credentials")
def consignment_credentials(reference: str, services: ServicesDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Credentials about a consignment and its control results."""
    return services.credentials.of_consignment(caller, reference)


@router.post("/credentials/{credential_id}/revoke")
def revoke(credential_id: str, body: Revocation, services: ServicesDep, caller: CurrentParticipant) -> dict[str, Any]:
    """The issuer only: revoke a credential (final; its status list shows it within seconds)."""
    return services.credentials.revoke(caller, credential_id, body.reason)


@router.post("/issuers/me/keys", status_code=status.HTTP_201_CREATED)
def rotate_key(services: ServicesDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs: a new signing key; earlier ones stay in the DID document so what they signed verifies."""
    return services.issuers.rotate(caller)


@router.post("/credentials/verify")
def verify(body: CredentialToVerify, services: ServicesDep) -> dict[str, Any]:
    """Anyone, no API key: every check of a credential, each named, and the verdict."""
    return services.verifier.verify(body.credential).to_json()


# --- public documents ---------------------------------------------------------------------


@public.get("/issuers/{slug}/did.json", response_class=Response, responses=_content("application/did+json"))
def did_document(slug: str, services: ServicesDep) -> Response:
    """An issuer's DID document (did:web)."""
    return JSONResponse(services.issuers.document(slug), media_type="application/did+json")


@public.get(
    "/issuers/{slug}/status/{purpose}",
    response_model=None,
    response_class=Response,
    responses=_content("application/vc+jwt", "application/json"),
)
def status_list(
    slug: str,
    purpose: StatusPurpose,
    services: ServicesDep,
    block: Annotated[int | None, Query(ge=0, description="the version anchored in force at this block")] = None,
) -> Response:
    """An issuer's status list credential (vc+jwt): the newest, or the one anchored at ``block``
    with the chain's hash of it."""
    if block is not None:
        return JSONResponse(services.status_lists.at_block(slug, purpose, block))
    return Response(services.status_lists.current(slug, purpose), media_type="application/vc+jwt")


@public.get("/contexts/customs-v1.jsonld", response_class=Response, responses=_content("application/ld+json"))
def customs_context() -> Response:
    """The JSON-LD context of BorderLedger's credential terms."""
    return Response(vocab("customs-v1.jsonld"), media_type="application/ld+json")


@public.get(
    "/schemas/customs-credential/v1.json", response_class=Response, responses=_content("application/schema+json")
)
def credential_schema() -> Response:
    """The JSON Schema BorderLedger's credentials name in ``credentialSchema``."""
    return Response(vocab("customs-credential-v1.schema.json"), media_type="application/schema+json")
