"""The rules ConsortiumRegistry enforces on admissions, suspensions and governance."""

from __future__ import annotations

from collections.abc import Collection

from evidence.errors import RuleViolation
from evidence.roles import CONSORTIUM_ROLES, OPERATOR_ROLES, Role
from evidence.rules.ledger import MemberView
from evidence.types import Jurisdiction


def require_customs(caller: MemberView) -> Jurisdiction:
    """The jurisdiction of ``caller`` if it is an active customs administration."""
    if not caller.holds(Role.CUSTOMS):
        raise RuleViolation(
            "ConsortiumRegistryMissingRole", "only an active customs administration may govern the consortium"
        )
    return caller.jurisdiction


def needs_majority(roles: Collection[Role]) -> bool:
    """Whether admitting a member with ``roles`` is a governance proposal (customs, or roles
    that span the consortium) rather than one customs administration's act."""
    return Role.CUSTOMS in roles or any(r in CONSORTIUM_ROLES for r in roles)


def check_admission(caller: MemberView, roles: Collection[Role], jurisdiction: str) -> None:
    """A customs administration admits an operator of its own jurisdiction directly; it
    proposes another customs administration (which holds CUSTOMS alone), or a member with
    consortium-wide roles (auditor, anchor, and only those), to the customs majority."""
    own = require_customs(caller)
    if not roles:
        raise RuleViolation("ConsortiumRegistryNoRoles", "a member holds at least one role")
    if Role.CUSTOMS in roles:
        if len(roles) != 1:
            raise RuleViolation("ConsortiumRegistryInvalidOperatorRole", "a customs administration holds only CUSTOMS")
        return
    if any(r in CONSORTIUM_ROLES for r in roles):
        if not all(r in CONSORTIUM_ROLES for r in roles):
            raise RuleViolation(
                "ConsortiumRegistryInvalidOperatorRole",
                "auditor and anchor roles are granted by the customs majority, apart from operator roles",
            )
        return
    for role in roles:
        if role not in OPERATOR_ROLES:
            raise RuleViolation("ConsortiumRegistryInvalidOperatorRole", f"{role} is not an operator role")
    if own != jurisdiction:
        raise RuleViolation(
            "ConsortiumRegistryForeignJurisdiction",
            f"a customs administration admits operators of its own jurisdiction only ({own}), not of {jurisdiction}",
        )


def check_suspension(caller: MemberView, target: MemberView, target_status: str, suspend: bool) -> None:
    """A customs administration suspends an active operator of its own jurisdiction, or
    reinstates a suspended one; customs administrations change only by proposal."""
    own = require_customs(caller)
    if target_status == "none":
        raise RuleViolation("ConsortiumRegistryNotMember", f"{target.address} is not a member")
    if Role.CUSTOMS in target.roles:
        raise RuleViolation(
            "ConsortiumRegistryCustomsNeedsGovernance", "customs administrations change only by proposal"
        )
    if target.jurisdiction != own:
        raise RuleViolation(
            "ConsortiumRegistryForeignJurisdiction",
            f"a customs administration suspends and reinstates operators of its own jurisdiction only ({own}); "
            f"{target.address} is in {target.jurisdiction}",
        )
    needed = "active" if suspend else "suspended"
    if target_status != needed:
        raise RuleViolation(
            "ConsortiumRegistryWrongStatus",
            f"{target.address} is {target_status}; only an {needed} member can be "
            f"{'suspended' if suspend else 'reinstated'}",
        )


def check_approval(caller: MemberView, executed: bool, approvers: Collection[str], expired: bool) -> None:
    """An active customs administration approves an open, unexpired proposal once."""
    require_customs(caller)
    if executed:
        raise RuleViolation("ConsortiumRegistryProposalExecuted", "this proposal has already taken effect")
    if expired:
        raise RuleViolation("ConsortiumRegistryProposalExpired", "this proposal stopped taking approvals")
    if caller.address in approvers:
        raise RuleViolation("ConsortiumRegistryAlreadyApproved", f"{caller.address} already approved this proposal")
