"""A throwaway PostgreSQL server from Debian's binaries, on a free loopback port: the index
of one organisation's node in the local consortium, and of the PostgreSQL tests."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from sqlalchemy import create_engine, text

from chain.errors import ToolchainError
from chain.node import free_port


def _binaries() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise ToolchainError("PostgreSQL is missing: install Debian's postgresql package (make test does)")
    return Path(found[-1]).parent


def _as_postgres_user(command: list[str]) -> list[str]:
    # initdb and postgres refuse to run as root; CI runs as root.
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


class PostgresServer:
    """initdb, start, stop; :attr:`url` is the SQLAlchemy URL of its ``postgres`` database."""

    def __init__(self, fsync: bool = False) -> None:
        self.fsync = fsync
        self.port = free_port()
        self._root: Path | None = None

    @property
    def url(self) -> str:
        """The SQLAlchemy URL of the server's default database."""
        return f"postgresql+psycopg://borderledger@127.0.0.1:{self.port}/postgres"

    def start(self) -> PostgresServer:
        """Create a cluster in a fresh folder and start the server."""
        binaries = _binaries()
        # Not under a private temporary folder: the server runs as the postgres user.
        root = Path(tempfile.mkdtemp(prefix="borderledger-postgres-"))
        self._root = root
        data, sockets = root / "data", root / "sockets"
        data.mkdir()
        sockets.mkdir()
        if os.geteuid() == 0:
            for path in (root, data, sockets):
                shutil.chown(path, "postgres")
        subprocess.run(
            _as_postgres_user([str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "borderledger"]),
            check=True,
            capture_output=True,
        )
        options = f"-p {self.port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync={'on' if self.fsync else 'off'}"
        subprocess.run(
            _as_postgres_user(
                [str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l", str(root / "log"), "start"]
            ),
            check=True,
            capture_output=True,
        )
        return self

    def create_database(self, name: str) -> str:
        """A new empty database on the server; its SQLAlchemy URL."""
        engine = create_engine(self.url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        return self.url.rsplit("/", 1)[0] + "/" + name

    def stop(self) -> None:
        """Stop the server at once and remove its folder."""
        if self._root is None:
            return
        subprocess.run(
            _as_postgres_user([str(_binaries() / "pg_ctl"), "-D", str(self._root / "data"), "-m", "immediate", "stop"]),
            check=False,
            capture_output=True,
        )
        shutil.rmtree(self._root, ignore_errors=True)
        self._root = None

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
