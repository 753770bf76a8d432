// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IConsignmentLedger} from "./interfaces/IConsignmentLedger.sol";
import {IConsignmentLedgerErrors} from "./interfaces/IConsignmentLedgerErrors.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {EventTypes} from "./EventTypes.sol";
import {Jurisdictions} from "./Jurisdictions.sol";
import {Roles} from "./Roles.sol";

/// @title ConsignmentLedger
/// @notice Per-consignment chains of signed evidence entries. See {IConsignmentLedger}.
contract ConsignmentLedger is IConsignmentLedger, IConsignmentLedgerErrors, EIP712 {
    /// @notice EIP-712 type of {Entry}; `evidence/eip712.py` uses the same string.
    bytes32 public constant ENTRY_TYPEHASH = keccak256(
        "Entry(bytes32 consignment,uint64 seq,bytes32 prevHash,bytes32 eventType,bytes32 payloadHash,string cid,address nextCarrier,address actor)"
    );

    IConsortiumRegistry private immutable _registry;
    mapping(bytes32 consignment => Consignment) private _consignments;
    mapping(bytes32 consignment => mapping(uint64 seq => Record)) private _records;
    mapping(bytes32 consignment => mapping(address account => bool)) private _parties;
    mapping(bytes32 consignment => bool) private _batched;

    /// @notice Binds the ledger to the consortium registry it asks about roles.
    /// @param registry_ the consortium registry that answers who holds which role
    constructor(IConsortiumRegistry registry_) EIP712("BorderLedger", "1") {
        if (address(registry_) == address(0)) revert ConsignmentLedgerZeroAddress();
        _registry = registry_;
    }

    /// @notice The consortium registry this ledger checks roles against.
    function registry() external view returns (IConsortiumRegistry) {
        return _registry;
    }

    /// @inheritdoc IConsignmentLedger
    function createConsignment(
        string calldata ref,
        bytes2 origin,
        bytes2 destination,
        bytes2[] calldata transit,
        address importer,
        address carrier
    ) external returns (bytes32 id) {
        id = _create(ref, origin, destination, transit, importer, carrier);
    }

    /// @inheritdoc IConsignmentLedger
    function createBatchedConsignment(
        string calldata ref,
        bytes2 origin,
        bytes2 destination,
        bytes2[] calldata transit,
        address importer,
        address carrier
    ) external returns (bytes32 id) {
        id = _create(ref, origin, destination, transit, importer, carrier);
        _batched[id] = true;
        emit ConsignmentBatched(id);
    }

    /// @inheritdoc IConsignmentLedger
    function consignmentId(address exporter, string calldata ref) public pure returns (bytes32) {
        // The address has a fixed length and comes first, so packed encoding is unambiguous.
        return keccak256(abi.encodePacked(exporter, ref));
    }

    /// @inheritdoc IConsignmentLedger
    function isBatched(bytes32 consignment) external view returns (bool) {
        return _batched[consignment];
    }

    function _create(
        string calldata ref,
        bytes2 origin,
        bytes2 destination,
        bytes2[] calldata transit,
        address importer,
        address carrier
    ) private returns (bytes32 id) {
        _requireRole(Roles.EXPORTER, msg.sender);
        _requireRole(Roles.IMPORTER, importer);
        _requireRole(Roles.CARRIER, carrier);
        _requireJurisdiction(origin);
        _requireJurisdiction(destination);
        for (uint256 i = 0; i < transit.length; ++i) {
            _requireJurisdiction(transit[i]);
        }
        id = consignmentId(msg.sender, ref);
        Consignment storage c = _consignments[id];
        if (c.exporter != address(0)) revert ConsignmentLedgerAlreadyExists(id);
        c.exporter = msg.sender;
        c.importer = importer;
        c.carrier = carrier;
        c.origin = origin;
        c.destination = destination;
        c.transit = transit;
        c.createdAt = uint64(block.timestamp);
        _parties[id][msg.sender] = true;
        _parties[id][importer] = true;
        _parties[id][carrier] = true;
        emit ConsignmentCreated(id, ref, msg.sender, importer, carrier, origin, destination, transit);
    }

    /// @inheritdoc IConsignmentLedger
    function appendEvent(Entry calldata entry, bytes calldata signature) external returns (bytes32 entryHash) {
        Consignment storage c = _requireConsignment(entry.consignment);
        if (_batched[entry.consignment]) revert ConsignmentLedgerBatchedConsignment(entry.consignment);
        if (entry.seq != c.count || entry.prevHash != c.head) {
            revert ConsignmentLedgerStaleHead(entry.consignment, c.count, c.head, entry.seq, entry.prevHash);
        }
        entryHash = _hashEntry(entry);
        // ECDSA.recover rejects malformed and malleable (high-s) signatures.
        address signer = ECDSA.recover(entryHash, signature);
        if (signer != entry.actor) revert ConsignmentLedgerInvalidSigner(entry.actor, signer);
        _authorise(entry, c);

        _records[entry.consignment][entry.seq] =
            Record(entryHash, entry.actor, uint64(block.timestamp), uint64(block.number));
        c.head = entryHash;
        c.count = entry.seq + 1;
        emit EventAppended(
            entry.consignment,
            entry.seq,
            entry.eventType,
            entryHash,
            entry.prevHash,
            entry.payloadHash,
            entry.cid,
            entry.nextCarrier,
            entry.actor,
            signature
        );
        if (entry.eventType == EventTypes.HANDOVER) {
            address previous = c.carrier;
            c.carrier = entry.nextCarrier;
            _parties[entry.consignment][entry.nextCarrier] = true;
            emit CustodyTransferred(entry.consignment, previous, entry.nextCarrier, entry.seq);
        }
    }

    /// @inheritdoc IConsignmentLedger
    function consignment(bytes32 id) external view returns (Consignment memory) {
        return _requireConsignment(id);
    }

    /// @inheritdoc IConsignmentLedger
    function head(bytes32 id) external view returns (uint64 count, bytes32 entryHash) {
        Consignment storage c = _requireConsignment(id);
        return (c.count, c.head);
    }

    /// @inheritdoc IConsignmentLedger
    function entryAt(bytes32 id, uint64 seq) external view returns (Record memory) {
        _requireConsignment(id);
        return _records[id][seq];
    }

    /// @inheritdoc IConsignmentLedger
    function hashEntry(Entry calldata entry) external view returns (bytes32) {
        return _hashEntry(entry);
    }

    /// @inheritdoc IConsignmentLedger
    function isParty(bytes32 id, address account) external view returns (bool) {
        return _parties[id][account];
    }

    /// @notice The EIP-712 domain separator (name "BorderLedger", version "1").
    function domainSeparator() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    function _hashEntry(Entry calldata e) private view returns (bytes32) {
        bytes32 structHash = keccak256(
            abi.encode(
                ENTRY_TYPEHASH,
                e.consignment,
                e.seq,
                e.prevHash,
                e.eventType,
                e.payloadHash,
                keccak256(bytes(e.cid)),
                e.nextCarrier,
                e.actor
            )
        );
        return _hashTypedDataV4(structHash);
    }

    function _authorise(Entry calldata e, Consignment storage c) private view {
        EventTypes.Category category = EventTypes.categoryOf(e.eventType);
        if (category == EventTypes.Category.Unknown) revert ConsignmentLedgerUnknownEventType(e.eventType);
        if (!_registry.isActive(e.actor)) revert ConsignmentLedgerInactiveActor(e.actor);
        bool handover = e.eventType == EventTypes.HANDOVER;
        if (handover != (e.nextCarrier != address(0))) {
            revert ConsignmentLedgerInvalidNextCarrier(e.consignment, e.eventType, e.nextCarrier);
        }
        if (handover && (!_registry.hasActiveRole(Roles.CARRIER, e.nextCarrier) || e.nextCarrier == c.carrier)) {
            revert ConsignmentLedgerInvalidNextCarrier(e.consignment, e.eventType, e.nextCarrier);
        }
        if (category == EventTypes.Category.Custody) {
            if (e.actor != c.carrier || !_registry.hasActiveRole(Roles.CARRIER, e.actor)) {
                revert ConsignmentLedgerNotCurrentCarrier(e.consignment, e.actor, c.carrier);
            }
        } else if (category == EventTypes.Category.Control) {
            if (!_isJurisdictionCustoms(c, e.actor)) revert ConsignmentLedgerNotJurisdictionCustoms(e.consignment, e.actor);
        } else if (category == EventTypes.Category.Declaration) {
            bool declarant = (e.actor == c.exporter && _registry.hasActiveRole(Roles.EXPORTER, e.actor))
                || (e.actor == c.importer && _registry.hasActiveRole(Roles.IMPORTER, e.actor));
            if (!declarant) revert ConsignmentLedgerNotDeclarant(e.consignment, e.actor);
        } else if (category == EventTypes.Category.Consignee) {
            if (e.actor != c.importer || !_registry.hasActiveRole(Roles.IMPORTER, e.actor)) {
                revert ConsignmentLedgerNotConsignee(e.consignment, e.actor);
            }
        } else {
            if (!_parties[e.consignment][e.actor] && !_isJurisdictionCustoms(c, e.actor)) {
                revert ConsignmentLedgerNotParty(e.consignment, e.actor);
            }
        }
    }

    function _isJurisdictionCustoms(Consignment storage c, address account) private view returns (bool) {
        if (!_registry.hasActiveRole(Roles.CUSTOMS, account)) return false;
        bytes2 j = _registry.member(account).jurisdiction;
        if (j == c.origin || j == c.destination) return true;
        for (uint256 i = 0; i < c.transit.length; ++i) {
            if (c.transit[i] == j) return true;
        }
        return false;
    }

    function _requireRole(bytes32 role, address account) private view {
        if (account == address(0)) revert ConsignmentLedgerZeroAddress();
        if (!_registry.hasActiveRole(role, account)) revert ConsignmentLedgerMissingRole(account, role);
    }

    function _requireConsignment(bytes32 id) private view returns (Consignment storage c) {
        c = _consignments[id];
        if (c.exporter == address(0)) revert ConsignmentLedgerUnknownConsignment(id);
    }

    function _requireJurisdiction(bytes2 code) private pure {
        if (!Jurisdictions.isWellFormed(code)) revert ConsignmentLedgerInvalidJurisdiction(code);
    }
}
