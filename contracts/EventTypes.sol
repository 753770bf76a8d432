// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Event types of the evidence chain and who may append them.
/// @dev Mirrors `evidence/event_types.py`; a test checks both agree.
/// @notice The event type ids and the category (who may append) of each.
library EventTypes {
    /// @notice Who may append an event type.
    enum Category {
        Unknown,
        Custody, // the carrier holding custody
        Control, // customs of the origin, a transit or the destination jurisdiction
        Declaration, // the exporter or the importer
        Document, // any party, or customs of the consignment's jurisdictions (documents, other observations)
        Consignee // the importer (receipt of the goods)
    }

    bytes32 internal constant LOADING = keccak256("LOADING");
    bytes32 internal constant DEPARTING = keccak256("DEPARTING");
    bytes32 internal constant ARRIVING = keccak256("ARRIVING");
    bytes32 internal constant UNLOADING = keccak256("UNLOADING");
    bytes32 internal constant HANDOVER = keccak256("HANDOVER");
    bytes32 internal constant DELIVERY = keccak256("DELIVERY");
    bytes32 internal constant INSPECTED = keccak256("INSPECTED");
    bytes32 internal constant SEAL_VERIFIED = keccak256("SEAL_VERIFIED");
    bytes32 internal constant HELD = keccak256("HELD");
    bytes32 internal constant RELEASED = keccak256("RELEASED");
    bytes32 internal constant DECLARATION = keccak256("DECLARATION");
    bytes32 internal constant DOCUMENT_ATTACHED = keccak256("DOCUMENT_ATTACHED");
    bytes32 internal constant OBSERVED = keccak256("OBSERVED");
    bytes32 internal constant CONTROL_RESULT = keccak256("CONTROL_RESULT");
    bytes32 internal constant LANE_ASSIGNED = keccak256("LANE_ASSIGNED");
    bytes32 internal constant DOCUMENTS_REQUESTED = keccak256("DOCUMENTS_REQUESTED");
    bytes32 internal constant RECEIPT_CONFIRMED = keccak256("RECEIPT_CONFIRMED");

    /// @notice The category of `eventType`, `Unknown` for names the ledger does not know.
    function categoryOf(bytes32 eventType) internal pure returns (Category) {
        if (
            eventType == LOADING || eventType == DEPARTING || eventType == ARRIVING || eventType == UNLOADING
                || eventType == HANDOVER || eventType == DELIVERY
        ) return Category.Custody;
        if (
            eventType == INSPECTED || eventType == SEAL_VERIFIED || eventType == HELD || eventType == RELEASED
                || eventType == CONTROL_RESULT || eventType == LANE_ASSIGNED || eventType == DOCUMENTS_REQUESTED
        ) return Category.Control;
        if (eventType == DECLARATION) return Category.Declaration;
        if (eventType == DOCUMENT_ATTACHED || eventType == OBSERVED) return Category.Document;
        if (eventType == RECEIPT_CONFIRMED) return Category.Consignee;
        return Category.Unknown;
    }
}
