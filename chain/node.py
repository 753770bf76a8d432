"""A local anvil node: the embedded default chain, and the chain of the test suite.

Started like a permissioned network: zero base fee and gas price, so accounts need no
ether. With a state file, the chain is dumped on exit and reloaded on start.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from chain.errors import ToolchainError
from chain.toolchain import anvil_binary

DEFAULT_CHAIN_ID = 31337


def die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies, so no anvil is ever orphaned (Linux)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    """A free TCP port on 127.0.0.1, chosen by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The anvil process id, while it runs."""
        return self._process.pid if self._process is not None and self._process.poll() is None else None

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
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        # Own session: a Ctrl-C in the terminal reaches the service, which then stops anvil
        # gracefully (anvil saves its state on SIGTERM).
        self._process = subprocess.Popen(
            args, stdout=log, stderr=log, start_new_session=True, preexec_fn=die_with_parent
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise ToolchainError(f"anvil exited with code {self._process.returncode}; see {self.log_path}")
            try:
                answer = requests.post(
                    self.url, json={"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}, timeout=1
                )
                if answer.ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        self.stop()
        raise ToolchainError(f"anvil did not answer on {self.url} within {timeout}s")

    def stop(self, timeout: float = 15.0) -> None:
        """Stop anvil gracefully (it dumps its state), killing it if it hangs."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """Kill anvil without letting it save (for fault tests)."""
        if self._process is not None and self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()

    def __enter__(self) -> AnvilNode:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
