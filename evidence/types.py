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
