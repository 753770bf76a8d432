"""Control results as typed evidence, and the consignee's receipt: each rule at the API and,
where it concerns who may write, straight at the contract."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.runtime import Runtime
from evidence.event_types import EventType
from tests.api.conftest import EVENT, auth
from tests.api.test_epcis import capture, open_consignment
from tests.api.test_epcis_collected import one_event_document
from tests.support import Keys, append_at_the_contract

OFFICER = "0x" + "ab" * 32


def control_result(**overrides: Any) -> dict[str, Any]:
    result = {
        "controlId": "KZ-KHG-2026-0042",
        "authority": {"country": "KZ", "office": "KZKHG"},
        "controlType": "seal_check",
        "scope": "container MSKU 123456-5",
        "result": "conformant",
        "status7365": "40",
        "sealsExpected": ["CN-SEAL-778812"],
        "sealsFound": ["CN-SEAL-778812"],
        "findings": [{"kind": "scan_image", "sha256": "0x" + "cd" * 32}],
        "officer": OFFICER,
        "location": "KZKHG",
        "startTime": "2026-11-06T16:00:00+05:00",
        "endTime": "2026-11-06T16:20:00+05:00",
        "validUntil": "2026-12-06T16:20:00+05:00",
    }
    return result | overrides


def payload(**overrides: Any) -> dict[str, Any]:
    return {**EVENT, "bizStep": "inspecting", "bl:controlResult": control_result(**overrides)}


def post(client: TestClient, keys: Keys, reference: str, who: str, event_type: str, body: dict[str, Any]) -> Any:
    return client.post(
        f"/v1/consignments/{reference}/events",
        json={"event_type": event_type, "payload": body},
        headers=auth(keys, who),
    )


@pytest.fixture(scope="module")
def reference(client: TestClient, keys: Keys) -> str:
    open_consignment(client, keys, "CTRL-1")
    return "CTRL-1"


def test_transit_customs_records_a_control_result(client: TestClient, keys: Keys, reference: str) -> None:
    response = post(client, keys, reference, "customs-KZ", "CONTROL_RESULT", payload())
    assert response.status_code == 201, response.json()
    report = client.get(f"/v1/consignments/{reference}/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    assert report["entries"][-1]["event_type"] == "CONTROL_RESULT"


@pytest.mark.parametrize(
    ("overrides", "names"),
    [
        ({"sealsFound": ["CN-SEAL-000001"]}, "not conformant"),
        ({"status7365": "99"}, "status7365"),
        ({"officer": "Officer Serikbayev"}, "officer"),
        ({"endTime": "2026-11-06T15:00:00+05:00"}, "endTime is before startTime"),
        ({"startTime": "2026-11-06T16:00:00"}, "startTime"),
        ({"controlType": "x_ray_dreams"}, "controlType"),
        ({"authority": {"country": "KZ", "office": "Khorgos"}}, "authority.office"),
    ],
)
def test_a_malformed_control_result_is_refused_by_name(
    client: TestClient, keys: Keys, reference: str, overrides: dict[str, Any], names: str
) -> None:
    before = len(client.get(f"/v1/consignments/{reference}/events", headers=auth(keys, "auditor")).json())
    response = post(client, keys, reference, "customs-KZ", "CONTROL_RESULT", payload(**overrides))
    assert response.status_code == 422, response.json()
    assert response.json()["rule"] == "ControlResultFacts" and names in response.json()["message"]
    after = len(client.get(f"/v1/consignments/{reference}/events", headers=auth(keys, "auditor")).json())
    assert after == before


def test_a_control_result_is_signed_by_the_administration_that_made_it(
    client: TestClient, keys: Keys, reference: str
) -> None:
    response = post(client, keys, reference, "customs-DE", "CONTROL_RESULT", payload())  # states KZ
    assert response.status_code == 422 and response.json()["rule"] == "ControlResultFacts"
    assert "signed by the administration that made it" in response.json()["message"]
    bare = {k: v for k, v in payload().items() if k != "bl:controlResult"}
    response = post(client, keys, reference, "customs-KZ", "CONTROL_RESULT", bare)
    assert response.status_code == 422 and "states 'bl:controlResult'" in response.json()["message"]


def straight_at_the_contract(
    client: TestClient, keys: Keys, runtime: Runtime, reference: str, who: str, event_type: EventType, body: Any
) -> str:
    """``who``'s entry sent to the ledger contract itself: the contract's refusal, or ""."""
    consignment_id = client.get(f"/v1/consignments/{reference}", headers=auth(keys, "auditor")).json()["id"]
    return append_at_the_contract(runtime, keys[who]["address"], consignment_id, event_type, body)


def test_a_result_signed_by_a_non_customs_key_is_refused_at_api_and_contract(
    client: TestClient, keys: Keys, demo_runtime: Runtime, reference: str
) -> None:
    forged = payload()
    for who in ("carrier", "exporter"):
        response = post(client, keys, reference, who, "CONTROL_RESULT", forged)
        assert response.status_code == 403, response.json()
        assert response.json()["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"
        refusal = straight_at_the_contract(client, keys, demo_runtime, reference, who, EventType.CONTROL_RESULT, forged)
        assert refusal == "ConsignmentLedgerNotJurisdictionCustoms"


def test_only_the_consignee_confirms_receipt_at_api_and_contract(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    open_consignment(client, keys, "RCPT-1")
    received = {**EVENT, "bizStep": "receiving"}
    for who in ("exporter", "carrier", "customs-DE"):
        response = post(client, keys, "RCPT-1", who, "RECEIPT_CONFIRMED", received)
        assert response.status_code == 403 and response.json()["rule"] == "ConsignmentLedgerNotConsignee"
    assert (
        straight_at_the_contract(
            client, keys, demo_runtime, "RCPT-1", "exporter", EventType.RECEIPT_CONFIRMED, received
        )
        == "ConsignmentLedgerNotConsignee"
    )
    response = post(client, keys, "RCPT-1", "importer", "RECEIPT_CONFIRMED", received)
    assert response.status_code == 201, response.json()


def test_an_epcis_receiving_event_from_the_importer_is_its_receipt(client: TestClient, keys: Keys) -> None:
    """Once refused as a delivery (a carrier's) and kept as an unclassified observation."""
    open_consignment(client, keys, "RCPT-2")
    document = json.loads(json.dumps(EPCIS_RECEIVING))
    answer = capture(client, keys, document, who="importer", consignment="RCPT-2").json()
    assert answer["events"][0]["event_type"] == "RECEIPT_CONFIRMED", answer
    answer = capture(
        client,
        keys,
        copy.deepcopy(document) | {"creationDate": "2026-11-10T12:00:01Z"},
        who="carrier",
        consignment="RCPT-2",
    ).json()
    assert answer["events"][0]["status"] == "duplicate"  # the same event, already in this consignment


def test_a_captured_control_result_is_typed_and_checked_before_anything_is_appended(
    client: TestClient, keys: Keys
) -> None:
    open_consignment(client, keys, "CTRL-EPCIS")
    good = {
        **EPCIS_RECEIVING["epcisBody"]["eventList"][0],
        "bizStep": "inspecting",
        "bl:controlResult": control_result(),
    }
    bad = {**good, "bl:controlResult": control_result(sealsFound=[])}
    document = copy.deepcopy(EPCIS_RECEIVING)
    document["epcisBody"]["eventList"] = [good, bad]
    response = capture(client, keys, document, who="customs-KZ", consignment="CTRL-EPCIS")
    assert response.status_code == 422 and response.json()["rule"] == "ControlResultFacts", response.json()
    assert response.json()["message"].startswith("event 1:")
    assert client.get("/v1/consignments/CTRL-EPCIS/events", headers=auth(keys, "auditor")).json() == []
    document["epcisBody"]["eventList"] = [good]
    answer = capture(client, keys, document, who="customs-KZ", consignment="CTRL-EPCIS").json()
    assert answer["events"][0]["event_type"] == "CONTROL_RESULT", answer


EPCIS_RECEIVING = one_event_document(bizStep="receiving")
