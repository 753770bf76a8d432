"""Findings 1, 2, 4 and 19 of the trust review: a verifier pins its trust root, tells passed
from not checked, takes every online fact from the chain, and fails named checks — never a
traceback — on a node of another chain, a recovery id the contract refuses, or a seq no
chain can hold."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.runtime import Runtime, start_runtime
from chain.errors import DeploymentNotFound
from chain.node import AnvilNode
from chain.rpc import connect
from client.http import build_entry, sign_chain
from evidence.bundle import parse_bundle, verify_bundle
from evidence.consignment_id import consignment_id
from evidence.eip712 import recover_digest_signer
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.trust import TrustRoot
from evidence.types import to_hex
from tests.api.conftest import auth
from tests.support import Keys, make_settings

DEMO = "CQ-DUI-2026-0001"
BIN = Path(sys.executable).parent / "borderledger"


def verify_file(tmp_path: Path, data: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(data))
    return subprocess.run([str(BIN), "verify-bundle", str(path), *args], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def genuine(client: TestClient, keys: Keys) -> dict[str, Any]:
    data: dict[str, Any] = client.get(f"/v1/consignments/{DEMO}/bundle", headers=auth(keys, "auditor")).json()
    return data


@pytest.fixture(scope="module")
def forged(demo_runtime: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The same consignment reference, written on the same chain by an attacker who deployed
    contracts of their own and admitted themselves as every member."""
    attacker = start_runtime(make_settings(tmp_path_factory.mktemp("attacker"), rpc_url=demo_runtime.rpc_url))
    try:
        keys = attacker.created_keys
        with TestClient(create_app(runtime=attacker)) as client:
            yield client.get(f"/v1/consignments/{DEMO}/bundle", headers=auth(keys, "auditor")).json()
    finally:
        attacker.close()


def test_a_bundle_from_an_attackers_contracts_fails_the_pinned_trust_root(
    forged: dict[str, Any], demo_runtime: Runtime, tmp_path: Path
) -> None:
    manifest = str(demo_runtime.settings.manifest_path)
    pinned = verify_file(tmp_path, forged, "--rpc", demo_runtime.rpc_url, "--trust", manifest, "--json")
    assert pinned.returncode == 1, pinned.stdout + pinned.stderr
    report = json.loads(pinned.stdout)
    assert report["verdict"] == "failed" and "chain: trust_root" in report["failures"]
    trust = next(c for c in report["checks"] if c["name"] == "trust_root")
    assert "ConsignmentLedger" in trust["detail"]
    # Asked at the bundle's own addresses, every chain check passes: only the trust root tells.
    unpinned = verify_file(tmp_path, forged, "--rpc", demo_runtime.rpc_url, "--json")
    assert unpinned.returncode == 3 and json.loads(unpinned.stdout)["failures"] == []


def test_a_bundle_forged_from_scratch_is_never_passed_offline(forged: dict[str, Any], tmp_path: Path) -> None:
    result = verify_file(tmp_path, forged)
    assert result.returncode == 3, result.stdout  # not 0: the forger's own history is all there is
    report = verify_bundle(parse_bundle(forged))
    assert report.verdict == "incomplete" and not report.passed
    assert any(item.startswith("chain: membership") for item in report.not_checked())


def test_a_truncated_bundle_does_not_look_complete_offline(genuine: dict[str, Any]) -> None:
    truncated = copy.deepcopy(genuine)
    truncated["entries"].pop()
    report = verify_bundle(parse_bundle(truncated))
    assert not report.passed and any(item.startswith("chain: chain_head") for item in report.not_checked())


def test_online_parties_and_locations_come_from_the_chain(
    genuine: dict[str, Any], demo_runtime: Runtime, tmp_path: Path
) -> None:
    manifest = str(demo_runtime.settings.manifest_path)
    moved = copy.deepcopy(genuine)
    moved["consignment"]["carrier"] = moved["consignment"]["importer"]
    report = json.loads(
        verify_file(tmp_path, moved, "--rpc", demo_runtime.rpc_url, "--trust", manifest, "--json").stdout
    )
    assert "chain: consignment_on_chain" in report["failures"]
    relocated = copy.deepcopy(genuine)
    relocated["entries"][2]["block_number"] += 1
    relocated["entries"][3]["tx_hash"] = "0x" + "ee" * 32
    result = verify_file(tmp_path, relocated, "--rpc", demo_runtime.rpc_url, "--trust", manifest, "--json")
    failures = json.loads(result.stdout)["failures"]
    assert {"seq 2: on_chain", "seq 3: on_chain"} <= set(failures), failures


