"""A real go-ethereum Clique network (four signers, geth v1.13.15 built by `make go-tools`)
for the engine conformance and consortium fault tests.

``BORDERLEDGER_CONFORMANCE_RPC_URLS`` (comma separated, two or more nodes of one network)
runs the conformance tests against an operator's network instead, Besu QBFT for instance,
with ``BORDERLEDGER_CONFORMANCE_DEPLOYER_KEY`` an account that network funds (or any key on
a free-gas network)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount

from consortium.clique import CliqueNetwork


@dataclass
class Network:
    """The nodes of one network under test, and an account it lets deploy."""

    urls: list[str]
    deployer: LocalAccount
    clique: CliqueNetwork | None  # None: an operator's network, not ours to stop


@contextmanager
def own_clique_network(root: Path) -> Iterator[Network]:
    """Four Clique signers on loopback, with an account the genesis funds."""
    funder: LocalAccount = Account.create()
    with CliqueNetwork(root, signers=4, funded=[funder.address]) as clique:
        yield Network(clique.urls, funder, clique)


@pytest.fixture(scope="module")
def clique(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """Our own Clique network, for tests that stop and restart its signers."""
    with own_clique_network(Path(tmp_path_factory.mktemp("clique"))) as network:
        yield network


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    """The network the conformance tests run against: the operator's, or our Clique one."""
    urls = [u.strip() for u in os.environ.get("BORDERLEDGER_CONFORMANCE_RPC_URLS", "").split(",") if u.strip()]
    if urls:
        key = os.environ.get("BORDERLEDGER_CONFORMANCE_DEPLOYER_KEY")
        deployer: LocalAccount = Account.from_key(key) if key else Account.create()
        yield Network(urls, deployer, None)
        return
    with own_clique_network(Path(tmp_path_factory.mktemp("clique"))) as own:
        yield own
