"""Finding 5 (node side) of the trust review: a checkpoint on chain that is not a consistent
extension of the node's own log is never adopted; the node raises a split-view alarm (logs,
/healthz, verify-log) and keeps serving what it can prove. (Its own module: the bogus
checkpoint stays on this runtime's chain.)"""

from __future__ import annotations

from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import auth
from tests.support import Keys, LiveServer, checkpoint_log, checkpointer, rogue_anchor, run_log_monitor

BATCHED_DEMO = "CQ-DUI-2026-B001"


def test_a_checkpoint_the_node_cannot_prove_is_an_alarm_not_an_adoption(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    before = client.get(f"/v1/consignments/{BATCHED_DEMO}/verify", headers=auth(keys, "auditor")).json()
    assert before["verdict"] == "passed"
    latest = client.get("/v1/batch/checkpoint", headers=auth(keys, "auditor")).json()
    # A member with the anchor role (admitted by a colluding majority) anchors a tree head that
    # is not this node's log.
    rogue = rogue_anchor(demo_runtime, keys, "CN-ROGUE")
    checkpoint_log(demo_runtime).submit(rogue, 2**64 - 1, b"\x66" * 32, "bafy-nothing")

    split = checkpointer(demo_runtime).watch()
    assert split is not None and str(2**64 - 1) in split
    health = client.get("/healthz")
    assert health.status_code == 503 and health.json()["error"] == "split_view"
    # Nothing adopted, nothing more anchored; what the node can prove is still served.
    assert client.get("/v1/batch/checkpoint", headers=auth(keys, "auditor")).json() == latest
    assert checkpointer(demo_runtime).checkpoint() is None
    after = client.get(f"/v1/consignments/{BATCHED_DEMO}/verify", headers=auth(keys, "auditor"))
    assert after.status_code == 200 and after.json()["verdict"] == "passed", after.json()["failures"]
    # A log monitor names the checkpoint it cannot connect.
    with LiveServer(demo_runtime) as server:
        monitor = run_log_monitor(demo_runtime, server.url, keys["auditor"]["api_key"])
    assert monitor.returncode == 1 and str(2**64 - 1) in monitor.stdout, monitor.stdout + monitor.stderr
