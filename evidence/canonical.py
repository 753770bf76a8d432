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

    Values the standard library encodes exactly as RFC 8785 does (see :func:`_stdlib_form`)
    go through its C encoder: ``rfc8785`` escapes strings in Python, and a checkpoint's log
    segment of a thousand entries spent most of its time there.
    """
    fast = _stdlib_form(value)
    if fast is not None:
        return fast
    try:
        return rfc8785.dumps(value)
    except (rfc8785.CanonicalizationError, TypeError) as exc:
        raise LedgerValueError(f"payload cannot be canonicalised (RFC 8785): {exc}") from exc


_SORTED_COMPACT = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True, allow_nan=False)


def canonical_string(text: str) -> str:
    """The RFC 8785 form of a JSON string: escaped as the standard library escapes it with
    ``ensure_ascii=False`` (quote, backslash and control characters; non-ASCII kept), for
    callers that write out an object whose keys they know. A test holds it to ``rfc8785``."""
    return _SORTED_COMPACT.encode(text)


def _stdlib_form(value: Any) -> bytes | None:
    """``value`` sorted, without whitespace and minimally escaped by the standard library, when
    that is its RFC 8785 form: no float, no integer beyond RFC 8785's range, string keys,
    ASCII text (UTF-16 and code-point key orders agree on ASCII; ``ensure_ascii=False``
    leaves DEL unescaped as RFC 8785 does). None otherwise. A test holds it to ``rfc8785``."""
    if not _plain(value):
        return None
    try:
        text = _SORTED_COMPACT.encode(value)
    except ValueError:
        return None
    return text.encode() if text.isascii() else None


def payload_hash(payload_bytes: bytes) -> Hash32:
    """keccak256 of canonical payload bytes: the ``payloadHash`` an entry records."""
    return Hash32(keccak256(payload_bytes))


_INT_LIMIT = 2**53 - 1  # RFC 8785 numbers are IEEE 754 doubles; rfc8785 refuses larger integers


def is_canonical(payload: bytes, parsed: Any) -> bool:
    """Whether ``payload`` (whose JSON value is ``parsed``) is its own RFC 8785 form."""
    try:
        return canonical_json(parsed) == payload
    except LedgerValueError:
        return False


def _plain(value: Any) -> bool:
    """True when ``value`` is objects with string keys, arrays, strings, booleans, null and
    integers within RFC 8785's range: no float, nothing JSON does not know. A loop over a
    stack rather than recursion: every payload of a bulk request or a bundle is walked."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            continue
        if isinstance(item, dict):
            for key, inner in item.items():
                if not isinstance(key, str):
                    return False
                pending.append(inner)
        elif isinstance(item, list):
            pending.extend(item)
        elif item is None or isinstance(item, bool):
            continue
        elif not isinstance(item, int) or not -_INT_LIMIT <= item <= _INT_LIMIT:
            return False
    return True
