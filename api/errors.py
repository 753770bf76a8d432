"""Service errors, and the one place that maps every domain error to an HTTP answer."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.epcis.validate import EpcisInvalid
from chain.errors import ChainError, ContractRevert, TransactionFailed
from content.store import ContentIntegrityError, ContentNotFound, ContentUnavailable
from evidence.errors import LedgerError, LedgerValueError, RuleViolation


class NotFound(LedgerError, LookupError):
    """Raised when a resource does not exist."""


class Forbidden(LedgerError, PermissionError):
    """Raised when the caller may not do this; ``rule`` names the rule."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)


class Conflict(LedgerError):
    """Raised when the request conflicts with the current state."""


class PayloadTooLarge(LedgerError):
    """Raised when a request body is over its size limit."""


class Unauthenticated(LedgerError):
    """Raised when no valid API key was presented."""


# Contract errors that mean "not allowed" and "state conflict"; all others are 422.
_FORBIDDEN_REVERTS = {
    "ConsortiumRegistryMissingRole",
    "ConsortiumRegistryForeignJurisdiction",
    "ConsortiumRegistryCustomsNeedsGovernance",
    "ConsignmentLedgerMissingRole",
    "ConsignmentLedgerInactiveActor",
    "ConsignmentLedgerNotCurrentCarrier",
    "ConsignmentLedgerNotJurisdictionCustoms",
    "ConsignmentLedgerNotDeclarant",
    "ConsignmentLedgerNotParty",
    "ConsignmentLedgerInvalidSigner",
    "AEORegistryNotCustoms",
    "AEORegistryNotIssuer",
    "AEORegistryInvalidHolder",
    "AEORegistryNotMraPartner",
    "AEORegistryNotMraParty",
}
_CONFLICT_REVERTS = {
    "ConsortiumRegistryAlreadyMember",
    "ConsortiumRegistryAlreadyApproved",
    "ConsortiumRegistryProposalExecuted",
    "ConsortiumRegistryWrongStatus",
    "ConsortiumRegistryLastCustoms",
    "ConsignmentLedgerAlreadyExists",
    "ConsignmentLedgerStaleHead",
    "AEORegistryCertificateExists",
    "AEORegistryWrongStatus",
    "AEORegistryMraClosed",
    "AEORegistryMraExpired",
}
_NOT_FOUND_REVERTS = {
    "ConsortiumRegistryUnknownProposal",
    "ConsignmentLedgerUnknownConsignment",
    "ConsortiumRegistryNotMember",
    "AEORegistryUnknownCertificate",
    "AEORegistryUnknownMra",
}


def _body(status: int, error: str, message: str, rule: str | None = None, **extra: object) -> JSONResponse:
    content: dict[str, object] = {"error": error, "message": message}
    if rule:
        content["rule"] = rule
    content.update(extra)
    return JSONResponse(status_code=status, content=content)


def status_of_revert(revert: ContractRevert) -> int:
    """The HTTP status for a contract revert."""
    if revert.error in _FORBIDDEN_REVERTS:
        return 403
    if revert.error in _CONFLICT_REVERTS:
        return 409
    if revert.error in _NOT_FOUND_REVERTS:
        return 404
    return 422


def install_error_handlers(app: FastAPI) -> None:
    """Register the handlers: every error is a JSON body with a message."""

    @app.exception_handler(RuleViolation)
    async def _rule(_: Request, exc: RuleViolation) -> JSONResponse:
        return _body(403, "forbidden", str(exc), rule=exc.rule)

    @app.exception_handler(Forbidden)
    async def _forbidden(_: Request, exc: Forbidden) -> JSONResponse:
        return _body(403, "forbidden", str(exc), rule=exc.rule)

    @app.exception_handler(Unauthenticated)
    async def _unauth(_: Request, exc: Unauthenticated) -> JSONResponse:
        response = _body(401, "unauthenticated", str(exc))
        response.headers["WWW-Authenticate"] = "ApiKey"
        return response

    # Errors that map to a status, an error code and a message suffix, and nothing else.
    plain: list[tuple[type[Exception], int, str, str]] = [
        (PayloadTooLarge, 413, "too_large", ""),
        (ContentIntegrityError, 500, "integrity_error", "; the document is not served"),
        (ContentNotFound, 404, "not_found", ""),
        (ContentUnavailable, 503, "content_store_unavailable", "; nothing was recorded, retry later"),
        (NotFound, 404, "not_found", ""),
        (Conflict, 409, "conflict", ""),
    ]
    for exc_class, status, error, suffix in plain:

        async def _plain(
            _: Request, exc: Exception, status: int = status, error: str = error, suffix: str = suffix
        ) -> JSONResponse:
            return _body(status, error, f"{exc}{suffix}")

        app.add_exception_handler(exc_class, _plain)

    @app.exception_handler(EpcisInvalid)
    async def _epcis(_: Request, exc: EpcisInvalid) -> JSONResponse:
        return _body(422, "invalid_epcis", str(exc), problems=exc.problems)

    @app.exception_handler(LedgerValueError)
    async def _value(_: Request, exc: LedgerValueError) -> JSONResponse:
        return _body(422, "invalid", str(exc))

    @app.exception_handler(ContractRevert)
    async def _revert(_: Request, exc: ContractRevert) -> JSONResponse:
        status = status_of_revert(exc)
        message = f"the contract refused: {exc.error}"
        return _body(status, "contract_revert", message, rule=exc.error, details=exc.args_by_name)

    @app.exception_handler(TransactionFailed)
    async def _tx(_: Request, exc: TransactionFailed) -> JSONResponse:
        return _body(503, "chain_unavailable", f"{exc}; nothing was recorded, retry later")

    @app.exception_handler(ChainError)
    async def _chain(_: Request, exc: ChainError) -> JSONResponse:
        return _body(503, "chain_unavailable", f"{exc}; nothing was recorded, retry later")

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
            for e in exc.errors()
        ]
        summary = "; ".join(f"{p['location']}: {p['message']}" for p in problems)
        return _body(422, "validation_error", f"invalid request: {summary}", problems=problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _body(exc.status_code, "http_error", str(exc.detail))
