"""Shared fixtures (imported by the suites' conftest.py): a real anvil node, and a node
runtime (chain + SQLite + keys) on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.runtime import Runtime, start_runtime
from api.settings import Settings
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
