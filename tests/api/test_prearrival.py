"""Pre-arrival declarations through the API on a real chain: the declaration's block time
against the signed time of the loading or arrival, order by where the ledger wrote them,
and the offline verifier agreeing with the node from the evidence bundle alone."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from evidence.bundle import parse_bundle, verify_bundle
from tests.api.conftest import EVENT, auth
from tests.api.test_epcis import open_consignment
from tests.support import Keys

HOUR = 3600


def at(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat().replace("+00:00", "Z")


def append(client: TestClient, keys: Keys, reference: str, who: str, event_type: str, **fields: Any) -> dict[str, Any]:
    payload = {**EVENT, **fields, "eventTimeZoneOffset": "+00:00"}
    response = client.post(
        f"/v1/consignments/{reference}/events",
        json={"event_type": event_type, "payload": payload},
        headers=auth(keys, who),
    )
    assert response.status_code == 201, response.json()
    return dict(response.json())


def declare(client: TestClient, keys: Keys, reference: str, **facts: Any) -> int:
    """The exporter's declaration; returns the timestamp of the block that holds it."""
    stated = {"kind": "entry_summary", "declaredTo": "DE"} | facts
    append(client, keys, reference, "exporter", "DECLARATION", **{"bl:declaration": stated})
    events = client.get(f"/v1/consignments/{reference}/events", headers=auth(keys, "exporter")).json()
    return int(events[-1]["block_time"])


def proofs(client: TestClient, keys: Keys, reference: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/consignments/{reference}/pre-arrival", headers=auth(keys, "importer"))
    assert response.status_code == 200, response.json()
    return list(response.json()["declarations"])


def scenario(
    client: TestClient, keys: Keys, reference: str, mode: str, counted_from: str, lead: int, **facts: Any
) -> str:
    open_consignment(client, keys, reference)
    declared_at = declare(client, keys, reference, mode=mode, **facts)
    append(client, keys, reference, "carrier", counted_from, eventTime=at(declared_at + lead))
    (proof,) = proofs(client, keys, reference)
    assert proof["times_from_chain"] is True
    return str(proof["status"])


def test_a_container_declared_25_hours_before_loading_is_timely_23_late(client: TestClient, keys: Keys) -> None:
    assert scenario(client, keys, "PRE-SEA-25", "sea_container", "LOADING", 25 * HOUR) == "timely"
    assert scenario(client, keys, "PRE-SEA-23", "sea_container", "LOADING", 23 * HOUR) == "late"


def test_road_30_minutes_before_arrival_is_late(client: TestClient, keys: Keys) -> None:
    assert scenario(client, keys, "PRE-ROAD", "road", "ARRIVING", 30 * 60) == "late"


def test_the_rail_exception_applies(client: TestClient, keys: Keys) -> None:
    assert scenario(client, keys, "PRE-RAIL-1", "rail", "ARRIVING", 90 * 60) == "late"
    assert scenario(client, keys, "PRE-RAIL-2", "rail", "ARRIVING", 90 * 60, railShortFinalLeg=True) == "timely"


def test_a_declaration_mined_after_arrival_is_an_order_violation(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "PRE-ORDER")
    # The arrival claims a time far ahead; the declaration claims nothing: the ledger's order decides.
    append(client, keys, "PRE-ORDER", "carrier", "ARRIVING", eventTime="2099-01-01T00:00:00Z")
    declare(client, keys, "PRE-ORDER", mode="road")
    (proof,) = proofs(client, keys, "PRE-ORDER")
    assert proof["status"] == "order_violation", proof


def test_a_declaration_without_its_facts_is_refused_by_name(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "PRE-BARE")
    response = client.post(
        "/v1/consignments/PRE-BARE/events",
        json={"event_type": "DECLARATION", "payload": EVENT},
        headers=auth(keys, "exporter"),
    )
    assert response.status_code == 422 and response.json()["rule"] == "DeclarationFacts", response.json()
    assert client.get("/v1/consignments/PRE-BARE/events", headers=auth(keys, "exporter")).json() == []


def test_the_offline_verifier_agrees_with_the_node(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    scenario(client, keys, "PRE-OFFLINE", "sea_container", "LOADING", 25 * HOUR)
    declared = declare(client, keys, "PRE-OFFLINE", kind="entry_summary", mode="road")  # late: loading is before it
    assert declared
    node = proofs(client, keys, "PRE-OFFLINE")
    data = client.get("/v1/consignments/PRE-OFFLINE/bundle", headers=auth(keys, "auditor")).json()
    offline = verify_bundle(parse_bundle(data)).pre_arrival
    assert offline is not None

    def decisive(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{k: v for k, v in p.items() if k != "times_from_chain"} for p in items]

    assert decisive(offline) == decisive(node)
    assert [p["status"] for p in node] == ["timely", "incomplete"]  # no arrival yet for the second
    assert all(p.get("times_from_chain") is False for p in offline if "times_from_chain" in p)
    # The command line says the same, and that its times are the bundle's own.
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    run = subprocess.run(
        [sys.executable, "-m", "api.cli", "verify-bundle", str(path), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    printed = json.loads(run.stdout)
    assert decisive(printed["pre_arrival"]) == decisive(node)


def test_the_verification_report_carries_the_proofs(client: TestClient, keys: Keys) -> None:
    scenario(client, keys, "PRE-REPORT", "road", "ARRIVING", 2 * HOUR)
    report = client.get("/v1/consignments/PRE-REPORT/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    assert [p["status"] for p in report["pre_arrival"]] == ["timely"]
