"""Errors raised by the chain layer."""

from __future__ import annotations

from evidence.errors import LedgerError


class ChainError(LedgerError):
    """Raised when talking to the chain fails."""


class ToolchainError(ChainError, RuntimeError):
    """Raised when the compiler or the local node is missing or the wrong version."""


class CompileError(ChainError):
    """Raised when the contracts do not compile."""


class DeploymentNotFound(ChainError, LookupError):
    """Raised when no deployment manifest matches the connected chain."""


class ContractRevert(ChainError):
    """Raised when a transaction or call reverts; ``error`` names the contract's custom error."""

    def __init__(self, error: str, args: dict[str, object], message: str | None = None) -> None:
        self.error = error
        self.args_by_name = args
        detail = ", ".join(f"{k}={v}" for k, v in args.items())
        super().__init__(message or f"reverted with {error}({detail})")


class TransactionFailed(ChainError):
    """Raised when a transaction could not be sent or mined after retries."""
