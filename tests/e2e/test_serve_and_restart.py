"""The embedded default as a user runs it: `borderledger serve`, stop, start again."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from chain.node import free_port
from tests.support import TEST_SCRYPT_N

BIN = Path(sys.executable).parent / "borderledger"
DEMO = "CQ-DUI-2026-0001"


def _env(data_dir: Path) -> dict[str, str]:
    return {**os.environ, "BORDERLEDGER_DATA_DIR": str(data_dir), "BORDERLEDGER_KEYSTORE_SCRYPT_N": str(TEST_SCRYPT_N)}


def _serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    log = open(data_dir / f"serve-{port}.log", "ab")  # noqa: SIM115
    process = subprocess.Popen(
        [str(BIN), "serve", "--host", "127.0.0.1", "--port", str(port)], env=_env(data_dir), stdout=log, stderr=log
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"serve exited early: {(data_dir / f'serve-{port}.log').read_text()[-3000:]}")
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.2)
    process.kill()
    pytest.fail("serve did not come up within 120 s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


def test_serve_verify_restart_keeps_everything(tmp_path: Path) -> None:
    port = free_port()
    server = _serve(tmp_path, port)
    try:
        keys = json.loads((tmp_path / "demo-keys.json").read_text())
        headers = {"X-API-Key": keys["importer"]["api_key"]}
        report = requests.get(
            f"http://127.0.0.1:{port}/v1/consignments/{DEMO}/verify", headers=headers, timeout=30
        ).json()
        assert report["verdict"] == "passed" and len(report["entries"]) == 6
        event = {
            "event_type": "ARRIVING",
            "payload": {
                "type": "ObjectEvent",
                "eventTime": "2026-11-09T08:00:00+01:00",
                "eventTimeZoneOffset": "+01:00",
                "action": "OBSERVE",
            },
        }
        carrier = {"X-API-Key": keys["carrier"]["api_key"]}
        appended = requests.post(
            f"http://127.0.0.1:{port}/v1/consignments/{DEMO}/events", json=event, headers=carrier, timeout=30
        )
        assert appended.status_code == 201, appended.text
    finally:
        _stop(server)

    server = _serve(tmp_path, port)
    try:
        events = requests.get(f"http://127.0.0.1:{port}/v1/consignments/{DEMO}/events", headers=headers, timeout=30)
        assert [e["event_type"] for e in events.json()][-1] == "ARRIVING" and len(events.json()) == 7
        report = requests.get(
            f"http://127.0.0.1:{port}/v1/consignments/{DEMO}/verify", headers=headers, timeout=30
        ).json()
        assert report["verdict"] == "passed", report["failures"]
        # Three customs, four operators and the node's relayer (an ANCHOR member).
        participants = requests.get(f"http://127.0.0.1:{port}/v1/participants", headers=headers, timeout=30).json()
        assert len(participants) == 8
    finally:
        _stop(server)

    cli = subprocess.run([str(BIN), "verify", DEMO], env=_env(tmp_path), capture_output=True, text=True, timeout=120)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "every check passed" in cli.stdout
