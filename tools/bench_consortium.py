"""`make bench`, the consortium (issue #19, target 6): the demo consortium of
`make consortium` (four go-ethereum Clique signers sealing a block a second, three kubo
daemons, three organisation nodes; CN's node operates the Merkle log), and on it:

- single entries through CN's node, one ledger transaction each, from 20 consignments at
  once: entries/s and the time from request to anchored (which the block period sets);
- 100,000 batched entries through CN's node: ingest rate, the delay until the last is
  anchored, and how long DE's node takes to catch up (follow every checkpoint, fetch its
  segment from the content network, re-verify it against the anchored root, index it).

Runs in its own process (tools/bench.py starts it with BENCH_CONSORTIUM=1; it builds the
Go engines first, as `make consortium` does). Prints one JSON object.
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from coincurve import PrivateKey
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.runtime import Runtime
from consortium.network import LocalConsortium
from evidence.consignment_id import consignment_id
from evidence.event_types import EventType
from evidence.roles import Role
from tools.bench_scale import Chain, signed_requests

SINGLE_CONSIGNMENTS = 20
SINGLE_PER_CONSIGNMENT = 10
BATCHED = int(os.environ.get("BENCH_CONSORTIUM_ENTRIES", "100000"))


def single_entries(cn: Runtime, keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    services = cn.services
    exporter = services.members.participant(keys["exporter"]["address"])
    carrier = services.members.participant(keys["carrier"]["address"])
    references = [f"BENCH-C-{i}" for i in range(SINGLE_CONSIGNMENTS)]
    for reference in references:
        services.consignments.create(
            exporter, reference, "CN", "DE", ["KZ"], keys["importer"]["address"], carrier.address
        )
    latencies: list[float] = []

    def run(reference: str) -> None:
        for n in range(SINGLE_PER_CONSIGNMENT):
            event = {"type": "ObjectEvent", "eventTime": f"2026-11-29T00:00:{n:02d}Z", "action": "OBSERVE"}
            start = time.perf_counter()
            entry = services.appends.append_event(carrier, reference, EventType.ARRIVING, event, None)
            latencies.append(time.perf_counter() - start)
            assert entry["status"] == "anchored", entry

    start = time.perf_counter()
    with ThreadPoolExecutor(SINGLE_CONSIGNMENTS) as pool:
        list(pool.map(run, references))
    elapsed = time.perf_counter() - start
    ordered = sorted(latencies)
    return {
        "entries": len(latencies),
        "entries_per_s_anchored": round(len(latencies) / elapsed, 1),
        "anchored_latency_s_p50": round(statistics.median(ordered), 2),
        "anchored_latency_s_p90": round(ordered[int(0.9 * len(ordered))], 2),
        "block_period_s": 1,
    }


def leaf_count(runtime: Runtime) -> int:
    return runtime.services.node.index.log_leaf_count()


def batched_and_catch_up(cn: Runtime, de: Runtime, keys: dict[str, dict[str, str]]) -> dict[str, Any]:
    services = cn.services
    customs = services.members.participant(keys["customs-CN"]["address"])
    exporter = services.members.participant(keys["exporter"]["address"])
    chains = []
    for i in range(10):
        account = Account.create()
        services.members.register(
            customs, f"Bench carrier {i}", f"CN-BENCH-C{i}", "CN", [Role.CARRIER], account.address
        )
        reference = f"BENCH-LOG-{i}"
        services.consignments.create(
            exporter, reference, "CN", "DE", [], keys["importer"]["address"], account.address, True
        )

        chains.append(
            Chain(
                reference, consignment_id(exporter.address, reference), account.address, PrivateKey(bytes(account.key))
            )
        )
    # DE's node is offline (its follower stopped) while CN takes the entries; then it catches up.
    de.services.follower.stop()
    before_cn, before_de = leaf_count(cn), leaf_count(de)
    ingesting = 0.0
    for items in signed_requests(cn, chains, BATCHED, 0):
        start = time.perf_counter()
        services.merkle_log.ingest(exporter, items)
        ingesting += time.perf_counter() - start
    accepted = time.perf_counter()
    target = before_cn + BATCHED
    while (latest := services.node.index.latest_checkpoint()) is None or latest.size < target:
        time.sleep(0.1)
    anchored = time.perf_counter() - accepted
    time.sleep(3)  # the follower indexes what is two blocks deep (CONFIRMATIONS)
    start = time.perf_counter()
    while leaf_count(de) < before_de + BATCHED:
        de.services.follower.run_once()  # each pass: the checkpoints, segments fetched and re-verified
    caught_up = time.perf_counter() - start
    return {
        "entries": BATCHED,
        "ingest_entries_per_s": round(BATCHED / ingesting, 1),
        "anchored_s_after_last_request": round(anchored, 2),
        "offline_node_catch_up_s": round(caught_up, 2),
        "offline_node_catch_up_entries_per_s": round(BATCHED / caught_up, 1),
    }


def main() -> None:
    root = Path(tempfile.mkdtemp(prefix="borderledger-consortium-bench-"))
    consortium = LocalConsortium(root, keystore_scrypt_n=2**10).start()
    try:
        cn, de = consortium.organisations["CN"], consortium.organisations["DE"]
        keys = {**consortium.organisations["DE"].keys, **cn.keys}
        result = {
            "network": "4 geth v1.13.15 Clique signers (1 s blocks), 3 kubo daemons, 3 organisation nodes",
            "single_entries_through_one_node": single_entries(cn.runtime, keys),
            "batched": batched_and_catch_up(cn.runtime, de.runtime, keys),
        }
    finally:
        consortium.stop()
        shutil.rmtree(root, ignore_errors=True)  # chains, swarm and databases: gigabytes
    print(json.dumps(result))


if __name__ == "__main__":
    main()
