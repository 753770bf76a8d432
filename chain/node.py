"""A local anvil node: the embedded default chain, and the chain of the test suite.

Started like a permissioned network: zero base fee and gas price, so accounts need no
ether. With a state file, the chain is dumped on exit and reloaded on start.

anvil is no archive node: it keeps the state of the last few blocks in memory and writes
older ones to disk, a whole state per block, as long as it runs (3,600 of them by default,
tens of GB for a ledger's state) and never removes them. Here they go to a directory of the
node's own, bounded by ``persisted_states`` and removed when the node starts and stops;
reads at blocks older than that window fail with the node's BlockOutOfRange error.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import requests

from chain.errors import ToolchainError
from chain.process import ManagedProcess, free_port
from chain.toolchain import anvil_binary

__all__ = ["DEFAULT_CHAIN_ID", "DEFAULT_PERSISTED_STATES", "AnvilNode", "free_port"]

DEFAULT_CHAIN_ID = 31337
DEFAULT_PERSISTED_STATES = 1024


class AnvilNode:
    """An anvil process listening on 127.0.0.1."""

    def __init__(
        self,
        port: int | None = None,
        state_path: Path | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        log_path: Path | None = None,
        persisted_states: int = DEFAULT_PERSISTED_STATES,
    ) -> None:
        self.port = port or free_port()
        self.state_path = state_path
        self.chain_id = chain_id
        self.log_path = log_path
        self.persisted_states = persisted_states
        self.history_dir: Path | None = None
        self._process = ManagedProcess("anvil", log_path, ToolchainError)

    @property
    def pid(self) -> int | None:
        """The anvil process id, while it runs."""
        return self._process.pid

    @property
    def url(self) -> str:
        """The JSON-RPC URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 20.0) -> AnvilNode:
        """Start anvil and wait until it answers JSON-RPC."""
        args = [
            str(anvil_binary()),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--chain-id",
            str(self.chain_id),
            "--base-fee",
            "0",
            "--gas-price",
            "0",
            "--disable-min-priority-fee",
            "--accounts",
            "1",
            "--silent",
            "--cache-path",
            str(self._fresh_history_dir()),
            "--max-persisted-states",
            str(self.persisted_states),
        ]
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            # Load on start, dump on exit and every few seconds (a crash loses at most that).
            args += ["--state", str(self.state_path), "--state-interval", "2"]
        # Own session: a Ctrl-C in the terminal reaches the service, which then stops anvil
        # gracefully (anvil saves its state on SIGTERM).
        self._process.start(args, self._answers, timeout, poll=0.1)
        return self

    def _fresh_history_dir(self) -> Path:
        """An empty directory for the past states: beside the state file (what a crashed run
        left there is of no use to the next, which starts its own), else a temporary one."""
        if self.state_path is not None:
            self.history_dir = self.state_path.parent / "history"
            shutil.rmtree(self.history_dir, ignore_errors=True)
            self.history_dir.mkdir(parents=True)
        else:
            self.history_dir = Path(tempfile.mkdtemp(prefix="borderledger-anvil-history-"))
        return self.history_dir

    def _remove_history(self) -> None:
        if self.history_dir is not None:
            shutil.rmtree(self.history_dir, ignore_errors=True)
            self.history_dir = None

    def _answers(self) -> bool:
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        return bool(requests.post(self.url, json=request, timeout=1).ok)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop anvil gracefully (it dumps its state), killing it if it hangs."""
        self._process.stop(timeout)
        self._remove_history()

    def kill(self) -> None:
        """Kill anvil without letting it save (for fault tests)."""
        self._process.kill()
        self._remove_history()

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
