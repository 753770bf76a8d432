"""Data-driven customs through the API: structured declarations, the mirror comparison (who
may read it, allowed and refused), mirror statistics, and the time-release benchmark, the
same at one block on two nodes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import EVENT, auth
from tests.api.test_epcis import open_consignment
from tests.evidence.test_mirror import CONSIGNEE, CONSIGNOR, item
from tests.support import Keys, second_node

REFERENCE = "MIRROR-1"


def declare(client: TestClient, keys: Keys, who: str, kind: str, to: str, when: str, **item_overrides: Any) -> None:
    declaration = {
        "kind": kind,
        "mode": "rail",
        "declaredTo": to,
        "goods": {"consignor": CONSIGNOR, "consignee": CONSIGNEE, "items": [item(**item_overrides)]},
    }
    payload = {**EVENT, "eventTime": when, "bizStep": "declaring", "bl:declaration": declaration}
    response = client.post(
        f"/v1/consignments/{REFERENCE}/events",
        json={"event_type": "DECLARATION", "payload": payload},
        headers=auth(keys, who),
    )
    assert response.status_code == 201, response.text


@pytest.fixture(scope="module")
def declared(client: TestClient, keys: Keys) -> str:
    open_consignment(client, keys, REFERENCE)
    declare(client, keys, "exporter", "export", "CN", "2026-11-02T08:00:00+08:00")
    return REFERENCE


def test_a_malformed_structured_declaration_is_refused_by_name(client: TestClient, keys: Keys, declared: str) -> None:
    bad = {
        "kind": "import",
        "mode": "rail",
        "declaredTo": "DE",
        "goods": {"consignor": CONSIGNOR, "consignee": CONSIGNEE, "items": [item(hsCode="85")]},
    }
    response = client.post(
        f"/v1/consignments/{declared}/events",
        json={"event_type": "DECLARATION", "payload": {**EVENT, "bl:declaration": bad}},
        headers=auth(keys, "importer"),
    )
    assert response.status_code == 422 and response.json()["rule"] == "DeclarationFacts"
    assert "hsCode" in response.json()["message"]


def test_mirror_before_and_after_the_import_declaration(client: TestClient, keys: Keys, declared: str) -> None:
    first = client.get(f"/v1/consignments/{declared}/mirror", headers=auth(keys, "customs-DE")).json()
    assert first["compared"] is False and "import" in first["reason"]
    declare(
        client,
        keys,
        "importer",
        "import",
        "DE",
        "2026-11-18T09:00:00+01:00",
        valuationBasis="CIF",
        value={"value": 80000, "currency": "EUR"},
        netMassKg=1030,
        grossMassKg=1130,
    )
    for who in ("customs-DE", "customs-CN", "auditor"):
        answer = client.get(f"/v1/consignments/{declared}/mirror", headers=auth(keys, who))
        assert answer.status_code == 200, answer.text
    found = {d["code"]: d["severity"] for d in answer.json()["discrepancies"]}
    assert found == {"UNDERVALUATION": "critical", "NET_MASS": "major"}
    assert answer.json()["highest_severity"] == "critical" and answer.json()["tolerances"].startswith("mirror-")
    for who in ("customs-KZ", "exporter", "importer"):
        refused = client.get(f"/v1/consignments/{declared}/mirror", headers=auth(keys, who))
        assert refused.status_code == 403 and refused.json()["rule"] == "TradeDataAccess", who


def test_mirror_statistics_by_hs6_partner_and_month(client: TestClient, keys: Keys, declared: str) -> None:
    stats = client.get(
        "/v1/mirror/statistics", params={"jurisdiction": "DE", "month": "2026-11"}, headers=auth(keys, "customs-DE")
    ).json()
    row = next(r for r in stats["rows"] if r["hs6"] == "850440" and r["partner"] == "CN")
    assert row["flow"] == "import" and row["asymmetry_ratio"] == "0.8000" and row["critical"] == 1
    refused = client.get("/v1/mirror/statistics", params={"jurisdiction": "DE"}, headers=auth(keys, "customs-CN"))
    assert refused.status_code == 403 and refused.json()["rule"] == "TradeDataAccess"
    bad = client.get(
        "/v1/mirror/statistics", params={"jurisdiction": "DE", "month": "2026-13"}, headers=auth(keys, "customs-DE")
    )
    assert bad.status_code == 422


def test_time_release_is_the_same_report_at_one_block_on_two_nodes(
    demo_runtime: Runtime, client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    block = demo_runtime.services.node.chain.w3.eth.block_number
    report = client.get(
        "/v1/benchmark/time-release", params={"jurisdiction": "DE", "block": block}, headers=auth(keys, "customs-DE")
    )
    assert report.status_code == 200, report.text
    body = report.json()
    assert body["block"] == block and body["report_hash"].startswith("0x")
    assert body["consignments"] + sum(body["excluded"].values()) >= 1
    refused = client.get("/v1/benchmark/time-release", params={"jurisdiction": "DE"}, headers=auth(keys, "customs-KZ"))
    assert refused.status_code == 403 and refused.json()["rule"] == "TradeDataAccess"
    caller = demo_runtime.services.members.authenticate(keys["customs-DE"]["api_key"])
    with second_node(demo_runtime, tmp_path / "second-node") as (second, _):
        again = second.services.trade_data.time_release(caller, "DE", None, block)
    assert again == body


def test_a_report_anchored_by_customs_is_the_one_another_node_recomputes(
    demo_runtime: Runtime, client: TestClient, keys: Keys, tmp_path: Path
) -> None:
    block = demo_runtime.services.node.chain.w3.eth.block_number
    params = {"jurisdiction": "DE", "block": block}
    for who, rule in (("auditor", "ReportAnchorsNotCustoms"), ("customs-CN", "TradeDataAccess")):
        refused = client.post("/v1/benchmark/time-release/anchor", params=params, headers=auth(keys, who))
        assert refused.status_code == 403 and refused.json()["rule"] == rule, refused.text
    anchored = client.post("/v1/benchmark/time-release/anchor", params=params, headers=auth(keys, "customs-DE"))
    assert anchored.status_code == 200, anchored.text
    body = anchored.json()
    assert body["anchor"]["report_hash"] == body["report_hash"] and body["anchor"]["at_block"] == block
    again = client.post("/v1/benchmark/time-release/anchor", params=params, headers=auth(keys, "customs-DE"))
    assert again.status_code == 409 and again.json()["rule"] == "ReportAnchorsAlreadyAnchored"
    caller = demo_runtime.services.members.authenticate(keys["customs-DE"]["api_key"])
    with second_node(demo_runtime, tmp_path / "second-node") as (second, _):
        recomputed = second.services.trade_data.time_release(caller, "DE", None, block)
    assert recomputed["report_hash"] == recomputed["anchor"]["report_hash"] == body["report_hash"]
