"""Per-key rate limits and idempotent POSTs."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from api.http.app import create_app
from api.runtime import Runtime
from tests.api.conftest import EVENT, auth
from tests.support import Keys


def test_rate_limit_answers_429_per_key(demo_runtime: Runtime, keys: Keys) -> None:
    settings = demo_runtime.settings.model_copy(update={"rate_limit_per_second": 1.0, "rate_limit_burst": 3})
    with TestClient(create_app(settings=settings, runtime=demo_runtime)) as limited:
        answers = [limited.get("/v1/participants/me", headers=auth(keys, "auditor")).status_code for _ in range(5)]
        assert answers[:3] == [200, 200, 200] and 429 in answers[3:]
        refused = limited.get("/v1/participants/me", headers=auth(keys, "auditor"))
        assert refused.status_code == 429 and refused.json()["rule"] == "RateLimit"
        assert int(refused.headers["retry-after"]) >= 1
        # Another key has its own bucket.
        assert limited.get("/v1/participants/me", headers=auth(keys, "importer")).status_code == 200


def test_same_idempotency_key_gives_the_same_entry_once(client: TestClient, keys: Keys) -> None:
    key = str(uuid.uuid4())
    headers = {**auth(keys, "customs-KZ"), "Idempotency-Key": key}
    body = {"event_type": "INSPECTED", "payload": EVENT}
    first = client.post("/v1/consignments/CQ-DUI-2026-0001/events", json=body, headers=headers)
    second = client.post("/v1/consignments/CQ-DUI-2026-0001/events", json=body, headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.json() == second.json()
    assert second.headers.get("idempotent-replayed") == "true"
    events = client.get("/v1/consignments/CQ-DUI-2026-0001/events", headers=auth(keys, "auditor")).json()
    assert sum(e["entry_hash"] == first.json()["entry_hash"] for e in events) == 1


def test_idempotency_key_reused_for_another_request_is_refused(client: TestClient, keys: Keys) -> None:
    key = str(uuid.uuid4())
    headers = {**auth(keys, "customs-KZ"), "Idempotency-Key": key}
    first = client.post(
        "/v1/consignments/CQ-DUI-2026-0001/events", json={"event_type": "HELD", "payload": EVENT}, headers=headers
    )
    assert first.status_code == 201
    other = client.post(
        "/v1/consignments/CQ-DUI-2026-0001/events", json={"event_type": "RELEASED", "payload": EVENT}, headers=headers
    )
    assert other.status_code == 422 and other.json()["rule"] == "IdempotencyKeyReused"


def test_idempotent_consignment_creation(client: TestClient, keys: Keys) -> None:
    headers = {**auth(keys, "exporter"), "Idempotency-Key": str(uuid.uuid4())}
    body = {
        "reference": "IDEM-0001",
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    first = client.post("/v1/consignments", json=body, headers=headers)
    again = client.post("/v1/consignments", json=body, headers=headers)
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
