"""W3C Verifiable Credentials 2.0 secured as ``vc+jwt`` (VC-JOSE-COSE), pure.

A credential is a JSON object; securing it is a compact JWS whose payload is that object
(no ``vc`` wrapper claim) and whose protected header names ``typ: vc+jwt`` and the signing
key as a DID URL (``kid``). Signatures are ES256 (P-256) or ES256K (secp256k1), by joserfc.
Two status entries per credential, revocation and suspension, share one index in the
issuer's two Bitstring Status Lists.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey

from evidence.canonical import canonical_json
from evidence.errors import LedgerValueError

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
CUSTOMS_CONTEXT = "https://borderledger.org/ns/customs/v1"
CREDENTIAL_SCHEMA = "https://borderledger.org/schemas/customs-credential/v1.json"
MEDIA_TYPE = "vc+jwt"
ALGORITHMS = {"P-256": "ES256", "secp256k1": "ES256K"}


class StatusPurpose(StrEnum):
    """The two lists every credential has an entry in."""

    REVOCATION = "revocation"  # final
    SUSPENSION = "suspension"  # reversible


class CredentialKind(StrEnum):
    """What BorderLedger issues; the value is the credential's second ``type``."""

    AEO_STATUS = "AEOStatusCredential"
    CONTROL_RESULT = "ControlResultCredential"
    CONSIGNMENT_EVIDENCE = "ConsignmentEvidenceCredential"


def iso(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, seconds precision, as VC 2.0 examples write it."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def parse_time(value: object) -> datetime:
    """A credential's date-time; LedgerValueError if it is not one with a time zone."""
    if not isinstance(value, str):
        raise LedgerValueError(f"a date-time is a string, not {value!r}")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise LedgerValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if moment.tzinfo is None:
        raise LedgerValueError(f"{value!r} has no time zone")
    return moment


def status_entries(list_urls: dict[StatusPurpose, str], index: int) -> list[dict[str, Any]]:
    """The ``credentialStatus`` of the credential at ``index`` of the issuer's lists."""
    return [
        {
            "id": f"{list_urls[purpose]}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": purpose.value,
            "statusListIndex": str(index),
            "statusListCredential": list_urls[purpose],
        }
        for purpose in StatusPurpose
    ]


def credential(
    kind: CredentialKind,
    credential_id: str,
    issuer: dict[str, str],
    valid_from: datetime,
    valid_until: datetime | None,
    subject: dict[str, Any],
    status: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
) -> dict[str, Any]:
    """An unsecured credential of ``kind``; ``evidence`` (where it is anchored) is optional."""
    document: dict[str, Any] = {
        "@context": [CREDENTIALS_V2, CUSTOMS_CONTEXT],
        "id": credential_id,
        "type": ["VerifiableCredential", kind.value],
        "issuer": issuer,
        "validFrom": iso(valid_from),
    }
    if valid_until is not None:
        document["validUntil"] = iso(valid_until)
    document["credentialSubject"] = subject
    document["credentialSchema"] = {"id": CREDENTIAL_SCHEMA, "type": "JsonSchema"}
    document["credentialStatus"] = status
    if evidence:
        document["evidence"] = evidence
    return document


def status_list_credential(
    list_url: str, issuer: str, purpose: StatusPurpose, encoded_list: str, valid_from: datetime
) -> dict[str, Any]:
    """The credential that publishes one of an issuer's lists (BitstringStatusListCredential)."""
    return {
        "@context": [CREDENTIALS_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": iso(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose.value,
            "encodedList": encoded_list,
        },
    }


def sign(payload: dict[str, Any], private_jwk: dict[str, Any], kid: str) -> str:
    """The compact JWS (``vc+jwt``) of a credential, signed by the key ``kid``."""
    key = ECKey.import_key(private_jwk)
    header = {"alg": ALGORITHMS[str(private_jwk["crv"])], "kid": kid, "typ": MEDIA_TYPE, "cty": "vc"}
    return jws.serialize_compact(header, canonical_json(payload), key, algorithms=list(ALGORITHMS.values()))


def read_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """(protected header, payload) of a compact JWS, not yet verified; LedgerValueError saying
    what is malformed."""
    parts = token.strip().split(".")
    if len(parts) != 3 or not all(parts):
        raise LedgerValueError("a vc+jwt is a compact JWS: three base64url parts separated by dots")
    try:
        header, payload = (json.loads(_b64url(p)) for p in parts[:2])
    except (ValueError, UnicodeDecodeError):
        raise LedgerValueError("the JWS header or payload is not base64url-encoded JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise LedgerValueError("the JWS header and payload are JSON objects")
    return header, payload


def signature_valid(token: str, public_jwk: dict[str, Any]) -> bool:
    """Whether ``token``'s signature verifies under ``public_jwk`` with the algorithm its curve fixes."""
    algorithm = ALGORITHMS.get(str(public_jwk.get("crv")))
    if algorithm is None:
        return False
    try:
        key = ECKey.import_key(public_jwk)
        parsed = jws.deserialize_compact(token.strip(), key, algorithms=[algorithm])
    except (JoseError, ValueError):
        return False
    return parsed.headers().get("alg") == algorithm


def _b64url(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
