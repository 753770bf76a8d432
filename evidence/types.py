"""Domain scalars of the evidence format."""

from __future__ import annotations

from typing import NewType

Hash32 = NewType("Hash32", bytes)
"""A 32-byte keccak256 or sha-256 digest."""

Address = NewType("Address", str)
"""A checksummed Ethereum address."""

Jurisdiction = NewType("Jurisdiction", str)
"""An ISO 3166-1 alpha-2 country code, upper case."""

ZERO_HASH = Hash32(b"\x00" * 32)
ZERO_ADDRESS = Address("0x0000000000000000000000000000000000000000")


def to_hex(value: bytes) -> str:
    """``0x``-prefixed lower-case hex of ``value``."""
    return "0x" + bytes(value).hex()


def hash32(value: str) -> Hash32:
    """The bytes of a ``0x``-prefixed 32-byte hex digest."""
    raw = bytes.fromhex(value[2:] if value.startswith(("0x", "0X")) else value)
    if len(raw) != 32:
        raise ValueError(f"{value!r} is not a 32-byte hash")
    return Hash32(raw)
