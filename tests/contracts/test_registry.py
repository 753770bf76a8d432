"""ConsortiumRegistry: bootstrap, operator admission by jurisdiction, suspension, governance."""

from typing import Any

from brownie import ConsortiumRegistry, accounts
from conftest import reverts

from evidence.roles import Role

CUSTOMS = Role.CUSTOMS.role_id
EXPORTER = Role.EXPORTER.role_id
CARRIER = Role.CARRIER.role_id


def test_bootstrap_admits_active_customs(registry: Any, people: Any) -> None:
    assert registry.hasActiveRole(CUSTOMS, people["cn"])
    assert registry.member(people["de"])[0] == "0x4445"  # "DE"
    assert registry.activeCustomsCount() == 3


def test_constructor_rejects_zero_address() -> None:
    with reverts("ConsortiumRegistryZeroAddress"):
        ConsortiumRegistry.deploy(["0x" + "00" * 20], [b"CN"], ["x"], ["y"], {"from": accounts[0]})


def test_constructor_rejects_empty_bootstrap() -> None:
    with reverts("ConsortiumRegistryBadBootstrap"):
        ConsortiumRegistry.deploy([], [], [], [], {"from": accounts[0]})


def test_customs_admits_operator_of_own_jurisdiction(registry: Any, people: Any) -> None:
    tx = registry.admitOperator(people["outsider"], [EXPORTER], b"CN", "CN-1", "Trader", {"from": people["cn"]})
    assert registry.hasActiveRole(EXPORTER, people["outsider"])
    assert tx.events["MemberAdmitted"]["account"] == people["outsider"]


