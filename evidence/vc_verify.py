"""Verifying a ``vc+jwt`` credential, pure: what was fetched (DID documents, status list
credentials) is handed in, never fetched here, and what could not be fetched is reported
as not checked, never as passed.

Each check is named; the verdict is ``valid`` only when every check passed:

- ``format``: a compact JWS of ``typ`` vc+jwt whose payload is a VC 2.0 credential and
  whose ``kid`` is a key of the credential's issuer;
- ``issuer_key``: the issuer's DID document lists ``kid`` as an assertion method;
- ``signature``: the JWS verifies under that key;
- ``schema``: the credential matches the verifier's pinned copy of the JSON Schema its
  ``credentialSchema`` names (never one fetched from where the credential says);
- ``validity_period``: ``validFrom`` ≤ now ≤ ``validUntil``;
- ``revocation`` / ``suspension``: the bit of its entry in the issuer's signed list;
- ``trusted_issuer``: the issuer is one the verifier pinned as its trust root.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from evidence import status_list
from evidence.did_web import assertion_key, did_of
from evidence.errors import LedgerValueError
from evidence.vc import CREDENTIALS_V2, MEDIA_TYPE, StatusPurpose, iso, parse_time, read_unverified, signature_valid


class Outcome(StrEnum):
    """How a check ended."""

    PASSED = "passed"
    FAILED = "failed"
    NOT_CHECKED = "not_checked"


@dataclass(frozen=True)
class Check:
    """One named check and what it found."""

    name: str
    outcome: Outcome
    detail: str


@dataclass(frozen=True)
class Unresolved:
    """A DID document or status list that could not be fetched, and why."""

    reason: str


Resolved = dict[str, Any] | Unresolved
SchemaCheck = Callable[[dict[str, Any]], str | None]  # an error message, or None


@dataclass(frozen=True)
class CredentialReport:
    """The verdict on one credential and every check behind it."""

    verdict: str
    checks: list[Check]
    credential: dict[str, Any] | None = None
    issuer: str | None = None
    kid: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The report as JSON data."""
        subject = (self.credential or {}).get("credentialSubject")
        return {
            "verdict": self.verdict,
            "issuer": self.issuer,
            "kid": self.kid,
            "type": (self.credential or {}).get("type"),
            "valid_from": (self.credential or {}).get("validFrom"),
            "valid_until": (self.credential or {}).get("validUntil"),
            "subject": subject,
            "checks": [{"name": c.name, "outcome": c.outcome.value, "detail": c.detail} for c in self.checks],
            "credential": self.credential,
        }


def references(token: str) -> tuple[str, list[str]]:
    """What a verifier must fetch before verifying: the issuer's DID (from ``kid``) and the
    status list credentials the entries name. LedgerValueError if the token is malformed."""
    header, payload = read_unverified(token)
    did = did_of(str(header.get("kid", "")))
    entries = payload.get("credentialStatus") or []
    urls = [e["statusListCredential"] for e in entries if isinstance(e, dict) and "statusListCredential" in e]
    return did, sorted({str(u) for u in urls})


def verify_credential(
    token: str,
    did_documents: Mapping[str, Resolved],
    status_lists: Mapping[str, Resolved | str],
    now: datetime,
    schema_checks: Mapping[str, SchemaCheck] | None = None,
    trusted_issuers: frozenset[str] | None = None,
) -> CredentialReport:
    """Every check of one credential at time ``now`` (status lists are given as their vc+jwt
    text, or Unresolved)."""
    try:
        header, payload, issuer = _format(token)
    except LedgerValueError as exc:
        skipped = [Check(n, Outcome.NOT_CHECKED, "the credential is malformed") for n in _AFTER_FORMAT]
        return CredentialReport("invalid", [Check("format", Outcome.FAILED, str(exc)), *skipped])
    kid = str(header["kid"])
    document = did_documents.get(issuer, Unresolved(f"{issuer}'s DID document was not fetched"))
    key_check, key = _issuer_key(document, kid)
    checks = [Check("format", Outcome.PASSED, f"{MEDIA_TYPE}, {header['alg']}, a VC 2.0 credential"), key_check]
    if key is None:
        checks.append(Check("signature", Outcome.NOT_CHECKED, "no issuer key to check it with"))
    elif signature_valid(token, key):
        checks.append(Check("signature", Outcome.PASSED, f"signed by {kid}"))
    else:
        checks.append(Check("signature", Outcome.FAILED, f"the signature does not verify under {kid}"))
    checks.append(_schema(payload, schema_checks or {}))
    checks.append(_validity(payload, now))
    for purpose in StatusPurpose:
        checks.append(_status(payload, purpose, issuer, document, status_lists, now))
    checks.append(_trust(issuer, trusted_issuers))
    return CredentialReport(_verdict(checks), checks, payload, issuer, kid)


