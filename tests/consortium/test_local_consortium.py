"""`make consortium`'s network, started as the Makefile starts it: three organisations'
nodes (KZ's on PostgreSQL) deployed once through CN's node, the demo seeded through each
organisation's own node; with the keys of nodes.json, every node answers the demo
consignment's verification with the same passing report, over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from api.demo import DEMO_REFERENCE
from consortium.network import LocalConsortium
from tests.support import TEST_SCRYPT_N


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
