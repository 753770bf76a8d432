// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {Roles} from "./Roles.sol";

/// @title ReportAnchors
/// @notice Hashes of reports computed from the ledger as of a block (the time-release
/// benchmark, mirror statistics): every node recomputes a report at that block to the same
/// bytes, so anchoring its hash lets anyone check later that a published figure is the one
/// the ledger gives, and that it was published then. Customs anchor; each report once.
contract ReportAnchors {
    /// @notice One anchored report.
    struct Anchor {
        bytes32 reportHash;
        uint64 atBlock;
        uint64 anchoredAt;
        address anchoredBy;
    }

    /// @notice The caller is not an active customs administration.
    error ReportAnchorsNotCustoms(address account);
    /// @notice A report is anchored by its hash.
    error ReportAnchorsEmptyHash();
    /// @notice A report is computed as of a block that exists.
    error ReportAnchorsFutureBlock(uint64 atBlock, uint256 current);
    /// @notice This report (kind, jurisdiction, period, block) is anchored already.
    error ReportAnchorsAlreadyAnchored(bytes32 reportId);
    /// @notice The zero address was given where an account is needed.
    error ReportAnchorsZeroAddress();

    /// @notice `by` anchored report `reportId`, computed as of block `atBlock`.
    event ReportAnchored(bytes32 indexed reportId, address indexed by, bytes32 reportHash, uint64 atBlock);

    IConsortiumRegistry private immutable _registry;
    mapping(bytes32 reportId => Anchor) private _anchors;

    /// @notice Binds the anchors to the consortium registry that says who is customs.
    /// @param registry_ the consortium registry
    constructor(IConsortiumRegistry registry_) {
        if (address(registry_) == address(0)) revert ReportAnchorsZeroAddress();
        _registry = registry_;
    }

    /// @notice Anchor the hash of report `reportId`, computed as of block `atBlock`.
    /// @param reportId keccak256 of what identifies the report (kind, jurisdiction, period, block)
    /// @param reportHash keccak256 of the report's canonical JSON
    /// @param atBlock the block the report was computed at
    function anchor(bytes32 reportId, bytes32 reportHash, uint64 atBlock) external {
        if (!_registry.hasActiveRole(Roles.CUSTOMS, msg.sender)) revert ReportAnchorsNotCustoms(msg.sender);
        if (reportHash == bytes32(0)) revert ReportAnchorsEmptyHash();
        if (atBlock > block.number) revert ReportAnchorsFutureBlock(atBlock, block.number);
        if (_anchors[reportId].anchoredAt != 0) revert ReportAnchorsAlreadyAnchored(reportId);
        _anchors[reportId] = Anchor(reportHash, atBlock, uint64(block.timestamp), msg.sender);
        emit ReportAnchored(reportId, msg.sender, reportHash, atBlock);
    }

    /// @notice The anchor of report `reportId` (zeros if none).
    /// @param reportId the report's id
    /// @return the anchor
    function anchorOf(bytes32 reportId) external view returns (Anchor memory) {
        return _anchors[reportId];
    }
}