_AFTER_FORMAT = ("issuer_key", "signature", "schema", "validity_period", "revocation", "suspension", "trusted_issuer")


def _format(token: str) -> tuple[dict[str, Any], dict[str, Any], str]:
    header, payload = read_unverified(token)
    if header.get("typ") != MEDIA_TYPE:
        raise LedgerValueError(f"the JWS header's typ is {header.get('typ')!r}, not {MEDIA_TYPE!r}")
    if header.get("alg") not in ("ES256", "ES256K"):
        raise LedgerValueError(f"alg {header.get('alg')!r} is not ES256 or ES256K")
    contexts = payload.get("@context")
    if not isinstance(contexts, list) or not contexts or contexts[0] != CREDENTIALS_V2:
        raise LedgerValueError(f"a VC 2.0 credential's first @context is {CREDENTIALS_V2}")
    types = payload.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise LedgerValueError("the credential's type does not include VerifiableCredential")
    issuer = payload.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    kid = str(header.get("kid", ""))
    if not isinstance(issuer_id, str) or did_of(kid) != issuer_id:
        raise LedgerValueError(f"the signing key {kid!r} is not a key of the issuer {issuer_id!r}")
    return header, payload, issuer_id


def _issuer_key(document: Resolved, kid: str) -> tuple[Check, dict[str, Any] | None]:
    if isinstance(document, Unresolved):
        return Check("issuer_key", Outcome.NOT_CHECKED, document.reason), None
    try:
        key = assertion_key(document, kid)
    except LedgerValueError as exc:
        return Check("issuer_key", Outcome.FAILED, str(exc)), None
    return Check("issuer_key", Outcome.PASSED, f"{kid} is an assertion key of {did_of(kid)}"), key


def _schema(payload: dict[str, Any], schema_checks: Mapping[str, SchemaCheck]) -> Check:
    named = payload.get("credentialSchema")
    schema_id = named.get("id") if isinstance(named, dict) else None
    if not isinstance(schema_id, str):
        return Check("schema", Outcome.NOT_CHECKED, "the credential names no credentialSchema")
    check = schema_checks.get(schema_id)
    if check is None:
        return Check("schema", Outcome.NOT_CHECKED, f"no pinned copy of {schema_id}")
    error = check(payload)
    if error is not None:
        return Check("schema", Outcome.FAILED, f"{schema_id}: {error}")
    return Check("schema", Outcome.PASSED, f"matches the pinned {schema_id}")


def _validity(payload: dict[str, Any], now: datetime) -> Check:
    try:  # both are optional in VC 2.0
        since, until = payload.get("validFrom"), payload.get("validUntil")
        valid_from = parse_time(since) if since is not None else None
        valid_until = parse_time(until) if until is not None else None
    except LedgerValueError as exc:
        return Check("validity_period", Outcome.FAILED, f"malformed: {exc}")
    if valid_from is not None and now < valid_from:
        return Check("validity_period", Outcome.FAILED, f"not yet valid: valid from {iso(valid_from)}")
    if valid_until is not None and now > valid_until:
        return Check("validity_period", Outcome.FAILED, f"expired: valid until {iso(valid_until)}")
    return Check("validity_period", Outcome.PASSED, f"valid at {iso(now)}")


