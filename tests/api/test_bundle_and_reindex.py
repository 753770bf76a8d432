"""The evidence bundle (round trip, tampering, --rpc) and rebuilding the index on a second node."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, cast

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.index.rows import AnchorKind
from api.runtime import Runtime
from api.services import evidence_export
from api.verify_pool import PARALLEL_FROM
from chain.indexer import AppendedEntry
from evidence.bundle import parse_bundle, start_checks, verify_bundle
from evidence.shared_checks import StartedChecks
from evidence.types import hash32
from tests.api.conftest import auth
from tests.support import Keys, anchor_now, second_node

DEMO = "CQ-DUI-2026-0001"
BATCHED_DEMO = "CQ-DUI-2026-B001"
BIN = Path(sys.executable).parent / "borderledger"


@pytest.fixture(scope="module")
def bundle(client: TestClient, keys: Keys) -> dict[str, Any]:
    response = client.get(f"/v1/consignments/{DEMO}/bundle", headers=auth(keys, "auditor"))
    assert response.status_code == 200
    data: dict[str, Any] = response.json()
    return data


def verify_file(tmp_path: Path, data: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    return subprocess.run([str(BIN), "verify-bundle", str(path), *args], capture_output=True, text=True, timeout=120)


def test_bundle_round_trip_offline_is_incomplete_not_passed(bundle: dict[str, Any], tmp_path: Path) -> None:
    assert bundle["format"] == "borderledger-evidence-bundle" and bundle["version"] == 3
    assert len(bundle["entries"]) == 6 and bundle["chain"]["chain_id"] == 31337
    result = verify_file(tmp_path, bundle)
    assert result.returncode == 3, result.stdout + result.stderr  # nothing failed, not everything checked
    assert "INCOMPLETE" in result.stdout and "trust_root" in result.stdout and "on_chain" in result.stdout
    report = verify_bundle(parse_bundle(bundle))
    assert report.verdict == "incomplete" and report.failures() == []
    assert {c.name for c in report.entries[0].checks} >= {"authorised", "signature"}
    # A bundle of format version 1 (before batched entries) still verifies.
    version_1 = {k: v for k, v in copy.deepcopy(bundle).items() if k not in ("checkpoints", "inclusion_proof")}
    version_1["version"] = 1
    for entry in version_1["entries"]:
        del entry["leaf_index"]
    assert verify_bundle(parse_bundle(version_1)).failures() == []


def test_bundle_verifies_against_a_node_and_the_pinned_trust_root(
    bundle: dict[str, Any], tmp_path: Path, demo_runtime: Runtime
) -> None:
    rpc, manifest = demo_runtime.rpc_url, str(demo_runtime.settings.manifest_path)
    result = verify_file(tmp_path, bundle, "--rpc", rpc, "--trust", manifest, "--json")
    assert result.returncode == 0, result.stdout + result.stderr
    report = json.loads(result.stdout)
    assert report["verdict"] == "passed" and report["not_checked"] == []
    on_chain = [c for e in report["entries"] for c in e["checks"] if c["name"] == "on_chain"]
    assert on_chain and all(c["passed"] for c in on_chain)
    # Without a trust root the bundle's own contracts were asked: not a pass.
    unpinned = verify_file(tmp_path, bundle, "--rpc", rpc)
    assert unpinned.returncode == 3 and "trust_root" in unpinned.stdout


def tampered(bundle: dict[str, Any], how: str) -> dict[str, Any]:
    data = copy.deepcopy(bundle)
    entries = data["entries"]
    if how == "payload":
        payload = entries[2]["payload"]
        i = payload.index("inspecting")
        entries[2]["payload"] = payload[:i] + "X" + payload[i + 1 :]
    elif how == "signature":
        sig = entries[1]["signature"]
        entries[1]["signature"] = sig[:10] + ("0" if sig[10] != "0" else "1") + sig[11:]
    elif how == "order":
        entries[3], entries[4] = entries[4], entries[3]
    elif how == "dropped":
        del entries[2]
    return data


@pytest.mark.parametrize(
    ("how", "failing"),
    [
        ("payload", "seq 2: payload_hash"),
        ("signature", "seq 1: signature"),
        ("order", "seq 4: chain_link"),
        ("dropped", "seq 3: chain_link"),
    ],
)
def test_tampered_bundle_is_rejected_naming_the_check(
    bundle: dict[str, Any], tmp_path: Path, how: str, failing: str
) -> None:
    result = verify_file(tmp_path, tampered(bundle, how))
    assert result.returncode == 1, result.stdout
    assert failing in result.stdout
    assert failing in verify_bundle(parse_bundle(tampered(bundle, how))).failures()


def test_dropped_last_entry_is_caught_online(bundle: dict[str, Any], demo_runtime: Runtime) -> None:
    data = copy.deepcopy(bundle)
    data["entries"].pop()
    parsed = parse_bundle(data)
    report = verify_bundle(parsed, demo_runtime.services.node.chain.online_facts(parsed))
    assert "chain: chain_head" in report.failures()


def test_checks_started_before_the_bundle_is_whole_give_the_same_report_and_only_for_its_entries(
    bundle: dict[str, Any], demo_runtime: Runtime
) -> None:
    """What the node does for a long chain (its workers start on the entries as it reads them),
    on the demo's bundle: the report is the one the checks made from the whole bundle give,
    and started checks are refused for a bundle of other entries, even equal ones."""
    tampered = copy.deepcopy(bundle)
    tampered["entries"][2]["payload"] = tampered["entries"][2]["payload"].replace("}", ',"x":1}', 1)
    executor = demo_runtime.verify_pool.for_entries(PARALLEL_FROM)
    assert executor is not None
    for data in (bundle, tampered):
        parsed = parse_bundle(data)
        online = demo_runtime.services.node.chain.online_facts(parsed)
        started = StartedChecks(executor, parsed.domain, hash32(parsed.consignment.id))
        start_checks(started, parsed.entries)
        early = verify_bundle(parsed, online, started=started)
        assert early.to_dict() == verify_bundle(parsed, online).to_dict()
        assert early.failures() == ([] if data is bundle else ["seq 2: payload_hash"])

    parsed, again = parse_bundle(bundle), parse_bundle(bundle)
    started = StartedChecks(executor, parsed.domain, hash32(parsed.consignment.id))
    start_checks(started, parsed.entries)
    with pytest.raises(ValueError, match="started for other entries"):
        verify_bundle(again, started=started)  # equal entries, but not the ones whose checks started
    other_chain = replace(parsed.domain, chain_id=parsed.domain.chain_id + 1)
    with pytest.raises(ValueError, match="started for other entries"):
        started.claim(parsed.entries, other_chain, hash32(parsed.consignment.id))
    verify_bundle(parsed, started=started)  # the right bundle is still taken


@dataclass(frozen=True)
class _At:
    seq: int
    anchor_kind: AnchorKind = AnchorKind.LEDGER


def test_the_ledgers_entries_the_node_never_indexed_take_their_places_among_the_nodes() -> None:
    """The one merge every bundle and report of the node uses (``_with_unindexed``): a ledger
    entry is the node's when the node indexed a ledger entry at its position; any other the
    ledger holds is put in its place, after a node's entry of the same position."""
    indexed = [_At(0), _At(2), _At(3, AnchorKind.LOG), _At(4, AnchorKind.LOG)]
    logged = [cast(AppendedEntry, _At(seq)) for seq in (5, 3, 2, 1, 0)]  # any order: placed by position
    merged = list(evidence_export._with_unindexed(indexed, logged))
    assert [(e.seq, e in indexed) for e in merged] == [
        (0, True),
        (1, False),
        (2, True),
        (3, True),
        (3, False),  # a batched entry of the node's cannot stand for a ledger entry
        (4, True),
        (5, False),
    ]
    assert list(evidence_export._with_unindexed([], logged[:2])) == [logged[1], logged[0]]


