"""Entries' own checks shared out to worker processes (secp256k1 recovery, keccak and
RFC 8785 are CPU-bound, and Python runs them on one core at a time)."""

from __future__ import annotations

from concurrent.futures import Executor, Future
from typing import Any

from evidence.eip712 import Domain
from evidence.verify import (
    EntryEvidence,
    EntryResult,
    OwnEvidence,
    context_checks,
    own_checks_of,
    own_evidence,
)


class SharedChecks:
    """Entries' own checks sent to an executor (a process pool: they are CPU-bound) a chunk at
    a time as the evidence is assembled, so that the workers start before the caller has
    finished; the checks against the rest of the evidence are made by the caller."""

    def __init__(self, executor: Executor, domain: Domain, chunk: int = 500) -> None:
        self.domain = domain
        self._executor, self._chunk = executor, chunk
        self._waiting: list[OwnEvidence] = []
        self._futures: list[Future[list[EntryResult]]] = []

    def add(self, item: EntryEvidence) -> None:
        """Queue one entry's own checks."""
        self._waiting.append(own_evidence(item))
        if len(self._waiting) == self._chunk:
            self._send()

    def _send(self) -> None:
        if self._waiting:
            self._futures.append(self._executor.submit(own_checks_of, self._waiting, self.domain))
            self._waiting = []

    def results(self, evidence: list[EntryEvidence], parsed: list[Any]) -> list[EntryResult]:
        """:func:`entry_checks` of every added item (``evidence``, in the order added, with
        ``parsed``, their payloads' JSON values), the workers' part with the caller's."""
        self._send()
        done = [result for future in self._futures for result in future.result()]
        return [
            (computed, checks + context_checks(item, computed, value, self.domain))
            for item, value, (computed, checks) in zip(evidence, parsed, done, strict=True)
        ]
