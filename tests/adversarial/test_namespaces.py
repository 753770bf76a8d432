"""Finding 14 of the trust review: names one member can take from another. Consignment
references are each exporter's namespace (the id binds exporter and reference, at the API and
at the contract), EPCIS de-duplication is per consignment (capturing a shared event into one's
own consignment first does not stop it being anchored on another's; a real duplicate says
where the original is), and AEO certificate numbers are their issuer's namespace."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import auth
from tests.support import Keys

EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "bizStep": "departing",
    "eventTime": "2026-11-12T08:00:00Z",
    "eventTimeZoneOffset": "+00:00",
    "epcList": ["urn:epc:id:sscc:0614141.9999999999"],
}
DOCUMENT = {
    "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
    "type": "EPCISDocument",
    "schemaVersion": "2.0",
    "creationDate": "2026-11-12T09:00:00Z",
    "epcisBody": {"eventList": [EVENT]},
}


def open_consignment(client: TestClient, keys: Keys, reference: str, exporter: str) -> dict[str, Any]:
    return open_as(client, keys, reference, auth(keys, exporter))


def open_as(client: TestClient, keys: Keys, reference: str, headers: dict[str, str]) -> dict[str, Any]:
    body = {
        "reference": reference,
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    opened = client.post("/v1/consignments", json=body, headers=headers)
    assert opened.status_code == 201, opened.json()
    consignment: dict[str, Any] = opened.json()
    return consignment


def second_exporter(client: TestClient, keys: Keys) -> dict[str, str]:
    body = {"name": "Squatter Trading", "legal_id": "CN-SQUAT", "jurisdiction": "CN", "roles": ["EXPORTER"]}
    created = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
    assert created.status_code == 201, created.json()
    return {"X-API-Key": created.json()["api_key"]}


def test_an_exporter_cannot_squat_another_exporters_reference(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    squatter = second_exporter(client, keys)
    # The squatter takes the reference first, naming the victim's importer and carrier...
    squatted = open_as(client, keys, "SQUAT-REF-1", squatter)
    # ...and the victim still opens its own consignment under it.
    own = open_consignment(client, keys, "SQUAT-REF-1", "exporter")
    assert own["exporter"] == keys["exporter"]["address"] and own["id"] != squatted["id"]
    ledger = demo_runtime.services.node.chain.ledger
    assert own["id"] == "0x" + ledger.functions.consignmentId(own["exporter"], "SQUAT-REF-1").call().hex()
    # Each exporter's bare reference names its own consignment...
    mine = client.get("/v1/consignments/SQUAT-REF-1", headers=auth(keys, "exporter")).json()
    theirs = client.get("/v1/consignments/SQUAT-REF-1", headers=squatter).json()
    assert (mine["id"], theirs["id"]) == (own["id"], squatted["id"])
    # ...the importer, party to both, is told the reference is ambiguous and given the ids...
    ambiguous = client.get("/v1/consignments/SQUAT-REF-1/head", headers=auth(keys, "importer"))
    assert ambiguous.status_code == 409 and ambiguous.json()["rule"] == "ConsignmentReferenceAmbiguous"
    assert own["id"] in ambiguous.json()["message"] and squatted["id"] in ambiguous.json()["message"]
    # ...and addresses each by id.
    head = client.get(f"/v1/consignments/{own['id']}/head", headers=auth(keys, "importer")).json()
    assert (head["consignment"], head["exporter"], head["reference"]) == (own["id"], own["exporter"], "SQUAT-REF-1")
    # Opening a reference twice is refused for the same exporter only.
    again = client.post(
        "/v1/consignments",
        json={
            "reference": "SQUAT-REF-1",
            "origin": "CN",
            "destination": "DE",
            "importer": keys["importer"]["address"],
            "carrier": keys["carrier"]["address"],
        },
        headers=squatter,
    )
    assert again.status_code == 409 and again.json()["rule"] == "ConsignmentLedgerAlreadyExists"


def test_a_reference_cannot_pose_as_an_id(client: TestClient, keys: Keys) -> None:
    body = {
        "reference": "0x" + "ab" * 32,
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    refused = client.post("/v1/consignments", json=body, headers=auth(keys, "exporter"))
    assert refused.status_code == 422 and "form of a consignment id" in json.dumps(refused.json())


def test_an_id_of_a_consignment_one_may_not_read_is_refused_like_an_unknown_one(client: TestClient, keys: Keys) -> None:
    opened = open_consignment(client, keys, "SQUAT-REF-2", "exporter")
    outsider = auth(keys, "customs-KZ")  # KZ is not on this CN → DE route
    hidden = client.get(f"/v1/consignments/{opened['id']}", headers=outsider)
    unknown = client.get("/v1/consignments/0x" + "00" * 32, headers=outsider)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["rule"] == unknown.json()["rule"] == "ConsignmentReadAccess"


def capture(client: TestClient, keys: Keys, reference: str) -> dict[str, object]:
    answer = client.post(
        "/v1/epcis/capture",
        params={"consignment": reference},
        content=json.dumps(DOCUMENT),
        headers={**auth(keys, "carrier"), "Content-Type": "application/ld+json"},
    )
    assert answer.status_code == 201, answer.json()
    event: dict[str, object] = answer.json()["events"][0]
    return event


def test_duplicates_are_per_consignment_and_say_where_the_original_is(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "EPCIS-SCOPE-A", "exporter")
    open_consignment(client, keys, "EPCIS-SCOPE-B", "exporter")
    first = capture(client, keys, "EPCIS-SCOPE-A")
    assert first["status"] == "captured"
    elsewhere = capture(client, keys, "EPCIS-SCOPE-B")
    assert elsewhere["status"] == "captured" and elsewhere["consignment"] == "EPCIS-SCOPE-B"
    again = capture(client, keys, "EPCIS-SCOPE-A")
    assert again["status"] == "duplicate" and again["consignment"] == "EPCIS-SCOPE-A" and again["seq"] == first["seq"]


def test_a_customs_administration_cannot_take_another_ones_certificate_numbers(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    document = client.post(
        "/v1/documents",
        params={"document_type": "aeo_certificate", "filename": "aeo.txt"},
        content=b"AEO certificate",
        headers={**auth(keys, "customs-DE"), "Content-Type": "text/plain"},
    ).json()
    body = {
        "number": "CNAEO2026999999",  # CN's numbering, issued by DE for a DE holder
        "holder": keys["importer"]["address"],
        "programmes": ["AEO-S"],
        "valid_from": str(date.today()),
        "valid_until": str(date.today() + timedelta(days=30)),
        "document_cid": document["cid"],
        "data_elements": {
            "operator_name": "Importer",
            "operator_address": "1 Hafen, Duisburg",
            "identification_number": "DE-1",
            "validation_date": str(date.today()),
        },
    }
    refused = client.post("/v1/aeo/certificates", json=body, headers=auth(keys, "customs-DE"))
    assert refused.status_code == 403 and refused.json()["rule"] == "AEORegistryNumberOutsideNamespace"
    assert (
        client.post(
            "/v1/aeo/certificates", json=body | {"number": "DEAEO2026000001"}, headers=auth(keys, "customs-DE")
        ).status_code
        == 201
    )