def test_not_a_bundle_exits_2(tmp_path: Path) -> None:
    result = verify_file(tmp_path, {"format": "something else"})
    assert result.returncode == 2 and "not a valid evidence bundle" in result.stdout


# What differs between two nodes' answers by nature: when each assembled its bundle.
PER_NODE_BUNDLE_FIELDS = ("created_at",)


def _comparable(bundle: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in bundle.items() if k not in PER_NODE_BUNDLE_FIELDS}, sort_keys=True)


def test_reindex_on_a_second_node_reproduces_reports_and_bundles(
    client: TestClient, keys: Keys, demo_runtime: Runtime, tmp_path: Path
) -> None:
    """Single and batched consignments alike: chain + content rebuild the index, and the
    verification reports are identical byte for byte (bundles too, but for when each
    node assembled its own)."""
    references = (DEMO, BATCHED_DEMO)
    anchor_now(demo_runtime)  # nothing left waiting for an anchor
    auditor_headers = auth(keys, "auditor")
    first = {r: client.get(f"/v1/consignments/{r}/verify", headers=auditor_headers).content for r in references}
    first_bundles = {r: client.get(f"/v1/consignments/{r}/bundle", headers=auditor_headers).json() for r in references}
    assert all(json.loads(report)["verdict"] == "passed" for report in first.values())

    # A second organisation: same chain, same content, an empty database.
    with second_node(demo_runtime, tmp_path / "second-node") as (second, stats):
        assert stats.consignments >= 2 and stats.entries >= 18 and stats.batched_entries >= 12
        auditor = second.services.members.participant(keys["auditor"]["address"])
        assert auditor.keystore is None  # not custodial on this node
        key = second.services.members.issue_api_key(auditor.address)
        with TestClient(create_app(runtime=second)) as second_client:
            headers = {"X-API-Key": key}
            again = {r: second_client.get(f"/v1/consignments/{r}/verify", headers=headers).content for r in references}
            bundles = {r: second_client.get(f"/v1/consignments/{r}/bundle", headers=headers).json() for r in references}
    for reference in references:
        assert again[reference] == first[reference], reference
        assert _comparable(bundles[reference]) == _comparable(first_bundles[reference]), reference


