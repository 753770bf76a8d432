"""Shared fixtures (imported by the suites' conftest.py): a real anvil node, and a node
runtime (chain + SQLite + keys) on it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.runtime import Runtime, start_runtime
from api.services.checkpointer import Checkpointer
from api.settings import Settings
from chain.aeo import AEOClient
from chain.checkpoints import CheckpointLogClient
from chain.node import AnvilNode

# Cheap keystore encryption for tests; production keeps the scrypt default.
TEST_SCRYPT_N = 2**10


@pytest.fixture(scope="session")
def anvil() -> Iterator[AnvilNode]:
    """One anvil node (free port, zero gas) for the session."""
    with AnvilNode() as node:
        yield node


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for a test node in ``data_dir``."""
    return Settings(data_dir=data_dir, keystore_scrypt_n=TEST_SCRYPT_N, **overrides)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def demo_runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """A node with its own embedded anvil, deployed and seeded with the demo consortium."""
    runtime = start_runtime(make_settings(tmp_path_factory.mktemp("node")))
    try:
        yield runtime
    finally:
        runtime.close()


class LiveServer:
    """The API of a runtime served by uvicorn on a free loopback port, in a thread."""

    def __init__(self, runtime: Runtime) -> None:
        import threading

        import uvicorn

        from api.http.app import create_app
        from chain.node import free_port

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(runtime=runtime), host="127.0.0.1", port=self.port, log_level="warning")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        import time

        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def epcis_example_files() -> list[Path]:
    """GS1's EPCIS 2.0 examples, from the project's shared/ folder beside the checkout (as in CI)."""
    default = Path(__file__).resolve().parents[2] / "shared/data/epcis/JSON"
    examples = Path(os.environ.get("BORDERLEDGER_EPCIS_EXAMPLES", default))
    files = sorted(examples.rglob("*.jsonld"))
    if not files:
        pytest.fail(f"GS1's EPCIS examples are missing at {examples} (set BORDERLEDGER_EPCIS_EXAMPLES)", pytrace=False)
    return files


Keys = dict[str, dict[str, str]]
"""The demo participants' addresses and API keys, by name ("exporter", "customs-CN", ...)."""


def anchor_now(runtime: Runtime) -> None:
    """Anchor the Merkle log's waiting entries now (the node under test has a CheckpointLog)."""
    checkpointer = runtime.services.checkpointer
    assert checkpointer is not None, "this deployment has no CheckpointLog"
    checkpointer.checkpoint()


def checkpoint_log(runtime: Runtime) -> CheckpointLogClient:
    """The node's CheckpointLog binding (the node under test has one)."""
    contract = runtime.services.node.chain.checkpoint_log
    assert contract is not None, "this deployment has no CheckpointLog"
    return contract


def checkpointer(runtime: Runtime) -> Checkpointer:
    """The node's checkpointer (the node under test has a CheckpointLog)."""
    found = runtime.services.checkpointer
    assert found is not None, "this deployment has no CheckpointLog"
    return found


def aeo_contract(runtime: Runtime) -> AEOClient:
    """The node's AEORegistry binding (the node under test has one)."""
    contract = runtime.services.node.chain.aeo
    assert contract is not None, "this deployment has no AEORegistry"
    return contract


def run_log_monitor(runtime: Runtime, url: str, api_key: str) -> subprocess.CompletedProcess[str]:
    """``borderledger verify-log`` against a live node, pinned to the runtime's CheckpointLog."""
    return subprocess.run(
        [
            str(Path(sys.executable).parent / "borderledger"),
            "verify-log",
            "--url",
            url,
            "--api-key",
            api_key,
            "--rpc",
            runtime.rpc_url,
            "--contract",
            checkpoint_log(runtime).address,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
