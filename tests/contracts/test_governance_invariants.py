"""Governance under random sequences of proposals, approvals, removals, re-admissions and
operator admissions (a stateful property test at the contract): the active-customs count is
always the number of active customs administrations, and no proposal takes effect without a
strict majority of approvals that still count."""

from __future__ import annotations

from typing import Any

import brownie
from conftest import reverts
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from evidence.roles import Role

JURISDICTIONS = [b"FR", b"NL", b"PL", b"IT", b"ES"]


INDEX = st.integers(min_value=0, max_value=255)


def governance_machine(registry: Any, people: Any, pool: list[Any], chain: Any) -> type[RuleBasedStateMachine]:
    """Rules drive the registry through its governance API from the snapshot taken before;
    invariants read its state. (Hypothesis's machine directly: brownie's own state_machine
    cannot subclass its compiled base in this build.)"""
    founders = [people["cn"], people["kz"], people["de"]]

    class Governance(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            chain.revert()  # every example starts from the same consortium
            self.admission: dict[str, int] = {a.address: 1 for a in founders}
            self.approvals: dict[int, list[tuple[str, int]]] = {}

        def _customs(self) -> list[Any]:
            return [a for a in founders + pool if registry.hasActiveRole(Role.CUSTOMS.role_id, a)]

        def _counting(self, proposal_id: int) -> int:
            active = {a.address for a in self._customs()}
            given = self.approvals.get(proposal_id, [])
            return sum(1 for approver, n in given if approver in active and self.admission.get(approver) == n)

        def _track(self, tx: Any, proposal_id: int, approver: Any, needed: int, counted_before: int) -> None:
            self.approvals.setdefault(proposal_id, []).append(
                (approver.address, self.admission.get(approver.address, 0))
            )
            if "CustomsProposalExecuted" in tx.events:
                # By this model's own count, a strict majority of the electorate approved first.
                assert counted_before + 1 >= needed, (proposal_id, counted_before, needed)
            # brownie's EventDict has no .get
            for admitted in tx.events["MemberAdmitted"] if "MemberAdmitted" in tx.events else []:  # noqa: SIM401
                self.admission[admitted["account"]] = self.admission.get(admitted["account"], 0) + 1

        @staticmethod
        def _send(action: Any, *args: Any) -> Any:
            try:
                return action(*args)
            except brownie.exceptions.VirtualMachineError:
                return None  # refused by a rule; the invariants check nothing changed wrongly

        @rule(who=INDEX, whom=INDEX)
        def propose_admission(self, who: int, whom: int) -> None:
            customs = self._customs()
            proposer, account = customs[who % len(customs)], pool[whom % len(pool)]
            needed = registry.activeCustomsCount() // 2 + 1
            jurisdiction = JURISDICTIONS[whom % len(JURISDICTIONS)]
            tx = self._send(registry.proposeCustomsAdmission, account, jurisdiction, "X", "X", {"from": proposer})
            if tx is not None:
                self._track(tx, tx.events["CustomsProposalCreated"]["proposalId"], proposer, needed, 0)

        @rule(who=INDEX, whom=INDEX)
        def propose_removal(self, who: int, whom: int) -> None:
            customs = self._customs()
            proposer, account = customs[who % len(customs)], customs[whom % len(customs)]
            needed = registry.activeCustomsCount() // 2 + 1
            tx = self._send(registry.proposeCustomsRemoval, account, {"from": proposer})
            if tx is not None:
                self._track(tx, tx.events["CustomsProposalCreated"]["proposalId"], proposer, needed, 0)

        @rule(who=INDEX, which=INDEX)
        def approve(self, who: int, which: int) -> None:
            count = registry.proposalCount()
            if count == 0:
                return
            customs = self._customs()
            approver, proposal_id = customs[who % len(customs)], which % count + 1
            needed = registry.activeCustomsCount() // 2 + 1
            counted = self._counting(proposal_id)
            tx = self._send(registry.approveProposal, proposal_id, {"from": approver})
            if tx is not None:
                self._track(tx, proposal_id, approver, needed, counted)

        @rule(who=INDEX, whom=INDEX)
        def admit_as_operator(self, who: int, whom: int) -> None:
            # A removed administration re-admitted as an operator of a customs's own jurisdiction.
            customs = self._customs()
            admitter, account = customs[who % len(customs)], pool[whom % len(pool)]
            jurisdiction = registry.member(admitter)[0]
            roles = [Role.CARRIER.role_id]
            tx = self._send(registry.admitOperator, account, roles, jurisdiction, "OP", "OP", {"from": admitter})
            if tx is not None:
                self._track(tx, 0, admitter, 0, 0)

        @invariant()
        def active_customs_count_is_the_truth(self) -> None:
            assert registry.activeCustomsCount() == len(self._customs()) >= 1

    return Governance


def test_governance_invariants_hold_under_random_sequences(
    registry: Any, people: Any, accounts: Any, chain: Any
) -> None:
    pool = []
    for _ in range(4):
        account = accounts.add()
        accounts[0].transfer(account, "1 ether")
        pool.append(account)
    chain.snapshot()
    machine = governance_machine(registry, people, pool, chain)
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=20, stateful_step_count=15, deadline=None, suppress_health_check=list(HealthCheck)
        ),
    )


