// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Roles of consortium members, shared by the registry and the ledger.
/// @dev The same names hashed the same way in `evidence/roles.py`.
/// @notice Role ids: keccak256 of "<NAME>_ROLE", as OpenZeppelin names roles.
library Roles {
    bytes32 internal constant CUSTOMS = keccak256("CUSTOMS_ROLE");
    bytes32 internal constant EXPORTER = keccak256("EXPORTER_ROLE");
    bytes32 internal constant IMPORTER = keccak256("IMPORTER_ROLE");
    bytes32 internal constant CARRIER = keccak256("CARRIER_ROLE");
    bytes32 internal constant AUDITOR = keccak256("AUDITOR_ROLE");
    bytes32 internal constant ANCHOR = keccak256("ANCHOR_ROLE");

    /// @notice The role's bit in a member's packed set of roles; 0 for names that are not roles.
    function bit(bytes32 role) internal pure returns (uint8) {
        if (role == CUSTOMS) return 1;
        if (role == EXPORTER) return 2;
        if (role == IMPORTER) return 4;
        if (role == CARRIER) return 8;
        if (role == AUDITOR) return 16;
        if (role == ANCHOR) return 32;
        return 0;
    }

    /// @notice True for the roles a customs administration may grant, alone, to an operator
    /// of its own jurisdiction.
    function isOperatorRole(bytes32 role) internal pure returns (bool) {
        return role == EXPORTER || role == IMPORTER || role == CARRIER;
    }

    /// @notice True for the roles with powers over the whole consortium (auditors read every
    /// consignment; anchors checkpoint the shared log): granted by the customs majority only.
    function isConsortiumRole(bytes32 role) internal pure returns (bool) {
        return role == AUDITOR || role == ANCHOR;
    }
}
