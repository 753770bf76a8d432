"""Member roles; the same names and hashes as ``contracts/Roles.sol``."""

from __future__ import annotations

from enum import StrEnum

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
        return keccak(text=f"{self.value}_ROLE")

    @classmethod
    def from_id(cls, role_id: bytes) -> Role:
        """The role whose on-chain id is ``role_id``."""
        for role in cls:
            if role.role_id == bytes(role_id):
                return role
        raise ValueError(f"unknown role id 0x{bytes(role_id).hex()}")


OPERATOR_ROLES = frozenset({Role.EXPORTER, Role.IMPORTER, Role.CARRIER})
"""Roles a customs administration grants, alone, to operators of its own jurisdiction."""
CONSORTIUM_ROLES = frozenset({Role.AUDITOR, Role.ANCHOR})
"""Roles whose powers span the consortium: granted by the customs majority only."""
