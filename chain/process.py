"""A server the node runs as a child process (anvil; geth and kubo in the local consortium):
its own session, so a Ctrl-C in the terminal reaches the parent, which stops it gracefully;
and it dies with its parent, so none is ever orphaned."""

from __future__ import annotations

import ctypes
import os
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


def free_port() -> int:
    """A free TCP port on 127.0.0.1, chosen by the OS."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
                raise self.failure(f"{self.name} exited with code {self.process.returncode}; see {self.log_path}")
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
