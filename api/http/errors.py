"""The one place where errors become HTTP answers: a status for every rule, and one
function that builds every error body (5xx included)."""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.epcis.validate import EpcisInvalid
from api.services.errors import Conflict, NotFound, PayloadTooLarge, Unauthenticated
from chain.errors import ChainError, ContractRevert
from content.store import ContentIntegrityError, ContentNotFound, ContentUnavailable
from evidence.errors import LedgerError, LedgerValueError, RuleViolation

log = logging.getLogger("borderledger.http")

FORBIDDEN, NOT_FOUND, CONFLICT, INVALID, TOO_MANY = 403, 404, 409, 422, 429

# Every rule a refusal can name: each custom error of the contracts (a test checks none is
# missing) and the API's own rules. A rule means "not allowed" (403), "no such thing" (404),
# "conflicts with the current state" (409) or "malformed" (422).
RULE_STATUS: dict[str, int] = {
    # ConsortiumRegistry
    "ConsortiumRegistryZeroAddress": INVALID,
    "ConsortiumRegistryMissingRole": FORBIDDEN,
    "ConsortiumRegistryAlreadyMember": CONFLICT,
    "ConsortiumRegistryNotMember": NOT_FOUND,
    "ConsortiumRegistryForeignJurisdiction": FORBIDDEN,
    "ConsortiumRegistryInvalidJurisdiction": INVALID,
    "ConsortiumRegistryInvalidOperatorRole": FORBIDDEN,
    "ConsortiumRegistryNoRoles": INVALID,
    "ConsortiumRegistryWrongStatus": CONFLICT,
    "ConsortiumRegistryCustomsNeedsGovernance": FORBIDDEN,
    "ConsortiumRegistryUnknownProposal": NOT_FOUND,
    "ConsortiumRegistryProposalExecuted": CONFLICT,
    "ConsortiumRegistryAlreadyApproved": CONFLICT,
    "ConsortiumRegistryLastCustoms": CONFLICT,
    "ConsortiumRegistryBadBootstrap": INVALID,
    "ConsortiumRegistryFutureLookup": INVALID,
    "ConsortiumRegistryProposalExpired": CONFLICT,
    "ConsortiumRegistryNeedsMajority": FORBIDDEN,
    "ConsortiumRegistryStaleProposal": CONFLICT,
    # ConsignmentLedger
    "ConsignmentLedgerZeroAddress": INVALID,
    "ConsignmentLedgerMissingRole": FORBIDDEN,
    "ConsignmentLedgerInactiveActor": FORBIDDEN,
    "ConsignmentLedgerAlreadyExists": CONFLICT,
    "ConsignmentLedgerUnknownConsignment": NOT_FOUND,
    "ConsignmentLedgerInvalidJurisdiction": INVALID,
    "ConsignmentLedgerStaleHead": CONFLICT,
    "ConsignmentLedgerInvalidSigner": FORBIDDEN,
    "ConsignmentLedgerUnknownEventType": INVALID,
    "ConsignmentLedgerNotCurrentCarrier": FORBIDDEN,
    "ConsignmentLedgerNotJurisdictionCustoms": FORBIDDEN,
    "ConsignmentLedgerNotDeclarant": FORBIDDEN,
    "ConsignmentLedgerNotConsignee": FORBIDDEN,
    "ConsignmentLedgerNotParty": FORBIDDEN,
    "ConsignmentLedgerInvalidNextCarrier": FORBIDDEN,
    "ConsignmentLedgerBatchedConsignment": CONFLICT,
    "ConsignmentReferenceAmbiguous": CONFLICT,
    # What a payload must state (evidence/payload_rules.py): the ledger sees only its hash.
    "DeclarationFacts": INVALID,
    # Risk results are customs' (of the evaluating jurisdiction) and auditors' to read.
    "RiskAssessmentAccess": FORBIDDEN,
    # RiskRuleSets
    "RiskRuleSetsNotCustoms": FORBIDDEN,
    "RiskRuleSetsUnknownVersion": NOT_FOUND,
    "RiskRuleSetsEmptyText": INVALID,
    "RiskRuleSetsAlreadyApproved": CONFLICT,
    "RiskRuleSetsAlreadyAdopted": CONFLICT,
    "RiskRuleSetsProposalExpired": CONFLICT,
    "RiskRuleSetsSuperseded": CONFLICT,
    "RiskRuleSetsZeroAddress": INVALID,
    # StatusListAnchors
    "StatusListAnchorsNotCustoms": FORBIDDEN,
    "StatusListAnchorsStaleVersion": CONFLICT,
    "StatusListAnchorsEmptyHash": INVALID,
    "StatusListAnchorsZeroAddress": INVALID,
    # ReportAnchors
    "ReportAnchorsNotCustoms": FORBIDDEN,
    "ReportAnchorsEmptyHash": INVALID,
    "ReportAnchorsFutureBlock": INVALID,
    "ReportAnchorsAlreadyAnchored": CONFLICT,
    "ReportAnchorsZeroAddress": INVALID,
    # Verifiable credentials (signed off chain: the API's rules, evidence/credential_rules.py)
    "CredentialNotCertificateIssuer": FORBIDDEN,
    "CredentialCertificateNotValid": CONFLICT,
    "CredentialDisclosureNotConsented": FORBIDDEN,
    "CredentialConsentNotHolder": FORBIDDEN,
    "CredentialNotConsignmentCustoms": FORBIDDEN,
    "CredentialEvidenceNotVerified": CONFLICT,
    "CredentialNotControlResult": INVALID,
    "CredentialNotControlAuthor": FORBIDDEN,
    "CredentialRevokeNotIssuer": FORBIDDEN,
    # Trade data (mirror comparison, statistics, time release): who may read; no contract holds them
    "TradeDataAccess": FORBIDDEN,
    "ControlResultFacts": INVALID,
    "LaneFacts": INVALID,
    "DocumentsRequestedFacts": INVALID,
    "HoldFacts": INVALID,
    # AEORegistry
    "AEORegistryZeroAddress": INVALID,
    "AEORegistryNotCustoms": FORBIDDEN,
    "AEORegistryNotIssuer": FORBIDDEN,
    "AEORegistryInvalidHolder": FORBIDDEN,
    "AEORegistryCertificateExists": CONFLICT,
    "AEORegistryNumberOutsideNamespace": FORBIDDEN,
    "AEORegistryUnknownCertificate": NOT_FOUND,
    "AEORegistryInvalidProgrammes": INVALID,
    "AEORegistryInvalidControls": INVALID,
    "AEORegistryInvalidValidity": INVALID,
    "AEORegistryWrongStatus": CONFLICT,
    "AEORegistryReasonRequired": INVALID,
    "AEORegistryInvalidPartner": FORBIDDEN,
    "AEORegistryUnknownMra": NOT_FOUND,
    "AEORegistryNotMraPartner": FORBIDDEN,
    "AEORegistryNotMraParty": FORBIDDEN,
    "AEORegistryMraClosed": CONFLICT,
    "AEORegistryMraExpired": CONFLICT,
    # CheckpointLog
    "CheckpointLogNotAnchor": FORBIDDEN,
    "CheckpointLogSizeNotIncreasing": CONFLICT,
    "CheckpointLogZeroAddress": INVALID,
    # OpenZeppelin's, inherited by the ledger (ECDSA recovery, EIP-712 domain strings)
    "ECDSAInvalidSignature": INVALID,
    "ECDSAInvalidSignatureLength": INVALID,
    "ECDSAInvalidSignatureS": INVALID,
    "InvalidShortString": INVALID,
    "StringTooLong": INVALID,
    # The API's own rules
    "ConsignmentReadAccess": NOT_FOUND,  # unknown and unreadable look the same
    "MemberNotActive": FORBIDDEN,
    "DocumentReadAccess": FORBIDDEN,
    "CustodialKeyRequired": FORBIDDEN,
    "RateLimit": TOO_MANY,
    "IdempotencyKeyInProgress": CONFLICT,
    "IdempotencyKeyReused": INVALID,
    "IdempotencyKeyInvalid": INVALID,
    "BodyTooLarge": 413,
}

