"""Finding 14 of the trust review: names one member can take from another. EPCIS
de-duplication is per consignment (capturing a shared event into one's own consignment first
does not stop it being anchored on another's; a real duplicate says where the original is),
and AEO certificate numbers are their issuer's namespace. (Consignment references are still
one global name: see SECURITY.md.)"""

from __future__ import annotations

import json
from datetime import date, timedelta

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


def open_consignment(client: TestClient, keys: Keys, reference: str, exporter: str) -> None:
    body = {
        "reference": reference,
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    assert client.post("/v1/consignments", json=body, headers=auth(keys, exporter)).status_code == 201


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
