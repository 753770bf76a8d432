// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ICheckpointLog} from "./interfaces/ICheckpointLog.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {Roles} from "./Roles.sol";

/// @title CheckpointLog
/// @notice Anchored tree heads of the Merkle log. See {ICheckpointLog}.
contract CheckpointLog is ICheckpointLog {
    /// @notice The caller does not hold the anchor role.
    error CheckpointLogNotAnchor(address account);
    /// @notice Tree sizes only grow: `size` must exceed `latestSize`.
    error CheckpointLogSizeNotIncreasing(uint64 latestSize, uint64 size);
    /// @notice The zero address was given where an account is needed.
    error CheckpointLogZeroAddress();

    IConsortiumRegistry private immutable _registry;
    Checkpoint private _latest;

    /// @notice Binds the log to the consortium registry it asks about the anchor role.
    /// @param registry_ the consortium registry that answers who holds the anchor role
    constructor(IConsortiumRegistry registry_) {
        if (address(registry_) == address(0)) revert CheckpointLogZeroAddress();
        _registry = registry_;
    }

    /// @inheritdoc ICheckpointLog
    function submitCheckpoint(uint64 size, bytes32 root, string calldata leavesCid) external {
        if (!_registry.hasActiveRole(Roles.ANCHOR, msg.sender)) revert CheckpointLogNotAnchor(msg.sender);
        Checkpoint storage head = _latest;
        if (size <= head.size) revert CheckpointLogSizeNotIncreasing(head.size, size);
        // (size, time, block, count) share one slot with what the check above read: two slot
        // writes and no new slot per checkpoint.
        _latest = Checkpoint(size, uint64(block.timestamp), uint64(block.number), head.count + 1, root);
        emit CheckpointAnchored(size, root, msg.sender, leavesCid);
    }

    /// @inheritdoc ICheckpointLog
    function latest() external view returns (Checkpoint memory) {
        return _latest;
    }

    /// @notice Number of checkpoints anchored.
    function checkpointCount() external view returns (uint256) {
        return _latest.count;
    }

    /// @inheritdoc ICheckpointLog
    /// @dev RFC 9162 §2.1.3.2, as `evidence/merkle.py` implements it.
    function verifyInclusion(bytes32 leaf, uint64 index, uint64 size, bytes32[] calldata proof)
        external
        view
        returns (bool)
    {
        Checkpoint memory c = _latest;
        if (c.size == 0 || size != c.size || index >= size) return false;
        uint64 fn = index;
        uint64 sn = size - 1;
        bytes32 r = leaf;
        for (uint256 i = 0; i < proof.length; ++i) {
            if (sn == 0) return false;
            if (fn & 1 == 1 || fn == sn) {
                r = sha256(abi.encodePacked(bytes1(0x01), proof[i], r));
                if (fn & 1 == 0) {
                    while (fn != 0 && fn & 1 == 0) {
                        fn >>= 1;
                        sn >>= 1;
                    }
                }
            } else {
                r = sha256(abi.encodePacked(bytes1(0x01), r, proof[i]));
            }
            fn >>= 1;
            sn >>= 1;
        }
        return sn == 0 && r == c.root;
    }
}
