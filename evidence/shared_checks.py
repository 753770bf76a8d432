"""Entries' own checks shared out to worker processes (secp256k1 recovery, keccak and
RFC 8785 are CPU-bound, and Python runs them on one core at a time)."""

from __future__ import annotations

from collections.abc import Sequence
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
    finished; the checks against the rest of the evidence are made by the caller.

    A caller that knows the entries before it has assembled their evidence (a node verifying
    its own, read from its index, while it builds their bundle) starts them earlier still
    with :meth:`expect`. An added item takes an expected item's result only if it is equal
    to it in everything its own checks read; any other is checked as added."""

    def __init__(self, executor: Executor, domain: Domain, chunk: int = 500) -> None:
        self.domain = domain
        self._executor, self._chunk = executor, chunk
        self._waiting: list[OwnEvidence] = []
        self._futures: list[Future[list[EntryResult]]] = []
        self._expected: list[OwnEvidence] = []
        self._ahead: list[Future[list[EntryResult]]] = []
        self._as_expected: list[bool] = []  # per added item: it is the expected one at its position

    def expect(self, items: Sequence[OwnEvidence]) -> None:
        """Start the own checks of the items the caller expects to add, in that order."""
        self._expected = list(items)
        for start in range(0, len(self._expected), self._chunk):
            chunk = self._expected[start : start + self._chunk]
            self._ahead.append(self._executor.submit(own_checks_of, chunk, self.domain))

    def add(self, item: EntryEvidence) -> None:
        """Queue one entry's own checks (unless they are under way as expected)."""
        own = own_evidence(item)
        position = len(self._as_expected)
        as_expected = position < len(self._expected) and self._expected[position] == own
        self._as_expected.append(as_expected)
        if not as_expected:
            self._waiting.append(own)
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
        if any(self._as_expected):
            ahead = [result for future in self._ahead for result in future.result()]
        else:
            ahead = []
            for future in self._ahead:
                future.cancel()
        added = iter([result for future in self._futures for result in future.result()])
        done = [ahead[n] if as_expected else next(added) for n, as_expected in enumerate(self._as_expected)]
        return [
            (computed, checks + context_checks(item, computed, value, self.domain))
            for item, value, (computed, checks) in zip(evidence, parsed, done, strict=True)
        ]
