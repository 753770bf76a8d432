"""`make bench`: BorderLedger's anchoring paths against the peers its users would otherwise
pick, in one run on one chain, and one JSON summary with each target's figure and verdict.

Starts its own anvil chain and BorderLedger service (in this process, served over HTTP on
127.0.0.1), runs the same kind of workload — EIP-712 entries signed by carriers holding
their own keys — through (a) POST …/signed-events, one transaction per entry, and (b)
POST /v1/batch/entries, anchored by Merkle log checkpoints; runs the peers
(tools/bench_peers: TradeTrust's DocumentStore on the same chain through the same sender,
OpenAttestation's wrapDocuments in Node) on the same numbers of documents; then verifies a
10,000-entry consignment. A benchmark, not a test: figures depend on the machine; the
targets are issue #19's, and no peer figure is written down anywhere: each is measured.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path
from typing import Any

import psutil
import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_typing import HexStr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api.index import Index
from api.runtime import start_runtime
from api.settings import Settings
from api.verify_pool import VerifyPool, default_workers
from chain.ledger import LedgerClient, trust_root_of
from chain.rpc import connect, node_identity
from client.http import sign_chain
from evidence.bundle import parse_bundle, verify_bundle
from evidence.canonical import canonical_json
from evidence.eip712 import Entry
from evidence.event_types import EventType
from evidence.merkle import leaf_hash, verify_inclusion
from evidence.roles import Role
from evidence.signed_entries import build_entry
from evidence.trust import check_trust_root
from evidence.types import hash32
from tests.support import LiveServer
from tools.bench_peers.measure import document_store_issue, oa_wrap
from tools.bench_scale import event

CARRIERS = 4
SINGLE_PER_CARRIER = 60  # (a): 240 transactions
BATCH_PER_CARRIER = 5_000  # (b): 20,000 entries in requests of 10,000
BIG_CONSIGNMENT = 10_000


def signed(head: dict[str, Any], account: Any, reference: str, count: int, log: bool = True) -> list[dict[str, Any]]:
    events = [(EventType.ARRIVING, event(n)) for n in range(count)]
    return sign_chain(head, account, reference, events, log=log)


def _single_body(item: dict[str, Any]) -> bytes:
    return json.dumps({k: v for k, v in item.items() if k not in ("reference", "actor")}).encode()


Job = tuple[dict[str, str], list[tuple[str, bytes]]]  # a writer's headers, and its (reference, body)s


def write_singles(url: str, jobs: list[Job]) -> tuple[float, list[float], list[list[str]]]:
    """POST each job's entries in order, one writer thread per job on a kept-alive connection
    of its own; returns the seconds it took, every request's latency and each job's
    transaction hashes."""
    latencies: list[float] = []

    def write(job: Job) -> list[str]:
        headers, items = job
        headers = {**headers, "Content-Type": "application/json"}
        hashes = []
        with requests.Session() as session:
            for reference, body in items:
                start = time.perf_counter()
                r = session.post(
                    f"{url}/v1/consignments/{reference}/signed-events", data=body, headers=headers, timeout=120
                )
                latencies.append(time.perf_counter() - start)
                assert r.status_code == 201, r.text
                hashes.append(r.json()["tx_hash"])
        return hashes

    start = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        hashes = list(pool.map(write, jobs))
    return time.perf_counter() - start, latencies, hashes


class CpuMeter:
    """CPU seconds (user and system) spent by this process and by the chain node over a
    stretch of the bench. The service runs in this process, so its background workers are
    always counted: with the API's writers it is the service's figure; with a sender called
    here (the peer's, or the ledger's straight) it is that sender's plus an idle service's
    (and, for entries sent straight to the ledger, its follower indexing them)."""

    def __init__(self, chain_pid: int) -> None:
        self._processes = psutil.Process(), psutil.Process(chain_pid)
        self._start = self._read()

    def _read(self) -> tuple[float, float]:
        ours, chain = (p.cpu_times() for p in self._processes)
        return ours.user + ours.system, chain.user + chain.system

    def ms_per(self, items: int, this_process: str) -> dict[str, float]:
        """Milliseconds of CPU per item since the meter started: this process's (named
        ``this_process`` in the summary) and the chain node's."""
        (ours, chain), (ours0, chain0) = self._read(), self._start
        return {
            this_process: round((ours - ours0) * 1000 / items, 2),
            "chain_node": round((chain - chain0) * 1000 / items, 2),
        }


