"""`make bench`: one-transaction-per-entry anchoring vs batched checkpoints, in one run.

Starts its own anvil chain and BorderLedger service (in this process, served over HTTP on
127.0.0.1), runs the same kind of workload — EIP-712 entries signed by carriers holding
their own keys — through (a) POST …/signed-events, one transaction per entry, and (b)
POST /v1/batch/entries, anchored by Merkle log checkpoints, then prints a JSON summary.
A benchmark, not a test: figures depend on the machine; targets are from issue #8.
"""

from __future__ import annotations

import json
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from api import db
from api.runtime import start_runtime
from api.settings import Settings
from client.http import build_entry
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Domain, Entry, entry_hash, recover_signer, sign_entry
from evidence.event_types import EventType
from evidence.merkle import Tree, leaf_hash, verify_inclusion
from evidence.roles import Role
from tests.support import LiveServer

CARRIERS = 4
SINGLE_PER_CARRIER = 60  # (a): 240 transactions
BATCH_PER_CARRIER = 5_000  # (b): 20,000 entries in requests of 10,000
BIG_CONSIGNMENT = 10_000


def event(n: int) -> dict[str, Any]:
    return {
        "type": "ObjectEvent",
        "eventTime": f"2026-11-28T{(n // 3600) % 24:02d}:{(n // 60) % 60:02d}:{n % 60:02d}Z",
        "eventTimeZoneOffset": "+00:00",
        "action": "OBSERVE",
        "readPoint": {"id": f"urn:bench:point:{n}"},
    }


