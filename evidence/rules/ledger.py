"""The rules ConsignmentLedger enforces: who may append which event to which consignment,
and what makes a signed entry extend a consignment.

The API checks these before sending anything, so a refusal names the rule; the contract
checks them again (the rule names are the contract's custom errors).
"""

from __future__ import annotations

from dataclasses import dataclass

from evidence.eip712 import Domain, Entry, entry_hash, recover_digest_signer
from evidence.errors import RuleViolation
from evidence.event_types import Category, EventType
from evidence.roles import Role
from evidence.types import Address, Hash32, Jurisdiction, to_hex


@dataclass(frozen=True)
class MemberView:
    """What the rules need to know of a member."""

    address: Address
    roles: frozenset[Role]
    jurisdiction: Jurisdiction
    active: bool

    def holds(self, role: Role) -> bool:
        """True when the member is active and holds ``role``."""
        return self.active and role in self.roles


@dataclass(frozen=True)
class ConsignmentView:
    """What the rules need to know of a consignment."""

    exporter: Address
    importer: Address
    carrier: Address
    parties: frozenset[Address]
    jurisdictions: frozenset[Jurisdiction]


def check_opening(exporter: MemberView, importer: MemberView, carrier: MemberView, exists: bool) -> None:
    """An active exporter opens a consignment, once per reference, naming an active importer
    and an active carrier."""
    for member, role in ((exporter, Role.EXPORTER), (importer, Role.IMPORTER), (carrier, Role.CARRIER)):
        if not member.holds(role):
            raise RuleViolation(
                "ConsignmentLedgerMissingRole", f"{member.address} is not an active {role.value.lower()}"
            )
    if exists:
        raise RuleViolation(
            "ConsignmentLedgerAlreadyExists",
            "you already have a consignment with this reference (references are per exporter)",
        )


def check_submitter(submitter: MemberView) -> None:
    """Only active members submit entries (the signer of each is checked on its own)."""
    if not submitter.active:
        raise RuleViolation("ConsignmentLedgerInactiveActor", f"{submitter.address} is not an active member")


def check_readable(reader: MemberView, consignment: ConsignmentView | None, reference: str) -> None:
    """Parties, customs of the consignment's jurisdictions and auditors read it; nobody else.
    An unknown reference (``consignment`` None) is refused in the same words, so a refusal
    does not tell whether the consignment exists."""
    if consignment is None or not may_read(reader, consignment):
        raise RuleViolation(
            "ConsignmentReadAccess",
            f"no consignment {reference} that you may read: a consignment is visible only to its parties, "
            "customs of its jurisdictions and auditors",
        )


def check_unambiguous(reference: str, readable_ids: list[str]) -> None:
    """References are per exporter: a reference the caller may read under several exporters
    (none of them the caller) names no single consignment, and is refused with the ids."""
    if len(readable_ids) > 1:
        raise RuleViolation(
            "ConsignmentReferenceAmbiguous",
            f"{reference} is the reference of {len(readable_ids)} exporters' consignments you may read: "
            f"address one by its id ({', '.join(readable_ids)})",
        )


def is_jurisdiction_customs(member: MemberView, consignment: ConsignmentView) -> bool:
    """True for active customs of the consignment's origin, a transit or the destination."""
    return member.holds(Role.CUSTOMS) and member.jurisdiction in consignment.jurisdictions


