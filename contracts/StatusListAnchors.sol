// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {Roles} from "./Roles.sol";

/// @title StatusListAnchors
/// @notice The hash of each version of the Bitstring Status Lists that issuers of verifiable
/// credentials publish (revocation, suspension). A list is served off chain by its issuer's
/// node; its hash here lets any member prove what the list said at a past block, and shows
/// an issuer that served two different lists under one version. Only active customs
/// administrations issue credentials, so only they anchor; each anchors its own lists only.
contract StatusListAnchors {
    /// @notice The newest anchored version of one list.
    struct Anchor {
        bytes32 listHash;
        uint64 version;
        uint64 anchoredAt;
        uint64 anchoredBlock;
    }

    /// @notice The caller is not an active customs administration.
    error StatusListAnchorsNotCustoms(address account);
    /// @notice Versions only grow: `version` is not after the anchored `current`.
    error StatusListAnchorsStaleVersion(bytes32 listId, uint64 version, uint64 current);
    /// @notice A list is anchored by the hash of its published credential.
    error StatusListAnchorsEmptyHash();
    /// @notice The zero address was given where an account is needed.
    error StatusListAnchorsZeroAddress();

    /// @notice `issuer` published `version` of list `listId` (keccak256 of its URL).
    event StatusListAnchored(address indexed issuer, bytes32 indexed listId, uint64 version, bytes32 listHash);

    IConsortiumRegistry private immutable _registry;
    mapping(address issuer => mapping(bytes32 listId => Anchor)) private _latest;

    /// @notice Binds the anchors to the consortium registry that says who is customs.
    /// @param registry_ the consortium registry
    constructor(IConsortiumRegistry registry_) {
        if (address(registry_) == address(0)) revert StatusListAnchorsZeroAddress();
        _registry = registry_;
    }

    /// @notice Anchor version `version` of the caller's list `listId` with its hash.
    /// @param listId keccak256 of the list's URL
    /// @param version the list's version, greater than the one anchored before
    /// @param listHash keccak256 of the published list credential
    function anchor(bytes32 listId, uint64 version, bytes32 listHash) external {
        if (!_registry.hasActiveRole(Roles.CUSTOMS, msg.sender)) revert StatusListAnchorsNotCustoms(msg.sender);
        if (listHash == bytes32(0)) revert StatusListAnchorsEmptyHash();
        uint64 current = _latest[msg.sender][listId].version;
        if (version <= current) revert StatusListAnchorsStaleVersion(listId, version, current);
        _latest[msg.sender][listId] = Anchor(listHash, version, uint64(block.timestamp), uint64(block.number));
        emit StatusListAnchored(msg.sender, listId, version, listHash);
    }

    /// @notice The newest anchored version of `issuer`'s list `listId` (zeros if none).
    /// @param issuer the anchoring customs administration
    /// @param listId keccak256 of the list's URL
    /// @return the anchor
    function latest(address issuer, bytes32 listId) external view returns (Anchor memory) {
        return _latest[issuer][listId];
    }
}
