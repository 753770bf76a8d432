"""`make consortium`'s network, started as the Makefile starts it: three organisations'
nodes (KZ's on PostgreSQL) deployed once through CN's node, the demo seeded through each
organisation's own node; with the keys of nodes.json, every node answers the demo
consignment's verification with the same passing report, over HTTP. Then its faults: a
content node stopped, a node cut off while the others write, a database lost."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from eth_account import Account

from api.demo import DEMO_BATCHED_REFERENCE, DEMO_REFERENCE
from api.runtime import start_runtime
from api.services.reindex import reindex
from client.http import LedgerClientHTTP, sign_chain
from consortium.network import LocalConsortium
from evidence.event_types import EventType
from evidence.trust import TrustRoot
from tests.support import TEST_SCRYPT_N

EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2026-11-29T10:00:00Z",
    "eventTimeZoneOffset": "+00:00",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
}


@pytest.fixture(scope="module")
def consortium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalConsortium]:
    started = LocalConsortium(Path(tmp_path_factory.mktemp("consortium")) / "net", keystore_scrypt_n=TEST_SCRYPT_N)
    started.start()
    try:
        yield started
    finally:
        started.stop()


def test_every_node_verifies_the_demo_to_the_same_report(consortium: LocalConsortium) -> None:
    nodes = json.loads((consortium.root / "nodes.json").read_text())["nodes"]
    assert set(nodes) == {"CN", "KZ", "DE"}
    assert nodes["KZ"]["database"] == "postgresql"
    # Each administration's own key lives on its own node only.
    assert "customs-KZ" in nodes["KZ"]["keys"] and "customs-KZ" not in nodes["CN"]["keys"]
    reports = {}
    for jurisdiction, node in nodes.items():
        key = node["keys"][f"customs-{jurisdiction}"]["api_key"]
        answer = requests.get(
            f"{node['api_url']}/v1/consignments/{DEMO_REFERENCE}/verify", headers={"X-API-Key": key}, timeout=120
        )
        assert answer.status_code == 200, (jurisdiction, answer.text)
        reports[jurisdiction] = answer.json()
    assert reports["CN"]["verdict"] == "passed", reports["CN"]["failures"]
    assert reports["KZ"] == reports["CN"] == reports["DE"]


def _get(consortium: LocalConsortium, jurisdiction: str, who: str, path: str) -> requests.Response:
    org = consortium.organisations[jurisdiction]
    return requests.get(f"{org.api_url}{path}", headers={"X-API-Key": org.keys[who]["api_key"]}, timeout=120)


def _post(consortium: LocalConsortium, jurisdiction: str, who: str, path: str, **kwargs: Any) -> requests.Response:
    org = consortium.organisations[jurisdiction]
    headers = {"X-API-Key": org.keys[who]["api_key"], **kwargs.pop("headers", {})}
    return requests.post(f"{org.api_url}{path}", headers=headers, timeout=120, **kwargs)


def _entries(consortium: LocalConsortium, jurisdiction: str) -> list[str]:
    index = consortium.organisations[jurisdiction].runtime.services.node.index
    (row,) = index.consignments_named(DEMO_REFERENCE)
    return [e.entry_hash for e in index.entries_of(row.id)]


def _report(consortium: LocalConsortium, jurisdiction: str) -> dict[str, Any]:
    answer = _get(consortium, jurisdiction, f"customs-{jurisdiction}", f"/v1/consignments/{DEMO_REFERENCE}/verify")
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


def _observe(consortium: LocalConsortium, jurisdiction: str, who: str) -> requests.Response:
    event = {"event_type": "OBSERVED", "payload": EVENT}
    return _post(consortium, jurisdiction, who, f"/v1/consignments/{DEMO_REFERENCE}/events", json=event)


def wait_for(condition: Callable[[], bool], timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (requests.RequestException, ValueError):
            pass
        time.sleep(0.5)
    raise AssertionError(f"not reached within {timeout}s")


PER_NODE_BUNDLE_FIELDS = {"created_at"}  # when this node exported it


@pytest.mark.parametrize("reference", [DEMO_REFERENCE, DEMO_BATCHED_REFERENCE])
def test_every_reader_gets_the_same_bundle_and_report_from_every_node(
    consortium: LocalConsortium, reference: str
) -> None:
    """The single and the batched demo consignments: for each member who may read them and
    has a key on a node, that node's bundle (minus when it was exported) and report are the
    ones every other reader gets from every other node."""
    readers = [
        ("CN", "customs-CN"),
        ("CN", "exporter"),
        ("CN", "carrier"),
        ("KZ", "customs-KZ"),
        ("DE", "customs-DE"),
        ("DE", "importer"),
        ("DE", "auditor"),
    ]
    path = f"/v1/consignments/{reference}"

    def followed_everywhere() -> bool:
        """Every node has followed every entry: each reader's report passes and covers the
        same number of entries (an empty or a partly followed consignment passes too)."""
        reports = [_get(consortium, j, who, f"{path}/verify").json() for j, who in readers]
        totals = {r["entries_total"] for r in reports}
        return all(r["verdict"] == "passed" for r in reports) and len(totals) == 1 and totals != {0}

    wait_for(followed_everywhere)
    bundles, reports = [], []
    for jurisdiction, who in readers:
        bundle = _get(consortium, jurisdiction, who, f"{path}/bundle").json()
        bundles.append({k: v for k, v in bundle.items() if k not in PER_NODE_BUNDLE_FIELDS})
        reports.append(_get(consortium, jurisdiction, who, f"{path}/verify").json())
    differing = {readers[i]: _differences(b, bundles[0]) for i, b in enumerate(bundles) if b != bundles[0]}
    assert not differing, differing
    assert all(r == reports[0] for r in reports) and reports[0]["verdict"] == "passed"


def _differences(found: Any, expected: Any, where: str = "") -> list[str]:
    """Where two JSON values differ (paths, with both values at the first few)."""
    if isinstance(found, dict) and isinstance(expected, dict):
        keys = sorted(set(found) | set(expected))
        return [d for k in keys for d in _differences(found.get(k), expected.get(k), f"{where}.{k}")]
    if isinstance(found, list) and isinstance(expected, list) and len(found) == len(expected):
        pairs = enumerate(zip(found, expected, strict=True))
        return [d for i, (f, e) in pairs for d in _differences(f, e, f"{where}[{i}]")]
    return [] if found == expected else [f"{where}: {str(found)[:120]} != {str(expected)[:120]}"]


def test_only_the_log_operator_takes_batched_entries(consortium: LocalConsortium) -> None:
    """One Merkle log per consortium: KZ's node follows CN's (the anchor's) log and refuses
    batched entries rather than start a second log, a split view."""
    kz = consortium.organisations["KZ"].runtime.services
    customs_kz = kz.members.participant(consortium.organisations["KZ"].keys["customs-KZ"]["address"])
    head = kz.consignments.head(customs_kz, DEMO_BATCHED_REFERENCE)
    items = sign_chain(head, Account.create(), DEMO_BATCHED_REFERENCE, [(EventType.OBSERVED, EVENT)])
    refused = _post(consortium, "KZ", "customs-KZ", "/v1/batch/entries", json={"entries": items})
    assert refused.status_code == 403 and refused.json()["rule"] == "CheckpointLogNotAnchor", refused.text


def test_an_entry_signed_with_a_members_own_key_and_relayed_by_another_node(consortium: LocalConsortium) -> None:
    """A carrier holding its own key, admitted through CN's node, gets an API key from KZ's
    operator and appends through KZ's node; CN's node follows the entry and both verify it
    to the same report."""
    carrier = Account.create()
    admitted = _post(
        consortium,
        "CN",
        "customs-CN",
        "/v1/participants",
        json={
            "name": "Own-key Rail",
            "legal_id": "CN-OWNKEY",
            "jurisdiction": "CN",
            "roles": ["CARRIER"],
            "address": carrier.address,
        },
    )
    assert admitted.status_code == 201, admitted.text
    body = {
        "reference": "RELAYED-BY-KZ-1",
        "origin": "CN",
        "destination": "DE",
        "transit": ["KZ"],
        "importer": consortium.organisations["DE"].keys["importer"]["address"],
        "carrier": carrier.address,
    }
    opened = _post(consortium, "CN", "exporter", "/v1/consignments", json=body)
    assert opened.status_code == 201, opened.text
    consignment = opened.json()["id"]
    kz = consortium.organisations["KZ"]
    wait_for(lambda: kz.runtime.services.node.index.consignment(consignment) is not None)
    key_at_kz = kz.runtime.services.members.issue_api_key(carrier.address)  # KZ's operator serves it
    trusted = TrustRoot.from_manifest(json.loads(kz.runtime.settings.manifest_path.read_text())).signing_domain
    relayed = LedgerClientHTTP(kz.api_url, key_at_kz, carrier.key, trusted=trusted).append(
        consignment, EventType.LOADING, EVENT
    )
    assert relayed["status"] == "anchored", relayed
    cn = consortium.organisations["CN"].runtime.services
    wait_for(lambda: [e.entry_hash for e in cn.node.index.entries_of(consignment)] == [relayed["entry_hash"]])
    at_cn = _get(consortium, "CN", "exporter", f"/v1/consignments/{consignment}/verify").json()
    at_kz = _get(consortium, "KZ", "customs-KZ", f"/v1/consignments/{consignment}/verify").json()
    assert at_cn["verdict"] == "passed" and at_cn == at_kz


def test_a_document_outlives_its_uploaders_content_node(consortium: LocalConsortium) -> None:
    """A document CN's exporter attaches is copied (pinned) by the other nodes as they follow
    the entry; with CN's kubo stopped, DE's node still serves it to the importer."""
    pdf = b"%PDF-1.7\n" + os.urandom(200_000) + b"\n%%EOF\n"
    attached = _post(
        consortium,
        "CN",
        "exporter",
        f"/v1/consignments/{DEMO_REFERENCE}/documents",
        params={"document_type": "commercial_invoice", "filename": "invoice.pdf"},
        data=pdf,
        headers={"Content-Type": "application/pdf"},
    )
    assert attached.status_code == 201, attached.text
    cid = attached.json()["document"]["cid"]
    de_index = consortium.organisations["DE"].runtime.services.node.index
    wait_for(lambda: de_index.document(cid) is not None)
    cn_kubo = consortium.swarm.daemons[0]
    cn_kubo.stop()
    try:
        served = _get(consortium, "DE", "importer", f"/v1/documents/{cid}")
        assert served.status_code == 200 and served.content == pdf
    finally:
        cn_kubo.start()


def test_a_node_cut_off_while_others_write_catches_up_with_nothing_missing(consortium: LocalConsortium) -> None:
    """DE's geth is killed (SIGKILL) and its kubo stopped; CN's carrier writes; DE's node
    answers 503 to writes meanwhile (its chain is gone, nothing is recorded); once both
    return, DE follows to CN's exact state."""
    de_chain, de_kubo = consortium.clique.nodes[2], consortium.swarm.daemons[2]
    de_chain.kill()
    de_kubo.stop()
    try:
        before = len(_entries(consortium, "DE"))
        refused = _observe(consortium, "DE", "importer")
        assert refused.status_code == 503, refused.text
        for _ in range(2):
            assert _observe(consortium, "CN", "carrier").status_code == 201
        assert len(_entries(consortium, "DE")) == before  # nothing recorded by the refusal
    finally:
        de_chain.start()
        de_kubo.start()
        consortium.clique.connect_peers()
    wait_for(lambda: _entries(consortium, "DE") == _entries(consortium, "CN"))
    assert _report(consortium, "DE") == _report(consortium, "CN")


def test_a_lost_database_is_rebuilt_from_chain_and_content_to_the_same_report(consortium: LocalConsortium) -> None:
    """DE's SQLite database is deleted; a node started on an empty one and reindexed from the
    chain and its kubo node gives the same report as CN's."""
    org = consortium.organisations["DE"]
    settings = org.runtime.settings
    org.runtime.close()
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    for path in database.parent.glob(database.name + "*"):
        path.unlink()
    rebuilt = start_runtime(settings, start_workers=False)
    org.runtime = rebuilt
    stats = reindex(rebuilt.services.node, rebuilt.services.members, merkle_log=rebuilt.services.merkle_log)
    assert stats.entries >= len(_entries(consortium, "CN"))
    auditor = consortium.organisations["DE"].keys["auditor"]["address"]
    at_de = rebuilt.services.evidence.verify(rebuilt.services.members.participant(auditor), DEMO_REFERENCE)
    cn = consortium.organisations["CN"].runtime.services
    at_cn = cn.evidence.verify(cn.members.participant(auditor), DEMO_REFERENCE)
    assert at_de.passed and at_de.to_dict() == at_cn.to_dict()
