"""The rules AEORegistry enforces on AEO certificates and mutual-recognition agreements."""

from __future__ import annotations

from evidence.errors import RuleViolation
from evidence.roles import Role
from evidence.rules.ledger import MemberView
from evidence.types import Jurisdiction

# Which certificate status each change starts from (a revoked certificate never changes).
STATUS_CHANGES: dict[str, tuple[str, ...]] = {
    "suspend": ("valid",),
    "reinstate": ("suspended",),
    "revoke": ("valid", "suspended"),
}


def require_customs(caller: MemberView) -> Jurisdiction:
    """The jurisdiction of ``caller`` if it is an active customs administration."""
    if not caller.holds(Role.CUSTOMS):
        raise RuleViolation("AEORegistryNotCustoms", "only an active customs administration may do this")
    return caller.jurisdiction


def check_issue(
    caller: MemberView, holder: MemberView, number: str, exists: bool, valid_from: int, valid_until: int
) -> None:
    """A customs administration certifies an active member of its own jurisdiction, once per
    number, and only under numbers of its own namespace (starting with its jurisdiction code)."""
    issuer = require_customs(caller)
    if not holder.active or holder.jurisdiction != issuer:
        raise RuleViolation(
            "AEORegistryInvalidHolder",
            f"a customs administration certifies active operators of its own jurisdiction ({issuer}) only",
        )
    if valid_from >= valid_until:
        raise RuleViolation("AEORegistryInvalidValidity", "valid_from must be before valid_until")
    if len(number) < 3 or not number.startswith(issuer):
        raise RuleViolation(
            "AEORegistryNumberOutsideNamespace", f"certificates of {issuer} are numbered {issuer}…, not {number}"
        )
    if exists:
        raise RuleViolation("AEORegistryCertificateExists", "a certificate with this number already exists")


def check_status_change(caller: MemberView, issuer: str, status: str, action: str, number: str) -> None:
    """Only the issuing customs administration suspends, reinstates or revokes, from the
    status each change needs."""
    own = require_customs(caller)
    if status == "none":
        raise RuleViolation("AEORegistryUnknownCertificate", f"no AEO certificate {number}")
    if issuer != own:
        raise RuleViolation(
            "AEORegistryNotIssuer", f"only the issuing customs administration ({issuer}) may {action} {number}"
        )
    if status not in STATUS_CHANGES[action]:
        raise RuleViolation("AEORegistryWrongStatus", f"cannot {action} a {status} certificate")


def check_mra_proposal(caller: MemberView, partner: str) -> None:
    """An MRA is proposed by a customs administration to a different one."""
    if partner == require_customs(caller):
        raise RuleViolation("AEORegistryInvalidPartner", "an MRA is between two different customs administrations")


def check_mra_acceptance(caller: MemberView, mra_id: int, partner: str, state: str) -> None:
    """Only the partner accepts, and only a proposed MRA."""
    if require_customs(caller) != partner:
        raise RuleViolation("AEORegistryNotMraPartner", f"only the partner ({partner}) accepts MRA {mra_id}")
    if state != "proposed":
        raise RuleViolation("AEORegistryMraClosed", f"MRA {mra_id} is {state}; only a proposed MRA can be accepted")


def check_mra_termination(caller: MemberView, mra_id: int, proposer: str, partner: str, state: str) -> None:
    """Either administration of an MRA terminates it, once."""
    if require_customs(caller) not in (proposer, partner):
        raise RuleViolation("AEORegistryNotMraParty", f"only {proposer} and {partner} terminate MRA {mra_id}")
    if state == "terminated":
        raise RuleViolation("AEORegistryMraClosed", f"MRA {mra_id} is already terminated")
