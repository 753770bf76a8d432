"""Small helpers shared by the contract bindings."""

from __future__ import annotations

from typing import Any

from chain.sender import as_revert


def call_view(fn: Any, block: int | None = None) -> Any:
    """Call a view function (as of ``block``, default the latest); a revert surfaces as
    ContractRevert naming the custom error."""
    try:
        return fn.call() if block is None else fn.call(block_identifier=block)
    except Exception as exc:
        revert = as_revert(exc)
        if revert is not None:
            raise revert from exc
        raise


def decode_jurisdiction(code: bytes) -> str:
    """A bytes2 ISO code as text ("CN")."""
    return bytes(code).decode("ascii")
