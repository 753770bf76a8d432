"""Errors of the service layer. Refusals by a rule are ``evidence.errors.RuleViolation``
(named after the contract's custom error); these are the others."""

from __future__ import annotations

from evidence.errors import LedgerError


class NotFound(LedgerError, LookupError):
    """Raised when a resource does not exist (or the caller may not learn that it does)."""


class Conflict(LedgerError):
    """Raised when the request conflicts with the current state; repeat it after a fresh read."""


class PayloadTooLarge(LedgerError):
    """Raised when a request body is over its size limit; documents go to the document routes."""


class Unauthenticated(LedgerError):
    """Raised when no valid API key was presented; send one in the X-API-Key header."""
