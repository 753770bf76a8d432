"""Consignments and events end to end against the embedded anvil: allowed and refused paths."""

from fastapi.testclient import TestClient
from sqlalchemy import update

from api.index.tables import entries
from api.runtime import Runtime
from evidence.event_types import EventType
from evidence.types import hash32
from tests.api.conftest import EVENT, auth
from tests.support import Keys, append_at_the_contract

DEMO = "CQ-DUI-2026-0001"


def test_demo_consignment_verifies(client: TestClient, keys: Keys) -> None:
    response = client.get(f"/v1/consignments/{DEMO}/verify", headers=auth(keys, "importer"))
    assert response.status_code == 200
    report = response.json()
    assert report["verdict"] == "passed", report["failures"]
    # The six seeded entries (other tests of this module may append after them).
    assert len(report["entries"]) >= 6
    assert [e["event_type"] for e in report["entries"][:6]] == [
        "DECLARATION",
        "LOADING",
        "SEAL_VERIFIED",
        "RELEASED",
        "DEPARTING",
        "CONTROL_RESULT",
    ]
    assert {c["name"] for c in report["entries"][0]["checks"]} == {
        "payload_hash",
        "entry_hash",
        "signature",
        "chain_link",
        "on_chain",
        "authorised",
    }
    assert {c["name"] for c in report["checks"]} == {
        "trust_root",
        "consignment_id",
        "consignment_on_chain",
        "chain_head",
        "membership",
    }
    assert report["not_checked"] == []
    custody = report["custody"]
    assert [c["result"] for c in custody["controls"][:3]] == ["SEAL_VERIFIED", "RELEASED", "CONTROL_RESULT"]
    assert [c["jurisdiction"] for c in custody["controls"][:3]] == ["CN", "CN", "KZ"]
    assert custody["holders"][0]["carrier"] == keys["carrier"]["address"]
    assert all(c["passed"] for e in report["entries"] for c in e["checks"])


def test_carrier_cannot_append_customs_release_at_either_layer(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    body = {"event_type": "RELEASED", "payload": EVENT}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"
    assert "control events (RELEASED) are appended only by customs" in response.json()["message"]

    # The same append sent straight to the contract from the carrier's own account.
    chain = demo_runtime.services.node.chain
    before = chain.head(hash32(_id(client, keys)))[0]
    refusal = append_at_the_contract(
        demo_runtime, keys["carrier"]["address"], _id(client, keys), EventType.RELEASED, EVENT
    )
    assert refusal == "ConsignmentLedgerNotJurisdictionCustoms"
    assert chain.head(hash32(_id(client, keys)))[0] == before


def _id(client: TestClient, keys: Keys) -> str:
    return str(client.get(f"/v1/consignments/{DEMO}", headers=auth(keys, "exporter")).json()["id"])


def test_customs_of_destination_releases(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "RELEASED", "payload": EVENT}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "customs-DE"))
    assert response.status_code == 201, response.json()
    entry = response.json()
    assert entry["status"] == "anchored" and entry["tx_hash"].startswith("0x") and entry["block_number"] > 0
    assert entry["actor"] == keys["customs-DE"]["address"]


def test_importer_cannot_append_custody_event(client: TestClient, keys: Keys) -> None:
    body = {"event_type": "ARRIVING", "payload": EVENT}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "importer"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsignmentLedgerNotCurrentCarrier"


def test_auditor_reads_but_cannot_write(client: TestClient, keys: Keys) -> None:
    assert client.get(f"/v1/consignments/{DEMO}/events", headers=auth(keys, "auditor")).status_code == 200
    body = {"event_type": "DOCUMENT_ATTACHED", "payload": EVENT}
    response = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "auditor"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsignmentLedgerNotParty"


