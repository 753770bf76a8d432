"""Findings 10, 11, 16 and 20 of the trust review: document bytes follow who uploaded them
and where their uploader attached them; no uploaded file runs on the node's origin; body,
rate and idempotency limits hold before authentication; and a monitor can read the log."""

from __future__ import annotations

import time
from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlalchemy import select

from api.http.app import create_app
from api.http.middleware import idempotency_scope
from api.index.tables import idempotency_keys
from api.runtime import Runtime
from api.services.keys import hash_api_key
from evidence.eip712 import Domain, Entry, entry_hash
from evidence.event_types import EventType
from evidence.merkle import leaf_hash, root
from evidence.types import Address, hash32
from tests.api.conftest import auth
from tests.support import Keys, anchor_now

DEMO = "CQ-DUI-2026-0001"
HTML = b"<html><body><script>document.title='owned'</script></body></html>"


def upload(client: TestClient, keys: Keys, who: str, content: bytes, media_type: str) -> dict[str, str]:
    stored = client.post(
        "/v1/documents",
        params={"document_type": "commercial_invoice", "filename": "invoice.html"},
        content=content,
        headers={**auth(keys, who), "Content-Type": media_type},
    )
    assert stored.status_code == 201, stored.json()
    document: dict[str, str] = stored.json()
    return document


def test_attaching_someone_elses_cid_does_not_open_it(client: TestClient, keys: Keys) -> None:
    secret = upload(client, keys, "importer", b"%PDF-1.7 the importer's own price list", "application/pdf")
    # The carrier, a party to the demo, anchors the importer's CID in an entry of its own.
    payload = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-09T10:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "bl:document": secret,
    }
    body = {"event_type": "DOCUMENT_ATTACHED", "payload": payload}
    attached = client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))
    assert attached.status_code in (201, 202), attached.json()
    refused = client.get(f"/v1/documents/{secret['cid']}", headers=auth(keys, "carrier"))
    assert refused.status_code == 403 and refused.json()["rule"] == "DocumentReadAccess"
    assert client.get(f"/v1/documents/{secret['cid']}", headers=auth(keys, "importer")).status_code == 200


def test_an_uploaded_html_file_is_served_as_inert_bytes(client: TestClient, keys: Keys) -> None:
    document = upload(client, keys, "exporter", HTML, "text/html")
    for path in (f"/v1/documents/{document['cid']}",):
        served = client.get(path, headers=auth(keys, "exporter"))
        assert served.status_code == 200 and served.content == HTML
        assert served.headers["content-type"] == "application/octet-stream"
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-disposition"].startswith("attachment;")
    client.cookies.set("bl_api_key", keys["exporter"]["api_key"], path="/ui")
    ui = client.get(f"/ui/documents/{document['cid']}")
    client.cookies.clear()
    assert (
        ui.headers["content-type"] == "application/octet-stream" and "attachment" in ui.headers["content-disposition"]
    )
    policy = ui.headers["content-security-policy"]
    assert "script-src" not in policy and "default-src 'none'" in policy
    assert ui.headers["x-frame-options"] == "DENY" and ui.headers["referrer-policy"] == "no-referrer"


def test_a_pdf_that_is_not_a_pdf_is_not_served_as_one(client: TestClient, keys: Keys) -> None:
    fake = upload(client, keys, "exporter", HTML, "application/pdf")
    served = client.get(f"/v1/documents/{fake['cid']}", headers=auth(keys, "exporter"))
    assert served.headers["content-type"] == "application/octet-stream"


def test_a_chunked_body_over_the_limit_is_refused_before_authentication(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        for _ in range(40):
            yield b"x" * 65_536  # 2.5 MiB, with no Content-Length

    refused = client.post("/v1/consignments", content=chunks(), headers={"X-API-Key": "blk_not_a_key"})
    assert refused.status_code == 413 and refused.json()["rule"] == "BodyTooLarge"
    capture = client.post("/v1/epcis/capture", content=chunks(), headers={"Content-Type": "application/ld+json"})
    assert capture.status_code == 413


def test_requests_without_a_key_are_rate_limited_too(demo_runtime: Runtime) -> None:
    settings = demo_runtime.settings.model_copy(update={"rate_limit_per_second": 1.0, "rate_limit_burst": 3})
    with TestClient(create_app(settings=settings, runtime=demo_runtime)) as limited:
        answers = [limited.get("/v1/consignments").status_code for _ in range(5)]
    assert answers[:3] == [401, 401, 401] and 429 in answers[3:]


def test_no_idempotency_record_for_a_key_that_gives_no_access(client: TestClient, demo_runtime: Runtime) -> None:
    headers = {"X-API-Key": "blk_forged", "Idempotency-Key": f"probe-{time.time()}"}
    answer = client.post("/v1/consignments", json={}, headers=headers)
    assert answer.status_code == 401
    scope = idempotency_scope("blk_forged", headers["Idempotency-Key"])
    with demo_runtime.services.node.index.engine.connect() as conn:
        assert conn.execute(select(idempotency_keys).where(idempotency_keys.c.scope == scope)).first() is None
    assert hash_api_key("blk_forged")  # the forged key was never stored either


def test_a_monitor_rebuilds_every_anchored_root_from_the_served_leaves(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    anchor_now(demo_runtime)
    latest = client.get("/v1/batch/checkpoint", headers=auth(keys, "auditor")).json()
    domain = demo_runtime.services.node.chain.domain
    leaves: list[bytes] = []
    while len(leaves) < latest["size"]:
        page = client.get(
            "/v1/batch/leaves", params={"start": len(leaves), "end": latest["size"]}, headers=auth(keys, "auditor")
        ).json()
        assert page["entries"], page
        for item in page["entries"]:
            entry = Entry(
                hash32(item["consignment"]),
                item["seq"],
                hash32(item["prev_hash"]),
                EventType(item["event_type"]).type_id,
                hash32(item["payload_hash"]),
                item["cid"],
                Address(item["next_carrier"] or "0x" + "00" * 20),
                Address(item["actor"]),
            )
            digest = entry_hash(entry, Domain(domain.chain_id, domain.verifying_contract), log=True)
            assert "0x" + digest.hex() == item["entry_hash"]
            leaves.append(leaf_hash(digest))
    assert "0x" + root(leaves).hex() == latest["root"]
