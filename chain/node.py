"""A local anvil node: the embedded default chain, and the chain of the test suite.

Started like a permissioned network: zero base fee and gas price, so accounts need no
ether. With a state file, the chain is dumped on exit and reloaded on start.
"""

from __future__ import annotations

from pathlib import Path

import requests

from chain.errors import ToolchainError
from chain.process import ManagedProcess, free_port
from chain.toolchain import anvil_binary

__all__ = ["DEFAULT_CHAIN_ID", "AnvilNode", "free_port"]

DEFAULT_CHAIN_ID = 31337


class AnvilNode:
    """An anvil process listening on 127.0.0.1."""

    def __init__(
        self,
        port: int | None = None,
        state_path: Path | None = None,
        chain_id: int = DEFAULT_CHAIN_ID,
        log_path: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.state_path = state_path
        self.chain_id = chain_id
        self.log_path = log_path
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
        ]
        if self.state_path is not None:
            self.state_path.parent.mkdir(parents=True, exist_ok=True)
            # Load on start, dump on exit and every few seconds (a crash loses at most that).
            args += ["--state", str(self.state_path), "--state-interval", "2"]
        # Own session: a Ctrl-C in the terminal reaches the service, which then stops anvil
        # gracefully (anvil saves its state on SIGTERM).
        self._process.start(args, self._answers, timeout, poll=0.1)
        return self

    def _answers(self) -> bool:
        request = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
        return bool(requests.post(self.url, json=request, timeout=1).ok)

    def stop(self, timeout: float = 15.0) -> None:
        """Stop anvil gracefully (it dumps its state), killing it if it hangs."""
        self._process.stop(timeout)

    def kill(self) -> None:
        """Kill anvil without letting it save (for fault tests)."""
        self._process.kill()

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