def ledger_appends(ledger: LedgerClient, relayer: LocalAccount, jobs: list[list[tuple[Entry, bytes]]]) -> float:
    """Signed entries straight to the ledger contract through the service's own chain client
    and sender, one thread per consignment (each in order), one relayer as the service has:
    the on-chain half of the single path, with nothing of the API. Returns the seconds taken."""

    def append_all(job: list[tuple[Entry, bytes]]) -> None:
        for entry, signature in job:
            ledger.append(relayer, entry, signature)

    start = time.perf_counter()
    with ThreadPoolExecutor(len(jobs)) as pool:
        list(pool.map(append_all, jobs))
    return time.perf_counter() - start


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def anchored_size(index: Index) -> int:
    latest = index.latest_checkpoint()
    return latest.size if latest else 0


class CheckpointWatch:
    """Notes when each anchored tree size first appears in the index (polled every 20 ms)."""

    def __init__(self, index: Index) -> None:
        self.index = index
        self.seen: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> CheckpointWatch:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.02):
            self.seen.append((time.time(), anchored_size(self.index)))

    def wait_for(self, size: int) -> None:
        """Until the watch itself has seen ``size`` anchored (polling the index here instead
        could see it first, and leave the watch without a time for it)."""
        while not self.seen or self.seen[-1][1] < size:
            time.sleep(0.01)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def first_seen(self, size: int) -> float:
        return min(when for when, anchored in self.seen if anchored >= size)


def target(name: str, figure: float, goal: float, met: bool) -> dict[str, Any]:
    return {"target": name, "figure": figure, "goal": goal, "met": met}