def test_a_node_of_another_chain_fails_a_named_check(genuine: dict[str, Any], tmp_path: Path) -> None:
    with AnvilNode(chain_id=4242) as other:
        result = verify_file(tmp_path, genuine, "--rpc", other.url, "--json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    report = json.loads(result.stdout)
    assert "chain: trust_root" in report["failures"]
    assert "chain 4242" in next(c for c in report["checks"] if c["name"] == "trust_root")["detail"]


def test_recovery_ids_the_contract_refuses_are_refused_off_chain(genuine: dict[str, Any]) -> None:
    entry = genuine["entries"][0]
    signature = bytes.fromhex(entry["signature"][2:])
    digest = bytes.fromhex(entry["entry_hash"][2:])
    assert recover_digest_signer(digest, signature) == entry["actor"]
    for v in (0, 1):
        with pytest.raises(LedgerValueError, match="27 or 28"):
            recover_digest_signer(digest, signature[:64] + bytes([v]))
    lowered = copy.deepcopy(genuine)
    lowered["entries"][0]["signature"] = entry["signature"][:-2] + f"{signature[64] - 27:02x}"
    assert "seq 0: signature" in verify_bundle(parse_bundle(lowered)).failures()


def test_a_seq_no_chain_can_hold_is_refused_by_name(genuine: dict[str, Any], tmp_path: Path) -> None:
    huge = copy.deepcopy(genuine)
    huge["entries"][1]["seq"] = 2**70
    result = verify_file(tmp_path, huge)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "entries.1.seq" in result.stdout


def test_a_node_never_deploys_over_a_manifest_that_does_not_match_its_chain(
    demo_runtime: Runtime, tmp_path: Path
) -> None:
    data_dir = tmp_path / "moved-node"
    data_dir.mkdir()
    (data_dir / "deployment.json").write_text(demo_runtime.settings.manifest_path.read_text())
    with AnvilNode() as other:
        with pytest.raises(DeploymentNotFound, match="Refusing to start"):
            start_runtime(make_settings(data_dir, rpc_url=other.url))
        assert connect(other.url).eth.block_number == 0  # nothing was deployed there
    assert json.loads((data_dir / "deployment.json").read_text()) == json.loads(
        demo_runtime.settings.manifest_path.read_text()
    )


def test_the_client_signs_only_for_the_reference_asked_and_the_pinned_domain(demo_runtime: Runtime) -> None:
    """Finding 3: a compromised node answering GET …/head cannot move a member's signature to
    another consignment, chain or ledger."""
    trusted = TrustRoot.from_manifest(json.loads(demo_runtime.settings.manifest_path.read_text())).signing_domain
    exporter, squatter = Account.create().address, Account.create().address
    honest: dict[str, Any] = {
        "consignment": to_hex(consignment_id(exporter, DEMO)),
        "reference": DEMO,
        "exporter": exporter,
        "seq": 3,
        "prev_hash": "0x" + "11" * 32,
        "domain": {"chainId": trusted.chain_id, "verifyingContract": trusted.verifying_contract},
    }
    account = Account.create()
    event = {"type": "ObjectEvent", "eventTime": "2026-11-09T10:00:00Z", "eventTimeZoneOffset": "+00:00"}
    assert build_entry(honest, account.address, EventType.ARRIVING, event, None, DEMO, trusted)[1] == trusted
    assert build_entry(honest, account.address, EventType.ARRIVING, event, None, honest["consignment"], trusted)
    moved = {**honest, "consignment": to_hex(consignment_id(exporter, "SOMEONE-ELSES"))}
    # Another exporter's consignment of the same reference, the head naming its true exporter:
    # signing by id pins it; signing by reference binds the exporter the head names.
    same_reference = {**honest, "consignment": to_hex(consignment_id(squatter, DEMO))}
    with pytest.raises(LedgerValueError, match="not " + honest["consignment"]):
        build_entry(same_reference, account.address, EventType.ARRIVING, event, None, honest["consignment"], trusted)
    other_ledger = {**honest, "domain": {"chainId": trusted.chain_id, "verifyingContract": "0x" + "ab" * 20}}
    other_chain = {**honest, "domain": {"chainId": 1, "verifyingContract": trusted.verifying_contract}}
    for head, why in (
        (moved, "not " + DEMO),
        (same_reference, "not " + DEMO),
        (other_ledger, "trust root"),
        (other_chain, "trust root"),
    ):
        with pytest.raises(LedgerValueError, match=why):
            build_entry(head, account.address, EventType.ARRIVING, event, None, DEMO, trusted)
        with pytest.raises(LedgerValueError, match=why):
            sign_chain(head, account, DEMO, [(EventType.ARRIVING, event)], trusted)