def sign_chain(head: dict[str, Any], account: Any, reference: str, count: int) -> list[dict[str, Any]]:
    entry, domain = build_entry(head, account.address, EventType.ARRIVING, event(0), None)
    items = []
    for n in range(count):
        data = canonical_json(event(n))
        entry = replace(entry, payload_hash=payload_hash(data), cid=payload_cid(data))
        items.append(
            {
                "reference": reference,
                "event_type": "ARRIVING",
                "payload": event(n),
                "seq": entry.seq,
                "prev_hash": "0x" + bytes(entry.prev_hash).hex(),
                "actor": account.address,
                "signature": "0x" + sign_entry(entry, domain, account.key).hex(),
            }
        )
        entry = replace(entry, seq=entry.seq + 1, prev_hash=entry_hash(entry, domain))
    return items


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


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
    service = runtime.service
    keys = runtime.created_keys
    cn = service.participant(keys["customs-CN"]["address"])
    exporter = service.participant(keys["exporter"]["address"])
    carriers = []
    for i in range(CARRIERS):
        account = Account.create()
        created = service.register_participant(
            cn, f"Bench carrier {i}", f"CN-BENCH-{i}", "CN", [Role.CARRIER], account.address
        )
        carriers.append((account, {"X-API-Key": created["api_key"]}))
    references = {}
    for kind in ("single", "batch", "big"):
        for i, (account, _) in enumerate(carriers):
            if kind == "big" and i:
                continue
            reference = f"BENCH-{kind}-{i}"
            service.create_consignment(
                exporter, reference, "CN", "DE", [], keys["importer"]["address"], account.address
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
                i: sign_chain(
                    head(references[("single", i)], headers), account, references[("single", i)], SINGLE_PER_CARRIER
                )
                for i, (account, headers) in enumerate(carriers)
            }
            latencies: list[float] = []
            tx_hashes: list[str] = []

            def run_single(i: int) -> None:
                headers = carriers[i][1]
                for item in signed_a[i]:
                    body = {k: v for k, v in item.items() if k not in ("reference", "actor")}
                    start = time.perf_counter()
                    r = requests.post(
                        f"{url}/v1/consignments/{item['reference']}/signed-events",
                        json=body,
                        headers=headers,
                        timeout=120,
                    )
                    latencies.append(time.perf_counter() - start)
                    assert r.status_code == 201, r.text
                    tx_hashes.append(r.json()["tx_hash"])

            start = time.perf_counter()
            with ThreadPoolExecutor(CARRIERS) as pool:
                list(pool.map(run_single, range(CARRIERS)))
            elapsed_a = time.perf_counter() - start
            w3 = service.client.w3
            gas_a = [int(w3.eth.get_transaction_receipt(h)["gasUsed"]) for h in tx_hashes[:50]]
            n_a = CARRIERS * SINGLE_PER_CARRIER
            summary["per_entry_tx"] = {
                "entries": n_a,
                "entries_per_s_accepted_and_durable": round(n_a / elapsed_a, 1),
                "entries_per_s_anchored": round(n_a / elapsed_a, 1),
                "gas_per_entry": round(statistics.mean(gas_a)),
                "append_latency_ms_p50": round(percentile(latencies, 0.5) * 1000, 1),
                "append_latency_ms_p99": round(percentile(latencies, 0.99) * 1000, 1),
            }

            # (b) batched: the same kind of entries, 10,000 per request.
            t0 = time.perf_counter()
            signed_b = []
            for i, (account, headers) in enumerate(carriers):
                signed_b += sign_chain(
                    head(references[("batch", i)], headers), account, references[("batch", i)], BATCH_PER_CARRIER
                )
            signing_s = time.perf_counter() - t0
            anchored_before = (runtime.batch.latest_checkpoint() or {"size": 0})["size"]
            request_latencies = []
            start = time.perf_counter()
            accepted_at = []
            for chunk in range(0, len(signed_b), 10_000):
                t = time.perf_counter()
                r = requests.post(
                    f"{url}/v1/batch/entries",
                    json={"entries": signed_b[chunk : chunk + 10_000]},
                    headers=carriers[0][1],
                    timeout=600,
                )
                assert r.status_code == 201, r.text[:500]
                request_latencies.append(time.perf_counter() - t)
                accepted_at.append(time.time())
            elapsed_b = time.perf_counter() - start
            n_b = len(signed_b)
            target = anchored_before + n_b
            while (runtime.batch.latest_checkpoint() or {"size": 0})["size"] < target:
                time.sleep(0.05)
            anchored_wall = time.perf_counter() - start
            checkpoint = runtime.batch.latest_checkpoint()
            with service.engine.connect() as conn:
                gas_b = sum(
                    r.gas_used
                    for r in conn.execute(
                        select(db.log_checkpoints).where(db.log_checkpoints.c.size > anchored_before)
                    ).all()
                )
            summary["batched"] = {
                "entries": n_b,
                "client_signing_s_excluded": round(signing_s, 2),
                "entries_per_s_accepted_and_durable": round(n_b / elapsed_b, 1),
                "entries_per_s_anchored": round(n_b / anchored_wall, 1),
                "last_entry_anchored_within_s": round(checkpoint["anchored_at"] - accepted_at[-1], 2),
                "gas_per_entry": round(gas_b / n_b, 1),
                "request_latency_s_10k_entries": [round(x, 2) for x in request_latencies],
            }
            summary["batched_vs_per_entry_accepted_ratio"] = round(
                summary["batched"]["entries_per_s_accepted_and_durable"]
                / summary["per_entry_tx"]["entries_per_s_accepted_and_durable"],
                1,
            )

            # A 10,000-entry consignment, then its full verification.
            account, headers = carriers[0]
            big = sign_chain(head(references[("big", 0)], headers), account, references[("big", 0)], BIG_CONSIGNMENT)
            r = requests.post(f"{url}/v1/batch/entries", json={"entries": big}, headers=headers, timeout=600)
            assert r.status_code == 201, r.text[:500]
            hashes = [e["entry_hash"] for e in r.json()["entries"]]
            size_needed = r.json()["log_size"]
            while (runtime.batch.latest_checkpoint() or {"size": 0})["size"] < size_needed:
                time.sleep(0.05)
    finally:
        runtime.close()

    # Verification, offline and pure: everything a verifier recomputes for each entry.
    with service.engine.connect() as conn:
        rows = conn.execute(select(db.batch_entries).order_by(db.batch_entries.c.leaf_index)).all()
        checkpoint = conn.execute(select(db.log_checkpoints).order_by(db.log_checkpoints.c.size.desc())).first()
    leaves = [leaf_hash(bytes.fromhex(r.entry_hash[2:])) for r in rows[: checkpoint.size]]
    anchored_root = bytes.fromhex(checkpoint.root[2:])
    tree = Tree(leaves)
    assert tree.root == anchored_root
    sample = range(0, len(leaves), max(1, len(leaves) // 10_000))
    proofs = [(i, tree.inclusion_proof(i)) for i in list(sample)[:10_000]]
    start = time.perf_counter()
    for i, proof in proofs:
        verify_inclusion(leaves[i], i, len(leaves), proof, anchored_root)
    summary["inclusion_proofs_verified_per_s"] = round(len(proofs) / (time.perf_counter() - start))

    domain = Domain(service.client.domain.chain_id, service.client.domain.verifying_contract)
    wanted = set(hashes)
    big_rows = [r for r in rows if r.entry_hash in wanted]
    big_proofs = {r.leaf_index: tree.inclusion_proof(r.leaf_index) for r in big_rows}  # served by the node
    start = time.perf_counter()
    previous = None
    for r in big_rows:
        data = r.payload.encode()
        entry = Entry(
            bytes.fromhex(r.consignment[2:]),
            r.seq,
            bytes.fromhex(r.prev_hash[2:]),
            EventType(r.event_type).type_id,
            payload_hash(data),
            payload_cid(data),
            r.next_carrier,
            r.actor,
        )
        assert "0x" + entry.payload_hash.hex() == r.payload_hash
        digest = entry_hash(entry, domain)
        assert "0x" + digest.hex() == r.entry_hash
        assert recover_signer(entry, domain, bytes(r.signature)) == r.actor
        assert previous is None or bytes(entry.prev_hash) == previous
        verify_inclusion(leaf_hash(digest), r.leaf_index, len(leaves), big_proofs[r.leaf_index], anchored_root)
        previous = digest
    summary["full_verification_s_10k_entry_consignment"] = round(time.perf_counter() - start, 2)
    summary["peak_rss_mib_bench_process_incl_service"] = round(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    summary["targets"] = {
        "batched_accepted_per_s>=2000": summary["batched"]["entries_per_s_accepted_and_durable"] >= 2000,
        "anchored_within_5s": summary["batched"]["last_entry_anchored_within_s"] <= 5,
        "ratio>=50": summary["batched_vs_per_entry_accepted_ratio"] >= 50,
        "gas_per_entry<=1000": summary["batched"]["gas_per_entry"] <= 1000,
        "proofs_per_s>=20000": summary["inclusion_proofs_verified_per_s"] >= 20000,
        "verify_10k<=3s": summary["full_verification_s_10k_entry_consignment"] <= 3,
        "rss<=500MiB": summary["peak_rss_mib_bench_process_incl_service"] <= 500,
    }
    print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
