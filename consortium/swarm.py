"""Local kubo (IPFS) daemons in a private swarm: one per organisation of the consortium.

Each daemon has its own repository, listens on 127.0.0.1 only (API and swarm on ports the
OS gave free, no gateway), shares a swarm key with the others (``LIBP2P_FORCE_PNET``: it
never talks to the public IPFS network), peers with each other by ``Peering.Peers`` (kept
connected and re-dialled after a restart), and fetches nothing from the Internet: no
bootstrap list, no auto-configuration, no delegated routing, no AutoTLS.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from chain.process import ManagedProcess, free_port
from chain.toolchain import go_tool
from content.store import ContentUnavailable


def swarm_key(secret: bytes) -> str:
    """The ``swarm.key`` file of a private network with the 32-byte pre-shared ``secret``."""
    if len(secret) != 32:
        raise ValueError("a swarm key is 32 bytes")
    return f"/key/swarm/psk/1.0.0/\n/base16/\n{secret.hex()}\n"


@dataclass
class KuboDaemon:
    """One kubo daemon of the private swarm."""

    repo: Path
    key: str  # the swarm.key contents
    api_port: int = field(default_factory=free_port)
    swarm_port: int = field(default_factory=free_port)
    peer_id: str = ""
    _process: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self._process = ManagedProcess("kubo", self.repo / "daemon.log", ContentUnavailable)

    @property
    def api(self) -> str:
        """The RPC API multiaddr, as ``BORDERLEDGER_IPFS_API`` takes it."""
        return f"/ip4/127.0.0.1/tcp/{self.api_port}"

    @property
    def swarm_address(self) -> str:
        """Where the other daemons dial this one."""
        return f"/ip4/127.0.0.1/tcp/{self.swarm_port}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "IPFS_PATH": str(self.repo), "LIBP2P_FORCE_PNET": "1"}

    def _ipfs(self, *args: str) -> str:
        done = subprocess.run(
            [str(go_tool("ipfs")), *args], env=self._env(), check=True, capture_output=True, text=True
        )
        return done.stdout.strip()

    def initialise(self) -> None:
        """Create the repository once, configured for a loopback-only private swarm."""
        if (self.repo / "config").exists():
            self.peer_id = self._ipfs("config", "Identity.PeerID")
            return
        self.repo.mkdir(parents=True, exist_ok=True)
        self._ipfs("init", "--profile", "test", "--empty-repo")
        (self.repo / "swarm.key").write_text(self.key)
        settings: dict[str, object] = {
            "Addresses.API": self.api,
            "Addresses.Gateway": "",
            "Addresses.Swarm": [self.swarm_address],
            "Addresses.Announce": [self.swarm_address],
            "Bootstrap": [],
            "AutoConf.Enabled": False,
            "AutoTLS.Enabled": False,
            "Routing.Type": "dht",
            "Discovery.MDNS.Enabled": False,
            "Swarm.Transports.Network.QUIC": False,
            "Swarm.Transports.Network.WebTransport": False,
            "Swarm.Transports.Network.WebRTCDirect": False,
            "Swarm.Transports.Network.Websocket": False,
        }
        for name, value in settings.items():
            self._ipfs("config", "--json", name, json.dumps(value))
        self.peer_id = self._ipfs("config", "Identity.PeerID")

    def peer_with(self, others: list[KuboDaemon]) -> None:
        """Keep a connection to each of ``others`` (kubo re-dials them when they come back)."""
        peers = [{"ID": o.peer_id, "Addrs": [o.swarm_address]} for o in others]
        self._ipfs("config", "--json", "Peering.Peers", json.dumps(peers))

    @property
    def running(self) -> bool:
        """Whether the daemon process is alive."""
        return self._process.running

    def start(self, timeout: float = 60.0) -> KuboDaemon:
        """Start the daemon and wait until its API answers."""
        self.initialise()
        self._process.start([str(go_tool("ipfs")), "daemon", "--offline=false"], self._answers, timeout, self._env())
        return self

    def _answers(self) -> bool:
        return bool(requests.post(f"http://127.0.0.1:{self.api_port}/api/v0/id", timeout=1).ok)

    def stop(self, timeout: float = 20.0) -> None:
        """Stop the daemon gracefully, killing it if it hangs."""
        self._process.stop(timeout)

    def peers(self) -> set[str]:
        """The peer ids this daemon is connected to."""
        answer = requests.post(f"http://127.0.0.1:{self.api_port}/api/v0/swarm/peers", timeout=5).json()
        return {str(p["Peer"]) for p in answer.get("Peers") or []}


class PrivateSwarm:
    """``size`` kubo daemons sharing a fresh swarm key, each peered with every other."""

    def __init__(self, root: Path, size: int = 3) -> None:
        key = swarm_key(os.urandom(32))
        self.daemons = [KuboDaemon(root / f"kubo-{i}", key) for i in range(size)]

    def start(self, timeout: float = 60.0) -> PrivateSwarm:
        """Start every daemon and wait until each is connected to all the others."""
        try:
            for daemon in self.daemons:
                daemon.initialise()
            for daemon in self.daemons:
                daemon.peer_with([o for o in self.daemons if o is not daemon])
                daemon.start()
            deadline = time.monotonic() + timeout
            expected = {d.peer_id for d in self.daemons}
            while not all(d.peers() >= expected - {d.peer_id} for d in self.daemons):
                if time.monotonic() > deadline:
                    raise ContentUnavailable(f"the kubo daemons did not all connect within {timeout}s")
                time.sleep(0.25)
        except Exception:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop every daemon."""
        for daemon in self.daemons:
            daemon.stop()

    def __enter__(self) -> PrivateSwarm:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
