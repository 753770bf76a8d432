"""Wire shapes of the API: separate input and output models; unknown fields are refused."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import pycountry
from pydantic import BaseModel, ConfigDict, Field, field_validator

from evidence.aeo import MraDataElements
from evidence.consignment_id import looks_like_id
from evidence.controls import ControlType
from evidence.event_types import EventType
from evidence.models import EventPayload
from evidence.roles import Role

_ADDRESS = r"^0x[0-9a-fA-F]{40}$"
MAX_BATCH_ENTRIES = 10_000  # entries per bulk request


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


def _iso_country(code: str) -> str:
    code = code.upper()
    if pycountry.countries.get(alpha_2=code) is None:
        raise ValueError(f"'{code}' is not an ISO 3166-1 alpha-2 country code")
    return code


class ErrorPublic(BaseModel):
    """Every error: what went wrong, the rule that refused (if one did), and details."""

    model_config = ConfigDict(extra="allow")

    error: str
    message: str
    rule: str | None = None


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorPublic, "description": text}
    for code, text in (
        (401, "no or unknown API key"),
        (403, "refused: `rule` names the rule (the contract's custom error where there is one)"),
        (404, "not found"),
        (409, "conflicts with the current state (stale head, duplicate, replay, idempotency key in use)"),
        (413, "request or document too large"),
        (422, "invalid input: `problems` lists each"),
        (429, "rate limited: see Retry-After"),
        (500, "stored content failed its integrity check"),
        (503, "the chain or the content store is unreachable; nothing was recorded"),
    )
}


class ParticipantCreate(_Input):
    """A member to register: an operator of the caller's jurisdiction, or a customs administration."""

    name: str = Field(min_length=1, max_length=256)
    legal_id: str = Field(min_length=1, max_length=128, description="EORI, TIN or other legal identifier")
    jurisdiction: str = Field(min_length=2, max_length=2, description="ISO 3166-1 alpha-2")
    roles: list[Role] = Field(min_length=1, max_length=4)
    address: str | None = Field(
        default=None,
        pattern=_ADDRESS,
        description="the member's own address if it holds its key (non-custodial); omit to let the node keep it",
    )

    _country = field_validator("jurisdiction")(_iso_country)


class ParticipantPublic(BaseModel):
    """A member as the API shows it."""

    address: str
    name: str
    legal_id: str
    jurisdiction: str
    roles: list[str]
    status: str
    custodial: bool


class ParticipantCreated(BaseModel):
    """The new member, its API key (shown once) and, for customs, the governance proposal."""

    participant: ParticipantPublic
    api_key: str
    proposal: dict[str, Any] | None


