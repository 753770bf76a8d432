"""Worker processes for verifying long evidence chains on every core.

The per-entry checks are CPU-bound (secp256k1 recovery, keccak, RFC 8785) and Python runs
them on one core at a time, so chains of ``PARALLEL_FROM`` entries or more are shared out
to a process pool, started on first use. Workers come from a forkserver that has already
imported the verification code, not forked from the threaded server.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from concurrent.futures import Executor, ProcessPoolExecutor

PARALLEL_FROM = 2_000  # entries; below this, sharing out costs more than it saves


def default_workers() -> int:
    """One worker per core this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


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
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload(["evidence.bundle"])
                self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context)
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
