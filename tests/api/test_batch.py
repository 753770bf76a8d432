"""Batched anchoring: bulk signed entries, all-or-nothing checks, checkpoints, inclusion proofs."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient
from sqlalchemy import delete

from api.index import tables as db
from api.runtime import Runtime
from api.services.checkpointer import Checkpointer
from api.services.merkle_log import MerkleLogService
from api.verify_pool import PARALLEL_FROM
from client.http import sign_chain
from evidence.bundle import parse_bundle, verify_bundle
from evidence.event_types import EventType
from evidence.log_segment import SignedLeaf, encode_segment
from evidence.merkle import RootMismatchError, Tree, leaf_hash, verify_consistency, verify_inclusion
from evidence.roles import Role
from evidence.types import hash32
from tests.api.conftest import EVENT, auth
from tests.support import Keys, LiveServer, anchor_now, checkpoint_log, checkpointer, run_log_monitor

BIN = Path(sys.executable).parent / "borderledger"
Carrier = tuple[LocalAccount, dict[str, str]]
"""A carrier holding its own key, and the headers with its API key."""


def register_carrier(client: TestClient, keys: Keys, name: str, legal_id: str) -> Carrier:
    """A CN carrier holding its own key, and its API key headers."""
    account = Account.create()
    registered = client.post(
        "/v1/participants",
        json={
            "name": name,
            "legal_id": legal_id,
            "jurisdiction": "CN",
            "roles": ["CARRIER"],
            "address": account.address,
        },
        headers=auth(keys, "customs-CN"),
    ).json()
    return account, {"X-API-Key": registered["api_key"]}


def open_consignment(client: TestClient, keys: Keys, reference: str, carrier_address: str) -> None:
    opened = client.post(
        "/v1/consignments",
        json={
            "reference": reference,
            "origin": "CN",
            "destination": "DE",
            "importer": keys["importer"]["address"],
            "carrier": carrier_address,
            "anchoring": "log",
        },
        headers=auth(keys, "exporter"),
    )
    assert opened.status_code == 201, opened.json()


@pytest.fixture(scope="module")
def carrier(client: TestClient, keys: Keys) -> Carrier:
    account, headers = register_carrier(client, keys, "Batch Rail", "CN-BATCH")
    for reference in ("BATCH-0001", "BATCH-0002"):
        open_consignment(client, keys, reference, account.address)
    return account, headers


def signed_chain(
    client: TestClient,
    headers: dict[str, str],
    account: LocalAccount,
    reference: str,
    count: int,
    event_type: EventType = EventType.ARRIVING,
) -> list[dict[str, Any]]:
    head = client.get(f"/v1/consignments/{reference}/head", headers=headers).json()
    events = [(event_type, {**EVENT, "readPoint": {"id": f"urn:x:batch:{n}"}}) for n in range(count)]
    return sign_chain(head, account, reference, events)


def test_bulk_entries_are_anchored_and_provable(
    client: TestClient, keys: Keys, carrier: Carrier, demo_runtime: Runtime
) -> None:
    account, headers = carrier
    items = signed_chain(client, headers, account, "BATCH-0001", 50)
    answer = client.post("/v1/batch/entries", json={"entries": items}, headers=headers)
    assert answer.status_code == 201, answer.json()
    assert answer.json()["accepted"] == 50
    checkpoint = _anchor(demo_runtime)
    assert checkpoint["size"] >= 50
    entry = answer.json()["entries"][17]
    proof = client.get(f"/v1/batch/proof/{entry['entry_hash']}", headers=auth(keys, "auditor")).json()
    path = [bytes.fromhex(p[2:]) for p in proof["proof"]]
    leaf = leaf_hash(bytes.fromhex(entry["entry_hash"][2:]))
    verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"], path, bytes.fromhex(proof["root"][2:]))
    contract = checkpoint_log(demo_runtime)
    assert contract.verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"], path)
    assert not contract.verify_inclusion(leaf, proof["leaf_index"] + 1, proof["tree_size"], path)


def test_one_bad_entry_refuses_the_whole_request(client: TestClient, carrier: Carrier) -> None:
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
    # No RFC 8785 form (JSON numbers are doubles): refused naming its entry, like any bad payload.
    too_large = [dict(i) for i in items]
    too_large[4]["payload"] = {**items[4]["payload"], "example:count": 2**60}
    unhashable = client.post("/v1/batch/entries", json={"entries": too_large}, headers=headers)
    assert unhashable.status_code == 422, unhashable.json()
    assert "entry 4" in unhashable.json()["message"] and "entries.4.payload" in unhashable.json()["message"]
    accepted = client.post("/v1/batch/entries", json={"entries": items}, headers=headers)
    assert accepted.status_code == 201 and accepted.json()["accepted"] == 5


def test_a_checkpoint_takes_the_entries_just_stored_as_the_index_holds_them(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    """The checkpointer joins its segment from the items ingests just stored (kept in memory):
    byte for byte what the index's entries encode to, for any range, and read from the index
    once forgotten; the anchored segment then rebuilds the anchored root."""
    account, headers = register_carrier(client, keys, "Batch Held", "CN-BATCH-HELD")
    open_consignment(client, keys, "BATCH-HELD", account.address)
    log = demo_runtime.services.merkle_log
    with log.lock:
        first = log.tree().size
    for count in (7, 5):
        items = signed_chain(client, headers, account, "BATCH-HELD", count)
        assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
    index = demo_runtime.services.node.index

    def encoded(start: int, stop: int) -> bytes:
        leaves = index.log_entries(start, stop)
        return encode_segment(start, [SignedLeaf(e.evidence(), e.signature, e.payload) for e in leaves])

    with log.lock:  # the checkpointer's thread waits meanwhile
        end = log.tree().size
        assert end == first + 12
        for start, stop in ((first, end), (first, first + 7), (first + 3, first + 9), (first + 7, end)):
            assert log._held_items(start, stop) is not None
            assert log.segment(start, stop) == encoded(start, stop)
        log.reload()
        assert log._held_items(first, end) is None
        assert log.segment(first, end) == encoded(first, end)
    checkpoint = _anchor(demo_runtime)
    assert checkpoint["size"] >= end
    with LiveServer(demo_runtime) as server:  # every anchored segment rebuilds its root
        result = run_log_monitor(demo_runtime, server.url, keys["auditor"]["api_key"])
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_long_consignment_is_verified_by_the_workers_and_an_altered_row_fails(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    """Long enough for the node to share its checks out to the worker processes: it passes,
    and a payload altered in the node's own database fails its entry."""
    account, headers = register_carrier(client, keys, "Batch Long", "CN-BATCH-LONG")
    open_consignment(client, keys, "BATCH-LONG", account.address)
    items = signed_chain(client, headers, account, "BATCH-LONG", PARALLEL_FROM)
    assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
    _anchor(demo_runtime)
    assert demo_runtime.verify_pool.for_entries(PARALLEL_FROM) is not None
    report = client.get("/v1/consignments/BATCH-LONG/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    assert report["entries_total"] == PARALLEL_FROM

    # Only this test signs 1,500 or more entries with signed_chain: the readPoint is this row's.
    row = db.entries.c.payload.contains('"urn:x:batch:1500"')
    engine = demo_runtime.services.node.index.engine
    with engine.begin() as conn:
        (original,) = conn.execute(sqlalchemy.select(db.entries.c.payload).where(row)).scalars().all()
        altered = original.replace("urn:x:batch:1500", "urn:x:batch:9999")
        conn.execute(sqlalchemy.update(db.entries).where(row).values(payload=altered))
    try:
        report = client.get("/v1/consignments/BATCH-LONG/verify", headers=auth(keys, "auditor")).json()
        assert report["verdict"] == "failed"
        assert report["failures"] == ["seq 1500: payload_hash"]
    finally:
        with engine.begin() as conn:
            conn.execute(sqlalchemy.update(db.entries).where(db.entries.c.payload == altered).values(payload=original))


def test_batched_consignment_refuses_single_appends_and_heads_follow_the_log(
    client: TestClient, keys: Keys, carrier: Carrier
) -> None:
    account, headers = carrier
    open_consignment(client, keys, "BATCH-SINGLE", account.address)
    items = signed_chain(client, headers, account, "BATCH-SINGLE", 7)
    assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
    assert client.get("/v1/consignments/BATCH-SINGLE/head", headers=headers).json()["seq"] == 7
    response = client.post(
        "/v1/consignments/BATCH-SINGLE/events",
        json={"event_type": "DECLARATION", "payload": EVENT},
        headers=auth(keys, "importer"),
    )
    assert response.status_code == 409 and response.json()["rule"] == "ConsignmentLedgerBatchedConsignment"
    # A ledger-anchored consignment takes no bulk entries.
    single = signed_chain(client, auth(keys, "auditor"), account, "CQ-DUI-2026-0001", 1)
    refused = client.post("/v1/batch/entries", json={"entries": single}, headers=auth(keys, "carrier"))
    assert refused.status_code == 409 and "entry by entry" in refused.json()["message"]


def _anchor(demo_runtime: Runtime) -> dict[str, Any]:
    """Anchor what waits; the latest checkpoint, as the API shows it."""
    anchor_now(demo_runtime)
    return demo_runtime.services.merkle_log.latest()


def test_batched_consignment_verifies_through_checkpoints_and_roles_at_their_blocks(
    client: TestClient, keys: Keys, carrier: Carrier, demo_runtime: Runtime
) -> None:
    account, headers = carrier
    open_consignment(client, keys, "BATCH-0003", account.address)
    first = signed_chain(client, headers, account, "BATCH-0003", 6)
    assert client.post("/v1/batch/entries", json={"entries": first}, headers=headers).status_code == 201
    _anchor(demo_runtime)
    second = signed_chain(client, headers, account, "BATCH-0003", 4)
    assert client.post("/v1/batch/entries", json={"entries": second}, headers=headers).status_code == 201
    _anchor(demo_runtime)

    events = client.get("/v1/consignments/BATCH-0003/events", headers=headers).json()
    assert [e["seq"] for e in events] == list(range(10))
    assert {e["status"] for e in events} == {"anchored"} and all(e["leaf_index"] is not None for e in events)

    report = client.get("/v1/consignments/BATCH-0003/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    chain_checks = {c["name"]: c for c in report["checks"]}
    assert chain_checks["checkpoint_consistency"]["passed"] is True
    assert chain_checks["checkpoints_on_chain"]["passed"] is True
    for entry in report["entries"]:
        names = {c["name"]: c["passed"] for c in entry["checks"]}
        assert names["merkle_inclusion"] and names["signer_role"] and names["authorised"], entry

    bundle = client.get("/v1/consignments/BATCH-0003/bundle", headers=auth(keys, "auditor")).json()
    assert bundle["version"] == 3 and len(bundle["checkpoints"]) >= 2
    offline = verify_bundle(parse_bundle(bundle))
    assert offline.failures() == [] and offline.verdict == "incomplete"

    forged_path = json.loads(json.dumps(bundle))
    forged_path["inclusion_proof"][0] = "0x" + "ab" * 32
    assert "seq 3: merkle_inclusion" in verify_bundle(parse_bundle(forged_path)).failures()
    moved = json.loads(json.dumps(bundle))
    moved["entries"][2]["leaf_index"], moved["entries"][3]["leaf_index"] = (
        bundle["entries"][3]["leaf_index"],
        bundle["entries"][2]["leaf_index"],
    )
    assert "seq 2: merkle_inclusion" in verify_bundle(parse_bundle(moved)).failures()
    forked = json.loads(json.dumps(bundle))
    forked["checkpoints"][0]["root"] = "0x" + "cd" * 32
    failures = verify_bundle(parse_bundle(forked)).failures()
    assert "chain: checkpoint_consistency" in failures
    online = verify_bundle(parse_bundle(forked), demo_runtime.services.node.chain.online_facts(parse_bundle(forked)))
    assert "chain: checkpoints_on_chain" in online.failures()


def test_signer_role_is_judged_at_the_anchoring_block(client: TestClient, keys: Keys, demo_runtime: Runtime) -> None:
    account, headers = register_carrier(client, keys, "Brief Rail", "CN-BRIEF")
    open_consignment(client, keys, "BATCH-0004", account.address)
    items = signed_chain(client, headers, account, "BATCH-0004", 3)
    assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
    checkpoint = _anchor(demo_runtime)
    suspend = client.post(f"/v1/participants/{account.address}/suspend", headers=auth(keys, "customs-CN"))
    assert suspend.status_code == 200, suspend.json()

    client_ = demo_runtime.services.node.chain
    assert client_.had_active_role_at(Role.CARRIER, account.address, checkpoint["block_number"])
    assert not client_.had_active_role_at(Role.CARRIER, account.address, client_.w3.eth.block_number)
    # Allowed when anchored, so still verified; refused now, at both layers.
    report = client.get("/v1/consignments/BATCH-0004/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    more = signed_chain(client, auth(keys, "auditor"), account, "BATCH-0004", 1)
    # Its own keys give a suspended member no access at all ...
    refused = client.post("/v1/batch/entries", json={"entries": more}, headers=headers)
    assert refused.status_code == 403 and refused.json()["rule"] == "MemberNotActive", refused.json()
    # ... and its signed entries, sent by an active party, are refused by the append rule.
    relayed = client.post("/v1/batch/entries", json={"entries": more}, headers=auth(keys, "exporter"))
    assert relayed.status_code == 403 and relayed.json()["rule"] == "ConsignmentLedgerInactiveActor"


def test_consistency_proofs_between_anchored_sizes(
    client: TestClient, keys: Keys, carrier: Carrier, demo_runtime: Runtime
) -> None:
    account, headers = carrier
    open_consignment(client, keys, "BATCH-CONSISTENCY", account.address)
    for _ in range(2):  # two more checkpoints, whatever ran before
        items = signed_chain(client, headers, account, "BATCH-CONSISTENCY", 3)
        assert client.post("/v1/batch/entries", json={"entries": items}, headers=headers).status_code == 201
        _anchor(demo_runtime)
    sizes = [c["size"] for c in client.get("/v1/batch/checkpoints", headers=auth(keys, "auditor")).json()]
    assert len(sizes) >= 2
    roots = {c.size: "0x" + c.root.hex() for c in checkpoint_log(demo_runtime).anchored()}
    for first, second in [(sizes[0], sizes[-1]), (sizes[-2], sizes[-1]), (sizes[0], sizes[1])]:
        answer = client.get(
            f"/v1/batch/consistency?first={first}&second={second}", headers=auth(keys, "auditor")
        ).json()
        verify_consistency(
            first,
            second,
            bytes.fromhex(roots[first][2:]),
            bytes.fromhex(roots[second][2:]),
            [bytes.fromhex(p[2:]) for p in answer["proof"]],
        )
    missing = client.get(f"/v1/batch/consistency?first={sizes[-1] + 1}", headers=auth(keys, "auditor"))
    assert missing.status_code == 404
    backwards = client.get(f"/v1/batch/consistency?first={sizes[-1]}&second={sizes[0]}", headers=auth(keys, "auditor"))
    assert backwards.status_code == 422


def test_a_checkpoint_lost_from_the_database_is_recovered_from_the_chain(demo_runtime: Runtime) -> None:
    checkpointer_, index = checkpointer(demo_runtime), demo_runtime.services.node.index
    checkpointer_.checkpoint()
    latest = index.latest_checkpoint()
    assert latest is not None
    with index.engine.begin() as conn:
        conn.execute(delete(db.log_checkpoints).where(db.log_checkpoints.c.size == latest.size))
    assert index.latest_checkpoint() != latest
    assert checkpointer_.checkpoint() is None  # nothing new to anchor once the lost row is back
    assert index.latest_checkpoint() == latest


def test_a_rewritten_log_is_never_anchored(demo_runtime: Runtime) -> None:
    services = demo_runtime.services
    contract = checkpoint_log(demo_runtime)
    merkle_log = MerkleLogService(services.node, services.members, services.consignments)
    rewritten = Checkpointer(services.node, merkle_log, contract, 1, 0)
    with services.merkle_log.lock:
        size = services.merkle_log.tree().size
    leaves = [leaf_hash(bytes(hash32(h))) for h in services.node.index.log_leaf_hashes(0, size)]
    leaves[1] = leaf_hash(b"rewritten history")
    # A log operator's node whose tree was rewritten underneath (held in memory here).
    merkle_log._tree = Tree([*leaves, leaf_hash(b"one more")])  # type: ignore[assignment]
    before = contract.latest()
    with pytest.raises(RootMismatchError):
        rewritten.checkpoint()
    assert contract.latest() == before


def test_the_log_monitor_checks_every_anchored_checkpoint(keys: Keys, demo_runtime: Runtime) -> None:
    with LiveServer(demo_runtime) as server:
        result = run_log_monitor(demo_runtime, server.url, keys["auditor"]["api_key"])
    sizes = [c.size for c in demo_runtime.services.node.index.checkpoints()]
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(sizes)} checkpoints, tree sizes {sizes[0]}..{sizes[-1]}" in result.stdout


def test_the_demo_has_a_consignment_anchored_in_batches(client: TestClient, keys: Keys) -> None:
    events = client.get("/v1/consignments/CQ-DUI-2026-B001/events", headers=auth(keys, "importer")).json()
    assert len(events) == 12 and all(e["status"] == "anchored" and e["leaf_index"] is not None for e in events)
    report = client.get("/v1/consignments/CQ-DUI-2026-B001/verify", headers=auth(keys, "importer")).json()
    assert report["verdict"] == "passed", report["failures"]
