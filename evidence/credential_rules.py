"""Who may issue, revoke and consent to what in a verifiable credential (pure).

Credentials are signed off chain, by the issuer's DID key: no contract sees them, so these
rules are the API's (the contract that anchors status lists, ``StatusListAnchors``, checks
its own: only active customs administrations anchor). Each refusal names its rule.
"""

from __future__ import annotations

from typing import Literal, get_args

from evidence.errors import RuleViolation
from evidence.rules.ledger import MemberView

# The MRA data elements a holder may consent to disclose in its AEO status credential.
DataElement = Literal["operator_name", "operator_address", "identification_number", "validation_date"]
DISCLOSABLE: tuple[str, ...] = get_args(DataElement)


def check_aeo_credential(caller: MemberView, certificate_issuer: str, status: str, number: str) -> None:
    """The customs administration that issued a certificate, while it is valid, issues its
    status credential (a suspended one is issued again once reinstated)."""
    if certificate_issuer != caller.jurisdiction:
        raise RuleViolation(
            "CredentialNotCertificateIssuer",
            f"certificate {number} was issued by customs of {certificate_issuer}: only they issue its credential",
        )
    if status != "valid":
        raise RuleViolation("CredentialCertificateNotValid", f"certificate {number} is {status}, not valid")


def check_disclosure(requested: list[str], consented: list[str]) -> None:
    """A credential discloses only the data elements the holder consented to."""
    unknown = sorted(set(requested) - set(DISCLOSABLE))
    if unknown:
        raise RuleViolation("CredentialDisclosureNotConsented", f"no such data elements: {', '.join(unknown)}")
    missing = sorted(set(requested) - set(consented))
    if missing:
        raise RuleViolation(
            "CredentialDisclosureNotConsented",
            f"the holder has not consented to disclose {', '.join(missing)}",
        )


def check_consent(caller_address: str, holder: str, number: str) -> None:
    """Only the certificate's holder consents to disclosing its data."""
    if caller_address.lower() != holder.lower():
        raise RuleViolation(
            "CredentialConsentNotHolder", f"only the holder of certificate {number} consents to disclosing its data"
        )


def check_consignment_credential(caller: MemberView, jurisdictions: set[str], verdict: str) -> None:
    """Customs of one of the consignment's jurisdictions attest its evidence, once it verifies."""
    if caller.jurisdiction not in jurisdictions:
        raise RuleViolation(
            "CredentialNotConsignmentCustoms",
            f"customs of {caller.jurisdiction} is not among the consignment's ({', '.join(sorted(jurisdictions))})",
        )
    if verdict != "passed":
        raise RuleViolation("CredentialEvidenceNotVerified", f"the consignment's evidence verification {verdict}")


def check_control_credential(caller_address: str, author: str, event_type: str, seq: int) -> None:
    """The customs administration that recorded a control result attests it."""
    if event_type != "CONTROL_RESULT":
        raise RuleViolation("CredentialNotControlResult", f"entry {seq} is a {event_type}, not a CONTROL_RESULT")
    if caller_address.lower() != author.lower():
        raise RuleViolation(
            "CredentialNotControlAuthor", f"entry {seq} was recorded by {author}: only its author attests it"
        )


def check_revocation(caller_address: str, issuer: str, credential_id: str) -> None:
    """Only the issuer revokes its credential."""
    if caller_address.lower() != issuer.lower():
        raise RuleViolation("CredentialRevokeNotIssuer", f"only the issuer of {credential_id} revokes it")
