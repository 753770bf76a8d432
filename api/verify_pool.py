"""Worker processes for verifying long evidence chains on every core.

The per-entry checks are CPU-bound (secp256k1 recovery, keccak, RFC 8785) and Python runs
them on one core at a time, so chains of ``PARALLEL_FROM`` entries or more are shared out
to a process pool. Workers come from a forkserver that has already imported the
verification code (``api.verify_worker``), not forked from the threaded server, and the
kernel kills the forkserver and every worker when the service dies, even by SIGKILL.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
from concurrent.futures import Executor, ProcessPoolExecutor
from multiprocessing import forkserver, get_context

PARALLEL_FROM = 2_000  # entries; below this, sharing out costs more than it saves
SERVICE_PID = "BORDERLEDGER_VERIFY_SERVICE_PID"  # what the forkserver's environment names its parent by

_keeper_guard = threading.Lock()
_keeper: threading.Thread | None = None


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def exit_with_parent(parent: int | None = None) -> None:
    """Have the kernel kill this process when its parent dies, even by SIGKILL (Linux), and
    exit at once if the parent is gone already: it died while this process started, before
    the signal was armed, and would leave it an orphan nobody asks for work. ``parent`` is the
    pid the parent has; without it, an orphan is known by its new parent, init (pid 1), which
    never starts a verification process (a worker's parent is the forkserver)."""
    if sys.platform.startswith("linux"):
        expected = os.getppid() if parent is None else parent
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
        if os.getppid() != expected or (parent is None and expected == 1):
            os._exit(0)


def exit_with_service() -> None:
    """:func:`exit_with_parent` for the forkserver, whose parent is the service that named
    itself in the forkserver's environment (it may have died before this process looked)."""
    named = os.environ.get(SERVICE_PID)
    exit_with_parent(int(named) if named else None)


def _start_forkserver() -> None:
    # The parent-death signal follows the *thread* that started the child, so the forkserver
    # is started from a thread that lives as long as this process, not from a request's.
    global _keeper
    with _keeper_guard:
        if _keeper is not None:
            return
        started = threading.Event()

        def keep() -> None:
            os.environ[SERVICE_PID] = str(os.getpid())  # for the forkserver started next (see exit_with_service)
            forkserver.set_forkserver_preload(["api.verify_worker"])
            forkserver.ensure_running()
            started.set()
            threading.Event().wait()

        _keeper = threading.Thread(target=keep, name="verify-forkserver", daemon=True)
        _keeper.start()
        started.wait()


class VerifyPool:
    """A process pool for :func:`evidence.verify.verify_chain`, started when first needed."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._guard = threading.Lock()

    def for_entries(self, count: int) -> Executor | None:
        """The pool, for a chain of ``count`` entries worth sharing out; otherwise None."""
        if self.workers < 2 or count < PARALLEL_FROM:
            return None
        return self._started()

    def _started(self) -> ProcessPoolExecutor:
        with self._guard:
            if self._pool is None:
                _start_forkserver()
                self._pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=get_context("forkserver"), initializer=exit_with_parent
                )
            return self._pool

    def warm(self) -> None:
        """Start the workers now, in the background (a running service does this, so the first
        long verification does not also pay for starting them)."""
        if self.workers >= 2:
            pool = self._started()
            for _ in range(self.workers):
                pool.submit(default_workers)

    def close(self) -> None:
        """Stop the workers."""
        with self._guard:
            if self._pool is not None:
                self._pool.shutdown(cancel_futures=True)
                self._pool = None
