"""Consignments, their events, and their verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse, StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.http.deps import (
    AppendsDep,
    ConsignmentsDep,
    ControlsDep,
    CurrentParticipant,
    DocumentsDep,
    EpcisDep,
    EvidenceDep,
    IdempotencyScope,
)
from api.http.schemas import (
    ConsignmentCreate,
    ConsignmentPublic,
    DocumentAttached,
    EntryPublic,
    EventCreate,
    HeadPublic,
    ReportPublic,
    SignedEventCreate,
)
from api.http.uploads import DocumentTypeQuery, FilenameQuery, read_body

router = APIRouter(prefix="/v1/consignments", tags=["consignments"])


@router.post("", response_model=ConsignmentPublic, status_code=status.HTTP_201_CREATED)
def create_consignment(
    body: ConsignmentCreate, consignments: ConsignmentsDep, caller: CurrentParticipant
) -> dict[str, Any]:
    """Exporters only: open a consignment."""
    return consignments.create(
        caller,
        body.reference,
        body.origin,
        body.destination,
        body.transit,
        body.importer,
        body.carrier,
        batched=body.anchoring == "log",
    )


@router.get("", response_model=list[ConsignmentPublic])
def list_consignments(consignments: ConsignmentsDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """The consignments the caller may see."""
    return consignments.visible(caller)


@router.get("/{reference}", response_model=ConsignmentPublic)
def get_consignment(reference: str, consignments: ConsignmentsDep, caller: CurrentParticipant) -> dict[str, Any]:
    """One consignment (parties, customs of its jurisdictions and auditors)."""
    return consignments.get(caller, reference)


_ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {"model": EntryPublic, "description": "accepted, waiting in the outbox to be anchored"}
}


@router.post(
    "/{reference}/events", response_model=EntryPublic, status_code=status.HTTP_201_CREATED, responses=_ACCEPTED
)
def append_event(
    reference: str,
    body: EventCreate,
    appends: AppendsDep,
    caller: CurrentParticipant,
    idempotency: IdempotencyScope,
    response: Response,
) -> dict[str, Any]:
    """Append an event, signed by the caller's custodial key: 201 anchored on chain, or 202
    accepted and waiting in the outbox when the chain cannot take it now."""
    entry = appends.append_event(
        caller, reference, body.event_type, body.payload.to_json(), body.next_carrier, idempotency
    )
    if entry["status"] == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
    return entry


@router.get("/{reference}/head", response_model=HeadPublic)
def head(reference: str, consignments: ConsignmentsDep, caller: CurrentParticipant) -> dict[str, Any]:
    """The next entry's seq and prev_hash, and the EIP-712 domain: what a client signs."""
    return consignments.head(caller, reference)


@router.post(
    "/{reference}/signed-events", response_model=EntryPublic, status_code=status.HTTP_201_CREATED, responses=_ACCEPTED
)
def append_signed_event(
    reference: str,
    body: SignedEventCreate,
    appends: AppendsDep,
    caller: CurrentParticipant,
    idempotency: IdempotencyScope,
    response: Response,
) -> dict[str, Any]:
    """Relay an entry the caller signed with its own key; the signature must recover the caller."""
    entry = appends.append_signed(
        caller,
        reference,
        body.event_type,
        body.payload,
        body.next_carrier,
        body.seq,
        body.prev_hash,
        bytes.fromhex(body.signature[2:]),
        idempotency,
    )
    if entry["status"] == "pending":
        response.status_code = status.HTTP_202_ACCEPTED
    return entry


@router.post(
    "/{reference}/documents",
    response_model=DocumentAttached,
    status_code=status.HTTP_201_CREATED,
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": {}}}},
)
async def attach_document(
    reference: str,
    request: Request,
    documents: DocumentsDep,
    caller: CurrentParticipant,
    document_type: DocumentTypeQuery,
    filename: FilenameQuery = "document",
) -> dict[str, Any]:
    """Store the request body as a document and anchor it with a DOCUMENT_ATTACHED entry
    signed by the caller's custodial key. The body is the document's bytes."""
    content = await read_body(request, documents.max_bytes)
    media_type = request.headers.get("content-type", "application/octet-stream")
    now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
    return await run_in_threadpool(
        documents.attach, caller, reference, content, document_type, filename, media_type, now
    )


@router.get("/{reference}/bundle")
def bundle(
    reference: str,
    evidence: EvidenceDep,
    caller: CurrentParticipant,
    documents: Annotated[bool, Query(description="include the documents' bytes (base64)")] = True,
) -> StreamingResponse:
    """The evidence bundle: one JSON file to verify the consignment offline
    (`borderledger verify-bundle FILE`) or against any node (`--rpc URL`). Streamed a page of
    entries at a time."""
    body = evidence.bundle_stream(caller, reference, include_documents=documents)
    headers = {"Content-Disposition": f'attachment; filename="{reference}.bundle.json"'}
    return StreamingResponse(body, media_type="application/json", headers=headers)


@router.get("/{reference}/events", response_model=list[EntryPublic])
def list_events(reference: str, consignments: ConsignmentsDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """The consignment's entries in order."""
    return consignments.events(caller, reference)


@router.get("/{reference}/pre-arrival")
def pre_arrival(
    reference: str,
    evidence: EvidenceDep,
    caller: CurrentParticipant,
    rules: Annotated[str | None, Query(description="deadline rules version (default: the current one)")] = None,
) -> dict[str, Any]:
    """Whether each declaration reached the ledger before the deadline its kind and transport
    mode set: ``timely``, ``late``, ``order_violation`` (written after the event the deadline
    counts from, whatever time it claims), ``incomplete`` or ``not_applicable``, each with
    the rule, its legal source and the block times and event times it rests on."""
    return evidence.pre_arrival(caller, reference, rules)


@router.get("/{reference}/controls")
def controls(
    reference: str,
    controls: ControlsDep,
    caller: CurrentParticipant,
    by: Annotated[str, Query(description="the customs jurisdiction asking, e.g. DE")],
    block: Annotated[int | None, Query(description="evaluate as of this block (default: the latest)")] = None,
) -> dict[str, Any]:
    """The consignment's control results anchored by ``block``, and for each whether customs
    of ``by`` recognises it then: ``recognised`` and a reason code (own_control,
    recognised_under_mra, no_mra, mra_not_accepted, mra_terminated, mra_expired,
    mra_out_of_scope, control_expired, custody_changed, unloaded_without_seal_verification)."""
    return controls.recognition(caller, reference, by, block)


@router.get("/{reference}/verify", response_model=ReportPublic)
def verify(
    reference: str,
    evidence: EvidenceDep,
    epcis: EpcisDep,
    caller: CurrentParticipant,
    offset: Annotated[int, Query(ge=0, description="the first entry of the page")] = 0,
    limit: Annotated[int, Query(ge=1, le=10_000, description="entries (and failures) per page")] = 1_000,
) -> Response:
    """Verify every entry: payload hash, entry hash, signature, chain link, on-chain record (or,
    for batched entries, Merkle inclusion, checkpoints and the signer's role at their block).
    The verdict covers every entry; the report lists one page of them (``offset``, ``limit``;
    ``next_offset`` for the next), so its size does not grow with the consignment.
    ``epcis_corrections`` lists the EPCIS error declarations among the entries and what each
    corrects."""
    report = evidence.verify(caller, reference)
    report.epcis_corrections = epcis.corrections(caller, reference, {e.seq for e in report.entries})
    # Sent as built: re-validating a 10,000-entry report against the model would add a second.
    return JSONResponse(report.to_dict(offset, limit))
