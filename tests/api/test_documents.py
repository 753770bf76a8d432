"""Documents: stored with the CIDs `ipfs add` gives, anchored, verified, tamper-evident."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from multiformats import CID

from api.runtime import Runtime
from content.local import LocalBlockStore
from evidence.unixfs import build_file_dag
from tests.api.conftest import auth
from tests.support import Keys

DEMO = "CQ-DUI-2026-0001"


def fake_pdf(size: int) -> bytes:
    head = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n"
    tail = b"\n%%EOF\n"
    return head + os.urandom(size - len(head) - len(tail)) + tail


def upload(
    client: TestClient,
    keys: Keys,
    who: str,
    content: bytes,
    document_type: str = "commercial_invoice",
    filename: str = "invoice.pdf",
) -> Response:
    response: Response = client.post(
        f"/v1/consignments/{DEMO}/documents",
        params={"document_type": document_type, "filename": filename},
        content=content,
        headers={**auth(keys, who), "Content-Type": "application/pdf"},
    )
    return response


def test_three_mib_pdf_gets_the_cid_ipfs_add_gives(client: TestClient, keys: Keys, tmp_path: Path) -> None:
    pdf = fake_pdf(3 * 1024 * 1024)
    response = upload(client, keys, "exporter", pdf)
    assert response.status_code == 201, response.json()
    document = response.json()["document"]
    path = tmp_path / "invoice.pdf"
    path.write_bytes(pdf)
    oracle = json.loads(subprocess.run(["ipfs_cid", str(path)], capture_output=True, text=True, check=True).stdout)
    assert (document["cid"], document["cidV1"]) == (oracle["CIDv0"], oracle["CIDv1"])
    entry = response.json()["entry"]
    assert entry["event_type"] == "DOCUMENT_ATTACHED" and entry["payload"]["bl:document"]["cid"] == document["cid"]

    downloaded = client.get(f"/v1/documents/{document['cid']}", headers=auth(keys, "customs-KZ"))
    assert downloaded.status_code == 200 and downloaded.content == pdf
    assert downloaded.headers["content-type"] == "application/pdf"

    report = client.get(f"/v1/consignments/{DEMO}/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    checks = {c["name"]: c for c in report["entries"][entry["seq"]]["checks"]}
    assert checks["document"]["passed"] and document["cid"] in checks["document"]["detail"]


def test_flipped_byte_in_the_store_fails_that_document_only(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    first = upload(client, keys, "importer", fake_pdf(400_000), "packing_list", "packing.pdf").json()
    second = upload(client, keys, "exporter", fake_pdf(300_000), "certificate_of_origin", "origin.pdf").json()
    store = demo_runtime.services.node.store
    assert isinstance(store, LocalBlockStore)
    store_root = store.root
    # Flip one byte of the first document's first block on disk.
    downloaded = client.get(f"/v1/documents/{first['document']['cid']}", headers=auth(keys, "importer")).content
    leaf = build_file_dag(downloaded).blocks[0]
    block_cid = str(CID("base32", 1, "dag-pb", leaf.digest))
    block_path = store_root / block_cid[-2:] / block_cid
    data = bytearray(block_path.read_bytes())
    data[100] ^= 0xFF
    block_path.write_bytes(bytes(data))

    report = client.get(f"/v1/consignments/{DEMO}/verify", headers=auth(keys, "auditor")).json()
    assert report["failures"] == [f"seq {first['entry']['seq']}: document"]
    seconds = {c["name"]: c["passed"] for c in report["entries"][second["entry"]["seq"]]["checks"]}
    assert seconds["document"] is True

    refused = client.get(f"/v1/documents/{first['document']['cid']}", headers=auth(keys, "importer"))
    assert refused.status_code == 500 and refused.json()["error"] == "integrity_error"
    data[100] ^= 0xFF
    block_path.write_bytes(bytes(data))


def test_documents_are_only_served_to_those_who_may_read_the_consignment(client: TestClient, keys: Keys) -> None:
    uploaded = upload(client, keys, "exporter", fake_pdf(10_000)).json()
    other = client.post(
        "/v1/participants",
        json={"name": "Nosy Trader", "legal_id": "CN-NOSY", "jurisdiction": "CN", "roles": ["EXPORTER"]},
        headers=auth(keys, "customs-CN"),
    ).json()
    refused = client.get(f"/v1/documents/{uploaded['document']['cid']}", headers={"X-API-Key": other["api_key"]})
    assert refused.status_code == 403 and refused.json()["rule"] == "DocumentReadAccess"


def test_auditor_cannot_attach_documents(client: TestClient, keys: Keys) -> None:
    response = upload(client, keys, "auditor", fake_pdf(10_000))
    assert response.status_code == 403 and response.json()["rule"] == "ConsignmentLedgerNotParty"


def test_size_limit_is_413(client: TestClient, keys: Keys, demo_runtime: Runtime) -> None:
    node = demo_runtime.services.node
    limit, node.max_document_bytes = node.max_document_bytes, 64 * 1024
    try:
        response = upload(client, keys, "exporter", fake_pdf(64 * 1024 + 1))
    finally:
        node.max_document_bytes = limit
    assert response.status_code == 413 and "limit" in response.json()["message"]


def test_unknown_document_type_is_422(client: TestClient, keys: Keys) -> None:
    response = upload(client, keys, "exporter", b"x", document_type="love_letter")
    assert response.status_code == 422


def test_the_streamed_bundle_carries_each_attached_document_with_its_bytes(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    pdf = fake_pdf(64 * 1024)
    uploaded = upload(client, keys, "exporter", pdf, filename="packing-list.pdf")
    assert uploaded.status_code == 201, uploaded.json()
    cid = uploaded.json()["document"]["cid"]
    bundle = client.get(f"/v1/consignments/{DEMO}/bundle", headers=auth(keys, "auditor")).json()
    listed = [d for d in bundle["documents"] if d["cid"] == cid]
    assert len(listed) == 1 and base64.b64decode(listed[0]["content_base64"]) == pdf
    without = client.get(
        f"/v1/consignments/{DEMO}/bundle", params={"documents": "false"}, headers=auth(keys, "auditor")
    )
    assert [d["content_base64"] for d in without.json()["documents"]] == [None] * len(bundle["documents"])
    services = demo_runtime.services
    auditor = services.members.participant(keys["auditor"]["address"])
    assembled, errors, _ = services.evidence._bundle(auditor, DEMO, include_documents=True)
    assert cid not in errors and assembled.model_dump(mode="json")["documents"] == bundle["documents"]
