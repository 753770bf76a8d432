// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title Errors of the consortium registry.
/// @notice Each error names the rule it enforces; the API reports it as `rule`.
interface IConsortiumRegistryErrors {
    /// @notice The zero address was given where an account is needed.
    error ConsortiumRegistryZeroAddress();
    /// @notice The caller is not an active member holding `role`.
    error ConsortiumRegistryMissingRole(address account, bytes32 role);
    /// @notice `account` is already a member (in any status but Removed).
    error ConsortiumRegistryAlreadyMember(address account);
    /// @notice `account` is not a member.
    error ConsortiumRegistryNotMember(address account);
    /// @notice A customs administration acted on a member of another jurisdiction.
    error ConsortiumRegistryForeignJurisdiction(address account, bytes2 callerJurisdiction, bytes2 targetJurisdiction);
    /// @notice The jurisdiction is not two upper-case ASCII letters (ISO 3166-1 alpha-2).
    error ConsortiumRegistryInvalidJurisdiction(bytes2 jurisdiction);
    /// @notice The role is not one an operator may hold (exporter, importer, carrier, auditor).
    error ConsortiumRegistryInvalidOperatorRole(bytes32 role);
    /// @notice No roles were given.
    error ConsortiumRegistryNoRoles();
    /// @notice The member is not in the status the action needs.
    error ConsortiumRegistryWrongStatus(address account, uint8 status);
    /// @notice Customs administrations change only through governance proposals.
    error ConsortiumRegistryCustomsNeedsGovernance(address account);
    /// @notice The proposal does not exist.
    error ConsortiumRegistryUnknownProposal(uint256 proposalId);
    /// @notice The proposal has already taken effect.
    error ConsortiumRegistryProposalExecuted(uint256 proposalId);
    /// @notice The caller already approved this proposal.
    error ConsortiumRegistryAlreadyApproved(uint256 proposalId, address approver);
    /// @notice The last active customs administration cannot be removed.
    error ConsortiumRegistryLastCustoms(address account);
    /// @notice Constructor arrays differ in length or are empty.
    error ConsortiumRegistryBadBootstrap();
    /// @notice `role` spans the consortium (auditor, anchor): it is granted by the customs majority.
    error ConsortiumRegistryNeedsMajority(bytes32 role);
    /// @notice The proposal stopped taking approvals at `expiresAt`.
    error ConsortiumRegistryProposalExpired(uint256 proposalId, uint64 expiresAt);
    /// @notice The proposal no longer describes the consortium (its subject left or was re-admitted).
    error ConsortiumRegistryStaleProposal(uint256 proposalId);
    /// @notice A role was asked about at a block not yet mined.
    error ConsortiumRegistryFutureLookup(uint256 blockNumber, uint256 currentBlock);
}
