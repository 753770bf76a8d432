"""A throwaway PostgreSQL server (Debian's binaries) on a free loopback port."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from chain.errors import ToolchainError
from consortium.postgres import PostgresServer


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server that lives for the session."""
    try:
        server = PostgresServer().start()
    except ToolchainError as missing:
        pytest.fail(str(missing), pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """The SQLAlchemy URL of an empty database on the session's server."""
    return postgres_server.url
