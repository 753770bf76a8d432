"""The registry, AEO, checkpoint and opening rules in Python, each with its allowed and its
refused path (the contracts' tests, under brownie, hold the same rules at the other layer;
the API tests hold both layers together)."""

from __future__ import annotations

from collections.abc import Callable

from evidence.errors import RuleViolation
from evidence.roles import Role
from evidence.rules import MemberView, check_opening, check_submitter
from evidence.rules.aeo import (
    check_issue,
    check_mra_acceptance,
    check_mra_proposal,
    check_mra_termination,
    check_status_change,
)
from evidence.rules.checkpoints import check_checkpoint
from evidence.rules.registry import check_admission, check_approval, check_suspension
from evidence.types import Address, Jurisdiction


def member(n: int, role: Role, jurisdiction: str = "CN", active: bool = True) -> MemberView:
    return MemberView(Address(f"0x{n:040x}"), frozenset({role}), Jurisdiction(jurisdiction), active)


CN, DE = member(1, Role.CUSTOMS, "CN"), member(2, Role.CUSTOMS, "DE")
EXPORTER, IMPORTER = member(3, Role.EXPORTER), member(4, Role.IMPORTER, "DE")
CARRIER, ANCHOR = member(5, Role.CARRIER), member(6, Role.ANCHOR)
SUSPENDED_CARRIER = member(7, Role.CARRIER, active=False)


def rule_of(action: Callable[[], None]) -> str | None:
    """The rule that refuses ``action``, or None when it is allowed."""
    try:
        action()
    except RuleViolation as violation:
        return violation.rule
    return None


def test_registry_admissions() -> None:
    assert rule_of(lambda: check_admission(CN, [Role.CARRIER], "CN")) is None
    assert rule_of(lambda: check_admission(CN, [Role.CUSTOMS], "FR")) is None  # a proposal
    assert rule_of(lambda: check_admission(EXPORTER, [Role.CARRIER], "CN")) == "ConsortiumRegistryMissingRole"
    assert rule_of(lambda: check_admission(CN, [Role.CARRIER], "DE")) == "ConsortiumRegistryForeignJurisdiction"
    assert rule_of(lambda: check_admission(CN, [], "CN")) == "ConsortiumRegistryNoRoles"
    both = [Role.CUSTOMS, Role.CARRIER]
    assert rule_of(lambda: check_admission(CN, both, "CN")) == "ConsortiumRegistryInvalidOperatorRole"


def test_registry_suspensions_and_approvals() -> None:
    assert rule_of(lambda: check_suspension(CN, CARRIER, "active", True)) is None
    assert rule_of(lambda: check_suspension(CN, SUSPENDED_CARRIER, "suspended", False)) is None
    assert rule_of(lambda: check_suspension(DE, CARRIER, "active", True)) == "ConsortiumRegistryForeignJurisdiction"
    assert rule_of(lambda: check_suspension(CN, DE, "active", True)) == "ConsortiumRegistryCustomsNeedsGovernance"
    assert rule_of(lambda: check_suspension(CN, CARRIER, "none", True)) == "ConsortiumRegistryNotMember"
    assert rule_of(lambda: check_suspension(CN, CARRIER, "active", False)) == "ConsortiumRegistryWrongStatus"
    assert rule_of(lambda: check_approval(DE, False, [CN.address], False)) is None
    assert rule_of(lambda: check_approval(CN, False, [CN.address], False)) == "ConsortiumRegistryAlreadyApproved"
    assert rule_of(lambda: check_approval(DE, True, [CN.address], False)) == "ConsortiumRegistryProposalExecuted"
    assert rule_of(lambda: check_approval(DE, False, [CN.address], True)) == "ConsortiumRegistryProposalExpired"
    assert rule_of(lambda: check_approval(CARRIER, False, [], False)) == "ConsortiumRegistryMissingRole"


def test_aeo_certificates() -> None:
    assert rule_of(lambda: check_issue(CN, EXPORTER, "CN-1", False, 1, 2)) is None
    assert rule_of(lambda: check_issue(DE, EXPORTER, "DE-1", False, 1, 2)) == "AEORegistryInvalidHolder"
    assert rule_of(lambda: check_issue(EXPORTER, EXPORTER, "CN-1", False, 1, 2)) == "AEORegistryNotCustoms"
    assert rule_of(lambda: check_issue(CN, EXPORTER, "CN-1", True, 1, 2)) == "AEORegistryCertificateExists"
    assert rule_of(lambda: check_issue(CN, EXPORTER, "CN-1", False, 2, 2)) == "AEORegistryInvalidValidity"
    assert rule_of(lambda: check_issue(CN, EXPORTER, "DE-1", False, 1, 2)) == "AEORegistryNumberOutsideNamespace"
    assert rule_of(lambda: check_status_change(CN, "CN", "valid", "suspend", "C-1")) is None
    assert rule_of(lambda: check_status_change(DE, "CN", "valid", "suspend", "C-1")) == "AEORegistryNotIssuer"
    assert rule_of(lambda: check_status_change(CN, "CN", "revoked", "reinstate", "C-1")) == "AEORegistryWrongStatus"
    assert rule_of(lambda: check_status_change(CN, "", "none", "revoke", "C-1")) == "AEORegistryUnknownCertificate"


def test_aeo_mras() -> None:
    assert rule_of(lambda: check_mra_proposal(CN, "DE")) is None
    assert rule_of(lambda: check_mra_proposal(CN, "CN")) == "AEORegistryInvalidPartner"
    assert rule_of(lambda: check_mra_acceptance(DE, 1, "DE", "proposed")) is None
    assert rule_of(lambda: check_mra_acceptance(CN, 1, "DE", "proposed")) == "AEORegistryNotMraPartner"
    assert rule_of(lambda: check_mra_acceptance(DE, 1, "DE", "active")) == "AEORegistryMraClosed"
    assert rule_of(lambda: check_mra_termination(CN, 1, "CN", "DE", "active")) is None
    kz = member(8, Role.CUSTOMS, "KZ")
    assert rule_of(lambda: check_mra_termination(kz, 1, "CN", "DE", "active")) == "AEORegistryNotMraParty"
    assert rule_of(lambda: check_mra_termination(DE, 1, "CN", "DE", "terminated")) == "AEORegistryMraClosed"


def test_checkpoints_opening_and_submitters() -> None:
    assert rule_of(lambda: check_checkpoint(ANCHOR, 10, 11)) is None
    assert rule_of(lambda: check_checkpoint(CARRIER, 10, 11)) == "CheckpointLogNotAnchor"
    assert rule_of(lambda: check_checkpoint(ANCHOR, 10, 10)) == "CheckpointLogSizeNotIncreasing"
    assert rule_of(lambda: check_opening(EXPORTER, IMPORTER, CARRIER, False)) is None
    assert rule_of(lambda: check_opening(IMPORTER, IMPORTER, CARRIER, False)) == "ConsignmentLedgerMissingRole"
    assert rule_of(lambda: check_opening(EXPORTER, IMPORTER, SUSPENDED_CARRIER, False)) == (
        "ConsignmentLedgerMissingRole"
    )
    assert rule_of(lambda: check_opening(EXPORTER, IMPORTER, CARRIER, True)) == "ConsignmentLedgerAlreadyExists"
    assert rule_of(lambda: check_submitter(CARRIER)) is None
    assert rule_of(lambda: check_submitter(SUSPENDED_CARRIER)) == "ConsignmentLedgerInactiveActor"