def test_a_stale_removal_cannot_remove_a_readmitted_administration(registry: Any, people: Any, accounts: Any) -> None:
    """The sequence the review found: two removal proposals for one administration, a
    re-admission in between, then the second removal — the count went below the truth."""
    fr = accounts.add()
    accounts[0].transfer(fr, "1 ether")
    cn, kz, de = people["cn"], people["kz"], people["de"]
    admit = registry.proposeCustomsAdmission(fr, b"FR", "FR", "FR", {"from": cn}).events["CustomsProposalCreated"]
    registry.approveProposal(admit["proposalId"], {"from": kz})
    first = registry.proposeCustomsRemoval(fr, {"from": cn}).events["CustomsProposalCreated"]["proposalId"]
    second = registry.proposeCustomsRemoval(fr, {"from": kz}).events["CustomsProposalCreated"]["proposalId"]
    registry.approveProposal(first, {"from": kz})
    registry.approveProposal(first, {"from": de})
    assert registry.activeCustomsCount() == 3
    again = registry.proposeCustomsAdmission(fr, b"FR", "FR", "FR", {"from": cn}).events["CustomsProposalCreated"]
    registry.approveProposal(again["proposalId"], {"from": kz})
    assert registry.activeCustomsCount() == 4
    registry.approveProposal(second, {"from": cn})
    with reverts("ConsortiumRegistryStaleProposal"):
        registry.approveProposal(second, {"from": de})
    assert registry.activeCustomsCount() == 4 and registry.hasActiveRole(Role.CUSTOMS.role_id, fr)


def test_approvals_of_a_removed_administration_do_not_come_back(registry: Any, people: Any, accounts: Any) -> None:
    nl, pl = accounts.add(), accounts.add()
    cn, kz, de = people["cn"], people["kz"], people["de"]
    admit_nl = registry.proposeCustomsAdmission(nl, b"NL", "NL", "NL", {"from": cn}).events["CustomsProposalCreated"]
    registry.approveProposal(admit_nl["proposalId"], {"from": kz})  # CN, KZ, DE, NL
    # NL approves admitting PL, then NL is removed and admitted again.
    pl_id = registry.proposeCustomsAdmission(pl, b"PL", "PL", "PL", {"from": nl}).events["CustomsProposalCreated"]
    remove = registry.proposeCustomsRemoval(nl, {"from": cn}).events["CustomsProposalCreated"]["proposalId"]
    registry.approveProposal(remove, {"from": kz})
    registry.approveProposal(remove, {"from": de})
    back = registry.proposeCustomsAdmission(nl, b"NL", "NL", "NL", {"from": cn}).events["CustomsProposalCreated"]
    registry.approveProposal(back["proposalId"], {"from": kz})
    assert registry.countingApprovals(pl_id["proposalId"]) == 0  # NL's old approval does not count again
    registry.approveProposal(pl_id["proposalId"], {"from": cn})
    assert not registry.hasActiveRole(Role.CUSTOMS.role_id, pl)  # 1 of 4 counts: no majority


def test_a_proposal_expires(registry: Any, people: Any, accounts: Any, chain: Any) -> None:
    it = accounts.add()
    proposal = registry.proposeCustomsAdmission(it, b"IT", "IT", "IT", {"from": people["cn"]})
    proposal_id = proposal.events["CustomsProposalCreated"]["proposalId"]
    chain.sleep(registry.PROPOSAL_LIFETIME() + 1)
    chain.mine()
    with reverts("ConsortiumRegistryProposalExpired"):
        registry.approveProposal(proposal_id, {"from": people["kz"]})
    assert not registry.hasActiveRole(Role.CUSTOMS.role_id, it)
