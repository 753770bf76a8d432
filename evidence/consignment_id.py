"""A consignment's on-chain id: its reference in its exporter's namespace.

References are chosen by exporters, so they are only unique per exporter: the id binds the
two (``keccak256(abi.encodePacked(exporter, reference))``, as ConsignmentLedger computes it),
and no exporter can open a consignment under a reference another exporter uses. A bundle's
consignment is checked here against its id and against the ledger's record of it.
"""

from __future__ import annotations

import re
from typing import Any

from evidence.checks import Check
from evidence.keccak import keccak256
from evidence.types import Hash32, to_hex

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


def check_consignment_id(stated: str, exporter: str, reference: str) -> Check:
    """The bundle's consignment id is the one its exporter and reference give."""
    expected = to_hex(consignment_id(exporter, reference))
    named = f"keccak256({exporter} ‖ '{reference}')"
    if stated.lower() == expected:
        return Check("consignment_id", True, f"{stated} = {named}")
    return Check("consignment_id", False, f"{stated} is not {named} = {expected}")


def check_consignment_on_chain(stated: dict[str, Any], recorded: dict[str, Any] | None) -> Check:
    """The consignment a bundle states (parties, route, opening transaction) is the one the
    ledger's ``ConsignmentCreated`` log records (None: the ledger has no such consignment)."""
    if recorded is None:
        return Check("consignment_on_chain", False, f"the ledger has no consignment {stated['id']}")
    differing = []
    for name, value in stated.items():
        theirs = recorded.get(name)
        same = value.lower() == str(theirs).lower() if isinstance(value, str) else value == theirs
        if not same:
            differing.append(f"{name}: the bundle says {value}, the ledger {theirs}")
    if differing:
        return Check("consignment_on_chain", False, "; ".join(differing))
    return Check("consignment_on_chain", True, f"opened in tx {stated['tx_hash']} at block {stated['block_number']}")
