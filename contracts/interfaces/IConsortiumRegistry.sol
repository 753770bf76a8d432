// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Consortium registry: who is a member, with which roles, in which jurisdiction.
/// @notice Customs administrations govern the consortium: the first ones are bootstrapped
/// by the deployer, later ones are admitted or removed by a majority of the active customs
/// administrations; each customs administration admits, suspends and reinstates the
/// operators (exporters, importers, carriers, auditors) of its own jurisdiction.
interface IConsortiumRegistry {
    /// @notice Membership status of an account. `None` means never admitted.
    enum Status {
        None,
        Active,
        Suspended,
        Removed
    }

    /// @notice Kind of a governance proposal.
    enum ProposalKind {
        AdmitCustoms,
        RemoveCustoms,
        AdmitConsortiumMember // an auditor or an anchor, whose powers span the consortium
    }

    /// @notice A member as recorded on chain.
    struct Member {
        bytes2 jurisdiction;
        Status status;
        string legalId;
        string name;
        address admittedBy;
    }

    /// @notice Emitted when an account becomes a member.
    event MemberAdmitted(
        address indexed account,
        bytes2 indexed jurisdiction,
        bytes32[] roles,
        string legalId,
        string name,
        address indexed admittedBy
    );
    /// @notice Emitted when an active member is suspended.
    event MemberSuspended(address indexed account, address indexed by);
    /// @notice Emitted when a suspended member becomes active again.
    event MemberReinstated(address indexed account, address indexed by);
    /// @notice Emitted when a customs administration is removed by governance.
    event MemberRemoved(address indexed account, uint256 indexed proposalId);
    /// @notice Emitted when a customs administration proposes to admit or remove another.
    event CustomsProposalCreated(
        uint256 indexed proposalId,
        ProposalKind kind,
        address indexed account,
        bytes2 jurisdiction,
        address indexed proposer
    );
    /// @notice Emitted when an active customs administration approves a proposal.
    event CustomsProposalApproved(uint256 indexed proposalId, address indexed approver, uint256 approvals, uint256 needed);
    /// @notice Emitted when a proposal reached its majority and took effect.
    event CustomsProposalExecuted(uint256 indexed proposalId);

    /// @notice Proposes to admit `account` as the customs administration of `jurisdiction`.
    /// @dev Only an active customs administration; the proposer's approval is counted.
    function proposeCustomsAdmission(address account, bytes2 jurisdiction, string calldata legalId, string calldata name)
        external
        returns (uint256 proposalId);

    /// @notice Proposes to remove the customs administration `account`.
    function proposeCustomsRemoval(address account) external returns (uint256 proposalId);

    /// @notice Proposes to admit `account` with consortium-wide roles (auditor, anchor); it is
    /// admitted once a strict majority of the active customs administrations approves.
    function proposeMemberAdmission(
        address account,
        bytes32[] calldata roles,
        bytes2 jurisdiction,
        string calldata legalId,
        string calldata name
    ) external returns (uint256 proposalId);

    /// @notice Approves a pending proposal; it takes effect once a strict majority of the
    /// active customs administrations has approved it.
    function approveProposal(uint256 proposalId) external;

    /// @notice Admits an operator of the caller's own jurisdiction with the given operator roles
    /// (exporter, importer, carrier); consortium-wide roles need {proposeMemberAdmission}.
    function admitOperator(
        address account,
        bytes32[] calldata roles,
        bytes2 jurisdiction,
        string calldata legalId,
        string calldata name
    ) external;

    /// @notice Suspends an active operator of the caller's own jurisdiction.
    function suspendMember(address account) external;

    /// @notice Reinstates a suspended operator of the caller's own jurisdiction.
    function reinstateMember(address account) external;

    /// @notice True when `account` is an active member holding `role`.
    function hasActiveRole(bytes32 role, address account) external view returns (bool);

    /// @notice True when `account` was an active member holding `role` at the end of block
    /// `blockNumber`: what a verifier asks of an entry's signer at the block that anchored it.
    /// @dev Reverts with {ConsortiumRegistryFutureLookup} for a block not yet mined.
    function hadActiveRoleAt(bytes32 role, address account, uint256 blockNumber) external view returns (bool);

    /// @notice True when `account` is an active member.
    function isActive(address account) external view returns (bool);

    /// @notice In one call (the ledger asks it on every append): whether `account` is an
    /// active member, whether it holds `role`, and its jurisdiction.
    function roleStanding(bytes32 role, address account)
        external
        view
        returns (bool active, bool holdsRole, bytes2 jurisdiction);

    /// @notice The member record of `account` (status `None` if never admitted).
    function member(address account) external view returns (Member memory);

    /// @notice The roles granted to `account`, whatever its status.
    function rolesOf(address account) external view returns (bytes32[] memory);

    /// @notice Number of active customs administrations, the electorate of governance.
    function activeCustomsCount() external view returns (uint256);
}
