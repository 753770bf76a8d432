"""Engine conformance: what BorderLedger needs of any Ethereum engine, run against a real
multi-node network (our geth Clique signers, or an operator's Besu QBFT network through
BORDERLEDGER_CONFORMANCE_RPC_URLS). A node deploys, seeds and writes through one RPC
endpoint; everything is read back, and the evidence verified, through another."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.demo import DEMO_BATCHED_REFERENCE, DEMO_REFERENCE
from api.runtime import Runtime, start_runtime
from chain.deploy import load_manifest
from chain.ledger import LedgerClient
from chain.rpc import connect
from evidence.types import hash32
from tests.consortium.conftest import Network
from tests.support import make_settings

BIN = Path(sys.executable).parent / "borderledger"


@pytest.fixture(scope="module")
def writer(network: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A node on the network's first endpoint: deploys, seeds the demo (funding every member
    account from the deployer where the engine takes fees) and anchors batched entries."""
    settings = make_settings(
        tmp_path_factory.mktemp("writer"),
        rpc_url=network.urls[0],
        deployer_key=network.deployer.key.hex(),
        batch_max_delay=0.5,
    )
    runtime = start_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


def test_a_second_node_reads_what_the_first_wrote(network: Network, writer: Runtime) -> None:
    other = connect(network.urls[1])
    manifest = load_manifest(writer.settings.manifest_path, other)  # the same deployment, seen from B
    through_b = LedgerClient(other, manifest)
    through_a = writer.services.node.chain
    assert other.eth.chain_id == through_a.w3.eth.chain_id
    (row,) = writer.services.node.index.consignments_named(DEMO_REFERENCE)
    consignment = hash32(row.id)
    # Blocks propagate: node B reaches the block where A's last entry landed.
    last = writer.services.node.index.entries_of(row.id)[-1]
    assert last.location is not None
    landed = last.location.block_number
    _wait(lambda: other.eth.block_number >= landed)
    assert through_b.head(consignment) == through_a.head(consignment)
    assert through_b.consignment(consignment) == through_a.consignment(consignment)
    records_b = through_b.records(consignment)
    for entry in writer.services.node.index.entries_of(row.id):
        if entry.leaf_index is None:
            assert records_b[entry.seq].entry_hash == hash32(entry.entry_hash)


@pytest.mark.parametrize("reference", [DEMO_REFERENCE, DEMO_BATCHED_REFERENCE])
def test_evidence_written_through_one_node_verifies_against_another(
    network: Network, writer: Runtime, tmp_path: Path, reference: str
) -> None:
    services = writer.services
    exporter = services.members.participant(writer.created_keys["exporter"]["address"])
    if reference == DEMO_BATCHED_REFERENCE:  # its entries land with the next checkpoint
        _wait(lambda: services.evidence.verify(exporter, reference).passed, timeout=120)
    bundle = tmp_path / "bundle.json"
    bundle.write_text(json.dumps(services.evidence.bundle(exporter, reference)))
    result = subprocess.run(
        [
            str(BIN),
            "verify-bundle",
            str(bundle),
            "--rpc",
            network.urls[-1],
            "--trust",
            str(writer.settings.manifest_path),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_follower_indexes_only_what_its_confirmation_depth_buries(
    network: Network, writer: Runtime, tmp_path: Path
) -> None:
    """Finality handling, whatever the engine: a second node following through another
    endpoint with a depth of 3 never indexes past head - 3, and indexes a consignment opened
    through the first endpoint once it is 3 blocks deep."""
    depth = 3
    manifest = tmp_path / "deployment.json"
    shutil.copy(writer.settings.manifest_path, manifest)
    follower_settings = make_settings(
        tmp_path / "reader",
        rpc_url=network.urls[1],
        deployment_file=manifest,
        deployer_key=network.deployer.key.hex(),
        confirmations=depth,
        follow_interval=0,  # passes are driven by the test
        seed_demo=False,
    )
    reader = start_runtime(follower_settings)
    try:
        follower, w3 = reader.services.follower, reader.services.node.chain.w3
        exporter = writer.services.members.participant(writer.created_keys["exporter"]["address"])
        opened = writer.services.consignments.create(
            exporter,
            f"FINALITY-{tmp_path.name[-8:]}",
            "CN",
            "DE",
            [],
            writer.created_keys["importer"]["address"],
            writer.created_keys["carrier"]["address"],
        )
        landed = int(opened["block_number"])
        deadline = time.monotonic() + 120
        while True:
            follower.run_once()
            followed = follower.followed_to()
            assert followed <= w3.eth.block_number - depth  # never past the depth
            indexed = reader.services.node.index.consignment(opened["id"]) is not None
            assert indexed == (followed >= landed)  # indexed exactly once its block is buried
            if indexed:
                break
            assert time.monotonic() < deadline, "the consignment's block was never buried deep enough"
            time.sleep(0.2)
    finally:
        reader.close()


def _wait(condition: object, timeout: float = 60.0) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.25)
    raise AssertionError(f"not reached within {timeout}s")
