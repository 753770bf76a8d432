"""Member roles; the same names and hashes as ``contracts/Roles.sol``."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from eth_utils.crypto import keccak


class Role(StrEnum):
    """A role a consortium member holds."""

    CUSTOMS = "CUSTOMS"
    EXPORTER = "EXPORTER"
    IMPORTER = "IMPORTER"
    CARRIER = "CARRIER"
    AUDITOR = "AUDITOR"
    ANCHOR = "ANCHOR"  # submits Merkle log checkpoints (a node operator's account)

    @property
    def role_id(self) -> bytes:
        """The bytes32 id on chain: keccak256("<NAME>_ROLE")."""
        return _role_id(self.value)

    @classmethod
    def from_id(cls, role_id: bytes) -> Role:
        """The role whose on-chain id is ``role_id``."""
        found = _by_id().get(bytes(role_id))
        if found is None:
            raise ValueError(f"unknown role id 0x{bytes(role_id).hex()}")
        return found


# Every request reads its caller's roles from the registry as ids: hashed once, not per read.
@cache
def _role_id(name: str) -> bytes:
    return keccak(text=f"{name}_ROLE")


@cache
def _by_id() -> dict[bytes, Role]:
    return {role.role_id: role for role in Role}


OPERATOR_ROLES = frozenset({Role.EXPORTER, Role.IMPORTER, Role.CARRIER})
"""Roles a customs administration grants, alone, to operators of its own jurisdiction."""
CONSORTIUM_ROLES = frozenset({Role.AUDITOR, Role.ANCHOR})
"""Roles whose powers span the consortium: granted by the customs majority only."""
