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

    /// @dev How a consignment is stored: what every append reads and writes (custodian,
    /// route, count, batched) shares one slot, the head another; the rest is read only by
    /// declarations, controls in transit and the views. The carrier is never zero once opened.
    struct Stored {
        address carrier;
        bytes2 origin;
        bytes2 destination;
        uint48 count;
        bool batched;
        bytes32 head;
        address exporter;
        uint64 createdAt;
        address importer;
        bytes2[] transit;
    }

    IConsortiumRegistry private immutable _registry;
    mapping(bytes32 consignment => Stored) private _consignments;
    mapping(bytes32 consignment => mapping(address account => bool)) private _parties;

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
        _consignments[id].batched = true;
        emit ConsignmentBatched(id);
    }

    /// @inheritdoc IConsignmentLedger
    function consignmentId(address exporter, string calldata ref) public pure returns (bytes32) {
        // The address has a fixed length and comes first, so packed encoding is unambiguous.
        return keccak256(abi.encodePacked(exporter, ref));
    }

    /// @inheritdoc IConsignmentLedger
    function isBatched(bytes32 consignment) external view returns (bool) {
        return _consignments[consignment].batched;
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
        Stored storage c = _consignments[id];
        if (c.carrier != address(0)) revert ConsignmentLedgerAlreadyExists(id);
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
    function appendEvent(Entry calldata entry, bytes32 r, bytes32 vs) external returns (bytes32 entryHash) {
        Stored storage c = _requireConsignment(entry.consignment);
        if (c.batched) revert ConsignmentLedgerBatchedConsignment(entry.consignment);
        if (entry.seq != c.count || entry.prevHash != c.head) {
            revert ConsignmentLedgerStaleHead(entry.consignment, uint64(c.count), c.head, entry.seq, entry.prevHash);
        }
        entryHash = _hashEntry(entry);
        // ERC-2098 (r, vs): a low s leaves the top bit for the parity; ECDSA.recover still
        // rejects an s in the upper half of the curve order.
        address signer = ECDSA.recover(entryHash, r, vs);
        if (signer != entry.actor) revert ConsignmentLedgerInvalidSigner(entry.actor, signer);
        _authorise(entry, c);

        // Only the head is stored: it commits to every earlier entry through prevHash, and the
        // event carries the rest (who, what, where), so verifiers rebuild each entry from logs.
        c.head = entryHash;
        ++c.count;
        emit EventAppended(
            entry.consignment,
            entry.seq,
            entry.eventType,
            entry.prevHash,
            entry.payloadHash,
            entry.cid,
            entry.nextCarrier,
            entry.actor,
            r,
            vs
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
        Stored storage c = _requireConsignment(id);
        return Consignment(
            c.exporter, c.importer, c.carrier, c.origin, c.destination, uint64(c.count), c.createdAt, c.head, c.transit
        );
    }

    /// @inheritdoc IConsignmentLedger
    function head(bytes32 id) external view returns (uint64 count, bytes32 entryHash) {
        Stored storage c = _requireConsignment(id);
        return (uint64(c.count), c.head);
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

    function _authorise(Entry calldata e, Stored storage c) private view {
        EventTypes.Category category = EventTypes.categoryOf(e.eventType);
        if (category == EventTypes.Category.Unknown) revert ConsignmentLedgerUnknownEventType(e.eventType);
        // One registry call answers the actor's standing in the role its category needs.
        (bool active, bool holdsRole, bytes2 jurisdiction) = _registry.roleStanding(_roleNeeded(category, e.actor, c), e.actor);
        if (!active) revert ConsignmentLedgerInactiveActor(e.actor);
        bool handover = e.eventType == EventTypes.HANDOVER;
        if (handover != (e.nextCarrier != address(0))) {
            revert ConsignmentLedgerInvalidNextCarrier(e.consignment, e.eventType, e.nextCarrier);
        }
        if (handover && (!_registry.hasActiveRole(Roles.CARRIER, e.nextCarrier) || e.nextCarrier == c.carrier)) {
            revert ConsignmentLedgerInvalidNextCarrier(e.consignment, e.eventType, e.nextCarrier);
        }
        if (category == EventTypes.Category.Custody) {
            if (e.actor != c.carrier || !holdsRole) {
                revert ConsignmentLedgerNotCurrentCarrier(e.consignment, e.actor, c.carrier);
            }
        } else if (category == EventTypes.Category.Control) {
            if (!holdsRole || !_inJurisdictions(c, jurisdiction)) {
                revert ConsignmentLedgerNotJurisdictionCustoms(e.consignment, e.actor);
            }
        } else if (category == EventTypes.Category.Declaration) {
            // An account both exporter and importer of the consignment may declare as either.
            bool declarant = holdsRole
                || (e.actor == c.exporter && e.actor == c.importer && _registry.hasActiveRole(Roles.IMPORTER, e.actor));
            if (!declarant || (e.actor != c.exporter && e.actor != c.importer)) {
                revert ConsignmentLedgerNotDeclarant(e.consignment, e.actor);
            }
        } else if (category == EventTypes.Category.Consignee) {
            if (e.actor != c.importer || !holdsRole) revert ConsignmentLedgerNotConsignee(e.consignment, e.actor);
        } else {
            if (!_parties[e.consignment][e.actor] && !(holdsRole && _inJurisdictions(c, jurisdiction))) {
                revert ConsignmentLedgerNotParty(e.consignment, e.actor);
            }
        }
    }

    /// @dev The role `actor` must hold for an event of `category`: documents and observations
    /// need none from a party and the customs role from anyone else.
    function _roleNeeded(EventTypes.Category category, address actor, Stored storage c)
        private
        view
        returns (bytes32)
    {
        if (category == EventTypes.Category.Custody) return Roles.CARRIER;
        if (category == EventTypes.Category.Declaration) return actor == c.exporter ? Roles.EXPORTER : Roles.IMPORTER;
        if (category == EventTypes.Category.Consignee) return Roles.IMPORTER;
        return Roles.CUSTOMS;
    }

    function _inJurisdictions(Stored storage c, bytes2 j) private view returns (bool) {
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

    function _requireConsignment(bytes32 id) private view returns (Stored storage c) {
        c = _consignments[id];
        if (c.exporter == address(0)) revert ConsignmentLedgerUnknownConsignment(id);
    }

    function _requireJurisdiction(bytes2 code) private pure {
        if (!Jurisdictions.isWellFormed(code)) revert ConsignmentLedgerInvalidJurisdiction(code);
    }
}
