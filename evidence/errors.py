"""The exception root of BorderLedger and the evidence-layer families."""

from __future__ import annotations


class LedgerError(Exception):
    """Raised for any BorderLedger failure; the root every other error derives from."""


class LedgerValueError(LedgerError, ValueError):
    """Raised when a value breaks a rule of the evidence format."""


class VerificationError(LedgerError):
    """Raised when evidence fails verification."""


class RuleViolation(LedgerError, PermissionError):
    """Raised when an actor may not append an event; ``rule`` names the rule (as on chain)."""

    def __init__(self, rule: str, message: str) -> None:
        self.rule = rule
        super().__init__(message)