def check_append(
    event_type: EventType,
    actor: MemberView,
    consignment: ConsignmentView,
    next_carrier: MemberView | None,
) -> None:
    """Raise RuleViolation unless ``actor`` may append ``event_type`` to ``consignment``."""
    if not actor.active:
        raise RuleViolation(
            "ConsignmentLedgerInactiveActor",
            f"{actor.address} is not an active member (suspended, removed or never admitted)",
        )
    if (event_type is EventType.HANDOVER) != (next_carrier is not None):
        raise RuleViolation(
            "ConsignmentLedgerInvalidNextCarrier", "a HANDOVER must name the next carrier, and only a HANDOVER may"
        )
    if next_carrier is not None and (
        not next_carrier.holds(Role.CARRIER) or next_carrier.address == consignment.carrier
    ):
        raise RuleViolation(
            "ConsignmentLedgerInvalidNextCarrier",
            f"the next carrier {next_carrier.address} must be an active carrier other than the current one",
        )
    category = event_type.category
    if category is Category.CUSTODY:
        if actor.address != consignment.carrier or not actor.holds(Role.CARRIER):
            raise RuleViolation(
                "ConsignmentLedgerNotCurrentCarrier",
                f"custody and transport events ({event_type.value}) are appended only by the carrier "
                f"holding custody ({consignment.carrier})",
            )
    elif category is Category.CONTROL:
        if not is_jurisdiction_customs(actor, consignment):
            raise RuleViolation(
                "ConsignmentLedgerNotJurisdictionCustoms",
                f"control events ({event_type.value}) are appended only by customs of the consignment's "
                f"origin, transit or destination jurisdictions ({', '.join(sorted(consignment.jurisdictions))})",
            )
    elif category is Category.DECLARATION:
        declarant = (actor.address == consignment.exporter and actor.holds(Role.EXPORTER)) or (
            actor.address == consignment.importer and actor.holds(Role.IMPORTER)
        )
        if not declarant:
            raise RuleViolation(
                "ConsignmentLedgerNotDeclarant",
                "declarations are appended only by the consignment's exporter or importer",
            )
    elif category is Category.CONSIGNEE:
        if actor.address != consignment.importer or not actor.holds(Role.IMPORTER):
            raise RuleViolation(
                "ConsignmentLedgerNotConsignee",
                f"receipt of the goods is confirmed only by the consignment's importer ({consignment.importer})",
            )
    elif actor.address not in consignment.parties and not is_jurisdiction_customs(actor, consignment):
        raise RuleViolation(
            "ConsignmentLedgerNotParty",
            "documents and other observations are appended only by parties of the consignment or customs of its "
            "jurisdictions",
        )


def may_read(member: MemberView, consignment: ConsignmentView) -> bool:
    """Parties, customs of its jurisdictions and auditors may read a consignment."""
    return (
        member.address in consignment.parties
        or is_jurisdiction_customs(member, consignment)
        or member.holds(Role.AUDITOR)
    )


def signing_roles(event_type: EventType, actor: Address, consignment: ConsignmentView) -> tuple[Role, ...]:
    """The roles of which ``actor`` must hold one to append ``event_type``: what a verifier asks
    the registry about the signer at the block that anchored a batched entry. (Whether the
    actor is the right exporter, carrier or customs is checked against the consignment.)"""
    category = event_type.category
    if category is Category.CUSTODY:
        return (Role.CARRIER,)
    if category is Category.CONTROL:
        return (Role.CUSTOMS,)
    if actor == consignment.exporter:
        return (Role.EXPORTER,)
    if actor == consignment.importer:
        return (Role.IMPORTER,)
    if category is Category.DECLARATION:
        return (Role.EXPORTER, Role.IMPORTER)
    if category is Category.CONSIGNEE:
        return (Role.IMPORTER,)
    return (Role.CARRIER, Role.CUSTOMS)


def check_signed_entry(
    entry: Entry, signature: bytes, domain: Domain, next_seq: int, head: Hash32, log: bool = False
) -> Hash32:
    """The entry hash of ``entry`` (a ``LogEntry`` with ``log``) if it extends the
    consignment's head (``next_seq``, ``head``) and ``signature`` recovers its actor; else
    RuleViolation naming the contract's rule.

    Raises LedgerValueError for a malformed or malleable signature (the contract refuses it too).
    """
    # The signature first: the head is told only to whoever holds an entry its actor signed.
    digest = entry_hash(entry, domain, log)
    check_signer_and_position(entry, digest, recover_digest_signer(digest, signature), next_seq, head)
    return digest


def check_signer_and_position(entry: Entry, digest: Hash32, signer: str, next_seq: int, head: Hash32) -> None:
    """RuleViolation unless ``signer`` (recovered over ``digest``) is the entry's actor and the
    entry extends the consignment's head (``next_seq``, ``head``)."""
    if signer.lower() != entry.actor.lower():
        raise RuleViolation(
            "ConsignmentLedgerInvalidSigner",
            f"the signature recovers {signer}, not the actor {entry.actor}: an entry is signed by its author",
        )
    if entry.seq != next_seq or bytes(entry.prev_hash) != bytes(head):
        raise RuleViolation(
            "ConsignmentLedgerStaleHead",
            f"stale head: the next entry is seq {next_seq} with prevHash {to_hex(head)}, not seq {entry.seq} "
            f"after {to_hex(entry.prev_hash)}; fetch the consignment's head and sign again",
        )
