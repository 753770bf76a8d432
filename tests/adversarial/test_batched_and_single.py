"""Finding 7 of the trust review: batched and single entries are separate by type (LogEntry
and Entry) and a consignment's mode lives on chain, so no relayer can replay a batched entry
through ConsignmentLedger.appendEvent and break the consignment's head."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.runtime import Runtime
from chain.errors import ContractRevert
from client.http import sign_chain
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry
from evidence.event_types import EventType
from evidence.types import Address, hash32
from tests.api.conftest import EVENT, auth
from tests.support import Keys, anchor_now


def entry_of(item: dict[str, Any], consignment: str) -> Entry:
    data = canonical_json(item["payload"])
    return Entry(
        hash32(consignment),
        item["seq"],
        hash32(item["prev_hash"]),
        EventType(item["event_type"]).type_id,
        payload_hash(data),
        payload_cid(data),
        Address(item["next_carrier"] or "0x" + "00" * 20),
        Address(item["actor"]),
    )


def test_a_batched_entry_cannot_be_replayed_through_the_ledger(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    account = Account.create()
    body = {
        "name": "Replay Rail",
        "legal_id": "CN-REPLAY",
        "jurisdiction": "CN",
        "roles": ["CARRIER"],
        "address": account.address,
    }
    headers = {
        "X-API-Key": client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN")).json()["api_key"]
    }
    opened = client.post(
        "/v1/consignments",
        json={
            "reference": "REPLAY-1",
            "origin": "CN",
            "destination": "DE",
            "importer": keys["importer"]["address"],
            "carrier": account.address,
            "anchoring": "log",
        },
        headers=auth(keys, "exporter"),
    ).json()
    head = client.get("/v1/consignments/REPLAY-1/head", headers=headers).json()
    items = sign_chain(head, account, "REPLAY-1", [(EventType.LOADING, EVENT)])
    assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
    anchor_node = demo_runtime.services.node
    entry = entry_of(items[0], opened["id"])
    signature = bytes.fromhex(items[0]["signature"][2:])
    # Relayed straight to the ledger by anyone: refused, the consignment is batched on chain.
    with pytest.raises(ContractRevert) as caught:
        anchor_node.chain.append(anchor_node.relayer, entry, signature)
    assert caught.value.error == "ConsignmentLedgerBatchedConsignment"
    # Even on a ledger consignment a LogEntry signature is no Entry signature.
    demo_id = client.get("/v1/consignments/CQ-DUI-2026-0001", headers=auth(keys, "auditor")).json()
    info = anchor_node.chain.consignment(hash32(demo_id["id"]))
    moved = replace(entry, consignment=info.id, seq=info.count, prev_hash=info.head)
    with pytest.raises(ContractRevert) as refused:
        anchor_node.chain.append(anchor_node.relayer, moved, signature)
    assert refused.value.error in ("ConsignmentLedgerInvalidSigner", "ECDSAInvalidSignature")
    anchor_now(demo_runtime)
    report = client.get("/v1/consignments/REPLAY-1/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    # And single appends to it are refused at the API, by the same rule.
    single = client.post(
        "/v1/consignments/REPLAY-1/events",
        json={"event_type": "DECLARATION", "payload": EVENT},
        headers=auth(keys, "importer"),
    )
    assert single.status_code == 409 and single.json()["rule"] == "ConsignmentLedgerBatchedConsignment"
