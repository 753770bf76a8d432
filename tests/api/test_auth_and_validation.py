"""Authentication, validation and error bodies."""

from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import EVENT, auth
from tests.support import Keys

DEMO = "CQ-DUI-2026-0001"


def test_missing_api_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/consignments")
    assert response.status_code == 401
    assert "X-API-Key" in response.json()["message"]


def test_unknown_api_key_is_401(client: TestClient) -> None:
    response = client.get("/v1/consignments", headers={"X-API-Key": "blk_not-a-key"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthenticated"


def test_api_keys_are_stored_hashed(demo_runtime: Runtime, keys: Keys) -> None:
    from sqlalchemy import select

    from api.index.tables import api_keys

    with demo_runtime.services.node.index.engine.connect() as conn:
        stored = [r.key_hash for r in conn.execute(select(api_keys)).all()]
    assert keys["exporter"]["api_key"] not in stored
    assert all(len(h) == 64 for h in stored)


def test_unknown_field_in_body_is_rejected(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "LOADING", "payload": EVENT, "priority": "high"}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 422
    assert response.json()["problems"][0]["location"] == "body.priority"


def test_unknown_field_in_payload_is_rejected(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "LOADING", "payload": {**EVENT, "admin": True}}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 422
    assert "unknown field 'admin'" in response.json()["message"]


def test_unknown_event_type_is_rejected(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "TELEPORTED", "payload": EVENT}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 422
    assert "event_type" in response.json()["message"]


def test_bad_country_code_is_rejected(client: TestClient, keys: Keys) -> None:
    body = {
        "reference": "X-1",
        "origin": "XX",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    response = client.post("/v1/consignments", json=body, headers=auth(keys, "exporter"))
    assert response.status_code == 422
    assert "ISO 3166-1" in response.json()["message"]


def test_unknown_consignment_is_404(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/consignments/NOPE-1", headers=auth(keys, "exporter"))
    assert response.status_code == 404
    assert response.json()["rule"] == "ConsignmentReadAccess"
    assert response.json()["message"].startswith("no consignment NOPE-1 that you may read")


def test_oversized_body_is_413(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "LOADING", "payload": {**EVENT, "ext:blob": "x" * 2_000_000}}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 413


def test_openapi_docs_are_served(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert "/v1/consignments/{reference}/verify" in paths
