"""A local proof-of-authority network of go-ethereum (v1.13.15) Clique signers.

The consortium's test and demonstration network: several geth processes, each a signer with
its own data directory, peered over loopback only (``--nat none``, ``--netrestrict``, no
discovery, each other as static peers), archive state (verification reads roles at past
blocks), and HTTP JSON-RPC on 127.0.0.1. Clique never activates Shanghai, so the contracts
are compiled for the ``paris`` EVM. Production consortia run Besu with QBFT
(``docs/deploy-besu.md``); the chain layer talks to either through JSON-RPC alone.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_keys.datatypes import PrivateKey

from chain.errors import ToolchainError
from chain.process import ManagedProcess, free_port
from chain.toolchain import go_tool

CLIQUE_CHAIN_ID = 4_242
_PASSWORD = "clique-signer-local-network"  # a throwaway network's sealing keys, on loopback
_KEYSTORE_SCRYPT_N = 2**10  # geth unlocks the signer at start; the default cost takes seconds
GENESIS_LEAD_SECONDS = 25  # time for every signer to start and peer before the first block


def clique_genesis(
    chain_id: int, signers: Sequence[str], alloc: dict[str, int], period: int = 1, timestamp: int = 0
) -> dict[str, object]:
    """A Clique genesis through London (no Shanghai: Clique cannot seal it) with ``signers``
    as the initial sealers, ``alloc`` (address → wei) as the initial balances, and the
    genesis ``timestamp`` (no block is sealed before it plus the period)."""
    sealers = "".join(sorted(a.lower().removeprefix("0x") for a in signers))
    forks = ["homestead", "eip150", "eip155", "eip158", "byzantium", "constantinople", "petersburg"]
    forks += ["istanbul", "muirGlacier", "berlin", "london"]
    config: dict[str, object] = {"chainId": chain_id, **{f"{fork}Block": 0 for fork in forks}}
    config["clique"] = {"period": period, "epoch": 30_000}
    return {
        "config": config,
        "timestamp": hex(timestamp),
        "difficulty": "0x1",
        "gasLimit": hex(30_000_000),
        "extraData": "0x" + "00" * 32 + sealers + "00" * 65,
        "alloc": {a.lower().removeprefix("0x"): {"balance": hex(wei)} for a, wei in alloc.items()},
    }


def _rpc(url: str, method: str, params: list[object] | None = None, timeout: float = 2.0) -> object:
    answer = requests.post(
        url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}, timeout=timeout
    )
    answer.raise_for_status()
    body = answer.json()
    if "error" in body:
        raise ToolchainError(f"{method} at {url}: {body['error']}")
    return body["result"]


@dataclass
class GethNode:
    """One geth process: a Clique signer of the network, or (``signer`` None) a follower."""

    datadir: Path
    genesis: Path
    chain_id: int
    signer: LocalAccount | None
    node_key: bytes = field(default_factory=lambda: os.urandom(32))
    p2p_port: int = field(default_factory=free_port)
    http_port: int = field(default_factory=free_port)
    auth_port: int = field(default_factory=free_port)
    static_peers: list[str] = field(default_factory=list)
    _process: ManagedProcess = field(init=False)

    def __post_init__(self) -> None:
        self._process = ManagedProcess("geth", self.datadir / "geth.log", ToolchainError)

    @property
    def url(self) -> str:
        """The JSON-RPC URL."""
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def enode(self) -> str:
        """How the other nodes dial this one."""
        public = PrivateKey(self.node_key).public_key.to_bytes().hex()
        return f"enode://{public}@127.0.0.1:{self.p2p_port}"

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process.running

    def _initialise(self) -> None:
        if (self.datadir / "geth" / "chaindata").exists():
            return
        self.datadir.mkdir(parents=True, exist_ok=True)
        if self.signer is not None:
            keystore = self.datadir / "keystore"
            keystore.mkdir(exist_ok=True)
            encrypted = Account.encrypt(self.signer.key, _PASSWORD, kdf="scrypt", iterations=_KEYSTORE_SCRYPT_N)
            (keystore / f"signer-{self.signer.address.lower()}.json").write_text(json.dumps(encrypted))
        (self.datadir / "password.txt").write_text(_PASSWORD)
        subprocess.run(
            [str(go_tool("geth")), "--datadir", str(self.datadir), "init", str(self.genesis)],
            check=True,
            capture_output=True,
        )

    def _config(self) -> Path:
        # Static peers are re-dialled for ever: a restarted node finds the others again.
        path = self.datadir / "peers.toml"
        peers = ", ".join(json.dumps(p) for p in self.static_peers)
        path.write_text(f"[Node.P2P]\nStaticNodes = [{peers}]\n")
        return path

    def start(self, timeout: float = 60.0) -> GethNode:
        """Start geth (initialising its data directory once) and wait until it answers."""
        self._initialise()
        args = [
            str(go_tool("geth")),
            "--config", str(self._config()),
            "--datadir", str(self.datadir),
            "--networkid", str(self.chain_id),
            "--syncmode", "full",
            "--gcmode", "archive",  # verification reads roles at the block of each entry
            "--port", str(self.p2p_port),
            "--nat", "none",
            "--nodiscover",
            "--netrestrict", "127.0.0.0/8",
            "--nodekeyhex", self.node_key.hex(),
            "--http", "--http.addr", "127.0.0.1", "--http.port", str(self.http_port),
            "--http.api", "eth,net,web3,txpool,clique,admin",
            "--authrpc.addr", "127.0.0.1", "--authrpc.port", str(self.auth_port),
            "--ipcdisable",
            "--txpool.pricelimit", "1",
            "--miner.gasprice", "1",
            "--verbosity", "2",
        ]  # fmt: skip
        if self.signer is not None:
            address = self.signer.address
            args += ["--mine", "--miner.etherbase", address, "--unlock", address]
            args += ["--password", str(self.datadir / "password.txt"), "--allow-insecure-unlock"]
        self._process.start(args, lambda: _rpc(self.url, "eth_chainId") is not None, timeout)
        return self

    def stop(self, timeout: float = 20.0) -> None:
        """Stop geth gracefully (it flushes its database), killing it if it hangs."""
        self._process.stop(timeout)

    def kill(self) -> None:
        """Kill geth without letting it flush (for fault tests)."""
        self._process.kill()

    def peer_count(self) -> int:
        """How many peers the node is connected to."""
        return int(str(_rpc(self.url, "net_peerCount")), 16)

    def block_number(self) -> int:
        """The node's head block."""
        return int(str(_rpc(self.url, "eth_blockNumber")), 16)


