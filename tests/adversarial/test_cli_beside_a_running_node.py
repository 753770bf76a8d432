"""Finding 18 of the trust review: a command run beside a serving node of the same data
directory connects to the chain that node started — it never starts a second anvil on the
same state — and `reindex`, which rewrites the index under the node, refuses to run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from chain.node import free_port
from tests.e2e.test_serve_and_restart import BIN, DEMO, _env, _serve, _stop


def test_verify_joins_the_running_chain_and_reindex_refuses(tmp_path: Path) -> None:
    server = _serve(tmp_path, free_port())
    record_path = tmp_path / "embedded-chain.json"
    try:
        record = json.loads(record_path.read_text())
        assert record["owner_pid"] == server.pid
        env = _env(tmp_path)
        verified = subprocess.run([str(BIN), "verify", DEMO], env=env, capture_output=True, text=True, timeout=120)
        assert verified.returncode == 0, verified.stdout + verified.stderr
        # Had it started an anvil of its own, it would have rewritten (and then removed) the record.
        assert json.loads(record_path.read_text()) == record
        refused = subprocess.run([str(BIN), "reindex"], env=env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 1 and f"pid {server.pid}" in refused.stdout, refused.stdout + refused.stderr
        assert "Traceback" not in refused.stderr
    finally:
        _stop(server)
    assert not record_path.exists()  # the node that started the chain cleared its record on the way out
    rebuilt = subprocess.run([str(BIN), "reindex"], env=_env(tmp_path), capture_output=True, text=True, timeout=180)
    assert rebuilt.returncode == 0, rebuilt.stdout + rebuilt.stderr
