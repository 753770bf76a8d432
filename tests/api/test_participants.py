"""Participants and governance through the API, checked against the registry on chain."""

from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import auth
from tests.support import Keys


def test_customs_admits_operator_of_own_jurisdiction(client: TestClient, keys: Keys, demo_runtime: Runtime) -> None:
    body = {"name": "Xi'an Freight", "legal_id": "CN-XF-1", "jurisdiction": "CN", "roles": ["CARRIER"]}
    response = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["participant"]["status"] == "active" and created["participant"]["roles"] == ["CARRIER"]
    assert demo_runtime.services.node.chain.member(created["participant"]["address"]).status == "active"
    me = client.get("/v1/participants/me", headers={"X-API-Key": created["api_key"]})
    assert me.status_code == 200 and me.json()["name"] == "Xi'an Freight"


def test_customs_cannot_admit_operator_of_another_jurisdiction(client: TestClient, keys: Keys) -> None:
    body = {"name": "Berlin Trade", "legal_id": "DE-BT", "jurisdiction": "DE", "roles": ["EXPORTER"]}
    response = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsortiumRegistryForeignJurisdiction"


def test_operator_cannot_register_members(client: TestClient, keys: Keys) -> None:
    body = {"name": "Shadow Co", "legal_id": "CN-S", "jurisdiction": "CN", "roles": ["EXPORTER"]}
    response = client.post("/v1/participants", json=body, headers=auth(keys, "exporter"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsortiumRegistryMissingRole"


def test_suspension_by_own_customs_only_and_it_blocks_appends(client: TestClient, keys: Keys) -> None:
    carrier = keys["carrier"]["address"]
    assert client.post(f"/v1/participants/{carrier}/suspend", headers=auth(keys, "customs-DE")).status_code == 403
    suspended = client.post(f"/v1/participants/{carrier}/suspend", headers=auth(keys, "customs-CN"))
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    body = {
        "event_type": "ARRIVING",
        "payload": {
            "type": "ObjectEvent",
            "eventTime": "2026-11-08T10:00:00Z",
            "eventTimeZoneOffset": "+00:00",
            "action": "OBSERVE",
        },
    }
    refused = client.post("/v1/consignments/CQ-DUI-2026-0001/events", json=body, headers=auth(keys, "carrier"))
    assert refused.status_code == 403 and refused.json()["rule"] == "MemberNotActive"
    # Reads too: a suspended member keeps no access through its keys.
    read = client.get("/v1/consignments/CQ-DUI-2026-0001", headers=auth(keys, "carrier"))
    assert read.status_code == 403 and read.json()["rule"] == "MemberNotActive"
    reinstated = client.post(f"/v1/participants/{carrier}/reinstate", headers=auth(keys, "customs-CN"))
    assert reinstated.json()["status"] == "active"


def test_new_customs_administration_needs_a_majority(client: TestClient, keys: Keys) -> None:
    body = {
        "name": "Direction générale des douanes",
        "legal_id": "FR-DGDDI",
        "jurisdiction": "FR",
        "roles": ["CUSTOMS"],
    }
    response = client.post("/v1/participants", json=body, headers=auth(keys, "customs-DE"))
    assert response.status_code == 201, response.json()
    proposal = response.json()["proposal"]
    assert proposal["kind"] == "admit_customs" and not proposal["executed"]
    assert response.json()["participant"]["status"] == "none"
    fr_key = {"X-API-Key": response.json()["api_key"]}
    # Not yet a member: it cannot govern.
    assert client.post(f"/v1/proposals/{proposal['id']}/approve", headers=fr_key).status_code == 403
    # The proposer cannot approve twice; a second administration makes the majority (2 of 3).
    twice = client.post(f"/v1/proposals/{proposal['id']}/approve", headers=auth(keys, "customs-DE"))
    assert twice.status_code == 409 and twice.json()["rule"] == "ConsortiumRegistryAlreadyApproved"
    approved = client.post(f"/v1/proposals/{proposal['id']}/approve", headers=auth(keys, "customs-KZ"))
    assert approved.status_code == 200 and approved.json()["executed"]
    assert client.get("/v1/participants/me", headers=fr_key).json()["status"] == "active"


def test_participants_list_shows_chain_status(client: TestClient, keys: Keys) -> None:
    listed = client.get("/v1/participants", headers=auth(keys, "auditor")).json()
    by_address = {p["address"]: p for p in listed}
    assert by_address[keys["customs-KZ"]["address"]]["roles"] == ["CUSTOMS"]
    assert by_address[keys["exporter"]["address"]]["status"] == "active"