def targets(summary: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue #19's targets, each with its measured figure and whether it was met."""
    single, batched = summary["per_entry_tx"], summary["batched"]
    store, wrap = summary["peers"]["document_store_issue"], summary["peers"]["oa_wrap"]
    verification = summary["full_verification_10k_entry_consignment"]
    return [
        target(
            "1. single entries/s >= DocumentStore issue/s (same chain, same sender)",
            single["entries_per_s_accepted_and_durable"],
            store["documents_per_s"],
            single["entries_per_s_accepted_and_durable"] >= store["documents_per_s"],
        ),
        target(
            "1. gas per single entry <= 60,000 (a consignment's later entries; its first costs more)",
            single["gas_per_entry_after_the_first"],
            60_000,
            single["gas_per_entry_after_the_first"] <= 60_000,
        ),
        target(
            "2. gas per checkpoint <= one OA root issue (DocumentStore issue)",
            batched["gas_per_checkpoint"],
            store["gas_per_issue"],
            batched["gas_per_checkpoint"] <= store["gas_per_issue"],
        ),
        target(
            "3. batched entries/s accepted and durable >= 10,000",
            batched["entries_per_s_accepted_and_durable"],
            10_000,
            batched["entries_per_s_accepted_and_durable"] >= 10_000,
        ),
        target(
            "3. anchored within 2 s of acceptance",
            batched["anchored_within_s_of_acceptance_max"],
            2,
            batched["anchored_within_s_of_acceptance_max"] <= 2,
        ),
        target(
            "3. batched >= 3x OA wrap",
            round(batched["entries_per_s_accepted_and_durable"] / wrap["documents_per_s"], 2),
            3,
            batched["entries_per_s_accepted_and_durable"] >= 3 * wrap["documents_per_s"],
        ),
        target(
            "4. node-side verification of a 10,000-entry consignment <= 1 s",
            verification["node_api_verify_s"],
            1,
            verification["node_api_verify_s"] <= 1,
        ),
        memory_target(summary["scale_curve"]),
    ]


def memory_target(curve: list[dict[str, Any]]) -> dict[str, Any]:
    """Target 5, judged only when the curve has two sizes or more (BENCH_SCALE_MAX may stop it at one)."""
    rss = [point["rss_mib"] for point in curve]
    name = f"5. resident memory flat up to {curve[-1]['log_size']:,} entries: grows < 25 % per tenfold log"
    if len(rss) < 2:
        return {"target": name, "figure": None, "goal": 1.25, "met": None, "why": "one log size: no growth to judge"}
    return target(
        name,
        max(round(later / earlier, 2) for earlier, later in pairwise(rss)),
        1.25,
        all(later <= 1.25 * earlier for earlier, later in pairwise(rss)),
    )


def run_stage(script: str) -> Any:
    """Run one of the bench's stages (a script beside this one) and return the JSON it prints;
    a stage that fails stops the bench with what it wrote to stderr, not just its exit code."""
    stage = subprocess.run(
        [sys.executable, str(Path(__file__).with_name(script))], check=False, capture_output=True, text=True
    )
    if stage.returncode != 0:
        sys.exit(f"{script} failed (exit {stage.returncode}); its stderr ends:\n{stage.stderr[-6000:]}")
    return json.loads(stage.stdout)


def main() -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="borderledger-bench-"))
    settings = Settings(
        data_dir=data_dir,
        keystore_scrypt_n=2**10,
        batch_size=1000,
        batch_max_delay=1.0,
        rate_limit_per_second=1e9,
        rate_limit_burst=10**9,
    )
    runtime = start_runtime(settings)
    services, node = runtime.services, runtime.node
    index = services.node.index
    assert services.checkpointer is not None and node is not None, "the bench runs its own chain, with a CheckpointLog"
    runtime.verify_pool.warm()  # as `borderledger serve` does at start
    chain_pid = node.pid
    assert chain_pid is not None, "the bench's anvil runs"
    keys = runtime.created_keys
    cn = services.members.participant(keys["customs-CN"]["address"])
    exporter = services.members.participant(keys["exporter"]["address"])
    carriers = []
    for i in range(CARRIERS):
        account = Account.create()
        created = services.members.register(
            cn, f"Bench carrier {i}", f"CN-BENCH-{i}", "CN", [Role.CARRIER], account.address
        )
        carriers.append((account, {"X-API-Key": created["api_key"]}))
    references = {}
    for kind in ("single", "ledger", "batch", "big"):
        for i, (account, _) in enumerate(carriers):
            if kind == "big" and i:
                continue
            reference = f"BENCH-{kind}-{i}"
            services.consignments.create(
                exporter,
                reference,
                "CN",
                "DE",
                [],
                keys["importer"]["address"],
                account.address,
                kind not in ("single", "ledger"),
            )
            references[(kind, i)] = reference
    summary: dict[str, Any] = {}
    try:
        with LiveServer(runtime) as server:
            url = server.url

            def head(reference: str, headers: dict[str, str]) -> dict[str, Any]:
                return dict(requests.get(f"{url}/v1/consignments/{reference}/head", headers=headers, timeout=60).json())

            # (a) one transaction per entry, 4 consignments in parallel.
            signed_a = {
                i: signed(
                    head(references[("single", i)], headers),
                    account,
                    references[("single", i)],
                    SINGLE_PER_CARRIER,
                    log=False,  # ledger entries, one transaction each
                )
                for i, (account, headers) in enumerate(carriers)
            }
            # The writers run in a process of their own, as clients do: their HTTP and JSON
            # work is not charged to the service's process (or its GIL).
            jobs = [
                (carriers[i][1], [(item["reference"], _single_body(item)) for item in signed_a[i]])
                for i in range(CARRIERS)
            ]
            with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as writers:
                writers.submit(time.perf_counter).result()  # started and imported before the clock
                meter = CpuMeter(chain_pid)
                elapsed_a, latencies, tx_hash_lists = writers.submit(write_singles, url, jobs).result()
                cpu_a = meter.ms_per(CARRIERS * SINGLE_PER_CARRIER, "service")
            tx_hashes_of = dict(enumerate(tx_hash_lists))
            w3 = services.node.chain.w3
            # Every entry's gas; the first of each consignment also turns its head from zero
            # (a fresh storage slot, ~17k more), so the steady state is reported apart.
            gas_of = {
                h: int(w3.eth.get_transaction_receipt(HexStr(h))["gasUsed"]) for hs in tx_hashes_of.values() for h in hs
            }
            gas_a = list(gas_of.values())
            gas_first = [gas_of[hs[0]] for hs in tx_hashes_of.values()]
            gas_later = [gas_of[h] for hs in tx_hashes_of.values() for h in hs[1:]]
            n_a = CARRIERS * SINGLE_PER_CARRIER
            summary["per_entry_tx"] = {
                "entries": n_a,
                "entries_per_s_accepted_and_durable": round(n_a / elapsed_a, 1),
                "entries_per_s_anchored": round(n_a / elapsed_a, 1),
                "gas_per_entry": round(statistics.mean(gas_a)),
                "gas_per_entry_after_the_first": round(statistics.mean(gas_later)),
                "gas_first_entry": round(statistics.mean(gas_first)),
                "append_latency_ms_p50": round(percentile(latencies, 0.5) * 1000, 1),
                "append_latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
                "cpu_per_entry": cpu_a,
            }

            # (a') The same kind of entries straight to the ledger contract, through the
            # service's chain client and sender from as many threads as the peer has: the
            # chain's share of (a), beside the peer's, which is all the peer does.
            chain = services.node.chain
            ledger_jobs = []
            for i, (account, headers) in enumerate(carriers):
                items = signed(
                    head(references[("ledger", i)], headers),
                    account,
                    references[("ledger", i)],
                    SINGLE_PER_CARRIER,
                    log=False,
                )
                (row,) = index.consignments_named(references[("ledger", i)])
                job = []
                for item in items:
                    payload = canonical_json(item["payload"])
                    services.node.store.put_raw(payload)  # as the service does first: the follower reads it
                    entry = build_entry(
                        hash32(row.id),
                        item["seq"],
                        hash32(item["prev_hash"]),
                        EventType(item["event_type"]),
                        payload,
                        None,
                        account.address,
                    )
                    job.append((entry, bytes.fromhex(item["signature"][2:])))
                ledger_jobs.append(job)
            meter = CpuMeter(chain_pid)
            elapsed_ledger = ledger_appends(chain, services.node.relayer, ledger_jobs)
            summary["per_entry_tx"]["straight_to_the_ledger_contract"] = {
                "entries_per_s": round(CARRIERS * SINGLE_PER_CARRIER / elapsed_ledger, 1),
                "cpu_per_entry": meter.ms_per(CARRIERS * SINGLE_PER_CARRIER, "bench_process"),
            }

            # (b) batched: the same kind of entries, 10,000 per request.
            t0 = time.perf_counter()
            signed_b = []
            for i, (account, headers) in enumerate(carriers):
                signed_b += signed(
                    head(references[("batch", i)], headers), account, references[("batch", i)], BATCH_PER_CARRIER
                )
            signing_s = time.perf_counter() - t0
            submitter = {"X-API-Key": keys["exporter"]["api_key"]}
            anchored_before = anchored_size(index)
            watch = CheckpointWatch(index).start()
            request_latencies = []
            accepted_at = []
            # Bodies encoded before the clock starts: the client's JSON encoder is not the service.
            bodies = [
                json.dumps({"entries": signed_b[chunk : chunk + 10_000]}).encode()
                for chunk in range(0, len(signed_b), 10_000)
            ]
            start = time.perf_counter()
            for body in bodies:
                t = time.perf_counter()
                r = requests.post(
                    f"{url}/v1/batch/entries",
                    data=body,
                    # the exporter, party to every consignment: a gateway for all
                    headers={**submitter, "Content-Type": "application/json"},
                    timeout=600,
                )
                assert r.status_code == 201, r.text[:500]
                request_latencies.append(time.perf_counter() - t)
                accepted_at.append((time.time(), r.json()["log_size"]))
            elapsed_b = time.perf_counter() - start
            n_b = len(signed_b)
            target = anchored_before + n_b
            watch.wait_for(target)
            anchored_wall = time.perf_counter() - start
            watch.stop()
            # For each request: from its answer to the first checkpoint whose tree holds all of it.
            anchor_delays = [watch.first_seen(log_size) - answered for answered, log_size in accepted_at]
            ours = [c.gas_used for c in index.checkpoints() if c.size > anchored_before]
            gas_b = sum(ours)
            summary["batched"] = {
                "entries": n_b,
                "client_signing_s_excluded": round(signing_s, 2),
                "entries_per_s_accepted_and_durable": round(n_b / elapsed_b, 1),
                "entries_per_s_anchored": round(n_b / anchored_wall, 1),
                "anchored_within_s_of_acceptance_max": round(max(anchor_delays), 2),
                "gas_per_entry": round(gas_b / n_b, 1),
                "checkpoints": len(ours),
                "gas_per_checkpoint": round(statistics.mean(ours)),
                "request_latency_s_10k_entries": [round(x, 2) for x in request_latencies],
            }
            meter = CpuMeter(chain_pid)
            store_figures = document_store_issue(services.node.chain.w3, n_a, CARRIERS)
            # The deployment's one transaction is within the noise.
            store_figures["cpu_per_document"] = meter.ms_per(n_a, "bench_process")
            summary["peers"] = {"document_store_issue": store_figures, "oa_wrap": oa_wrap(n_b)}
            summary["batched_vs_per_entry_accepted_ratio"] = round(
                summary["batched"]["entries_per_s_accepted_and_durable"]
                / summary["per_entry_tx"]["entries_per_s_accepted_and_durable"],
                1,
            )

            # A 10,000-entry consignment, then its full verification.
            account, headers = carriers[0]
            big_ref = references[("big", 0)]
            big = signed(head(big_ref, headers), account, big_ref, BIG_CONSIGNMENT)
            r = requests.post(f"{url}/v1/batch/entries", json={"entries": big}, headers=headers, timeout=600)
            assert r.status_code == 201, r.text[:500]
            size_needed = r.json()["log_size"]
            while anchored_size(index) < size_needed:
                time.sleep(0.05)
            auditor = {"X-API-Key": keys["auditor"]["api_key"]}

            # (1) The node verifies it (GET …/verify: bundle assembly, on-chain facts, every check,
            # the report over HTTP).
            node_times = []
            for _ in range(3):
                start = time.perf_counter()
                report = requests.get(f"{url}/v1/consignments/{big_ref}/verify", headers=auditor, timeout=600).json()
                node_times.append(time.perf_counter() - start)
                assert report["verdict"] == "passed" and report["entries_total"] == BIG_CONSIGNMENT, report["failures"]
                report_bytes = len(json.dumps(report))

            # (2) An auditor verifies the bundle against the chain (borderledger verify-bundle --rpc).
            bundle_json = requests.get(f"{url}/v1/consignments/{big_ref}/bundle", headers=auditor, timeout=600).text
            workers = VerifyPool(default_workers())
            try:
                auditor_times = []
                for _ in range(2):
                    start = time.perf_counter()
                    bundle = parse_bundle(json.loads(bundle_json))
                    # As `verify-bundle --rpc URL --trust deployment.json` does.
                    w3 = connect(node.url)
                    manifest = services.node.chain.manifest
                    contracts = {n: c.address for n, c in bundle.chain.contracts.items()}
                    trust = check_trust_root(
                        trust_root_of(manifest),
                        bundle.chain.chain_id,
                        contracts,
                        node_identity(w3, manifest.registry.block),
                    )
                    online = LedgerClient(w3, manifest).online_facts(bundle)
                    executor = workers.for_entries(len(bundle.entries))
                    audit = verify_bundle(bundle, online, executor=executor, trust=trust)
                    auditor_times.append(time.perf_counter() - start)
                    assert audit.passed, audit.failures()[:5]
            finally:
                workers.close()
            summary["full_verification_10k_entry_consignment"] = {
                "node_api_verify_s": round(statistics.median(node_times), 2),
                "node_api_verify_s_min_max": [round(min(node_times), 2), round(max(node_times), 2)],
                "auditor_bundle_verify_with_rpc_s": round(min(auditor_times[1:]), 2),
                "auditor_bundle_verify_first_s_incl_worker_start": round(auditor_times[0], 2),
                "bundle_mib": round(len(bundle_json) / 2**20, 1),
                "report_page_kib_1000_of_10000_entries": round(report_bytes / 1024),
            }

            # Inclusion proofs as served by the node, verified by the pure verifier.
            checkpoint = index.latest_checkpoint()
            assert checkpoint is not None
            (batch_consignment,) = index.consignments_named(references[("batch", 0)])
            rows = [
                (e.leaf_index, e.entry_hash) for e in index.entries_of(batch_consignment.id) if e.leaf_index is not None
            ]
            proofs = []
            for leaf_index, digest in rows[:: max(1, len(rows) // 2_000)]:
                served = requests.get(f"{url}/v1/batch/proof/{digest}", headers=auditor, timeout=60).json()
                proofs.append(
                    (leaf_hash(bytes.fromhex(digest[2:])), leaf_index, [bytes.fromhex(p[2:]) for p in served["proof"]])
                )
            anchored_root = bytes.fromhex(checkpoint.root[2:])
            rounds = max(1, 20_000 // len(proofs))
            start = time.perf_counter()
            for _ in range(rounds):
                for leaf, leaf_index, path in proofs:
                    verify_inclusion(leaf, leaf_index, checkpoint.size, path, anchored_root)
            summary["inclusion_proofs_verified_per_s"] = round(rounds * len(proofs) / (time.perf_counter() - start))
            summary["log"] = {"tree_size": checkpoint.size, "checkpoints": len(index.checkpoints())}
    finally:
        runtime.close()
        shutil.rmtree(data_dir, ignore_errors=True)

    summary["peak_rss_mib"] = {
        "bench_process_incl_service": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "largest_verification_worker": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
    }
    print(json.dumps(summary), file=sys.stderr, flush=True)  # kept should a later stage fail
    # The scale curve in a process of its own, so its memory figures are one node's alone.
    summary["scale_curve"] = run_stage("bench_scale.py")
    if os.environ.get("BENCH_CONSORTIUM", "1") != "0":
        summary["consortium"] = run_stage("bench_consortium.py")
    summary["targets"] = targets(summary)
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
