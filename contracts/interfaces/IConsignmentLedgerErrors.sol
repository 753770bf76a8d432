// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Errors of the consignment ledger; each names the rule it enforces.
/// @notice The API reports each error by name as `rule`.
interface IConsignmentLedgerErrors {
    /// @notice The zero address was given where an account is needed.
    error ConsignmentLedgerZeroAddress();
    /// @notice `account` is not an active member holding `role`.
    error ConsignmentLedgerMissingRole(address account, bytes32 role);
    /// @notice The entry's actor is not an active member (never admitted, suspended or removed).
    error ConsignmentLedgerInactiveActor(address actor);
    /// @notice A consignment with this reference already exists.
    error ConsignmentLedgerAlreadyExists(bytes32 consignment);
    /// @notice No consignment with this id.
    error ConsignmentLedgerUnknownConsignment(bytes32 consignment);
    /// @notice The jurisdiction is not two upper-case ASCII letters.
    error ConsignmentLedgerInvalidJurisdiction(bytes2 jurisdiction);
    /// @notice The entry does not extend the current head: stale or forked append.
    error ConsignmentLedgerStaleHead(
        bytes32 consignment, uint64 expectedSeq, bytes32 expectedPrevHash, uint64 givenSeq, bytes32 givenPrevHash
    );
    /// @notice The signature does not recover the entry's actor.
    error ConsignmentLedgerInvalidSigner(address actor, address recovered);
    /// @notice The event type is not one the ledger knows.
    error ConsignmentLedgerUnknownEventType(bytes32 eventType);
    /// @notice Custody and transport events are appended only by the carrier holding custody.
    error ConsignmentLedgerNotCurrentCarrier(bytes32 consignment, address actor, address carrier);
    /// @notice Control events are appended only by customs of the origin, a transit or the destination.
    error ConsignmentLedgerNotJurisdictionCustoms(bytes32 consignment, address actor);
    /// @notice Declarations are appended only by the consignment's exporter or importer.
    error ConsignmentLedgerNotDeclarant(bytes32 consignment, address actor);
    /// @notice Only parties of the consignment and customs of its jurisdictions append.
    error ConsignmentLedgerNotParty(bytes32 consignment, address actor);
    /// @notice `actor` is not the consignment's importer, who alone confirms receipt of the goods.
    error ConsignmentLedgerNotConsignee(bytes32 consignment, address actor);
    /// @notice The consignment's entries go through the Merkle log, not the ledger.
    error ConsignmentLedgerBatchedConsignment(bytes32 consignment);
    /// @notice A handover must name an active carrier; other events must name none.
    error ConsignmentLedgerInvalidNextCarrier(bytes32 consignment, bytes32 eventType, address nextCarrier);
}
