"""A background worker that runs one pass every ``interval`` seconds in its own thread,
until stopped; a failed pass is logged and retried at the next tick."""

from __future__ import annotations

import logging
import threading
from typing import Self


class PeriodicWorker:
    """Subclasses implement :meth:`run_once` (tests call it directly) and may refine
    :meth:`after_failure`."""

    name = "worker"
    failure = "a pass failed; retrying"

    def __init__(self, interval: float, log: logging.Logger) -> None:
        self.interval = interval
        self._log = log
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)

    def start(self) -> Self:
        """Start the worker thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop the worker thread (waiting for a pass under way)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=30)

    def run_once(self) -> object:
        """One pass (what it returns is the subclass's)."""
        raise NotImplementedError

    def after_failure(self) -> None:
        """What a failed pass leaves to clean up before the next one."""

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                self._log.warning(self.failure, exc_info=True)
                self.after_failure()
