// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {Roles} from "./Roles.sol";

/// @title RiskRuleSets
/// @notice Versioned risk rule sets the customs majority adopts. The chain holds each version's
/// hash and content identifier; the text lives in the content store, so every node evaluates
/// exactly the rules adopted, and an old version still reproduces an old decision.
contract RiskRuleSets {
    /// @notice A proposed rule set: its text's hash and where the text is.
    struct RuleSet {
        bytes32 textHash;
        string cid;
        address proposer;
        uint64 proposedAt;
        uint64 expiresAt;
        uint64 adoptedAt; // 0 until adopted
        uint64 adoptedBlock;
    }

    /// @notice How long a proposal may gather approvals.
    uint64 public constant PROPOSAL_LIFETIME = 30 days;

    /// @notice The caller is not an active customs administration.
    error RiskRuleSetsNotCustoms(address account);
    /// @notice No rule set has this version.
    error RiskRuleSetsUnknownVersion(uint256 version);
    /// @notice A rule set names its text's hash and content identifier.
    error RiskRuleSetsEmptyText();
    /// @notice This administration already approved this version.
    error RiskRuleSetsAlreadyApproved(uint256 version, address approver);
    /// @notice The version is adopted already.
    error RiskRuleSetsAlreadyAdopted(uint256 version);
    /// @notice The proposal's time to gather approvals is over.
    error RiskRuleSetsProposalExpired(uint256 version, uint64 expiresAt);
    /// @notice A later version is in force; an older proposal can no longer be adopted.
    error RiskRuleSetsSuperseded(uint256 version, uint256 current);
    /// @notice The zero address was given where an account is needed.
    error RiskRuleSetsZeroAddress();

    /// @notice A customs administration proposed `version`.
    event RuleSetProposed(uint256 indexed version, bytes32 textHash, string cid, address indexed proposer);
    /// @notice `approver` approved `version`; `approvals` of `needed` count now.
    event RuleSetApproved(uint256 indexed version, address indexed approver, uint256 approvals, uint256 needed);
    /// @notice The customs majority adopted `version`; it is in force from this block.
    event RuleSetAdopted(uint256 indexed version, bytes32 textHash);

    IConsortiumRegistry private immutable _registry;
    mapping(uint256 version => RuleSet) private _sets;
    mapping(uint256 version => address[]) private _approvers;
    uint256 private _count;
    uint256 private _current;

    /// @notice Binds the rule sets to the consortium registry that says who is customs.
    /// @param registry_ the consortium registry
    constructor(IConsortiumRegistry registry_) {
        if (address(registry_) == address(0)) revert RiskRuleSetsZeroAddress();
        _registry = registry_;
    }

    /// @notice Proposes a rule set (the proposer approves it at once).
    /// @param textHash keccak256 of the rule set's canonical JSON text
    /// @param cid where the text is in the content store
    /// @return version the new version number
    function propose(bytes32 textHash, string calldata cid) external returns (uint256 version) {
        _requireCustoms();
        if (textHash == bytes32(0) || bytes(cid).length == 0) revert RiskRuleSetsEmptyText();
        version = ++_count;
        uint64 now_ = uint64(block.timestamp);
        _sets[version] = RuleSet(textHash, cid, msg.sender, now_, now_ + PROPOSAL_LIFETIME, 0, 0);
        emit RuleSetProposed(version, textHash, cid, msg.sender);
        _approve(version);
    }

    /// @notice Approves a proposed rule set; the majority of active customs adopts it.
    /// @param version the version to approve
    function approve(uint256 version) external {
        _requireCustoms();
        _approve(version);
    }

    /// @notice The version in force (0: none adopted yet).
    function current() external view returns (uint256) {
        return _current;
    }

    /// @notice How many versions were proposed.
    function count() external view returns (uint256) {
        return _count;
    }

    /// @notice A version's hash, content identifier, proposer and adoption.
    function ruleSet(uint256 version) external view returns (RuleSet memory) {
        return _requireVersion(version);
    }

    /// @notice Approvals of `version` that count: approvers still active customs.
    function countingApprovals(uint256 version) public view returns (uint256 approvals) {
        address[] storage given = _approvers[version];
        for (uint256 i = 0; i < given.length; ++i) {
            if (_registry.hasActiveRole(Roles.CUSTOMS, given[i])) ++approvals;
        }
    }

    function _approve(uint256 version) private {
        RuleSet storage s = _requireVersion(version);
        if (s.adoptedAt != 0) revert RiskRuleSetsAlreadyAdopted(version);
        if (block.timestamp > s.expiresAt) revert RiskRuleSetsProposalExpired(version, s.expiresAt);
        if (version < _current) revert RiskRuleSetsSuperseded(version, _current);
        address[] storage given = _approvers[version];
        for (uint256 i = 0; i < given.length; ++i) {
            if (given[i] == msg.sender) revert RiskRuleSetsAlreadyApproved(version, msg.sender);
        }
        given.push(msg.sender);
        uint256 approvals = countingApprovals(version);
        uint256 needed = _registry.activeCustomsCount() / 2 + 1;
        emit RuleSetApproved(version, msg.sender, approvals, needed);
        if (approvals >= needed) {
            s.adoptedAt = uint64(block.timestamp);
            s.adoptedBlock = uint64(block.number);
            _current = version;
            emit RuleSetAdopted(version, s.textHash);
        }
    }

    function _requireCustoms() private view {
        if (!_registry.hasActiveRole(Roles.CUSTOMS, msg.sender)) revert RiskRuleSetsNotCustoms(msg.sender);
    }

    function _requireVersion(uint256 version) private view returns (RuleSet storage s) {
        s = _sets[version];
        if (s.proposer == address(0)) revert RiskRuleSetsUnknownVersion(version);
    }
}