def test_customs_cannot_admit_operator_of_other_jurisdiction(registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryForeignJurisdiction"):
        registry.admitOperator(people["outsider"], [EXPORTER], b"DE", "DE-1", "Trader", {"from": people["cn"]})
    assert not registry.hasActiveRole(EXPORTER, people["outsider"])


def test_non_customs_cannot_admit(ledger: Any, registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryMissingRole"):
        registry.admitOperator(people["outsider"], [EXPORTER], b"CN", "CN-1", "Trader", {"from": people["exporter"]})
    assert registry.member(people["outsider"])[1] == 0


def test_customs_role_cannot_be_granted_to_an_operator(registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryInvalidOperatorRole"):
        registry.admitOperator(people["outsider"], [CUSTOMS], b"CN", "CN-1", "Fake customs", {"from": people["cn"]})
    assert not registry.hasActiveRole(CUSTOMS, people["outsider"])


def test_invalid_jurisdiction_is_refused(registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryInvalidJurisdiction"):
        registry.admitOperator(people["outsider"], [EXPORTER], b"cn", "CN-1", "Trader", {"from": people["cn"]})


def test_suspend_and_reinstate_own_operator(ledger: Any, registry: Any, people: Any) -> None:
    tx = registry.suspendMember(people["exporter"], {"from": people["cn"]})
    assert "MemberSuspended" in tx.events
    assert not registry.hasActiveRole(EXPORTER, people["exporter"])
    registry.reinstateMember(people["exporter"], {"from": people["cn"]})
    assert registry.hasActiveRole(EXPORTER, people["exporter"])


def test_cannot_suspend_operator_of_other_jurisdiction(ledger: Any, registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryForeignJurisdiction"):
        registry.suspendMember(people["exporter"], {"from": people["de"]})
    assert registry.isActive(people["exporter"])


def test_customs_cannot_be_suspended_outside_governance(registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryCustomsNeedsGovernance"):
        registry.suspendMember(people["kz"], {"from": people["cn"]})
    assert registry.isActive(people["kz"])


def test_customs_admission_needs_a_majority(registry: Any, people: Any) -> None:
    tx = registry.proposeCustomsAdmission(people["fr"], b"FR", "FR-DGDDI", "French Customs", {"from": people["cn"]})
    proposal_id = tx.events["CustomsProposalCreated"]["proposalId"]
    assert not registry.isActive(people["fr"])  # 1 of 3 is no majority
    tx = registry.approveProposal(proposal_id, {"from": people["de"]})
    assert "CustomsProposalExecuted" in tx.events
    assert registry.hasActiveRole(CUSTOMS, people["fr"])
    assert registry.activeCustomsCount() == 4


def test_approving_twice_is_refused(registry: Any, people: Any) -> None:
    tx = registry.proposeCustomsAdmission(people["fr"], b"FR", "FR-DGDDI", "French Customs", {"from": people["cn"]})
    proposal_id = tx.events["CustomsProposalCreated"]["proposalId"]
    with reverts("ConsortiumRegistryAlreadyApproved"):
        registry.approveProposal(proposal_id, {"from": people["cn"]})
    assert not registry.isActive(people["fr"])


def test_operators_cannot_propose_or_approve(ledger: Any, registry: Any, people: Any) -> None:
    with reverts("ConsortiumRegistryMissingRole"):
        registry.proposeCustomsAdmission(people["fr"], b"FR", "FR", "French Customs", {"from": people["exporter"]})
    tx = registry.proposeCustomsAdmission(people["fr"], b"FR", "FR", "French Customs", {"from": people["cn"]})
    with reverts("ConsortiumRegistryMissingRole"):
        registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": people["exporter"]})
    assert not registry.isActive(people["fr"])


def test_customs_removal_by_majority(registry: Any, people: Any) -> None:
    tx = registry.proposeCustomsRemoval(people["kz"], {"from": people["cn"]})
    registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": people["de"]})
    assert not registry.hasActiveRole(CUSTOMS, people["kz"])
    assert registry.member(people["kz"])[1] == 3  # Removed
    assert registry.activeCustomsCount() == 2


def test_roles_are_answered_at_past_blocks(registry: Any, people: Any, chain: Any) -> None:
    carrier = people["outsider"]
    admitted = registry.admitOperator(carrier, [CARRIER], b"CN", "CN-HIST", "History Rail", {"from": people["cn"]})
    suspended = registry.suspendMember(carrier, {"from": people["cn"]})
    reinstated = registry.reinstateMember(carrier, {"from": people["cn"]})
    before, at_admission = admitted.block_number - 1, admitted.block_number
    assert not registry.hadActiveRoleAt(CARRIER, carrier, before)
    assert registry.hadActiveRoleAt(CARRIER, carrier, at_admission)
    assert not registry.hadActiveRoleAt(EXPORTER, carrier, at_admission)  # a role never granted
    assert not registry.hadActiveRoleAt(CARRIER, carrier, suspended.block_number)
    assert registry.hadActiveRoleAt(CARRIER, carrier, reinstated.block_number)
    assert registry.hadActiveRoleAt(CARRIER, carrier, chain.height)
    with reverts("ConsortiumRegistryFutureLookup"):
        registry.hadActiveRoleAt(CARRIER, carrier, chain.height + 1)


def test_removed_customs_lose_the_role_from_the_removal_block_on(registry: Any, people: Any) -> None:
    bootstrapped_at = registry.tx.block_number
    proposal = registry.proposeCustomsRemoval(people["kz"], {"from": people["cn"]})
    removed = registry.approveProposal(proposal.events["CustomsProposalCreated"]["proposalId"], {"from": people["de"]})
    assert registry.hadActiveRoleAt(CUSTOMS, people["kz"], removed.block_number - 1)
    assert not registry.hadActiveRoleAt(CUSTOMS, people["kz"], removed.block_number)
    assert registry.hadActiveRoleAt(CUSTOMS, people["kz"], bootstrapped_at)
    assert not registry.hadActiveRoleAt(CUSTOMS, people["kz"], bootstrapped_at - 1)


def test_auditors_and_anchors_need_the_customs_majority(registry: Any, people: Any, accounts: Any) -> None:
    candidate = accounts.add()
    for role in (Role.AUDITOR, Role.ANCHOR):
        with reverts("ConsortiumRegistryNeedsMajority"):
            registry.admitOperator(candidate, [role.role_id], b"CN", "CN-X", "X", {"from": people["cn"]})
    with reverts("ConsortiumRegistryInvalidOperatorRole"):
        registry.proposeMemberAdmission(candidate, [Role.CARRIER.role_id], b"CN", "CN-X", "X", {"from": people["cn"]})
    tx = registry.proposeMemberAdmission(candidate, [Role.AUDITOR.role_id], b"CN", "CN-X", "X", {"from": people["cn"]})
    assert not registry.hasActiveRole(Role.AUDITOR.role_id, candidate)  # one of three is no majority
    registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": people["de"]})
    assert registry.hasActiveRole(Role.AUDITOR.role_id, candidate)
