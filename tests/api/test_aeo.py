"""AEO certificates, MRAs and recognition through the API, against the real contracts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from web3.types import RPCEndpoint

from api.runtime import Runtime
from chain.errors import ContractRevert
from tests.api.conftest import auth
from tests.support import Keys, aeo_contract

DEMO = "CNAEO2026000001"


def recognition(client: TestClient, keys: Keys, by: str, certificate: str = DEMO, **params: str) -> Any:
    response = client.get(
        "/v1/aeo/recognition", params={"certificate": certificate, "by": by, **params}, headers=auth(keys, "auditor")
    )
    assert response.status_code == 200, response.json()
    return response.json()


def chain_time(demo_runtime: Runtime) -> int:
    return int(demo_runtime.services.node.chain.w3.eth.get_block("latest")["timestamp"])


def advance(demo_runtime: Runtime, seconds: int) -> None:
    w3 = demo_runtime.services.node.chain.w3
    w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [seconds])
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])


def issue(
    client: TestClient,
    keys: Keys,
    number: str,
    holder_key: str = "exporter",
    issuer: str = "customs-CN",
    programmes: tuple[str, ...] = ("AEO-S",),
    days: int = 365,
) -> Any:
    document = client.post(
        "/v1/documents",
        params={"document_type": "aeo_certificate", "filename": f"{number}.txt"},
        content=f"AEO certificate {number}".encode(),
        headers={**auth(keys, issuer), "Content-Type": "text/plain"},
    ).json()
    today = date.today()
    return client.post(
        "/v1/aeo/certificates",
        json={
            "number": number,
            "holder": keys[holder_key]["address"],
            "programmes": list(programmes),
            "valid_from": str(today - timedelta(days=1)),
            "valid_until": str(today + timedelta(days=days)),
            "document_cid": document["cid"],
            "data_elements": {
                "operator_name": "Operator",
                "operator_address": "1 Road, City",
                "identification_number": "ID-1",
                "validation_date": str(today),
            },
        },
        headers=auth(keys, issuer),
    )


def test_demo_recognition_de_yes_kz_no_then_suspension_is_seen_at_once(client: TestClient, keys: Keys) -> None:
    assert recognition(client, keys, "DE")["recognised"] is True
    assert recognition(client, keys, "DE")["reason"] == "recognised_under_mra"
    kz = recognition(client, keys, "KZ")
    assert kz["recognised"] is False and kz["reason"] == "mra_not_accepted"
    home = recognition(client, keys, "CN")
    assert home["recognised"] is True and home["reason"] == "valid_at_home"

    suspended = client.post(
        f"/v1/aeo/certificates/{DEMO}/suspend", json={"reason": "post-audit review"}, headers=auth(keys, "customs-CN")
    )
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    de = recognition(client, keys, "DE")
    assert de["recognised"] is False and de["reason"] == "suspended"

    reinstated = client.post(
        f"/v1/aeo/certificates/{DEMO}/reinstate", json={"reason": "review closed"}, headers=auth(keys, "customs-CN")
    )
    assert reinstated.json()["status"] == "valid"
    assert recognition(client, keys, "DE")["recognised"] is True


def test_de_customs_cannot_suspend_a_cn_certificate_at_either_layer(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    response = client.post(
        f"/v1/aeo/certificates/{DEMO}/suspend", json={"reason": "we think so"}, headers=auth(keys, "customs-DE")
    )
    assert response.status_code == 403 and response.json()["rule"] == "AEORegistryNotIssuer"

    members = demo_runtime.services.members
    de = members.account(members.participant(keys["customs-DE"]["address"]))
    with pytest.raises(ContractRevert) as reverted:
        aeo_contract(demo_runtime).change_status(de, DEMO, "suspend", "straight to the contract")
    assert reverted.value.error == "AEORegistryNotIssuer"
    assert client.get(f"/v1/aeo/certificates/{DEMO}", headers=auth(keys, "auditor")).json()["status"] == "valid"


def test_history_lists_every_change_with_actor_reason_tx_and_time(client: TestClient, keys: Keys) -> None:
    client.post(f"/v1/aeo/certificates/{DEMO}/suspend", json={"reason": "audit A"}, headers=auth(keys, "customs-CN"))
    client.post(
        f"/v1/aeo/certificates/{DEMO}/reinstate", json={"reason": "audit A closed"}, headers=auth(keys, "customs-CN")
    )
    history = client.get(f"/v1/aeo/certificates/{DEMO}/history", headers=auth(keys, "customs-DE")).json()
    assert history[0]["change"] == "issued"
    assert [h["reason"] for h in history[-2:]] == ["audit A", "audit A closed"]
    for item in history:
        assert item["actor"] == keys["customs-CN"]["address"]
        assert item["tx_hash"].startswith("0x") and item["block_number"] > 0 and item["block_time"] > 0
    assert [h["block_number"] for h in history] == sorted(h["block_number"] for h in history)


def test_only_customs_issue_and_only_for_their_own_operators(client: TestClient, keys: Keys) -> None:
    refused = issue(client, keys, "CNAEO-BY-EXPORTER", issuer="exporter")
    assert refused.status_code == 403 and refused.json()["rule"] == "AEORegistryNotCustoms"
    foreign = issue(client, keys, "DEAEO-CN-HOLDER", issuer="customs-DE")
    assert foreign.status_code == 403 and foreign.json()["rule"] == "AEORegistryInvalidHolder"
    duplicate = issue(client, keys, DEMO)
    assert duplicate.status_code == 409


def test_certificate_record_and_lists(client: TestClient, keys: Keys) -> None:
    certificate = client.get(f"/v1/aeo/certificates/{DEMO}", headers=auth(keys, "customs-DE")).json()
    assert certificate["programmes"] == ["AEO-S", "AEO-C"] and certificate["issuer"] == "CN"
    assert certificate["data_elements_match_chain"] is True
    by_holder = client.get(
        "/v1/aeo/certificates", params={"holder": keys["exporter"]["address"]}, headers=auth(keys, "auditor")
    ).json()
    assert DEMO in [c["number"] for c in by_holder]
    by_issuer = client.get("/v1/aeo/certificates", params={"issuer": "DE"}, headers=auth(keys, "auditor")).json()
    assert DEMO not in [c["number"] for c in by_issuer]


def test_revoked_certificate_cannot_be_reinstated(client: TestClient, keys: Keys) -> None:
    assert issue(client, keys, "CNAEO-REVOKE-ME").status_code == 201
    revoked = client.post(
        "/v1/aeo/certificates/CNAEO-REVOKE-ME/revoke", json={"reason": "fraud"}, headers=auth(keys, "customs-CN")
    )
    assert revoked.json()["status"] == "revoked"
    again = client.post(
        "/v1/aeo/certificates/CNAEO-REVOKE-ME/reinstate", json={"reason": "appeal"}, headers=auth(keys, "customs-CN")
    )
    assert again.status_code == 409
    assert recognition(client, keys, "CN", certificate="CNAEO-REVOKE-ME")["reason"] == "revoked"


def test_mra_lifecycle_and_refusals(client: TestClient, keys: Keys) -> None:
    until = str(date.today() + timedelta(days=400))
    proposed = client.post(
        "/v1/mras", json={"partner": "KZ", "scope": ["AEO-S"], "valid_until": until}, headers=auth(keys, "customs-DE")
    )
    assert proposed.status_code == 201 and proposed.json()["state"] == "proposed"
    mra_id = proposed.json()["id"]
    by_proposer = client.post(f"/v1/mras/{mra_id}/accept", headers=auth(keys, "customs-DE"))
    assert by_proposer.status_code == 403 and by_proposer.json()["rule"] == "AEORegistryNotMraPartner"
    by_operator = client.post(f"/v1/mras/{mra_id}/accept", headers=auth(keys, "exporter"))
    assert by_operator.status_code == 403 and by_operator.json()["rule"] == "AEORegistryNotCustoms"
    accepted = client.post(f"/v1/mras/{mra_id}/accept", headers=auth(keys, "customs-KZ"))
    assert accepted.json()["state"] == "active"
    outsider = client.post(
        f"/v1/mras/{mra_id}/terminate", json={"reason": "not ours"}, headers=auth(keys, "customs-CN")
    )
    assert outsider.status_code == 403 and outsider.json()["rule"] == "AEORegistryNotMraParty"
    ended = client.post(
        f"/v1/mras/{mra_id}/terminate", json={"reason": "renegotiation"}, headers=auth(keys, "customs-KZ")
    )
    assert ended.json()["state"] == "terminated"
    assert mra_id in [m["id"] for m in client.get("/v1/mras", headers=auth(keys, "auditor")).json()]


def admit_customs(client: TestClient, keys: Keys, jurisdiction: str) -> dict[str, str]:
    """A new customs administration, admitted by the majority; its API key headers."""
    body = {"name": f"Customs {jurisdiction}", "legal_id": f"{jurisdiction}-C", "jurisdiction": jurisdiction}
    created = client.post("/v1/participants", json={**body, "roles": ["CUSTOMS"]}, headers=auth(keys, "customs-CN"))
    assert created.status_code == 201, created.json()
    proposal = created.json()["proposal"]["id"]
    for approver in ("customs-DE", "customs-KZ"):
        approved = client.post(f"/v1/proposals/{proposal}/approve", headers=auth(keys, approver)).json()
        if approved["executed"]:
            return {"X-API-Key": created.json()["api_key"]}
    raise AssertionError(f"{jurisdiction} customs not admitted by the majority")


def test_terminated_and_out_of_scope_mras_recognise_nothing(client: TestClient, keys: Keys) -> None:
    # Between CN and a newly admitted NL only, so the demo's MRAs are untouched.
    assert issue(client, keys, "CNAEO-C-ONLY", programmes=("AEO-C",)).status_code == 201
    assert recognition(client, keys, "NL", certificate="CNAEO-C-ONLY")["reason"] == "no_mra"
    nl = admit_customs(client, keys, "NL")
    until = str(date.today() + timedelta(days=400))
    mra = client.post(
        "/v1/mras", json={"partner": "NL", "scope": ["AEO-S"], "valid_until": until}, headers=auth(keys, "customs-CN")
    ).json()
    assert client.post(f"/v1/mras/{mra['id']}/accept", headers=nl).status_code == 200
    assert recognition(client, keys, "NL", certificate="CNAEO-C-ONLY")["reason"] == "mra_out_of_scope"
    client.post(f"/v1/mras/{mra['id']}/terminate", json={"reason": "ended"}, headers=auth(keys, "customs-CN"))
    assert recognition(client, keys, "NL", certificate="CNAEO-C-ONLY")["reason"] == "mra_terminated"


def test_expired_certificate_and_recognition_at_a_past_time(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    assert issue(client, keys, "CNAEO-SHORT", days=2).status_code == 201
    while_valid = datetime.fromtimestamp(chain_time(demo_runtime), UTC)
    assert recognition(client, keys, "DE", certificate="CNAEO-SHORT")["recognised"] is True
    advance(demo_runtime, 5 * 86_400)
    assert recognition(client, keys, "DE", certificate="CNAEO-SHORT")["reason"] == "expired"
    past = recognition(client, keys, "DE", certificate="CNAEO-SHORT", at=while_valid.isoformat())
    assert past["recognised"] is True and past["reason"] == "recognised_under_mra"
    before_issue = recognition(client, keys, "DE", certificate="CNAEO-SHORT", at="2020-01-01T00:00:00Z")
    assert before_issue["reason"] == "unknown_certificate"


def test_recognition_input_is_validated(client: TestClient, keys: Keys) -> None:
    response = client.get(
        "/v1/aeo/recognition", params={"certificate": DEMO, "by": "XX"}, headers=auth(keys, "auditor")
    )
    assert response.status_code == 422
    naive = client.get(
        "/v1/aeo/recognition",
        params={"certificate": DEMO, "by": "DE", "at": "2026-01-01T00:00:00"},
        headers=auth(keys, "auditor"),
    )
    assert naive.status_code == 422