class ConsignmentCreate(_Input):
    """A consignment to open."""

    reference: str = Field(min_length=3, max_length=128, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    origin: str = Field(min_length=2, max_length=2)
    destination: str = Field(min_length=2, max_length=2)
    transit: list[str] = Field(default_factory=list, max_length=16)
    importer: str = Field(pattern=_ADDRESS)
    carrier: str = Field(pattern=_ADDRESS)
    anchoring: Literal["ledger", "log"] = Field(
        default="ledger",
        description="ledger: one transaction per entry; log: signed entries go through the Merkle log "
        "(POST /v1/batch/entries), and the ledger refuses single ones",
    )

    _countries = field_validator("origin", "destination")(_iso_country)

    @field_validator("reference")
    @classmethod
    def _not_an_id(cls, value: str) -> str:
        # Routes take a consignment's id where they take its reference: the two must not mix.
        if looks_like_id(value):
            raise ValueError("a reference must not have the form of a consignment id (0x and 64 hex digits)")
        return value

    @field_validator("transit")
    @classmethod
    def _transit(cls, value: list[str]) -> list[str]:
        return [_iso_country(v) for v in value]


class ConsignmentPublic(BaseModel):
    """A consignment as the API shows it."""

    id: str
    reference: str
    exporter: str
    importer: str
    carrier: str
    origin: str
    destination: str
    transit: list[str]
    entries: int
    head: str
    anchoring: str
    parties: dict[str, str]
    tx_hash: str
    block_number: int


class EventCreate(_Input):
    """An event to append: its type, its EPCIS 2.0 payload and, for a handover, the next carrier."""

    event_type: EventType
    payload: EventPayload
    next_carrier: str | None = Field(default=None, pattern=_ADDRESS)


class _SignedEvent(_Input):
    event_type: EventType
    payload: dict[str, Any]
    next_carrier: str | None = Field(default=None, pattern=_ADDRESS)

    seq: int = Field(ge=0, description="the entry's position: the head's seq")
    prev_hash: str = Field(pattern=r"^0x[0-9a-fA-F]{64}$", description="the head's prev_hash")
    signature: str = Field(pattern=r"^0x[0-9a-fA-F]{130}$", description="65-byte r ‖ s ‖ v signature")


class SignedEventCreate(_SignedEvent):
    """An event whose entry the caller built and signed itself (EIP-712, see GET …/head).

    The payload is validated as an EPCIS event but hashed exactly as sent (canonicalised
    per RFC 8785): the author signed those bytes, so the node must not rewrite them.
    """

    @field_validator("payload")
    @classmethod
    def _epcis_event(cls, value: dict[str, Any]) -> dict[str, Any]:
        EventPayload.model_validate(value)
        return value


class BulkEntry(_SignedEvent):
    """One entry of a bulk request for the Merkle log: a signed event, with the consignment it
    extends and its author (who need not be the caller: a gateway may submit for many). Its
    payload is validated as an EPCIS event by the worker processes that prepare the entries
    (``evidence.signed_entries.prepare``), not here in the server's event loop."""

    reference: str = Field(min_length=3, max_length=128)
    actor: str = Field(pattern=_ADDRESS, description="the author, whom the signature must recover")


class BulkRequest(_Input):
    """Up to 10,000 signed entries (see POST /v1/batch/entries)."""

    entries: list[BulkEntry] = Field(min_length=1, max_length=MAX_BATCH_ENTRIES)


class HeadPublic(BaseModel):
    """The next entry's position and the EIP-712 domain to sign it under."""

    consignment: str
    reference: str
    exporter: str = Field(description="the consignment id is its reference in this exporter's namespace")
    seq: int
    prev_hash: str
    domain: dict[str, Any]


class DocumentPublic(BaseModel):
    """A stored document's reference."""

    type: str
    sha256: str
    cid: str
    cidV1: str
    size: int
    filename: str
    mediaType: str


class DocumentAttached(BaseModel):
    """A stored document and the entry that anchors it."""

    document: DocumentPublic
    entry: EntryPublic


class EntryPublic(BaseModel):
    """An entry: on the ledger (status pending, anchored…), or in the Merkle log (status
    ``batched`` until a checkpoint anchors it, then ``anchored`` with that checkpoint's
    transaction and block, and its ``leaf_index``)."""

    seq: int
    event_type: str
    actor: str
    entry_hash: str
    prev_hash: str
    payload_hash: str
    cid: str
    next_carrier: str | None
    signature: str
    payload: dict[str, Any]
    status: str
    tx_hash: str | None
    block_number: int | None
    log_index: int | None
    block_time: int | None
    leaf_index: int | None = None


class CheckPublic(BaseModel):
    """One verification check."""

    name: str
    passed: bool | None
    detail: str


class EntryReportPublic(BaseModel):
    """The checks of one entry."""

    seq: int
    event_type: str
    actor: str
    entry_hash: str
    passed: bool
    checks: list[CheckPublic]


class ReportPublic(BaseModel):
    """A verification report."""

    consignment: str
    chain_id: int
    ledger: str
    verdict: str
    failures: list[str]
    checks: list[CheckPublic]
    entries: list[EntryReportPublic]
    custody: dict[str, Any] | None = Field(
        default=None, description="chain of custody read from the entries: holders, handovers, customs controls"
    )
    epcis_corrections: list[dict[str, Any]] | None = Field(
        default=None,
        description="EPCIS error declarations among the entries: what each declares wrong "
        "(declaresErrorIn), its reason and time, and the entries that correct it",
    )
    pre_arrival: list[dict[str, Any]] | None = Field(
        default=None, description="for each DECLARATION, whether it reached the ledger before its deadline"
    )
    entries_total: int | None = Field(default=None, description="how many entries the verdict covers")
    entries_offset: int | None = Field(default=None, description="the position of this page's first entry")
    next_offset: int | None = Field(default=None, description="where the next page starts; null on the last")
    failures_total: int | None = Field(
        default=None, description="failed checks in all entries (listed: this page's limit)"
    )
    not_checked_total: int | None = Field(default=None, description="checks that could not be made, in all entries")


class ProposalPublic(BaseModel):
    """A governance proposal about a customs administration."""

    id: int
    kind: str
    account: str
    jurisdiction: str
    executed: bool
    approvers: list[str]
    counting_approvals: int  # approvals of administrations still active in the admission they approved in
    active_customs: int
    expires_at: int  # unix time after which approvals are refused


class CertificateCreate(_Input):
    """An AEO certificate to issue (the document first goes to POST /v1/documents)."""

    number: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    holder: str = Field(pattern=_ADDRESS, description="the certified operator's address")
    programmes: list[Literal["AEO-S", "AEO-C"]] = Field(min_length=1, max_length=2)
    valid_from: date
    valid_until: date
    document_cid: str = Field(min_length=10, max_length=128, description="CID of the certificate document")
    data_elements: MraDataElements


class StatusChange(_Input):
    """Why a certificate's status changes."""

    reason: str = Field(min_length=3, max_length=500)


class CertificatePublic(BaseModel):
    """An AEO certificate and its status now."""

    number: str
    holder: str
    issuer: str
    programmes: list[str]
    status: str
    valid_from: str | None
    valid_until: str | None
    issued_at: str | None
    issued_by: str
    document_cid: str
    document_sha256: str
    data_hash: str
    data_elements: dict[str, Any] | None
    data_elements_match_chain: bool | None


class HistoryItem(BaseModel):
    """One change of a certificate, as the chain's log records it."""

    change: str
    status: str
    reason: str
    actor: str
    tx_hash: str
    block_number: int
    log_index: int
    block_time: int
    block_time_iso: str | None
    contract: str


class RecognitionPublic(BaseModel):
    """Whether a customs administration recognises a certificate, and why."""

    certificate: str
    by: str
    at: str | None
    recognised: bool
    reason: str
    explanation: str
    programmes: list[str]
    issuer: str | None
    holder: str | None


class MraCreate(_Input):
    """An MRA to propose to a partner customs administration."""

    partner: str = Field(min_length=2, max_length=2)
    scope: list[Literal["AEO-S", "AEO-C"]] = Field(min_length=1, max_length=2)
    controls: list[ControlType] = Field(
        default_factory=list, max_length=5, description="control types each side recognises of the other"
    )
    valid_until: date

    _country = field_validator("partner")(_iso_country)


class MraPublic(BaseModel):
    """An MRA and its state."""

    id: int
    proposer: str
    partner: str
    scope: list[str]
    controls: list[str]
    valid_until: str | None
    proposed_at: str | None
    accepted_at: str | None
    terminated_at: str | None
    state: str


DocumentAttached.model_rebuild()
