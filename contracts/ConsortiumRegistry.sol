// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {IConsortiumRegistryErrors} from "./interfaces/IConsortiumRegistryErrors.sol";
import {Jurisdictions} from "./Jurisdictions.sol";
import {Roles} from "./Roles.sol";

/// @title ConsortiumRegistry
/// @notice Members of a BorderLedger consortium, their roles and jurisdictions, governed by
/// the customs administrations. See {IConsortiumRegistry}.
contract ConsortiumRegistry is IConsortiumRegistry, IConsortiumRegistryErrors {
    /// @dev An approval counts while its approver is an active customs administration in the
    /// same admission it approved in: a removal erases it, a re-admission does not revive it.
    struct Approval {
        address approver;
        uint32 admission;
    }

    struct Proposal {
        ProposalKind kind;
        bool executed;
        address account;
        bytes2 jurisdiction;
        uint32 targetAdmission; // a removal is of the admission the proposal named
        uint64 expiresAt;
        string legalId;
        string name;
        bytes32[] roles; // of an AdmitConsortiumMember proposal
        Approval[] approvals;
    }

    /// @notice How long a proposal stays open for approvals.
    uint64 public constant PROPOSAL_LIFETIME = 30 days;

    /// @dev A member's standing from `fromBlock` on: active or not, holding the roles of its
    /// `admission`-th admission (a removed member re-admitted starts from new roles).
    struct Standing {
        uint64 fromBlock;
        uint32 admission;
        bool active;
    }

    /// @dev A member as stored: standing, jurisdiction and roles share one slot, so "is this
    /// account active in this role, and where" (asked on every ledger append) is one read.
    struct StoredMember {
        bytes2 jurisdiction;
        Status status;
        uint8 roleBits;
        string legalId;
        string name;
        address admittedBy;
    }

    mapping(address account => StoredMember) private _members;
    mapping(address account => Standing[]) private _standings;
    mapping(address account => mapping(uint32 admission => mapping(bytes32 role => bool))) private _heldIn;
    mapping(address account => bytes32[]) private _roles;
    mapping(uint256 proposalId => Proposal) private _proposals;
    uint256 private _proposalCount;
    uint256 private _activeCustoms;

    /// @notice Bootstraps the consortium with its first customs administrations.
    /// @param customs accounts of the customs administrations
    /// @param jurisdictions their ISO 3166-1 alpha-2 codes, e.g. "CN"
    /// @param legalIds their legal identifiers
    /// @param names their display names
    constructor(
        address[] memory customs,
        bytes2[] memory jurisdictions,
        string[] memory legalIds,
        string[] memory names
    ) {
        uint256 n = customs.length;
        if (n == 0 || jurisdictions.length != n || legalIds.length != n || names.length != n) {
            revert ConsortiumRegistryBadBootstrap();
        }
        for (uint256 i = 0; i < n; ++i) {
            _admitCustoms(customs[i], jurisdictions[i], legalIds[i], names[i], msg.sender);
        }
    }

    modifier onlyActiveRole(bytes32 role) {
        if (!hasActiveRole(role, msg.sender)) revert ConsortiumRegistryMissingRole(msg.sender, role);
        _;
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCustomsAdmission(address account, bytes2 jurisdiction, string calldata legalId, string calldata name)
        external
        onlyActiveRole(Roles.CUSTOMS)
        returns (uint256 proposalId)
    {
        if (account == address(0)) revert ConsortiumRegistryZeroAddress();
        _requireJurisdiction(jurisdiction);
        _requireAdmissible(account);
        proposalId = _newProposal(ProposalKind.AdmitCustoms, account, jurisdiction, legalId, name);
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeCustomsRemoval(address account) external onlyActiveRole(Roles.CUSTOMS) returns (uint256 proposalId) {
        if (!_isCustoms(account)) revert ConsortiumRegistryNotMember(account);
        proposalId = _newProposal(ProposalKind.RemoveCustoms, account, _members[account].jurisdiction, "", "");
    }

    /// @inheritdoc IConsortiumRegistry
    function proposeMemberAdmission(
        address account,
        bytes32[] calldata roles,
        bytes2 jurisdiction,
        string calldata legalId,
        string calldata name
    ) external onlyActiveRole(Roles.CUSTOMS) returns (uint256 proposalId) {
        if (account == address(0)) revert ConsortiumRegistryZeroAddress();
        if (roles.length == 0) revert ConsortiumRegistryNoRoles();
        _requireJurisdiction(jurisdiction);
        _requireAdmissible(account);
        for (uint256 i = 0; i < roles.length; ++i) {
            if (!Roles.isConsortiumRole(roles[i])) revert ConsortiumRegistryInvalidOperatorRole(roles[i]);
        }
        proposalId = ++_proposalCount;
        _proposals[proposalId].roles = roles;
        proposalId = _openProposal(proposalId, ProposalKind.AdmitConsortiumMember, account, jurisdiction, legalId, name);
    }

    /// @inheritdoc IConsortiumRegistry
    function approveProposal(uint256 proposalId) external onlyActiveRole(Roles.CUSTOMS) {
        _approve(proposalId, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function admitOperator(
        address account,
        bytes32[] calldata roles,
        bytes2 jurisdiction,
        string calldata legalId,
        string calldata name
    ) external onlyActiveRole(Roles.CUSTOMS) {
        if (account == address(0)) revert ConsortiumRegistryZeroAddress();
        if (roles.length == 0) revert ConsortiumRegistryNoRoles();
        _requireJurisdiction(jurisdiction);
        _requireOwnJurisdiction(account, jurisdiction);
        _requireAdmissible(account);
        for (uint256 i = 0; i < roles.length; ++i) {
            if (Roles.isConsortiumRole(roles[i])) revert ConsortiumRegistryNeedsMajority(roles[i]);
            if (!Roles.isOperatorRole(roles[i])) revert ConsortiumRegistryInvalidOperatorRole(roles[i]);
        }
        _setMember(account, jurisdiction, legalId, name, msg.sender);
        for (uint256 i = 0; i < roles.length; ++i) {
            _grant(account, roles[i]);
        }
        emit MemberAdmitted(account, jurisdiction, roles, legalId, name, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function suspendMember(address account) external onlyActiveRole(Roles.CUSTOMS) {
        _requireOperatorOfCaller(account);
        if (_members[account].status != Status.Active) {
            revert ConsortiumRegistryWrongStatus(account, uint8(_members[account].status));
        }
        _members[account].status = Status.Suspended;
        _recordStanding(account, false);
        emit MemberSuspended(account, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function reinstateMember(address account) external onlyActiveRole(Roles.CUSTOMS) {
        _requireOperatorOfCaller(account);
        if (_members[account].status != Status.Suspended) {
            revert ConsortiumRegistryWrongStatus(account, uint8(_members[account].status));
        }
        _members[account].status = Status.Active;
        _recordStanding(account, true);
        emit MemberReinstated(account, msg.sender);
    }

    /// @inheritdoc IConsortiumRegistry
    function hasActiveRole(bytes32 role, address account) public view returns (bool) {
        StoredMember storage m = _members[account];
        return m.status == Status.Active && _holds(m, role);
    }

    /// @inheritdoc IConsortiumRegistry
    function hadActiveRoleAt(bytes32 role, address account, uint256 blockNumber) external view returns (bool) {
        if (blockNumber > block.number) revert ConsortiumRegistryFutureLookup(blockNumber, block.number);
        Standing[] storage history = _standings[account];
        // Binary search for the last standing recorded at or before the block: with several
        // changes in one block, the last is the state at the end of that block.
        uint256 low = 0;
        uint256 high = history.length;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (history[mid].fromBlock > blockNumber) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return false;
        Standing storage standing = history[low - 1];
        return standing.active && _heldIn[account][standing.admission][role];
    }

    /// @inheritdoc IConsortiumRegistry
    function isActive(address account) external view returns (bool) {
        return _members[account].status == Status.Active;
    }

    /// @inheritdoc IConsortiumRegistry
    function roleStanding(bytes32 role, address account)
        external
        view
        returns (bool active, bool holdsRole, bytes2 jurisdiction)
    {
        StoredMember storage m = _members[account];
        return (m.status == Status.Active, _holds(m, role), m.jurisdiction);
    }

    /// @inheritdoc IConsortiumRegistry
    function member(address account) external view returns (Member memory) {
        StoredMember storage m = _members[account];
        return Member(m.jurisdiction, m.status, m.legalId, m.name, m.admittedBy);
    }

    /// @inheritdoc IConsortiumRegistry
    function rolesOf(address account) external view returns (bytes32[] memory) {
        return _roles[account];
    }

    /// @inheritdoc IConsortiumRegistry
    function activeCustomsCount() external view returns (uint256) {
        return _activeCustoms;
    }

    /// @notice A proposal's kind, subject, status and approvers (whether or not their
    /// approvals still count).
    function proposal(uint256 proposalId)
        external
        view
        returns (ProposalKind kind, address account, bytes2 jurisdiction, bool executed, address[] memory approvers)
    {
        Proposal storage p = _requireProposal(proposalId);
        approvers = new address[](p.approvals.length);
        for (uint256 i = 0; i < approvers.length; ++i) {
            approvers[i] = p.approvals[i].approver;
        }
        return (p.kind, p.account, p.jurisdiction, p.executed, approvers);
    }

    /// @notice When a proposal stops taking approvals.
    function proposalExpiresAt(uint256 proposalId) external view returns (uint64) {
        return _requireProposal(proposalId).expiresAt;
    }

    /// @notice Approvals of a proposal that count now (see {Approval}).
    function countingApprovals(uint256 proposalId) public view returns (uint256 approvals) {
        Proposal storage p = _requireProposal(proposalId);
        for (uint256 i = 0; i < p.approvals.length; ++i) {
            if (_counts(p.approvals[i])) ++approvals;
        }
    }

    /// @notice Number of proposals ever created; ids run from 1 to this number.
    function proposalCount() external view returns (uint256) {
        return _proposalCount;
    }

    function _newProposal(
        ProposalKind kind,
        address account,
        bytes2 jurisdiction,
        string memory legalId,
        string memory name
    ) private returns (uint256 proposalId) {
        return _openProposal(++_proposalCount, kind, account, jurisdiction, legalId, name);
    }

    function _openProposal(
        uint256 proposalId,
        ProposalKind kind,
        address account,
        bytes2 jurisdiction,
        string memory legalId,
        string memory name
    ) private returns (uint256) {
        Proposal storage p = _proposals[proposalId];
        p.kind = kind;
        p.account = account;
        p.jurisdiction = jurisdiction;
        p.targetAdmission = _admission(account);
        p.expiresAt = uint64(block.timestamp) + PROPOSAL_LIFETIME;
        p.legalId = legalId;
        p.name = name;
        emit CustomsProposalCreated(proposalId, kind, account, jurisdiction, msg.sender);
        _approve(proposalId, msg.sender);
        return proposalId;
    }

    function _approve(uint256 proposalId, address approver) private {
        Proposal storage p = _requireProposal(proposalId);
        if (p.executed) revert ConsortiumRegistryProposalExecuted(proposalId);
        if (block.timestamp > p.expiresAt) revert ConsortiumRegistryProposalExpired(proposalId, p.expiresAt);
        Approval memory approval = Approval(approver, _admission(approver));
        for (uint256 i = 0; i < p.approvals.length; ++i) {
            Approval storage given = p.approvals[i];
            if (given.approver == approver && given.admission == approval.admission) {
                revert ConsortiumRegistryAlreadyApproved(proposalId, approver);
            }
        }
        p.approvals.push(approval);
        uint256 approvals = countingApprovals(proposalId);
        uint256 needed = _activeCustoms / 2 + 1;
        emit CustomsProposalApproved(proposalId, approver, approvals, needed);
        if (approvals >= needed) _execute(proposalId, p);
    }

    function _execute(uint256 proposalId, Proposal storage p) private {
        p.executed = true;
        if (p.kind == ProposalKind.AdmitCustoms) {
            _requireAdmissible(p.account);
            _admitCustoms(p.account, p.jurisdiction, p.legalId, p.name, address(this));
        } else if (p.kind == ProposalKind.AdmitConsortiumMember) {
            _requireAdmissible(p.account);
            _setMember(p.account, p.jurisdiction, p.legalId, p.name, address(this));
            for (uint256 i = 0; i < p.roles.length; ++i) {
                _grant(p.account, p.roles[i]);
            }
            emit MemberAdmitted(p.account, p.jurisdiction, p.roles, p.legalId, p.name, address(this));
        } else {
            // Only the administration the proposal named, still a customs administration in
            // that admission: a stale proposal can never remove a re-admitted member again.
            if (!_isCustoms(p.account) || _admission(p.account) != p.targetAdmission) {
                revert ConsortiumRegistryStaleProposal(proposalId);
            }
            StoredMember storage m = _members[p.account];
            if (m.status == Status.Active) {
                if (_activeCustoms == 1) revert ConsortiumRegistryLastCustoms(p.account);
                --_activeCustoms;
            }
            m.status = Status.Removed;
            _recordStanding(p.account, false);
            emit MemberRemoved(p.account, proposalId);
        }
        emit CustomsProposalExecuted(proposalId);
    }

    function _counts(Approval storage approval) private view returns (bool) {
        return hasActiveRole(Roles.CUSTOMS, approval.approver) && _admission(approval.approver) == approval.admission;
    }

    function _isCustoms(address account) private view returns (bool) {
        StoredMember storage m = _members[account];
        return _holds(m, Roles.CUSTOMS) && m.status != Status.Removed;
    }

    function _admission(address account) private view returns (uint32) {
        Standing[] storage history = _standings[account];
        return history.length == 0 ? 0 : history[history.length - 1].admission;
    }

    function _admitCustoms(address account, bytes2 jurisdiction, string memory legalId, string memory name, address by)
        private
    {
        if (account == address(0)) revert ConsortiumRegistryZeroAddress();
        _requireJurisdiction(jurisdiction);
        _requireAdmissible(account);
        _setMember(account, jurisdiction, legalId, name, by);
        _grant(account, Roles.CUSTOMS);
        ++_activeCustoms;
        bytes32[] memory roles = new bytes32[](1);
        roles[0] = Roles.CUSTOMS;
        emit MemberAdmitted(account, jurisdiction, roles, legalId, name, by);
    }

    function _setMember(address account, bytes2 jurisdiction, string memory legalId, string memory name, address by)
        private
    {
        // A removed member may be admitted again; it starts from a clean set of roles.
        delete _roles[account];
        _members[account] = StoredMember(jurisdiction, Status.Active, 0, legalId, name, by);
        Standing[] storage history = _standings[account];
        uint32 admission = history.length == 0 ? 1 : history[history.length - 1].admission + 1;
        history.push(Standing(uint64(block.number), admission, true));
    }

    function _recordStanding(address account, bool active) private {
        Standing[] storage history = _standings[account];
        history.push(Standing(uint64(block.number), history[history.length - 1].admission, active));
    }


    function _grant(address account, bytes32 role) private {
        StoredMember storage m = _members[account];
        if (!_holds(m, role)) {
            // Callers admit only Roles' names (InvalidOperatorRole otherwise), each with a bit.
            m.roleBits |= Roles.bit(role);
            _roles[account].push(role);
            Standing[] storage history = _standings[account];
            _heldIn[account][history[history.length - 1].admission][role] = true;
        }
    }

    function _holds(StoredMember storage m, bytes32 role) private view returns (bool) {
        return m.roleBits & Roles.bit(role) != 0;
    }

    function _requireProposal(uint256 proposalId) private view returns (Proposal storage p) {
        if (proposalId == 0 || proposalId > _proposalCount) revert ConsortiumRegistryUnknownProposal(proposalId);
        return _proposals[proposalId];
    }

    function _requireAdmissible(address account) private view {
        Status status = _members[account].status;
        if (status != Status.None && status != Status.Removed) revert ConsortiumRegistryAlreadyMember(account);
    }

    function _requireOwnJurisdiction(address account, bytes2 target) private view {
        bytes2 own = _members[msg.sender].jurisdiction;
        if (own != target) revert ConsortiumRegistryForeignJurisdiction(account, own, target);
    }

    function _requireOperatorOfCaller(address account) private view {
        StoredMember storage m = _members[account];
        if (m.status == Status.None) revert ConsortiumRegistryNotMember(account);
        if (_holds(m, Roles.CUSTOMS)) revert ConsortiumRegistryCustomsNeedsGovernance(account);
        _requireOwnJurisdiction(account, m.jurisdiction);
    }

    function _requireJurisdiction(bytes2 code) private pure {
        if (!Jurisdictions.isWellFormed(code)) revert ConsortiumRegistryInvalidJurisdiction(code);
    }
}
