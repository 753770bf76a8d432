"""Canonical JSON (RFC 8785, JSON Canonicalization Scheme) and the hashes built on it."""

from __future__ import annotations

import json
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


_INT_LIMIT = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles; rfc8785 refuses larger integers


def is_canonical(payload: bytes, parsed: Any) -> bool:
    """Whether ``payload`` (whose JSON value is ``parsed``) is its own RFC 8785 form.

    Payloads that are ASCII and hold no floating-point or out-of-range numbers — every
    event this service writes — are checked with the standard library's C encoder: for
    them RFC 8785 is exactly sorted keys, no whitespace and JSON's minimal escapes (UTF-16
    and code-point key orders agree on ASCII; ``ensure_ascii=False`` leaves DEL unescaped as
    RFC 8785 does). Anything else goes through ``rfc8785``. A test holds the two to the
    same answers.
    """
    if payload.isascii() and _plain(parsed):
        try:
            text = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)
        except ValueError:
            return False
        return text.encode() == payload
    try:
        return canonical_json(parsed) == payload
    except LedgerValueError:
        return False


def _plain(value: Any) -> bool:
    """True when ``value`` holds no float and no integer beyond RFC 8785's range."""
    if isinstance(value, dict):
        return all(_plain(v) for v in value.values())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, float):
        return False
    if isinstance(value, int) and not isinstance(value, bool):
        return -_INT_LIMIT <= value <= _INT_LIMIT
    return True