def _status(
    payload: dict[str, Any],
    purpose: StatusPurpose,
    issuer: str,
    document: Resolved,
    status_lists: Mapping[str, Resolved | str],
    now: datetime,
) -> Check:
    name = purpose.value
    entries = [e for e in payload.get("credentialStatus") or [] if isinstance(e, dict)]
    entry = next((e for e in entries if e.get("statusPurpose") == name), None)
    if entry is None:
        return Check(name, Outcome.NOT_CHECKED, f"the credential has no {name} status entry")
    url = str(entry.get("statusListCredential"))
    listed = status_lists.get(url, Unresolved(f"{url} was not fetched"))
    if isinstance(listed, Unresolved):
        return Check(name, Outcome.NOT_CHECKED, listed.reason)
    if isinstance(document, Unresolved):
        return Check(name, Outcome.NOT_CHECKED, "no issuer key to check the status list with")
    try:
        index = int(str(entry.get("statusListIndex")))
        bits = _list_bits(str(listed), url, purpose, issuer, document, now)
        set_ = status_list.is_set(bits, index)
    except (LedgerValueError, ValueError) as exc:
        return Check(name, Outcome.FAILED, f"status list {url}: {exc}")
    if set_:
        return Check(name, Outcome.FAILED, "revoked" if purpose is StatusPurpose.REVOCATION else "suspended")
    return Check(name, Outcome.PASSED, f"not {'revoked' if purpose is StatusPurpose.REVOCATION else 'suspended'}")


def _list_bits(
    token: str, url: str, purpose: StatusPurpose, issuer: str, document: dict[str, Any], now: datetime
) -> bytes:
    """The bits of a status list credential, after checking it is the issuer's signed list
    for ``purpose`` at ``url`` and still valid."""
    header, payload = read_unverified(token)
    kid = str(header.get("kid", ""))
    if payload.get("issuer") != issuer or did_of(kid) != issuer:
        raise LedgerValueError("the list is not signed by the credential's issuer")
    if not signature_valid(token, assertion_key(document, kid)):
        raise LedgerValueError("the list's signature does not verify")
    subject = payload.get("credentialSubject") or {}
    if payload.get("id") != url or subject.get("statusPurpose") != purpose.value:
        raise LedgerValueError(f"it is not the {purpose.value} list published at {url}")
    if payload.get("validUntil") is not None and now > parse_time(payload["validUntil"]):
        raise LedgerValueError("the list has expired")
    return status_list.decode(str(subject.get("encodedList")))


def _trust(issuer: str, trusted: frozenset[str] | None) -> Check:
    if trusted is None:
        return Check("trusted_issuer", Outcome.NOT_CHECKED, "no trusted issuers were pinned")
    if issuer in trusted:
        return Check("trusted_issuer", Outcome.PASSED, f"{issuer} is a pinned issuer")
    return Check("trusted_issuer", Outcome.FAILED, f"{issuer} is not among the pinned issuers")


def _only_set_bits(failed: dict[str, Check]) -> bool:
    return all(failed[n].detail in ("revoked", "suspended") for n in ("revocation", "suspension") if n in failed)


def _verdict(checks: list[Check]) -> str:
    failed = {c.name: c for c in checks if c.outcome is Outcome.FAILED}
    if failed.keys() & {"format", "issuer_key", "signature", "schema"}:
        return "invalid"
    if "revocation" in failed and failed["revocation"].detail == "revoked":
        return "revoked"  # final, whatever else holds
    if failed.keys() & {"revocation", "suspension"} and not _only_set_bits(failed):
        return "invalid"  # a status list that is not the issuer's, or unreadable
    if "suspension" in failed:
        return "suspended"
    if "validity_period" in failed:
        detail = failed["validity_period"].detail
        return (
            "expired"
            if detail.startswith("expired")
            else "invalid"
            if detail.startswith("malformed")
            else "not_yet_valid"
        )
    if "trusted_issuer" in failed:
        return "untrusted_issuer"
    if any(c.outcome is Outcome.NOT_CHECKED for c in checks):
        return "incomplete"
    return "valid"
