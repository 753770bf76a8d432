"""A consignment's on-chain id: its reference in its exporter's namespace.

References are chosen by exporters, so they are only unique per exporter: the id binds the
two (``keccak256(abi.encodePacked(exporter, reference))``, as ConsignmentLedger computes it),
and no exporter can open a consignment under a reference another exporter uses.
"""

from __future__ import annotations

import re

from evidence.keccak import keccak256
from evidence.types import Hash32

_ID = re.compile(r"^0x[0-9a-fA-F]{64}$")


def consignment_id(exporter: str, reference: str) -> Hash32:
    """The id the ledger gives ``exporter``'s consignment ``reference``.

    The address comes first and has a fixed length, so packed encoding is unambiguous."""
    raw = bytes.fromhex(exporter[2:] if exporter.startswith(("0x", "0X")) else exporter)
    if len(raw) != 20:
        raise ValueError(f"{exporter!r} is not a 20-byte address")
    return Hash32(keccak256(raw + reference.encode("utf-8")))


def looks_like_id(key: str) -> bool:
    """Whether ``key`` has the form of a consignment id (``0x`` and 64 hex digits) rather
    than of a reference; references of that form are refused when a consignment is opened."""
    return _ID.fullmatch(key) is not None
