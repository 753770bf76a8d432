// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consignment ledger: one signed, hash-chained evidence chain per consignment.
/// @notice Entries are EIP-712 signed by their author (`actor`); the ledger recovers the
/// signer, checks that the actor may append this event type to this consignment, and that
/// the entry extends the current head (`seq` == count, `prevHash` == head).
interface IConsignmentLedger {
    /// @notice One evidence entry, the EIP-712 struct its author signs.
    /// @param consignment keccak256 of the consignment reference
    /// @param seq position in the consignment's chain, from 0
    /// @param prevHash entry hash of entry `seq - 1`, zero for the first entry
    /// @param eventType keccak256 of the event type name, e.g. keccak256("LOADING")
    /// @param payloadHash keccak256 of the RFC 8785 canonical JSON payload
    /// @param cid content identifier of the payload bytes in the content store
    /// @param nextCarrier the carrier taking custody (HANDOVER only, otherwise zero)
    /// @param actor the author, who signs the entry
    struct Entry {
        bytes32 consignment;
        uint64 seq;
        bytes32 prevHash;
        bytes32 eventType;
        bytes32 payloadHash;
        string cid;
        address nextCarrier;
        address actor;
    }

    /// @notice A consignment's parties, route and chain head.
    struct Consignment {
        address exporter;
        address importer;
        address carrier;
        bytes2 origin;
        bytes2 destination;
        uint64 count;
        uint64 createdAt;
        bytes32 head;
        bytes2[] transit;
    }

    /// @notice Emitted when an exporter opens a consignment.
    event ConsignmentCreated(
        bytes32 indexed consignment,
        string ref,
        address indexed exporter,
        address importer,
        address carrier,
        bytes2 origin,
        bytes2 destination,
        bytes2[] transit
    );

    /// @notice Emitted when an entry is appended; carries every signed field and the
    /// signature (ERC-2098 `r`, `vs`) so the chain's logs alone rebuild and verify the evidence
    /// chain. The entry hash is not repeated: it is the EIP-712 digest of these fields.
    event EventAppended(
        bytes32 indexed consignment,
        uint64 indexed seq,
        bytes32 indexed eventType,
        bytes32 prevHash,
        bytes32 payloadHash,
        string cid,
        address nextCarrier,
        address actor,
        bytes32 r,
        bytes32 vs
    );

    /// @notice Emitted when a handover moves custody to another carrier.
    event CustodyTransferred(bytes32 indexed consignment, address indexed from, address indexed to, uint64 seq);

    /// @notice Opens a consignment; the caller must be an active exporter.
    /// @param ref the consignment's reference, unique per exporter (see {consignmentId})
    /// @param origin ISO 3166-1 alpha-2 code of the country of departure
    /// @param destination ISO code of the country of destination
    /// @param transit ISO codes of the declared transit countries
    /// @param importer an active importer
    /// @param carrier an active carrier, the first custodian
    function createConsignment(
        string calldata ref,
        bytes2 origin,
        bytes2 destination,
        bytes2[] calldata transit,
        address importer,
        address carrier
    ) external returns (bytes32 consignment);

    /// @notice Opens a consignment whose entries are anchored through the Merkle log
    /// (CheckpointLog), signed as `LogEntry`: the ledger then refuses single appends to it.
    /// Same parameters and rules as {createConsignment}.
    function createBatchedConsignment(
        string calldata ref,
        bytes2 origin,
        bytes2 destination,
        bytes2[] calldata transit,
        address importer,
        address carrier
    ) external returns (bytes32 consignment);

    /// @notice The id of `exporter`'s consignment `ref`: references are each exporter's own
    /// namespace, so no exporter can open a consignment under another's reference.
    function consignmentId(address exporter, string calldata ref) external pure returns (bytes32);

    /// @notice Whether the consignment's entries go through the Merkle log.
    function isBatched(bytes32 consignment) external view returns (bool);

    /// @notice Emitted when a consignment is opened for the Merkle log.
    event ConsignmentBatched(bytes32 indexed consignment);

    /// @notice Appends a signed entry. Anyone may relay it: the permissions checked are those
    /// of `entry.actor`, who must have produced the signature (EIP-712, low-s, in ERC-2098's
    /// compact form `r`, `vs`). The network's account allowlist decides who may send
    /// transactions at all. Only the head is stored; the entry itself is in the event.
    function appendEvent(Entry calldata entry, bytes32 r, bytes32 vs) external returns (bytes32 entryHash);

    /// @notice The consignment's parties, route and head.
    function consignment(bytes32 id) external view returns (Consignment memory);

    /// @notice The number of entries and the hash of the last one.
    function head(bytes32 id) external view returns (uint64 count, bytes32 entryHash);

    /// @notice The EIP-712 digest of `entry`, which is its entry hash and what its actor signs.
    function hashEntry(Entry calldata entry) external view returns (bytes32);

    /// @notice True for the exporter, the importer and every carrier that held custody.
    function isParty(bytes32 id, address account) external view returns (bool);
}
