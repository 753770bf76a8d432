"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and the hashes built on it."""

from __future__ import annotations

from typing import Any

import rfc8785

from evidence.errors import LedgerValueError
from evidence.keccak import keccak256
from evidence.types import Hash32


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value.

    Raises LedgerValueError for values JSON cannot carry exactly (NaN, infinities,
    integers beyond the IEEE 754 double range, non-string keys).
    """
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise LedgerValueError(f"payload cannot be canonicalised (RFC 8785): {exc}") from exc


def payload_hash(payload_bytes: bytes) -> Hash32:
    """keccak256 of canonical payload bytes: the ``payloadHash`` an entry records."""
    return Hash32(keccak256(payload_bytes))
