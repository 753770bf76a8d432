"""Two organisations' nodes on the real Clique network and kubo swarm, sharing nothing but
the chain, the content network and the consortium's deployment manifest: each has its own
database (B's on PostgreSQL), keystores and API keys. What one writes, the other follows
live into its index (confirmation depth applied) and verifies to the same report; an entry a
member signs with its own key and relays through B is followed and verified by A."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.demo import DEMO_BATCHED_REFERENCE, DEMO_REFERENCE
from api.http.app import create_app
from api.runtime import Runtime, start_runtime
from client.http import LedgerClientHTTP, sign_chain
from consortium.swarm import PrivateSwarm
from evidence.event_types import EventType
from evidence.trust import TrustRoot
from tests.consortium.conftest import Network
from tests.support import LiveServer, make_settings

CONFIRMATIONS = 2
EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2026-11-29T09:00:00Z",
    "eventTimeZoneOffset": "+00:00",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
}


@dataclass
class Organisations:
    a: Runtime
    b: Runtime


def wait_for(condition: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.5)
    raise AssertionError(f"not reached within {timeout}s")


@pytest.fixture(scope="module")
def orgs(clique: Network, tmp_path_factory: pytest.TempPathFactory, second_database: str) -> Iterator[Organisations]:
    with PrivateSwarm(Path(tmp_path_factory.mktemp("swarm")), size=2) as swarm:
        common = {"confirmations": CONFIRMATIONS, "follow_interval": 0.5, "batch_max_delay": 0.5}
        a_dir = tmp_path_factory.mktemp("org-a")
        a = start_runtime(
            make_settings(
                a_dir,
                rpc_url=clique.urls[0],
                ipfs_api=swarm.daemons[0].api,
                deployer_key=clique.deployer.key.hex(),
                **common,
            )
        )
        try:
            b_dir = tmp_path_factory.mktemp("org-b")
            shutil.copy(a.settings.manifest_path, b_dir / "deployment.json")  # the consortium's trust root
            b = start_runtime(
                make_settings(
                    b_dir,
                    rpc_url=clique.urls[1],
                    ipfs_api=swarm.daemons[1].api,
                    database_url=second_database,
                    deployer_key=clique.deployer.key.hex(),  # funds B's relayer on a fee-taking chain
                    seed_demo=False,
                    **common,
                )
            )
            try:
                yield Organisations(a, b)
            finally:
                b.close()
        finally:
            a.close()


def entries_at(runtime: Runtime, reference: str) -> list[str]:
    rows = runtime.services.node.index.consignments_named(reference)
    if not rows:
        return []
    return [e.entry_hash for e in runtime.services.node.index.entries_of(rows[0].id)]


def report_of(runtime: Runtime, reference: str, address: str) -> dict[str, object]:
    services = runtime.services
    report = services.evidence.verify(services.members.participant(address), reference).to_dict()
    return report


def test_b_follows_what_a_wrote_and_reaches_the_same_report(orgs: Organisations) -> None:
    a, b = orgs.a, orgs.b
    expected = entries_at(a, DEMO_REFERENCE)
    assert expected
    wait_for(lambda: entries_at(b, DEMO_REFERENCE) == expected)
    exporter = a.created_keys["exporter"]["address"]
    assert b.services.node.index.participant(exporter) is not None  # learned from the chain, no key
    at_a, at_b = report_of(a, DEMO_REFERENCE, exporter), report_of(b, DEMO_REFERENCE, exporter)
    assert at_b["verdict"] == "passed", at_b
    assert at_a == at_b


def test_b_follows_the_merkle_log_and_never_starts_one_of_its_own(orgs: Organisations) -> None:
    """The consortium has one Merkle log, operated by the node whose relayer is an ANCHOR (A):
    B indexes A's checkpoints once their segments rebuild the anchored roots, reaches the same
    report for the batched consignment, and refuses batched entries itself."""
    a, b = orgs.a, orgs.b
    exporter = a.created_keys["exporter"]["address"]
    wait_for(lambda: report_of(a, DEMO_BATCHED_REFERENCE, exporter)["verdict"] == "passed")
    expected = entries_at(a, DEMO_BATCHED_REFERENCE)
    wait_for(lambda: entries_at(b, DEMO_BATCHED_REFERENCE) == expected)
    assert report_of(b, DEMO_BATCHED_REFERENCE, exporter) == report_of(a, DEMO_BATCHED_REFERENCE, exporter)
    outsider = Account.create()
    at_b = b.services.members.participant(exporter)
    head = b.services.consignments.head(at_b, DEMO_BATCHED_REFERENCE)
    items = sign_chain(head, outsider, DEMO_BATCHED_REFERENCE, [(EventType.OBSERVED, EVENT)])
    key = b.services.members.issue_api_key(exporter)
    with TestClient(create_app(runtime=b)) as api_b:
        refused = api_b.post("/v1/batch/entries", json={"entries": items}, headers={"X-API-Key": key})
    assert refused.status_code == 403 and refused.json()["rule"] == "CheckpointLogNotAnchor", refused.json()
    assert entries_at(b, DEMO_BATCHED_REFERENCE) == expected


def test_an_entry_relayed_through_b_is_followed_by_a(orgs: Organisations) -> None:
    a, b = orgs.a, orgs.b
    carrier = Account.create()
    with TestClient(create_app(runtime=a)) as api_a:
        admitted = api_a.post(
            "/v1/participants",
            json={
                "name": "Own-key Rail",
                "legal_id": "CN-OWNKEY",
                "jurisdiction": "CN",
                "roles": ["CARRIER"],
                "address": carrier.address,
            },
            headers={"X-API-Key": a.created_keys["customs-CN"]["api_key"]},
        )
        assert admitted.status_code == 201, admitted.json()
        opened = api_a.post(
            "/v1/consignments",
            json={
                "reference": "ORG-B-RELAY-1",
                "origin": "CN",
                "destination": "DE",
                "importer": a.created_keys["importer"]["address"],
                "carrier": carrier.address,
            },
            headers={"X-API-Key": a.created_keys["exporter"]["api_key"]},
        )
        assert opened.status_code == 201, opened.json()
    wait_for(lambda: b.services.node.index.consignment(opened.json()["id"]) is not None)
    key_at_b = b.services.members.issue_api_key(carrier.address)  # B's operator serves its own members
    trusted = TrustRoot.from_manifest(json.loads(b.settings.manifest_path.read_text())).signing_domain
    with LiveServer(b) as server:
        client = LedgerClientHTTP(server.url, key_at_b, carrier.key, trusted=trusted)
        relayed = client.append(opened.json()["id"], EventType.LOADING, EVENT)
    assert relayed["status"] == "anchored", relayed
    wait_for(lambda: entries_at(a, "ORG-B-RELAY-1") == [relayed["entry_hash"]])
    exporter = a.created_keys["exporter"]["address"]
    assert report_of(a, "ORG-B-RELAY-1", exporter)["verdict"] == "passed"
    assert report_of(a, "ORG-B-RELAY-1", exporter) == report_of(b, "ORG-B-RELAY-1", exporter)
