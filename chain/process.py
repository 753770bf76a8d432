"""A server the node runs as a child process (anvil; geth and kubo in the local consortium):
its own session, so a Ctrl-C in the terminal reaches the parent, which stops it gracefully;
and it dies with its parent, so none is ever orphaned."""

from __future__ import annotations

import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


def die_with_parent() -> None:
    """In the child: get SIGTERM when the parent dies (Linux)."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


_handed_out: set[int] = set()


def _ephemeral_low() -> int:
    """The first port of the kernel's ephemeral range (where ``bind(0)`` and outgoing
    connections draw from)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bound(port: int) -> int | None:
    """``port`` (0: one the OS picks) if it can be bound on 127.0.0.1 now, else None."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return int(s.getsockname()[1])


def free_port() -> int:
    """A free TCP port on 127.0.0.1 for a server that must know its port before it starts.

    Drawn below the kernel's ephemeral range: a port the OS hands out for ``bind(0)`` can be
    taken by any outgoing connection (an HTTP client, a peer dialling) in the seconds before
    the server binds it, which made a kubo daemon of the test consortium fail to start.
    Never the same port twice in one process; the OS chooses only if nothing below is free.
    """
    below = range(10_000, _ephemeral_low())
    for port in random.sample(below, min(200, len(below))):
        if port not in _handed_out and _bound(port) is not None:
            _handed_out.add(port)
            return port
    chosen = _bound(0)
    if chosen is None:
        raise OSError("no free TCP port on 127.0.0.1")
    _handed_out.add(chosen)
    return chosen


def _log_tail(path: Path | None, size: int = 600) -> str:
    if path is None or not path.exists():
        return ""
    with path.open("rb") as log:
        log.seek(max(0, path.stat().st_size - size))
        return log.read().decode(errors="replace").strip()


class ManagedProcess:
    """One child server: started and awaited until it answers, stopped or killed."""

    def __init__(self, name: str, log_path: Path | None, failure: Callable[[str], Exception]) -> None:
        self.name = name
        self.log_path = log_path
        self.failure = failure  # the error this server's callers expect
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self.process.pid if self.process is not None and self.running else None

    def start(
        self,
        args: list[str],
        answers: Callable[[], bool],
        timeout: float,
        env: dict[str, str] | None = None,
        poll: float = 0.2,
    ) -> None:
        """Start ``args`` and wait until ``answers()`` (exceptions count as not yet)."""
        log = open(self.log_path, "ab") if self.log_path else subprocess.DEVNULL  # noqa: SIM115
        self.process = subprocess.Popen(
            args, stdout=log, stderr=log, env=env, start_new_session=True, preexec_fn=die_with_parent
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise self.failure(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}; "
                    f"it ended: {_log_tail(self.log_path)}"
                )
            try:
                if answers():
                    return
            except Exception:
                pass
            time.sleep(poll)
        self.stop()
        raise self.failure(f"{self.name} did not answer within {timeout}s; see {self.log_path}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM to its session (it saves or flushes what it must), SIGKILL if it hangs."""
        process = self.process
        if process is None or process.poll() is not None:
            return
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()

    def kill(self) -> None:
        """SIGKILL at once, saving nothing (for fault tests)."""
        if self.process is not None and self.running:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