class CliqueNetwork:
    """``signers`` geth Clique signers on 127.0.0.1, every one peered with every other.

    ``funded`` accounts get a balance in the genesis: geth takes a fee of at least 1 wei from
    every transaction, so whoever deploys (and funds the members' accounts) needs ether."""

    def __init__(
        self,
        root: Path,
        signers: int = 4,
        funded: list[str] | None = None,
        chain_id: int = CLIQUE_CHAIN_ID,
        period: int = 1,
    ) -> None:
        self.root = root
        self.chain_id = chain_id
        self.period = period
        self.signer_accounts: list[LocalAccount] = [Account.create() for _ in range(signers)]
        self.alloc = {a: 10**27 for a in funded or []}
        genesis = root / "genesis.json"
        root.mkdir(parents=True, exist_ok=True)
        self.nodes = [
            GethNode(root / f"signer-{i}", genesis, chain_id, account) for i, account in enumerate(self.signer_accounts)
        ]
        for node in self.nodes:
            node.static_peers = [other.enode for other in self.nodes if other is not node]

    @property
    def urls(self) -> list[str]:
        """Each node's JSON-RPC URL."""
        return [node.url for node in self.nodes]

    def _write_genesis(self) -> None:
        """The genesis, dated a little in the future: signers started one by one would each
        seal a first block alone before they are peered, and Clique forks of equal
        difficulty where every signer "signed recently" never resolve. No block can be sealed
        before the genesis time, by which all signers are peered."""
        genesis = self.root / "genesis.json"
        if genesis.exists():
            return
        addresses = [a.address for a in self.signer_accounts]
        start = int(time.time()) + GENESIS_LEAD_SECONDS
        genesis.write_text(json.dumps(clique_genesis(self.chain_id, addresses, self.alloc, self.period, start)))

    def start(self, timeout: float = 120.0) -> CliqueNetwork:
        """Start every signer and wait until all are peered and blocks are being sealed."""
        self._write_genesis()
        try:
            for node in self.nodes:
                node.start()
            self.connect_peers()
            self.wait_until(lambda: all(n.peer_count() == len(self.nodes) - 1 for n in self.nodes), timeout)
            first = self.nodes[0].block_number()
            self.wait_until(lambda: min(n.block_number() for n in self.nodes) > first, timeout)
        except Exception:
            self.stop()
            raise
        return self

    def connect_peers(self) -> None:
        """Dial every peer now (static peers are also re-dialled, but on a back-off schedule)."""
        for node in self.nodes:
            if node.running:
                for other in self.nodes:
                    if other is not node and other.running:
                        _rpc(node.url, "admin_addPeer", [other.enode])

    def stop(self) -> None:
        """Stop every node."""
        for node in self.nodes:
            node.stop()

    @staticmethod
    def wait_until(condition: object, timeout: float) -> None:
        """Poll ``condition`` (a callable) until it holds, or raise ToolchainError."""
        assert callable(condition)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if condition():
                    return
            except (requests.RequestException, ToolchainError):
                pass
            time.sleep(0.25)
        raise ToolchainError(f"the Clique network did not reach the expected state within {timeout}s")

    def __enter__(self) -> CliqueNetwork:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
