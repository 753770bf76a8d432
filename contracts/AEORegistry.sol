// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IAEORegistry} from "./interfaces/IAEORegistry.sol";
import {IAEORegistryErrors} from "./interfaces/IAEORegistryErrors.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {Jurisdictions} from "./Jurisdictions.sol";
import {Roles} from "./Roles.sol";

/// @title AEORegistry
/// @notice AEO certificates, their lifecycle, MRAs and recognition. See {IAEORegistry}.
contract AEORegistry is IAEORegistry, IAEORegistryErrors {
    /// @notice Programme bit of AEO-S (security and safety).
    uint8 public constant AEO_S = 1;
    /// @notice Programme bit of AEO-C (customs simplifications).
    uint8 public constant AEO_C = 2;
    /// @notice Every control type bit an MRA may name (documentary, physical, non-intrusive
    /// scan, seal check, sampling).
    uint8 public constant ALL_CONTROLS = 31;

    struct StatusChange {
        uint64 at;
        Status status;
    }

    IConsortiumRegistry private immutable _registry;
    mapping(bytes32 certificate => Certificate) private _certificates;
    mapping(bytes32 certificate => StatusChange[]) private _history;
    mapping(uint256 mraId => Mra) private _mras;
    mapping(bytes32 pair => uint256[]) private _pairMras;
    uint256 private _mraCount;

    /// @notice Binds the AEO registry to the consortium registry it asks who is customs where.
    /// @param registry_ the consortium registry that answers who is customs where
    constructor(IConsortiumRegistry registry_) {
        if (address(registry_) == address(0)) revert AEORegistryZeroAddress();
        _registry = registry_;
    }

    /// @notice The consortium registry this registry checks roles against.
    function registry() external view returns (IConsortiumRegistry) {
        return _registry;
    }

    /// @inheritdoc IAEORegistry
    function issueCertificate(CertificateRequest calldata r) external returns (bytes32 id) {
        bytes2 issuer = _requireCustoms();
        if (r.holder == address(0)) revert AEORegistryZeroAddress();
        if (!_registry.isActive(r.holder) || _registry.member(r.holder).jurisdiction != issuer) {
            revert AEORegistryInvalidHolder(r.holder, issuer);
        }
        if (r.programmes == 0 || r.programmes > (AEO_S | AEO_C)) revert AEORegistryInvalidProgrammes(r.programmes);
        if (r.validFrom >= r.validUntil) revert AEORegistryInvalidValidity(r.validFrom, r.validUntil);
        // Numbers are the issuer's namespace: no administration can take another's number.
        bytes memory number = bytes(r.number);
        if (number.length < 3 || number[0] != issuer[0] || number[1] != issuer[1]) {
            revert AEORegistryNumberOutsideNamespace(issuer);
        }
        id = keccak256(number);
        Certificate storage c = _certificates[id];
        if (c.status != Status.None) revert AEORegistryCertificateExists(id);
        c.holder = r.holder;
        c.issuer = issuer;
        c.programmes = r.programmes;
        c.status = Status.Valid;
        c.validFrom = r.validFrom;
        c.validUntil = r.validUntil;
        c.issuedAt = uint64(block.timestamp);
        c.issuedBy = msg.sender;
        c.documentHash = r.documentHash;
        c.dataHash = r.dataHash;
        c.documentCid = r.documentCid;
        _history[id].push(StatusChange(uint64(block.timestamp), Status.Valid));
        emit CertificateIssued(id, r.number, r.holder, issuer, r.programmes, r.validFrom, r.validUntil, msg.sender);
        emit CertificateRecordsAnchored(id, r.documentHash, r.documentCid, r.dataHash);
    }

    /// @inheritdoc IAEORegistry
    function suspendCertificate(bytes32 id, string calldata reason) external {
        _change(id, Status.Valid, Status.Suspended, reason);
    }

    /// @inheritdoc IAEORegistry
    function reinstateCertificate(bytes32 id, string calldata reason) external {
        _change(id, Status.Suspended, Status.Valid, reason);
    }

    /// @inheritdoc IAEORegistry
    function revokeCertificate(bytes32 id, string calldata reason) external {
        Status current = _requireIssuerOf(id).status;
        if (current == Status.Revoked) revert AEORegistryWrongStatus(id, uint8(current));
        _change(id, current, Status.Revoked, reason);
    }

    /// @inheritdoc IAEORegistry
    function proposeMra(bytes2 partner, uint8 scope, uint8 controls, uint64 validUntil)
        external
        returns (uint256 mraId)
    {
        bytes2 proposer = _requireCustoms();
        if (partner == proposer || !Jurisdictions.isWellFormed(partner)) revert AEORegistryInvalidPartner(partner);
        if (scope == 0 || scope > (AEO_S | AEO_C)) revert AEORegistryInvalidProgrammes(scope);
        if (controls > ALL_CONTROLS) revert AEORegistryInvalidControls(controls);
        if (validUntil <= block.timestamp) revert AEORegistryInvalidValidity(uint64(block.timestamp), validUntil);
        mraId = ++_mraCount;
        _mras[mraId] = Mra(proposer, partner, scope, controls, validUntil, uint64(block.timestamp), 0, 0);
        _pairMras[_pairKey(proposer, partner)].push(mraId);
        emit MraProposed(mraId, proposer, partner, scope, controls, validUntil, msg.sender);
    }

    /// @inheritdoc IAEORegistry
    function acceptMra(uint256 mraId) external {
        bytes2 caller = _requireCustoms();
        Mra storage m = _requireMra(mraId);
        if (caller != m.partner) revert AEORegistryNotMraPartner(mraId, caller);
        if (m.acceptedAt != 0 || m.terminatedAt != 0) revert AEORegistryMraClosed(mraId);
        if (block.timestamp > m.validUntil) revert AEORegistryMraExpired(mraId, m.validUntil);
        m.acceptedAt = uint64(block.timestamp);
        emit MraAccepted(mraId, msg.sender);
    }

    /// @inheritdoc IAEORegistry
    function terminateMra(uint256 mraId, string calldata reason) external {
        bytes2 caller = _requireCustoms();
        Mra storage m = _requireMra(mraId);
        if (caller != m.proposer && caller != m.partner) revert AEORegistryNotMraParty(mraId, caller);
        if (m.terminatedAt != 0) revert AEORegistryMraClosed(mraId);
        if (bytes(reason).length == 0) revert AEORegistryReasonRequired();
        m.terminatedAt = uint64(block.timestamp);
        emit MraTerminated(mraId, reason, msg.sender);
    }

    /// @inheritdoc IAEORegistry
    function isRecognised(bytes32 id, bytes2 jurisdiction) external view returns (bool, Reason, uint8) {
        return _recognition(id, jurisdiction, uint64(block.timestamp));
    }

    /// @inheritdoc IAEORegistry
    function isRecognisedAt(bytes32 id, bytes2 jurisdiction, uint64 at) external view returns (bool, Reason, uint8) {
        return _recognition(id, jurisdiction, at);
    }

    /// @inheritdoc IAEORegistry
    function certificate(bytes32 id) external view returns (Certificate memory) {
        return _certificates[id];
    }

    /// @inheritdoc IAEORegistry
    function statusAt(bytes32 id, uint64 at) public view returns (Status) {
        StatusChange[] storage changes = _history[id];
        for (uint256 i = changes.length; i > 0; --i) {
            if (changes[i - 1].at <= at) return changes[i - 1].status;
        }
        return Status.None;
    }

    /// @inheritdoc IAEORegistry
    function mra(uint256 mraId) external view returns (Mra memory) {
        return _requireMra(mraId);
    }

    /// @inheritdoc IAEORegistry
    function mraCount() external view returns (uint256) {
        return _mraCount;
    }

    /// @notice The ids of every MRA ever proposed between two jurisdictions, oldest first.
    function mrasBetween(bytes2 a, bytes2 b) external view returns (uint256[] memory) {
        return _pairMras[_pairKey(a, b)];
    }

    function _recognition(bytes32 id, bytes2 jurisdiction, uint64 at) private view returns (bool, Reason, uint8) {
        Certificate storage c = _certificates[id];
        if (c.status == Status.None || at < c.issuedAt) return (false, Reason.UnknownCertificate, 0);
        Status status = statusAt(id, at);
        if (status == Status.Revoked) return (false, Reason.Revoked, 0);
        if (status == Status.Suspended) return (false, Reason.Suspended, 0);
        if (at > c.validUntil) return (false, Reason.Expired, 0);
        if (at < c.validFrom) return (false, Reason.NotYetValid, 0);
        if (jurisdiction == c.issuer) return (true, Reason.ValidAtHome, c.programmes);
        return _mraRecognition(c.issuer, jurisdiction, c.programmes, at);
    }

    /// @dev Recognised if any MRA between the two was active at `at` with a programme in
    /// common; otherwise the reason of the most recent MRA proposed by then.
    function _mraRecognition(bytes2 issuer, bytes2 jurisdiction, uint8 programmes, uint64 at)
        private
        view
        returns (bool, Reason, uint8)
    {
        uint256[] storage ids = _pairMras[_pairKey(issuer, jurisdiction)];
        Reason reason = Reason.NoMra;
        for (uint256 i = 0; i < ids.length; ++i) {
            Mra storage m = _mras[ids[i]];
            if (m.proposedAt > at) continue;
            if (m.terminatedAt != 0 && m.terminatedAt <= at) {
                reason = Reason.MraTerminated;
            } else if (m.acceptedAt == 0 || m.acceptedAt > at) {
                reason = Reason.MraNotAccepted;
            } else if (at > m.validUntil) {
                reason = Reason.MraExpired;
            } else if (m.scope & programmes == 0) {
                reason = Reason.MraOutOfScope;
            } else {
                return (true, Reason.RecognisedUnderMra, m.scope & programmes);
            }
        }
        return (false, reason, 0);
    }

    function _change(bytes32 id, Status from, Status to, string calldata reason) private {
        Certificate storage c = _requireIssuerOf(id);
        if (c.status != from) revert AEORegistryWrongStatus(id, uint8(c.status));
        if (bytes(reason).length == 0) revert AEORegistryReasonRequired();
        c.status = to;
        _history[id].push(StatusChange(uint64(block.timestamp), to));
        emit CertificateStatusChanged(id, to, reason, msg.sender);
    }

    function _requireIssuerOf(bytes32 id) private view returns (Certificate storage c) {
        c = _certificates[id];
        if (c.status == Status.None) revert AEORegistryUnknownCertificate(id);
        bytes2 caller = _requireCustoms();
        if (caller != c.issuer) revert AEORegistryNotIssuer(id, c.issuer, caller);
    }

    function _requireCustoms() private view returns (bytes2 jurisdiction) {
        if (!_registry.hasActiveRole(Roles.CUSTOMS, msg.sender)) revert AEORegistryNotCustoms(msg.sender);
        return _registry.member(msg.sender).jurisdiction;
    }

    function _requireMra(uint256 mraId) private view returns (Mra storage m) {
        if (mraId == 0 || mraId > _mraCount) revert AEORegistryUnknownMra(mraId);
        return _mras[mraId];
    }

    function _pairKey(bytes2 a, bytes2 b) private pure returns (bytes32) {
        return a < b ? keccak256(abi.encodePacked(a, b)) : keccak256(abi.encodePacked(b, a));
    }
}