def test_exporter_creates_a_consignment_and_handover_moves_custody(client: TestClient, keys: Keys) -> None:
    body = {
        "reference": "CQ-DUI-2026-0002",
        "origin": "CN",
        "destination": "DE",
        "transit": ["KZ"],
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    created = client.post("/v1/consignments", json=body, headers=auth(keys, "exporter"))
    assert created.status_code == 201, created.json()
    assert created.json()["entries"] == 0

    # A second carrier, admitted by KZ customs, takes over at the border.
    new = client.post(
        "/v1/participants",
        json={"name": "KTZ Express", "legal_id": "KZ-BIN-1", "jurisdiction": "KZ", "roles": ["CARRIER"]},
        headers=auth(keys, "customs-KZ"),
    )
    assert new.status_code == 201, new.json()
    kz_carrier = new.json()["participant"]["address"]
    handover = {"event_type": "HANDOVER", "payload": EVENT, "next_carrier": kz_carrier}
    response = client.post("/v1/consignments/CQ-DUI-2026-0002/events", json=handover, headers=auth(keys, "carrier"))
    assert response.status_code == 201, response.json()
    kz_key = {"X-API-Key": new.json()["api_key"]}
    arriving = {"event_type": "ARRIVING", "payload": EVENT}
    assert client.post("/v1/consignments/CQ-DUI-2026-0002/events", json=arriving, headers=kz_key).status_code == 201
    refused = client.post("/v1/consignments/CQ-DUI-2026-0002/events", json=arriving, headers=auth(keys, "carrier"))
    assert refused.status_code == 403 and refused.json()["rule"] == "ConsignmentLedgerNotCurrentCarrier"
    consignment = client.get("/v1/consignments/CQ-DUI-2026-0002", headers=kz_key).json()
    assert consignment["carrier"] == kz_carrier and consignment["entries"] == 2


def test_carrier_cannot_open_a_consignment(client: TestClient, keys: Keys) -> None:
    body = {
        "reference": "X-2",
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    response = client.post("/v1/consignments", json=body, headers=auth(keys, "carrier"))
    assert response.status_code == 403
    assert response.json()["rule"] == "ConsignmentLedgerMissingRole"


def test_duplicate_reference_is_409(client: TestClient, keys: Keys) -> None:
    body = {
        "reference": DEMO,
        "origin": "CN",
        "destination": "DE",
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    assert client.post("/v1/consignments", json=body, headers=auth(keys, "exporter")).status_code == 409


def test_visibility_by_party_jurisdiction_and_role(client: TestClient, keys: Keys) -> None:
    other = client.post(
        "/v1/participants",
        json={"name": "Other Exporter", "legal_id": "CN-OTHER", "jurisdiction": "CN", "roles": ["EXPORTER"]},
        headers=auth(keys, "customs-CN"),
    ).json()
    outsider = {"X-API-Key": other["api_key"]}
    # Refused exactly as an unknown reference is: the refusal does not tell it exists.
    hidden = client.get(f"/v1/consignments/{DEMO}", headers=outsider)
    unknown = client.get("/v1/consignments/NO-SUCH-CONSIGNMENT", headers=outsider)
    assert hidden.status_code == unknown.status_code == 404
    assert hidden.json()["rule"] == unknown.json()["rule"] == "ConsignmentReadAccess"
    assert hidden.json()["message"].replace(DEMO, "X") == unknown.json()["message"].replace("NO-SUCH-CONSIGNMENT", "X")
    assert client.get(f"/v1/consignments/{DEMO}/verify", headers=outsider).status_code == 404
    assert DEMO not in [c["reference"] for c in client.get("/v1/consignments", headers=outsider).json()]
    for who in ("exporter", "importer", "carrier", "customs-CN", "customs-KZ", "customs-DE", "auditor"):
        listed = [c["reference"] for c in client.get("/v1/consignments", headers=auth(keys, who)).json()]
        assert DEMO in listed, who


def test_edited_payload_fails_only_its_payload_check(client: TestClient, keys: Keys, demo_runtime: Runtime) -> None:
    consignment_id = _id(client, keys)
    with demo_runtime.services.node.index.engine.begin() as conn:
        conn.execute(
            update(entries)
            .where(entries.c.consignment_id == consignment_id, entries.c.seq == 1)
            .values(payload=entries.c.payload.op("||")(""))  # no-op first: the report still passes
        )
    assert client.get(f"/v1/consignments/{DEMO}/verify", headers=auth(keys, "auditor")).json()["verdict"] == "passed"
    with demo_runtime.services.node.index.engine.begin() as conn:
        row = conn.execute(
            entries.select().where(entries.c.consignment_id == consignment_id, entries.c.seq == 1)
        ).first()
        assert row is not None
        tampered = row.payload.replace("loading", "unloading")
        assert tampered != row.payload
        conn.execute(
            update(entries)
            .where(entries.c.consignment_id == consignment_id, entries.c.seq == 1)
            .values(payload=tampered)
        )
    report = client.get(f"/v1/consignments/{DEMO}/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "failed"
    assert report["failures"] == ["seq 1: payload_hash"]
    payload_check = report["entries"][1]["checks"][0]
    assert payload_check["name"] == "payload_hash" and "payload hash mismatch" in payload_check["detail"]
    with demo_runtime.services.node.index.engine.begin() as conn:
        conn.execute(
            update(entries)
            .where(entries.c.consignment_id == consignment_id, entries.c.seq == 1)
            .values(payload=row.payload)
        )


def test_the_report_comes_in_pages_whose_verdict_covers_every_entry(client: TestClient, keys: Keys) -> None:
    url, headers = f"/v1/consignments/{DEMO}/verify", auth(keys, "auditor")
    whole = client.get(url, headers=headers, params={"limit": 10_000}).json()
    pages, offset = [], 0
    while offset is not None:
        page = client.get(url, headers=headers, params={"offset": offset, "limit": 2}).json()
        assert len(page["entries"]) <= 2 and page["verdict"] == whole["verdict"] == "passed"
        assert page["entries_total"] == whole["entries_total"] == len(whole["entries"])
        pages += page["entries"]
        offset = page["next_offset"]
    assert [e["entry_hash"] for e in pages] == [e["entry_hash"] for e in whole["entries"]]
    assert client.get(url, headers=headers, params={"limit": 10_001}).status_code == 422
    assert client.get(url, headers=headers, params={"offset": -1}).status_code == 422
