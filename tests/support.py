"""Shared fixtures (imported by the suites' conftest.py): a real anvil node, and a node
runtime (chain + SQLite + keys) on it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.runtime import Runtime, start_runtime
from api.services.checkpointer import Checkpointer
from api.services.reindex import ReindexStats, reindex
from api.settings import Settings
from chain.aeo import AEOClient
from chain.checkpoints import CheckpointLogClient
from chain.errors import ContractRevert
from chain.node import AnvilNode
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Entry, sign_entry
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.types import ZERO_ADDRESS, Address, hash32

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

    def __init__(self, runtime: Runtime, port: int | None = None, tls: tuple[Path, Path] | None = None) -> None:
        """``tls``: (certificate chain, private key) files to serve HTTPS with."""
        import threading

        import uvicorn

        from api.http.app import create_app
        from chain.node import free_port

        self.port = port or free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(runtime=runtime),
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ssl_certfile=str(tls[0]) if tls else None,
            ssl_keyfile=str(tls[1]) if tls else None,
        )
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


def rogue_anchor(runtime: Runtime, keys: Keys, legal_id: str) -> LocalAccount:
    """A new account made an ANCHOR by a colluding customs majority (CN proposes, KZ approves)
    on the demo consortium: it may anchor any tree head in the CheckpointLog."""
    members, chain = runtime.services.members, runtime.services.node.chain
    cn = members.account(members.participant(keys["customs-CN"]["address"]))
    kz = members.account(members.participant(keys["customs-KZ"]["address"]))
    rogue: LocalAccount = Account.create()
    proposal_id, _ = chain.propose_member(cn, rogue.address, [Role.ANCHOR], "CN", legal_id, "rogue anchor")
    chain.approve_proposal(kz, proposal_id)
    return rogue


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


@contextmanager
def second_node(runtime: Runtime, where: Path) -> Iterator[tuple[Runtime, ReindexStats]]:
    """A second organisation's node on the same chain and content: an empty database in
    ``where``, rebuilt from them by ``reindex`` before it is handed over (with what it found)."""
    settings = runtime.settings
    shutil.copytree(settings.data_dir / "blocks", where / "blocks")
    second = start_runtime(
        make_settings(where, rpc_url=runtime.rpc_url, deployment_file=settings.manifest_path, seed_demo=False)
    )
    try:
        stats = reindex(second.services.node, second.services.members, merkle_log=second.services.merkle_log)
        yield second, stats
    finally:
        second.close()


def append_at_the_contract(
    runtime: Runtime, signer: str, consignment_id: str, event_type: EventType, payload: Any
) -> str:
    """The entry signed by ``signer``'s own (custodial) key and sent straight to the ledger
    contract, bypassing every check of the API: the contract's refusal, or "" if it took it."""
    members, chain = runtime.services.members, runtime.services.node.chain
    account = members.account(members.participant(signer))
    info = chain.consignment(hash32(consignment_id))
    data = canonical_json(payload)
    entry = Entry(
        info.id,
        info.count,
        info.head,
        event_type.type_id,
        payload_hash(data),
        payload_cid(data),
        ZERO_ADDRESS,
        Address(account.address),
    )
    try:
        chain.append(account, entry, sign_entry(entry, chain.domain, account.key))
    except ContractRevert as revert:
        return str(revert.error)
    return ""
