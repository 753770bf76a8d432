"""`make bench`, the scale curve (issue #19, target 5): one node's Merkle log grown to 10^4,
10^5 and 10^6 entries (BENCH_SCALE_MAX=10000000 adds 10^7), and at each size the ingest
rate, inclusion proofs generated and verified per second, the time to compute a
checkpoint's root and consistency proof, the delay until anchored, and the process's
memory (resident now, and its peak).

Runs in its own process (tools/bench.py starts it), so its memory is the node's alone.
Entries go through the node's ingest (MerkleLogService.ingest: every check, one
transaction per 10,000) in-process; 10 carriers sign them over 10 consignments with
coincurve, as a client library would, outside the timed part.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coincurve import PrivateKey
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.runtime import Runtime, start_runtime
from api.services.merkle_log import SignedItem
from api.settings import Settings
from evidence.canonical import canonical_json
from evidence.consignment_id import consignment_id
from evidence.eip712 import entry_hash
from evidence.event_types import EventType
from evidence.merkle import leaf_hash, verify_inclusion
from evidence.roles import Role
from evidence.signed_entries import build_entry
from evidence.types import ZERO_HASH, Hash32, hash32

CONSIGNMENTS = 10
REQUEST = 10_000
PROOFS = 2_000


def memory_mib() -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM) of this process."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {
        "rss_mib": round(int(status["VmRSS"].split()[0]) / 1024, 1),
        "peak_rss_mib": round(int(status["VmHWM"].split()[0]) / 1024, 1),
    }


@dataclass
class Chain:
    """One carrier's consignment: its key and its head."""

    reference: str
    consignment: Hash32
    actor: str
    key: PrivateKey
    seq: int = 0
    head: Hash32 = ZERO_HASH


def open_chains(runtime: Runtime) -> list[Chain]:
    services, keys = runtime.services, runtime.created_keys
    cn = services.members.participant(keys["customs-CN"]["address"])
    exporter = services.members.participant(keys["exporter"]["address"])
    chains = []
    for i in range(CONSIGNMENTS):
        account = Account.create()
        services.members.register(cn, f"Scale carrier {i}", f"CN-SCALE-{i}", "CN", [Role.CARRIER], account.address)
        reference = f"SCALE-{i}"
        services.consignments.create(
            exporter, reference, "CN", "DE", [], keys["importer"]["address"], account.address, True
        )
        cid = consignment_id(exporter.address, reference)
        chains.append(Chain(reference, cid, account.address, PrivateKey(bytes(account.key))))
    return chains


def event(n: int) -> dict[str, Any]:
    """The ``n``-th bench entry's payload: an EPCIS 2.0 ObjectEvent (the service refuses others)."""
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-11-28T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "readPoint": {"id": f"urn:bench:point:{n}"},
    }


def signed_requests(runtime: Runtime, chains: list[Chain], count: int, start: int) -> Iterator[list[SignedItem]]:
    """``count`` entries in requests of 10,000, the carriers in turn, each extending its chain."""
    domain = runtime.services.node.chain.domain
    for first in range(start, start + count, REQUEST):
        items = []
        for n in range(first, min(first + REQUEST, start + count)):
            chain = chains[n % CONSIGNMENTS]
            payload = event(n)
            entry = build_entry(
                chain.consignment, chain.seq, chain.head, EventType.ARRIVING, canonical_json(payload), None, chain.actor
            )
            digest = entry_hash(entry, domain, log=True)
            rsv = chain.key.sign_recoverable(bytes(digest), hasher=None)
            signature = rsv[:64] + bytes([27 + rsv[64]])
            items.append(
                SignedItem(
                    chain.reference,
                    EventType.ARRIVING,
                    payload,
                    None,
                    chain.seq,
                    "0x" + bytes(chain.head).hex(),
                    chain.actor,
                    signature,
                )
            )
            chain.seq, chain.head = chain.seq + 1, digest
        yield items


def anchored_size(runtime: Runtime) -> int:
    latest = runtime.services.node.index.latest_checkpoint()
    return latest.size if latest else 0


def measure(runtime: Runtime, chains: list[Chain], size: int, done: int) -> dict[str, Any]:
    """Grow the log from ``done`` to ``size`` entries and take the figures at ``size``."""
    services = runtime.services
    submitter = services.members.participant(runtime.created_keys["exporter"]["address"])
    ingesting = 0.0
    for items in signed_requests(runtime, chains, size - done, done):
        start = time.perf_counter()
        services.merkle_log.ingest(submitter, items)
        ingesting += time.perf_counter() - start
    accepted = time.perf_counter()
    while anchored_size(runtime) < size:
        time.sleep(0.05)
    anchored_after = time.perf_counter() - accepted
    index = services.node.index
    picks = sorted(random.Random(size).sample(range(size), min(PROOFS, size)))
    hashes = [index.log_entries(i, i + 1)[0].entry_hash for i in picks]
    start = time.perf_counter()
    served = [services.merkle_log.proof(h) for h in hashes]
    proving = time.perf_counter() - start
    start = time.perf_counter()
    for h, proof in zip(hashes, served, strict=True):
        path = [bytes.fromhex(p[2:]) for p in proof["proof"]]
        verify_inclusion(
            leaf_hash(bytes(hash32(h))), proof["leaf_index"], proof["tree_size"], path, bytes(hash32(proof["root"]))
        )
    verifying = time.perf_counter() - start
    with services.merkle_log.lock:
        tree = services.merkle_log.tree()
        start = time.perf_counter()
        tree.root_at(tree.size)
        tree.consistency_proof(max(1, done), tree.size)
        checkpoint_root = time.perf_counter() - start
    return {
        "log_size": size,
        "ingest_entries_per_s": round((size - done) / ingesting, 1),
        "anchored_s_after_last_request": round(anchored_after, 2),
        "proofs_served_per_s": round(len(picks) / proving, 1),
        "proofs_verified_per_s": round(len(picks) / verifying, 1),
        "checkpoint_root_and_consistency_ms": round(checkpoint_root * 1000, 2),
        **memory_mib(),
    }


def main() -> None:
    largest = int(os.environ.get("BENCH_SCALE_MAX", "1000000"))
    sizes = [n for n in (10**4, 10**5, 10**6, 10**7) if n <= largest]
    settings = Settings(
        data_dir=Path(tempfile.mkdtemp(prefix="borderledger-scale-")),
        keystore_scrypt_n=2**10,
        batch_size=REQUEST,
        batch_max_delay=1.0,
        rate_limit_per_second=1e9,
        rate_limit_burst=10**9,
    )
    runtime = start_runtime(settings)
    try:
        chains = open_chains(runtime)
        curve, done = [], 0
        for size in sizes:
            curve.append(measure(runtime, chains, size, done))
            done = size
            print(json.dumps(curve[-1]), file=sys.stderr, flush=True)
    finally:
        runtime.close()
        shutil.rmtree(settings.data_dir, ignore_errors=True)  # up to gigabytes at 10^6 entries
    print(json.dumps(curve))


if __name__ == "__main__":
    main()
