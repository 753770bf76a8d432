"""Kill the chain node mid-ingest and restart it: every accepted entry ends anchored exactly once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from api.runtime import start_runtime
from chain.node import AnvilNode
from evidence.event_types import EventType
from evidence.types import hash32
from tests.support import make_settings

REFERENCES = [f"OUTAGE-{i}" for i in range(4)]


def payload(i: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "readPoint": {"id": f"urn:x:point:{i}"},
    }


def wait_for(condition: Callable[[], bool], timeout: float, step: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def test_chain_killed_mid_ingest_then_restarted(tmp_path: Path) -> None:
    state = tmp_path / "chain" / "state.json"
    node = AnvilNode(state_path=state).start()
    runtime = start_runtime(make_settings(tmp_path / "node", rpc_url=node.url, outbox_interval=0.3))
    try:
        services = runtime.services
        keys = runtime.created_keys
        exporter = services.members.participant(keys["exporter"]["address"])
        carrier = services.members.participant(keys["carrier"]["address"])
        for reference in REFERENCES:
            services.consignments.create(
                exporter, reference, "CN", "DE", ["KZ"], keys["importer"]["address"], carrier.address
            )
        time.sleep(3)  # anvil saves its state every 2 s: the set-up survives the kill

        accepted: list[dict[str, Any]] = []
        refused: list[str] = []
        lock = threading.Lock()

        def append(i: int) -> None:
            try:
                entry = services.appends.append_event(carrier, REFERENCES[i % 4], EventType.ARRIVING, payload(i), None)
                with lock:
                    accepted.append(entry)
            except Exception as exc:
                with lock:
                    refused.append(type(exc).__name__)

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [pool.submit(append, i) for i in range(80)]
            assert wait_for(lambda: len(accepted) >= 20, 60)
            node.kill()  # SIGKILL: no state saved; the last blocks are lost
            time.sleep(1.5)
            node = AnvilNode(port=node.port, state_path=state).start()
            for future in futures:
                future.result()

        def settled() -> bool:
            """The outbox has drained and reconciled the index with the restarted chain: every
            entry it holds as anchored is on chain, and none waits."""
            if runtime.services.outbox.pending_count():
                return False
            index, chain = services.node.index, services.node.chain
            for reference in REFERENCES:
                (row,) = index.consignments_named(reference)
                if chain.head(hash32(row.id))[0] != len(index.entries_of(row.id)):
                    return False
            return True

        assert wait_for(settled, 120), "the outbox did not drain and reconcile with the restarted chain"
        print(f"accepted {len(accepted)}, refused while down {len(refused)}")
        assert len(accepted) + len(refused) == 80 and len(accepted) >= 20

        auditor = services.members.authenticate(services.members.issue_api_key(keys["auditor"]["address"]))
        on_chain_hashes: set[str] = set()
        for reference in REFERENCES:
            events = services.consignments.events(auditor, reference)
            assert all(e["status"] == "anchored" for e in events)
            info = services.consignments.get(auditor, reference)
            assert info["entries"] == len(events)  # chain count equals the index
            report = services.evidence.verify(auditor, reference)
            assert report.passed, report.failures()
            on_chain_hashes |= {e.entry_hash for e in report.entries}
        accepted_hashes = {e["entry_hash"] for e in accepted}
        assert accepted_hashes <= on_chain_hashes  # nothing accepted is lost
        assert len(on_chain_hashes) == len(accepted)  # and nothing is anchored twice or unasked
    finally:
        runtime.close()
        node.stop()
