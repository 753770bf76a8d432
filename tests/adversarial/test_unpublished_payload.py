"""Finding 9 of the trust review: an entry written straight to the contract, whose payload no
node ever saw, is reported as "payload never published" — not as a broken chain — by every
node, before and after a rebuild; the consignment carries on after it."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from fastapi.testclient import TestClient

from api.runtime import Runtime
from api.services.reindex import reindex
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry, sign_entry
from evidence.event_types import EventType
from evidence.types import ZERO_ADDRESS, Address, hash32
from tests.api.conftest import EVENT, auth
from tests.support import Keys

DECLARED = {"kind": "import", "mode": "rail", "declaredTo": "DE"}

REFERENCE = "UNPUBLISHED-1"


def test_a_payload_no_node_saw_is_named_and_nothing_breaks(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    carrier = Account.create()
    body = {"name": "Quiet Rail", "legal_id": "CN-QUIET", "jurisdiction": "CN", "roles": ["CARRIER"]}
    created = client.post(
        "/v1/participants", json=body | {"address": carrier.address}, headers=auth(keys, "customs-CN")
    )
    assert created.status_code == 201
    opened = client.post(
        "/v1/consignments",
        json={
            "reference": REFERENCE,
            "origin": "CN",
            "destination": "DE",
            "importer": keys["importer"]["address"],
            "carrier": carrier.address,
        },
        headers=auth(keys, "exporter"),
    ).json()
    node = demo_runtime.services.node
    count, head = node.chain.head(hash32(opened["id"]))
    secret = canonical_json({**EVENT, "ext:note": "only the carrier ever had these bytes"})
    entry = Entry(
        hash32(opened["id"]),
        count,
        head,
        EventType.LOADING.type_id,
        payload_hash(secret),
        payload_cid(secret),
        ZERO_ADDRESS,
        Address(carrier.address),
    )
    node.chain.append(node.relayer, entry, sign_entry(entry, node.chain.domain, carrier.key))  # never via a node

    def report() -> dict[str, Any]:
        answer: dict[str, Any] = client.get(
            f"/v1/consignments/{REFERENCE}/verify", headers=auth(keys, "auditor")
        ).json()
        return answer

    first = report()
    assert first["failures"] == ["seq 0: payload_hash"], first["failures"]
    assert "payload never published" in first["entries"][0]["checks"][0]["detail"]
    services = demo_runtime.services
    stats = reindex(services.node, services.members, merkle_log=services.merkle_log)  # does not stop at it
    assert stats.consignments >= 1
    assert report()["failures"] == ["seq 0: payload_hash"]
    # The consignment carries on after it: the importer's declaration lands at seq 1.
    declared = client.post(
        f"/v1/consignments/{REFERENCE}/events",
        json={"event_type": "DECLARATION", "payload": {**EVENT, "bl:declaration": DECLARED}},
        headers=auth(keys, "importer"),
    )
    assert declared.status_code == 201 and declared.json()["seq"] == 1, declared.json()
    assert report()["failures"] == ["seq 0: payload_hash"]
