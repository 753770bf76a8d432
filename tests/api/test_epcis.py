"""EPCIS 2.0: every GS1 example captured, exported schema-valid, round trip, hash IDs, query."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from epcis_event_hash_generator import json_to_py
from epcis_event_hash_generator.events_from_file_reader import event_list_from_file
from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
from fastapi.testclient import TestClient
from httpx import Response
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.epcis.validate import problems_of
from api.services.epcis import events_of
from tests.api.conftest import auth
from tests.support import Keys, epcis_example_files

FILES = epcis_example_files()
Captured = dict[str, dict[str, Any]]
"""Per GS1 example file: its consignment, its path and the capture answer."""


def example(name: str) -> Path:
    return next(f for f in FILES if f.name == name)


ADDED = ("bl:anchoring", "bl:cbvHash", "bl:corrections")


def context_items(context: Any) -> list[Any]:
    return list(context) if isinstance(context, list) else [] if context is None else [context]


def assert_round_trip(exported: dict[str, Any], event: dict[str, Any], original: dict[str, Any], name: str) -> None:
    """Every field of the original event comes back, and every context it was sent with is in
    force for it: in the export's ``@context`` or in the event's own."""
    back = {k: v for k, v in event.items() if k not in ADDED and k != "@context"}
    expected = {k: v for k, v in copy.deepcopy(original).items() if k != "@context"}
    if "eventID" not in expected and "eventID" in back:
        assert back.pop("eventID").startswith("ni:///sha-256;")
    assert back == expected, name
    in_force = context_items(exported["@context"]) + context_items(event.get("@context"))
    prefixes = {k: v for item in in_force if isinstance(item, dict) for k, v in item.items()}
    for item in context_items(original.get("@context")):
        if isinstance(item, dict):
            assert all(prefixes.get(k) == v for k, v in item.items()), (name, item)
        else:
            assert item in in_force, (name, item)


def open_consignment(client: TestClient, keys: Keys, reference: str) -> None:
    body = {
        "reference": reference,
        "origin": "CN",
        "destination": "DE",
        "transit": ["KZ"],
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    response = client.post("/v1/consignments", json=body, headers=auth(keys, "exporter"))
    assert response.status_code == 201, response.json()


def capture(
    client: TestClient, keys: Keys, document: Any, who: str = "carrier", consignment: str | None = None
) -> Response:
    params = {"consignment": consignment} if consignment else {}
    response: Response = client.post(
        "/v1/epcis/capture",
        params=params,
        content=json.dumps(document),
        headers={**auth(keys, who), "Content-Type": "application/ld+json"},
    )
    return response


def reference_hashes(path: Path) -> list[str] | None:
    # The reference parser keeps namespace prefixes in module state; its command line starts
    # each document afresh, and so does this.
    json_to_py._namespaces.clear()
    try:
        return [str(h) for h in epcis_hashes_from_events(event_list_from_file(str(path)))]
    except Exception:  # the reference code cannot read some files as a whole
        return None


@pytest.fixture(scope="module")
def captured(client: TestClient, keys: Keys) -> Captured:
    """Every GS1 example captured into a consignment of its own."""
    assert len(FILES) == 47
    out = {}
    for number, path in enumerate(FILES):
        reference = f"EPCIS-{number:02d}"
        open_consignment(client, keys, reference)
        response = capture(client, keys, json.loads(path.read_text()), consignment=reference)
        assert response.status_code == 201, (path.name, response.json())
        out[path.name] = {"reference": reference, "path": path, "result": response.json()}
    return out


def test_all_47_examples_are_captured(captured: Captured) -> None:
    assert len(captured) == 47
    for name, item in captured.items():
        document = json.loads(item["path"].read_text())
        assert len(item["result"]["events"]) == len(events_of(document)), name
        assert all(e["status"] in ("captured", "duplicate") for e in item["result"]["events"])
    # Each file went to a consignment of its own, and duplicates are per consignment: the same
    # event in several files (e.g. 9.6.1 with and without a comment) is anchored on each.
    assert sum(c["result"]["captured"] for c in captured.values()) == sum(
        len(c["result"]["events"]) for c in captured.values()
    )
    assert sum(c["result"]["duplicates"] for c in captured.values()) == 0


def test_each_export_validates_and_round_trips_every_field(client: TestClient, keys: Keys, captured: Captured) -> None:
    for name, item in captured.items():
        exported = client.get(f"/v1/consignments/{item['reference']}/epcis", headers=auth(keys, "auditor"))
        assert exported.status_code == 200
        document = exported.json()
        assert problems_of(document) == [], (name, problems_of(document)[:2])
        original = events_of(json.loads(item["path"].read_text()))
        captured_indexes = [e["event"] for e in item["result"]["events"] if e["status"] == "captured"]
        out = document["epcisBody"]["eventList"]
        assert len(out) == len(captured_indexes), name
        sent = json.loads(item["path"].read_text())
        for index, event in zip(captured_indexes, out, strict=True):
            # The document's extension contexts travel with each of its events.
            original_event = {**original[index]}
            scoped = [c for c in context_items(sent["@context"]) if isinstance(c, dict)]
            if scoped:
                original_event["@context"] = scoped + context_items(original_event.get("@context"))
            assert_round_trip(document, event, original_event, name)
            assert event["bl:anchoring"]["txHash"].startswith("0x")


def test_hash_ids_equal_the_reference_algorithm(captured: Captured) -> None:
    compared = 0
    for name, item in captured.items():
        expected = reference_hashes(item["path"])
        got = [e["hash_id"] for e in item["result"]["events"]]
        if expected is None:
            continue  # the reference code itself fails on this file (see the closing note)
        assert got == expected, name
        compared += 1
    assert compared >= 44


def test_same_events_again_are_duplicates(client: TestClient, keys: Keys, captured: Captured) -> None:
    item = captured["Example_9.6.1-ObjectEvent.jsonld"]
    before = client.get(f"/v1/consignments/{item['reference']}", headers=auth(keys, "carrier")).json()["entries"]
    again = capture(client, keys, json.loads(item["path"].read_text()), consignment=item["reference"])
    assert again.status_code == 201
    assert again.json()["captured"] == 0 and again.json()["duplicates"] == 2
    after = client.get(f"/v1/consignments/{item['reference']}", headers=auth(keys, "carrier")).json()["entries"]
    assert after == before


def test_one_invalid_event_rejects_the_whole_document(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "EPCIS-INVALID")
    document = json.loads(example("Example_9.6.1-ObjectEvent.jsonld").read_text())
    document["epcisBody"]["eventList"][1]["action"] = "TELEPORT"
    response = capture(client, keys, document, consignment="EPCIS-INVALID")
    assert response.status_code == 422
    problem = response.json()["problems"][0]
    assert problem["event"] == 1 and problem["location"] == "/epcisBody/eventList/1/action"
    assert "event 1" in response.json()["message"]
    head = client.get("/v1/consignments/EPCIS-INVALID", headers=auth(keys, "carrier")).json()
    assert head["entries"] == 0


def test_biz_transaction_maps_events_and_biz_step_picks_the_event_type(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "BT-MAP-0001")
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "loading",
        "eventTime": "2026-11-10T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sscc:0614141.1234567890"],
        "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:BT-MAP-0001"}],
    }
    shipping = {**event, "bizStep": "shipping", "eventTime": "2026-11-10T09:00:00Z"}
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-10T10:00:00Z",
        "epcisBody": {"eventList": [event, shipping]},
    }
    response = capture(client, keys, document)
    assert response.status_code == 201, response.json()
    assert [e["event_type"] for e in response.json()["events"]] == ["LOADING", "OBSERVED"]
    assert {e["consignment"] for e in response.json()["events"]} == {"BT-MAP-0001"}

    inspection = {**event, "bizStep": "inspecting", "eventTime": "2026-11-10T11:00:00Z"}
    by_customs = capture(client, keys, {**document, "epcisBody": {"eventList": [inspection]}}, who="customs-KZ")
    assert by_customs.json()["events"][0]["event_type"] == "INSPECTED"

    unmapped: dict[str, Any] = copy.deepcopy(event)
    unmapped["bizTransactionList"][0]["bizTransaction"] = "urn:epcglobal:cbv:bt:0614141000005:NOPE"
    refused = capture(client, keys, {**document, "epcisBody": {"eventList": [unmapped]}})
    assert refused.status_code == 422 and "no consignment" in refused.json()["message"]


def test_query_filters(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "BT-QUERY-0001")
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sscc:0614141.1234567899"],
    }
    steps = [("loading", "08:00"), ("shipping", "09:00"), ("inspecting", "11:00")]
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-10T12:00:00Z",
        "epcisBody": {
            "eventList": [{**event, "bizStep": step, "eventTime": f"2026-11-10T{at}:00Z"} for step, at in steps]
        },
    }
    assert capture(client, keys, document, consignment="BT-QUERY-0001").status_code == 201
    base = "/v1/consignments/BT-QUERY-0001/epcis"
    headers = auth(keys, "auditor")
    assert len(client.get(base, headers=headers).json()["epcisBody"]["eventList"]) == 3
    loading = client.get(base, params={"EQ_bizStep": "loading"}, headers=headers).json()["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in loading] == ["loading"]
    window = client.get(
        base, params={"GE_eventTime": "2026-11-10T08:30:00Z", "LT_eventTime": "2026-11-10T10:00:00Z"}, headers=headers
    ).json()["epcisBody"]["eventList"]
    assert [e["bizStep"] for e in window] == ["shipping"]
    none = client.get(base, params={"eventType": "AggregationEvent"}, headers=headers).json()["epcisBody"]["eventList"]
    assert none == []


def test_auditor_cannot_capture_and_nothing_is_appended(client: TestClient, keys: Keys) -> None:
    document = json.loads(example("Example_9.6.2-ObjectEvent.jsonld").read_text())
    open_consignment(client, keys, "EPCIS-AUDITOR")
    response = capture(client, keys, document, who="auditor", consignment="EPCIS-AUDITOR")
    assert response.status_code == 403 and response.json()["rule"] == "ConsignmentLedgerNotParty"
    assert client.get("/v1/consignments/EPCIS-AUDITOR", headers=auth(keys, "carrier")).json()["entries"] == 0


def test_demo_consignment_exports_schema_valid(client: TestClient, keys: Keys) -> None:
    document = client.get("/v1/consignments/CQ-DUI-2026-0001/epcis", headers=auth(keys, "auditor")).json()
    assert problems_of(document) == []
    assert len(document["epcisBody"]["eventList"]) == 6


def test_query_values_in_any_cbv_form_and_bad_parameters_refused_by_name(client: TestClient, keys: Keys) -> None:
    """EQ_bizStep matches the bare word, the GS1 Web URI and the CBV URN alike; a time that is
    not RFC 3339 and a parameter the node does not support are refused by name (4xx)."""
    open_consignment(client, keys, "BT-QUERY-0002")
    document = {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-10T12:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "action": "OBSERVE",
                    "bizStep": "https://ref.gs1.org/cbv/BizStep-loading",
                    "eventTime": "2026-11-10T08:00:00Z",
                    "eventTimeZoneOffset": "+00:00",
                    "epcList": ["urn:epc:id:sscc:0614141.1234567898"],
                }
            ]
        },
    }
    assert capture(client, keys, document, consignment="BT-QUERY-0002").status_code == 201
    base = "/v1/consignments/BT-QUERY-0002/epcis"
    headers = auth(keys, "auditor")
    for form in ("loading", "urn:epcglobal:cbv:bizstep:loading", "https://ref.gs1.org/cbv/BizStep-loading"):
        found = client.get(base, params={"EQ_bizStep": form}, headers=headers).json()["epcisBody"]["eventList"]
        assert len(found) == 1, form
    bad_time = client.get(base, params={"GE_eventTime": "22-07-2026"}, headers=headers)
    assert bad_time.status_code == 422 and "GE_eventTime" in bad_time.json()["message"]
    unknown = client.get(base, params={"MATCH_epc": "urn:epc:id:sscc:0614141.1234567898"}, headers=headers)
    assert unknown.status_code == 422 and "MATCH_epc" in unknown.json()["message"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["eventType", "EQ_bizStep", "EQ_disposition", "GE_eventTime", "LT_eventTime", "other"]),
        st.text(max_size=40),
        max_size=4,
    )
)
def test_no_query_yields_a_server_error(client: TestClient, keys: Keys, params: dict[str, str]) -> None:
    answer = client.get("/v1/consignments/CQ-DUI-2026-0001/epcis", params=params, headers=auth(keys, "auditor"))
    assert answer.status_code < 500, (params, answer.text)
    assert answer.headers["content-type"].startswith(("application/json", "application/ld+json"))


def test_the_unversioned_gs1_context_gets_the_same_hash_ids(client: TestClient, keys: Keys) -> None:
    """Many implementations emit GS1's unversioned context URL: its events get the CBV hash
    ID the versioned 2.0.0 context gives them, not none."""
    from api.epcis.contexts import DEFAULT_CONTEXT
    from api.epcis.hashing import event_hash_id

    unversioned = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
    event = {
        "type": "ObjectEvent",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "eventTime": "2026-11-11T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sscc:0614141.1234567897"],
    }
    assert event_hash_id([unversioned], event) == event_hash_id([DEFAULT_CONTEXT], event)
    open_consignment(client, keys, "BT-CONTEXT-0001")
    document = {
        "@context": [unversioned],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-11-11T09:00:00Z",
        "epcisBody": {"eventList": [event]},
    }
    answer = capture(client, keys, document, consignment="BT-CONTEXT-0001")
    assert answer.status_code == 201, answer.json()
    captured = answer.json()["events"][0]
    assert captured["hash_id"] == event_hash_id([DEFAULT_CONTEXT], event) and captured["hash_error"] is None