_ERROR_NAMES = {FORBIDDEN: "forbidden", NOT_FOUND: "not_found", CONFLICT: "conflict", INVALID: "invalid"}


def error_content(status: int, error: str, message: str, rule: str | None = None, **extra: Any) -> dict[str, Any]:
    """The body of every error answer: what went wrong, the rule that refused, details."""
    content: dict[str, Any] = {"error": error, "message": message}
    if rule:
        content["rule"] = rule
    content.update(extra)
    return content


def error_response(status: int, error: str, message: str, rule: str | None = None, **extra: Any) -> JSONResponse:
    """An error answer as a response object."""
    return JSONResponse(status_code=status, content=error_content(status, error, message, rule, **extra))


def error_bytes(status: int, error: str, message: str, rule: str | None = None, **extra: Any) -> bytes:
    """An error answer's body, for middleware that answers before the app runs."""
    return json.dumps(error_content(status, error, message, rule, **extra)).encode()


def status_of_rule(rule: str) -> int:
    """The HTTP status of a refusal by ``rule``; an unlisted rule is a malformed request."""
    return RULE_STATUS.get(rule, INVALID)


# Errors that are not refusals by a rule: (class, status, error code, message suffix).
_PLAIN: list[tuple[type[Exception], int, str, str]] = [
    (PayloadTooLarge, 413, "too_large", ""),
    (ContentIntegrityError, 500, "integrity_error", "; the document is not served"),
    (ContentNotFound, 404, "not_found", ""),
    (ContentUnavailable, 503, "content_store_unavailable", "; nothing was recorded, retry later"),
    (NotFound, 404, "not_found", ""),
    (Conflict, 409, "conflict", ""),
    (LedgerValueError, 422, "invalid", ""),
    (ChainError, 503, "chain_unavailable", "; nothing was recorded, retry later"),
]


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: every error, 5xx included, is a JSON body built by :func:`error_content`."""

    @app.exception_handler(RuleViolation)
    async def _rule(_: Request, exc: RuleViolation) -> JSONResponse:
        status = status_of_rule(exc.rule)
        return error_response(status, _ERROR_NAMES.get(status, "refused"), str(exc), rule=exc.rule)

    @app.exception_handler(ContractRevert)
    async def _revert(_: Request, exc: ContractRevert) -> JSONResponse:
        status = status_of_rule(exc.error)
        message = f"the contract refused: {exc.error}"
        return error_response(status, "contract_revert", message, rule=exc.error, details=exc.args_by_name)

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(_: Request, exc: Unauthenticated) -> JSONResponse:
        response = error_response(401, "unauthenticated", str(exc))
        response.headers["WWW-Authenticate"] = "ApiKey"
        return response

    for exc_class, status, error, suffix in _PLAIN:

        async def _plain(
            _: Request, exc: Exception, status: int = status, error: str = error, suffix: str = suffix
        ) -> JSONResponse:
            return error_response(status, error, f"{exc}{suffix}")

        app.add_exception_handler(exc_class, _plain)

    @app.exception_handler(EpcisInvalid)
    async def _epcis(_: Request, exc: EpcisInvalid) -> JSONResponse:
        return error_response(422, "invalid_epcis", str(exc), problems=exc.problems)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
        return error_response(422, "validation_error", f"invalid request: {summary}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return error_response(exc.status_code, "http_error", str(exc.detail))

    @app.exception_handler(RecursionError)
    async def _nested(_: Request, exc: RecursionError) -> JSONResponse:
        return error_response(422, "invalid", "the request body nests too deeply to be read; nothing was recorded")

    @app.exception_handler(LedgerError)
    async def _ledger(_: Request, exc: LedgerError) -> JSONResponse:
        log.error("unmapped ledger error", exc_info=exc)
        return error_response(500, "internal_error", f"{type(exc).__name__}: {exc}")

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error", exc_info=exc)
        return error_response(500, "internal_error", "an unexpected error occurred; the node logged it")
