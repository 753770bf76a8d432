"""Batched anchoring: bulk signed entries, all-or-nothing checks, checkpoints, inclusion proofs."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account

from client.http import build_entry
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import entry_hash, sign_entry
from evidence.event_types import EventType
from evidence.merkle import leaf_hash, verify_inclusion
from tests.api.conftest import EVENT, auth


@pytest.fixture(scope="module")
def carrier(client, keys):
    account = Account.create()
    registered = client.post(
        "/v1/participants",
        json={
            "name": "Batch Rail",
            "legal_id": "CN-BATCH",
            "jurisdiction": "CN",
            "roles": ["CARRIER"],
            "address": account.address,
        },
        headers=auth(keys, "customs-CN"),
    ).json()
    for reference in ("BATCH-0001", "BATCH-0002"):
        client.post(
            "/v1/consignments",
            json={
                "reference": reference,
                "origin": "CN",
                "destination": "DE",
                "importer": keys["importer"]["address"],
                "carrier": account.address,
            },
            headers=auth(keys, "exporter"),
        )
    return account, {"X-API-Key": registered["api_key"]}


def signed_chain(client, headers, account, reference, count, event_type=EventType.ARRIVING, start=None):
    head = start or client.get(f"/v1/consignments/{reference}/head", headers=headers).json()
    items = []
    entry, domain = build_entry(head, account.address, event_type, EVENT, None)
    for n in range(count):
        payload = {**EVENT, "readPoint": {"id": f"urn:x:batch:{n}"}}
        data = canonical_json(payload)
        entry = replace(entry, payload_hash=payload_hash(data), cid=payload_cid(data))
        items.append(
            {
                "reference": reference,
                "event_type": event_type.value,
                "payload": payload,
                "seq": entry.seq,
                "prev_hash": "0x" + bytes(entry.prev_hash).hex(),
                "actor": account.address,
                "signature": "0x" + sign_entry(entry, domain, account.key).hex(),
            }
        )
        entry = replace(entry, seq=entry.seq + 1, prev_hash=entry_hash(entry, domain))
    return items


def test_bulk_entries_are_anchored_and_provable(client, keys, carrier, demo_runtime):
    account, headers = carrier
    items = signed_chain(client, headers, account, "BATCH-0001", 50)
    answer = client.post("/v1/batch/entries", json={"entries": items}, headers=headers)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["accepted"] == 50
    checkpoint = demo_runtime.batch.checkpoint() or demo_runtime.batch.latest_checkpoint()
    assert checkpoint["size"] >= 50
    entry = answer.json()["entries"][17]
    proof = client.get(f"/v1/batch/proof/{entry['entry_hash']}", headers=auth(keys, "auditor")).json()
    path = [bytes.fromhex(p[2:]) for p in proof["proof"]]
    leaf = leaf_hash(bytes.fromhex(entry["entry_hash"][2:]))
    verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"], path, bytes.fromhex(proof["root"][2:]))
    contract = demo_runtime.batch.checkpoints
    assert contract.functions.verifyInclusion(leaf, proof["leaf_index"], proof["tree_size"], path).call()


def test_one_bad_entry_refuses_the_whole_request(client, carrier):
    account, headers = carrier
    items = signed_chain(client, headers, account, "BATCH-0002", 5)
    forged = [dict(i) for i in items]
    forged[3]["signature"] = signed_chain(client, headers, Account.create(), "BATCH-0002", 5)[3]["signature"]
    refused = client.post("/v1/batch/entries", json={"entries": forged}, headers=headers)
    assert refused.status_code == 403 and refused.json()["rule"] == "ConsignmentLedgerInvalidSigner"
    assert "entry 3" in refused.json()["message"]
    stale = client.post("/v1/batch/entries", json={"entries": items[1:]}, headers=headers)
    assert stale.status_code == 409
    release = signed_chain(client, headers, account, "BATCH-0002", 1, EventType.RELEASED)
    ruled = client.post("/v1/batch/entries", json={"entries": release}, headers=headers)
    assert ruled.status_code == 403 and ruled.json()["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"
    not_epcis = [dict(i) for i in items]
    not_epcis[2]["payload"] = {"type": "ObjectEvent", "action": "TELEPORT"}
    invalid = client.post("/v1/batch/entries", json={"entries": not_epcis}, headers=headers)
    assert invalid.status_code == 422 and "entries.2.payload" in str(invalid.json())
    accepted = client.post("/v1/batch/entries", json={"entries": items}, headers=headers)
    assert accepted.status_code == 201 and accepted.json()["accepted"] == 5


def test_batched_consignment_refuses_single_appends_and_heads_follow_the_log(client, keys, carrier):
    _, headers = carrier
    assert client.get("/v1/consignments/BATCH-0001/head", headers=headers).json()["seq"] == 50
    response = client.post(
        "/v1/consignments/BATCH-0001/events",
        json={"event_type": "DECLARATION", "payload": EVENT},
        headers=auth(keys, "importer"),
    )
    assert response.status_code == 409 and "batches" in response.json()["message"]
