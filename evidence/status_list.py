"""W3C Bitstring Status List v1.0: the list behind a credential's revocation or suspension
status. One bit per credential, index 0 the most significant bit of the first byte; the
list is GZIP-compressed and published as multibase base64url (``u`` prefix, no padding).
Pure functions; the first piece of issuing verifiable credentials."""

from __future__ import annotations

import base64
import gzip
import zlib

from evidence.errors import LedgerValueError

MIN_BITS = 131_072  # the specification's minimum: 16 KiB, so one credential hides among many
MAX_BITS = 2**27  # what a verifier accepts decompressing (16 MiB), against zip bombs


def new_list(bits: int = MIN_BITS) -> bytearray:
    """An all-clear list of ``bits`` entries (a multiple of 8, at least the minimum)."""
    if bits < MIN_BITS or bits % 8 or bits > MAX_BITS:
        raise LedgerValueError(f"a status list has a multiple of 8 bits from {MIN_BITS} to {MAX_BITS}, not {bits}")
    return bytearray(bits // 8)


def _position(data: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(data) * 8:
        raise LedgerValueError(f"status list index {index} is outside the list (0..{len(data) * 8 - 1})")
    return index // 8, 0x80 >> (index % 8)


def is_set(data: bytes | bytearray, index: int) -> bool:
    """The bit of entry ``index``."""
    byte, mask = _position(data, index)
    return bool(data[byte] & mask)


def set_bit(data: bytearray, index: int, value: bool) -> None:
    """Set or clear the bit of entry ``index``."""
    byte, mask = _position(data, index)
    data[byte] = data[byte] | mask if value else data[byte] & ~mask


def encode(data: bytes | bytearray) -> str:
    """The ``encodedList`` of a list: ``u`` + base64url(GZIP(bits)), unpadded. GZIP's header
    carries no time, so the same list always encodes to the same text."""
    compressed = gzip.compress(bytes(data), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The bits of an ``encodedList``; LedgerValueError naming what is wrong with it."""
    if not encoded.startswith("u"):
        raise LedgerValueError("encodedList is multibase base64url: it starts with 'u'")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP framing
        data = inflater.decompress(compressed, MAX_BITS // 8 + 1)
    except (ValueError, zlib.error) as exc:
        raise LedgerValueError(f"encodedList is not base64url of GZIP data: {exc}") from None
    if len(data) > MAX_BITS // 8:
        raise LedgerValueError(f"encodedList decompresses to more than {MAX_BITS} bits")
    if not inflater.eof:
        raise LedgerValueError("encodedList is cut short: its GZIP data does not end")
    if len(data) * 8 < MIN_BITS:
        raise LedgerValueError(f"a status list has at least {MIN_BITS} bits, this one {len(data) * 8}")
    return data
