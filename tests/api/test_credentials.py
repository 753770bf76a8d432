"""Verifiable credentials through the API: who may issue what (allowed and refused paths),
the public verifier's named checks, status following the AEORegistry, key rotation, and
status lists anchored on chain. The interoperability with outside tools is in
tests/e2e/test_credentials_interop.py."""

from __future__ import annotations

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.demo import DEMO_CERTIFICATE, DEMO_REFERENCE
from api.runtime import Runtime
from evidence.vc import read_unverified
from tests.api.conftest import auth
from tests.support import Keys

CERT = f"/v1/aeo/certificates/{DEMO_CERTIFICATE}"


def verify(client: TestClient, token: str) -> dict[str, Any]:
    response = client.post("/v1/credentials/verify", json={"credential": token})  # no API key
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def outcomes(report: dict[str, Any]) -> dict[str, str]:
    return {c["name"]: c["outcome"] for c in report["checks"]}


def issue_aeo(client: TestClient, keys: Keys, disclose: list[str] | None = None) -> dict[str, Any]:
    response = client.post(f"{CERT}/credentials", json={"disclose": disclose or []}, headers=auth(keys, "customs-CN"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def wait_for_verdict(client: TestClient, token: str, verdict: str, seconds: float = 15) -> dict[str, Any]:
    """The status list worker republishes within seconds; poll the public verifier."""
    deadline = time.monotonic() + seconds
    while True:
        report = verify(client, token)
        if report["verdict"] == verdict or time.monotonic() > deadline:
            return report
        time.sleep(0.3)


def tamper(token: str) -> str:
    """The same credential with one byte of its payload changed (the holder's name)."""
    header, payload, signature = token.split(".")
    data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    data = data.replace(b'"AEO-S"', b'"AEO-X"', 1)
    assert data != base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return ".".join([header, base64.urlsafe_b64encode(data).rstrip(b"=").decode(), signature])


def test_an_issuer_that_issued_nothing_publishes_nothing_and_outsiders_cannot_make_it(
    demo_runtime: Runtime, client: TestClient, keys: Keys
) -> None:
    """Anonymous requests for a customs administration's DID or lists, before it issued
    anything, create no key and no list (DE issues only later in this module)."""
    for path in ("/issuers/de-gzd/did.json", "/issuers/de-gzd/status/revocation", "/issuers/nobody/did.json"):
        assert client.get(path).status_code == 404
    assert demo_runtime.services.node.index.issuer_keys(keys["customs-DE"]["address"]) == []


def test_a_fresh_aeo_status_credential_passes_every_check_and_discloses_only_what_was_consented(
    client: TestClient, keys: Keys
) -> None:
    refused = client.post(
        f"{CERT}/credentials", json={"disclose": ["identification_number"]}, headers=auth(keys, "customs-CN")
    )
    assert refused.status_code == 403 and refused.json()["rule"] == "CredentialDisclosureNotConsented"
    by_customs = client.put(
        f"{CERT}/disclosure-consent", json={"disclose": ["operator_name"]}, headers=auth(keys, "customs-CN")
    )
    assert by_customs.status_code == 403 and by_customs.json()["rule"] == "CredentialConsentNotHolder"
    consent = client.put(
        f"{CERT}/disclosure-consent", json={"disclose": ["operator_name"]}, headers=auth(keys, "exporter")
    )
    assert consent.status_code == 200 and consent.json()["disclose"] == ["operator_name"]

    issued = issue_aeo(client, keys, ["operator_name"])
    subject = issued["credential"]["credentialSubject"]
    assert subject["aeoCertificateNumber"] == DEMO_CERTIFICATE and subject["aeoProgrammes"] == ["AEO-S", "AEO-C"]
    assert subject["operatorName"] and "identificationNumber" not in subject
    assert subject["id"].endswith(keys["exporter"]["address"])
    header, payload = read_unverified(issued["jwt"])
    assert header["typ"] == "vc+jwt" and header["alg"] == "ES256" and payload == issued["credential"]
    assert payload["validUntil"] == subject["certificateValidUntil"]
    assert [s["statusPurpose"] for s in payload["credentialStatus"]] == ["revocation", "suspension"]
    assert payload["evidence"][0]["type"] == ["LedgerAnchor"]

    report = verify(client, issued["jwt"])
    assert report["verdict"] == "valid", report
    assert set(outcomes(report).values()) == {"passed"}
    assert list(outcomes(report)) == [
        "format",
        "issuer_key",
        "signature",
        "schema",
        "validity_period",
        "revocation",
        "suspension",
        "trusted_issuer",
    ]
    listed = client.get(f"{CERT}/credentials", headers=auth(keys, "auditor")).json()
    assert issued["id"] in [c["id"] for c in listed]


def test_status_lists_are_public_signed_credentials(client: TestClient, keys: Keys) -> None:
    token = issue_aeo(client, keys)["jwt"]
    url = read_unverified(token)[1]["credentialStatus"][0]["statusListCredential"]
    path = url.split("://", 1)[1].split("/", 1)[1]
    listed = client.get("/" + path)
    assert listed.status_code == 200 and listed.headers["content-type"].startswith("application/vc+jwt")
    subject = read_unverified(listed.text)[1]["credentialSubject"]
    assert subject["statusPurpose"] == "revocation" and len(subject["encodedList"]) > 20
    assert datetime.now(UTC) >= datetime.fromisoformat(
        read_unverified(listed.text)[1]["validFrom"].replace("Z", "+00:00")
    )


def test_only_the_certifying_customs_issues_and_only_for_a_known_certificate(client: TestClient, keys: Keys) -> None:
    other = client.post(f"{CERT}/credentials", json={}, headers=auth(keys, "customs-DE"))
    assert other.status_code == 403 and other.json()["rule"] == "CredentialNotCertificateIssuer"
    trader = client.post(f"{CERT}/credentials", json={}, headers=auth(keys, "exporter"))
    assert trader.status_code == 403 and trader.json()["rule"] == "AEORegistryNotCustoms"
    unknown = client.post("/v1/aeo/certificates/CNAEO0000000000/credentials", json={}, headers=auth(keys, "customs-CN"))
    assert unknown.status_code == 404
    anonymous = client.post(f"{CERT}/credentials", json={})
    assert anonymous.status_code == 401


def test_changing_one_byte_or_the_signing_key_fails_and_garbage_is_refused_by_name(
    client: TestClient, keys: Keys
) -> None:
    token = issue_aeo(client, keys)["jwt"]
    report = verify(client, tamper(token))
    assert report["verdict"] == "invalid" and outcomes(report)["signature"] == "failed"
    header, payload, signature = token.split(".")
    other = issue_aeo(client, keys)["jwt"].split(".")[2]
    assert verify(client, ".".join([header, payload, other]))["verdict"] == "invalid"
    garbage = verify(client, "not-a-jwt")
    assert garbage["verdict"] == "invalid" and outcomes(garbage)["format"] == "failed"
    assert outcomes(garbage)["signature"] == "not_checked"
    # A kid outside the issuer's DID: refused before any key is fetched.
    forged_header = json.dumps({"alg": "ES256", "typ": "vc+jwt", "kid": "did:web:evil.example#k"}).encode()
    forged = base64.urlsafe_b64encode(forged_header).rstrip(b"=").decode() + f".{payload}.{signature}"
    assert outcomes(verify(client, forged))["format"] == "failed"


def test_an_expired_credential_is_reported_as_expired(demo_runtime: Runtime, client: TestClient, keys: Keys) -> None:
    issued = issue_aeo(client, keys)
    later = datetime.fromisoformat(issued["valid_until"].replace("Z", "+00:00")) + timedelta(seconds=1)
    report = demo_runtime.services.verifier.verify(issued["jwt"], now=later)
    assert report.verdict == "expired"
    check = next(c for c in report.checks if c.name == "validity_period")
    assert check.outcome == "failed" and check.detail.startswith("expired")


def test_rotating_the_key_keeps_old_credentials_valid_and_signs_new_ones_with_the_new_key(
    client: TestClient, keys: Keys
) -> None:
    before = issue_aeo(client, keys)["jwt"]
    old_kid = read_unverified(before)[0]["kid"]
    refused = client.post("/v1/issuers/me/keys", headers=auth(keys, "exporter"))
    assert refused.status_code == 403 and refused.json()["rule"] == "AEORegistryNotCustoms"
    document = client.post("/v1/issuers/me/keys", headers=auth(keys, "customs-CN")).json()
    assert old_kid in document["assertionMethod"] and len(document["assertionMethod"]) >= 2
    after = issue_aeo(client, keys)["jwt"]
    new_kid = read_unverified(after)[0]["kid"]
    assert new_kid != old_kid and new_kid == document["assertionMethod"][-1]
    slug = old_kid.split("#")[0].split(":")[-1]
    assert client.get(f"/issuers/{slug}/did.json").json() == document
    # Re-issuing superseded the earlier credential: revoked, not forged.
    assert wait_for_verdict(client, before, "revoked")["verdict"] == "revoked"
    assert wait_for_verdict(client, after, "valid")["verdict"] == "valid"


def test_suspension_reinstatement_and_revocation_follow_the_registry_and_are_anchored(
    demo_runtime: Runtime, client: TestClient, keys: Keys
) -> None:
    token = issue_aeo(client, keys)["jwt"]
    assert wait_for_verdict(client, token, "valid")["verdict"] == "valid"
    slug = read_unverified(token)[1]["issuer"]["id"].split(":")[-1]
    block_before = demo_runtime.services.node.chain.w3.eth.block_number
    change = {"reason": "security audit findings"}
    assert client.post(f"{CERT}/suspend", json=change, headers=auth(keys, "customs-CN")).status_code == 200
    report = wait_for_verdict(client, token, "suspended")
    assert report["verdict"] == "suspended" and outcomes(report)["suspension"] == "failed"
    # A suspended certificate gets no new credential.
    refused = client.post(f"{CERT}/credentials", json={}, headers=auth(keys, "customs-CN"))
    assert refused.status_code == 409 and refused.json()["rule"] == "CredentialCertificateNotValid"

    # What the suspension list said before: shown with the chain's hash of it.
    past = client.get(f"/issuers/{slug}/status/suspension", params={"block": block_before}).json()
    now = client.get(
        f"/issuers/{slug}/status/suspension", params={"block": demo_runtime.services.node.chain.w3.eth.block_number}
    ).json()
    assert past["hash_matches"] and now["hash_matches"] and now["version"] > past["version"]

    assert client.post(f"{CERT}/reinstate", json=change, headers=auth(keys, "customs-CN")).status_code == 200
    assert wait_for_verdict(client, token, "valid")["verdict"] == "valid"
    assert client.post(f"{CERT}/revoke", json=change, headers=auth(keys, "customs-CN")).status_code == 200
    assert wait_for_verdict(client, token, "revoked")["verdict"] == "revoked"
    again = client.post(f"{CERT}/reinstate", json=change, headers=auth(keys, "customs-CN"))
    assert again.status_code == 409
    time.sleep(1.5)  # another publishing pass: revoked stays revoked
    assert verify(client, token)["verdict"] == "revoked"


def test_control_result_and_consignment_evidence_credentials(client: TestClient, keys: Keys) -> None:
    events = client.get(f"/v1/consignments/{DEMO_REFERENCE}/events", headers=auth(keys, "customs-KZ")).json()
    control = next(e for e in events if e["event_type"] == "CONTROL_RESULT")
    path = f"/v1/consignments/{DEMO_REFERENCE}/entries/{control['seq']}/credentials"
    not_author = client.post(path, headers=auth(keys, "customs-CN"))
    assert not_author.status_code == 403 and not_author.json()["rule"] == "CredentialNotControlAuthor"
    first = next(e for e in events if e["event_type"] != "CONTROL_RESULT")
    wrong_kind = client.post(
        f"/v1/consignments/{DEMO_REFERENCE}/entries/{first['seq']}/credentials", headers=auth(keys, "customs-KZ")
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["rule"] == "CredentialNotControlResult"
    issued = client.post(path, headers=auth(keys, "customs-KZ"))
    assert issued.status_code == 201, issued.text
    subject = issued.json()["credential"]["credentialSubject"]
    assert subject["controlType"] == "seal_check" and subject["controllingCountry"] == "KZ"
    assert verify(client, issued.json()["jwt"])["verdict"] == "valid"

    trader = client.post(f"/v1/consignments/{DEMO_REFERENCE}/credentials", headers=auth(keys, "exporter"))
    assert trader.status_code == 403
    evidence = client.post(f"/v1/consignments/{DEMO_REFERENCE}/credentials", headers=auth(keys, "customs-DE"))
    assert evidence.status_code == 201, evidence.text
    summary = evidence.json()["credential"]["credentialSubject"]
    assert summary["verificationVerdict"] == "passed" and summary["route"][0] == "CN" and summary["route"][-1] == "DE"
    assert summary["entriesCount"] == len(events)
    assert verify(client, evidence.json()["jwt"])["verdict"] == "valid"
    listed = client.get(f"/v1/consignments/{DEMO_REFERENCE}/credentials", headers=auth(keys, "importer")).json()
    assert {c["kind"] for c in listed} >= {"ControlResultCredential", "ConsignmentEvidenceCredential"}

    revoke = f"/v1/credentials/{evidence.json()['id']}/revoke"
    not_issuer = client.post(revoke, json={"reason": "not mine"}, headers=auth(keys, "customs-KZ"))
    assert not_issuer.status_code == 403 and not_issuer.json()["rule"] == "CredentialRevokeNotIssuer"
    assert client.post(revoke, json={"reason": "evidence corrected"}, headers=auth(keys, "customs-DE")).json()[
        "revoked"
    ]
    assert wait_for_verdict(client, evidence.json()["jwt"], "revoked")["verdict"] == "revoked"


@pytest.mark.parametrize("path", ["/contexts/customs-v1.jsonld", "/schemas/customs-credential/v1.json"])
def test_the_vocabulary_is_served_without_a_key(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200 and json.loads(response.content)