@pytest.mark.parametrize("reference", [DEMO, BATCHED_DEMO])
def test_the_bundle_streams_a_page_of_entries_at_a_time_and_is_the_assembled_one(
    client: TestClient, keys: Keys, demo_runtime: Runtime, monkeypatch: pytest.MonkeyPatch, reference: str
) -> None:
    services = demo_runtime.services
    monkeypatch.setattr(evidence_export, "_PAGE", 2)
    pages: list[int | None] = []
    read = services.node.index.entries_of

    def paged(*args: Any, **kwargs: Any) -> Any:
        found = read(*args, **kwargs)
        pages.append(args[3] if len(args) > 3 else kwargs.get("limit"))
        return found

    monkeypatch.setattr(services.node.index, "entries_of", paged)
    response = client.get(f"/v1/consignments/{reference}/bundle", headers=auth(keys, "auditor"))
    assert response.status_code == 200 and "content-length" not in response.headers  # streamed
    streamed = response.json()
    assert len(pages) >= 3 and set(pages) == {2}  # never the whole consignment at once
    monkeypatch.setattr(services.node.index, "entries_of", read)
    auditor = services.members.participant(keys["auditor"]["address"])
    assembled, _, _ = services.evidence._bundle(auditor, reference, include_documents=True)
    expected = assembled.model_dump(mode="json")
    assert {k: v for k, v in streamed.items() if k != "created_at"} == {
        k: v for k, v in expected.items() if k != "created_at"
    }
    assert verify_bundle(parse_bundle(streamed), services.node.chain.online_facts(assembled)).failures() == []


def test_a_bundle_the_caller_may_not_read_is_refused_before_anything_streams(client: TestClient, keys: Keys) -> None:
    response = client.get("/v1/consignments/NO-SUCH-CONSIGNMENT/bundle", headers=auth(keys, "auditor"))
    assert response.status_code == 404, response.text
    assert "NO-SUCH-CONSIGNMENT" in response.text
