// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Checkpoints of BorderLedger's append-only Merkle log (RFC 9162 hashing).
/// @notice Many entries are anchored by one transaction: a member holding the anchor role
/// submits the log's (size, root); sizes strictly increase. Verifiers check each entry's
/// inclusion proof against an anchored root, and the consistency proof between anchored sizes.
interface ICheckpointLog {
    /// @notice The latest anchored tree head, and how many checkpoints there are. Earlier
    /// heads are in the {CheckpointAnchored} logs: storage keeps only what the next checkpoint
    /// is checked against, so a checkpoint costs no new storage slot.
    struct Checkpoint {
        uint64 size;
        uint64 timestamp;
        uint64 blockNumber;
        uint64 count;
        bytes32 root;
    }

    /// @notice Emitted when a checkpoint is anchored. `leavesCid` names the log segment (the
    /// signed entries of leaves from the previous checkpoint's size up to `size`) in the
    /// consortium's content network, so any node can rebuild and re-verify the log.
    event CheckpointAnchored(uint64 indexed size, bytes32 root, address indexed submitter, string leavesCid);

    /// @notice Anchors the log's tree head; `size` must exceed the last anchored size.
    /// @param leavesCid the content id of the log segment this checkpoint adds
    function submitCheckpoint(uint64 size, bytes32 root, string calldata leavesCid) external;

    /// @notice The latest checkpoint (size 0 if none).
    function latest() external view returns (Checkpoint memory);

    /// @notice Whether `leaf` (a leaf hash) is entry `index` of the latest anchored tree,
    /// whose size is `size` (false for any other size: check older heads' proofs off-chain
    /// against their CheckpointAnchored logs, or prove consistency with the latest).
    function verifyInclusion(bytes32 leaf, uint64 index, uint64 size, bytes32[] calldata proof)
        external
        view
        returns (bool);
}
