"""kill -9 the service mid-ingest and restart it: every accepted entry ends anchored exactly once,
and a request retried with its Idempotency-Key gets the same entry, never a second one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from chain.node import AnvilNode, free_port
from tests.support import TEST_SCRYPT_N

BIN = Path(sys.executable).parent / "borderledger"
REFERENCE = "CQ-DUI-2026-0001"


def serve(data_dir: Path, rpc: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BORDERLEDGER_DATA_DIR": str(data_dir),
        "BORDERLEDGER_RPC_URL": rpc,
        "BORDERLEDGER_KEYSTORE_SCRYPT_N": str(TEST_SCRYPT_N),
        "BORDERLEDGER_OUTBOX_INTERVAL": "0.3",
    }
    log = open(data_dir.parent / f"serve-{time.monotonic_ns()}.log", "wb")  # noqa: SIM115
    process = subprocess.Popen([str(BIN), "serve", "--port", str(port)], env=env, stdout=log, stderr=log)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("serve did not start")


def test_kill_dash_nine_mid_ingest(tmp_path: Path) -> None:
    with AnvilNode() as node:
        data_dir = tmp_path / "node"
        port = free_port()
        server = serve(data_dir, node.url, port)
        keys = json.loads((data_dir / "demo-keys.json").read_text())
        carrier = keys["carrier"]["api_key"]
        url = f"http://127.0.0.1:{port}/v1/consignments/{REFERENCE}/events"
        idempotency_keys = [str(uuid.uuid4()) for _ in range(60)]
        answers: dict[str, dict[str, Any]] = {}
        lock = threading.Lock()

        def body(i: int) -> dict[str, Any]:
            return {
                "event_type": "ARRIVING",
                "payload": {
                    "type": "ObjectEvent",
                    "eventTimeZoneOffset": "+00:00",
                    "eventTime": f"2026-11-22T10:{i // 60:02d}:{i % 60:02d}Z",
                    "action": "OBSERVE",
                },
            }

        def post(i: int) -> None:
            try:
                response = requests.post(
                    url,
                    json=body(i),
                    timeout=30,
                    headers={"X-API-Key": carrier, "Idempotency-Key": idempotency_keys[i]},
                )
            except requests.RequestException:
                return  # no answer: the client will retry with the same key
            if response.status_code in (201, 202):
                with lock:
                    answers[idempotency_keys[i]] = response.json()

        with ThreadPoolExecutor(max_workers=6) as pool:
            futures = [pool.submit(post, i) for i in range(60)]
            deadline = time.monotonic() + 60
            while len(answers) < 15 and time.monotonic() < deadline:
                time.sleep(0.05)
            server.send_signal(signal.SIGKILL)
            server.wait()
            for future in futures:
                future.result()
        accepted_before_crash = dict(answers)
        # The kill came mid-ingest: some requests were answered before it, not all of them.
        assert 15 <= len(accepted_before_crash) < len(idempotency_keys), len(accepted_before_crash)

        server = serve(data_dir, node.url, port)
        try:
            # Every request is retried with its key: answered ones get the same entry back.
            for i, key in enumerate(idempotency_keys):
                response = requests.post(
                    url, json=body(i), headers={"X-API-Key": carrier, "Idempotency-Key": key}, timeout=60
                )
                assert response.status_code in (201, 202), response.text
                if key in accepted_before_crash:
                    assert response.json()["entry_hash"] == accepted_before_crash[key]["entry_hash"]
                answers[key] = response.json()
            auditor = {"X-API-Key": keys["auditor"]["api_key"]}
            deadline = time.monotonic() + 120
            events: list[dict[str, Any]] = []
            while time.monotonic() < deadline:
                events = requests.get(url, headers=auditor, timeout=30).json()
                if all(e["status"] == "anchored" for e in events):
                    break
                time.sleep(0.3)
            report = requests.get(url.replace("/events", "/verify"), headers=auditor, timeout=60).json()
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)

    assert all(e["status"] == "anchored" for e in events)
    assert report["verdict"] == "passed", report["failures"]
    ingested = [e for e in events if e["event_type"] == "ARRIVING"]
    print(f"accepted before the crash {len(accepted_before_crash)}, entries {len(ingested)}, keys {len(answers)}")
    assert len(ingested) == len(idempotency_keys)  # exactly once per key, nothing lost
    assert {e["entry_hash"] for e in ingested} == {a["entry_hash"] for a in answers.values()}
