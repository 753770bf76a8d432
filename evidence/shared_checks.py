"""Entries' own checks shared out to worker processes (secp256k1 recovery, keccak and
RFC 8785 are CPU-bound, and Python runs them on one core at a time)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, Future
from typing import Any

from evidence.eip712 import Domain
from evidence.verify import (
    EntryEvidence,
    EntryResult,
    OwnEvidence,
    context_checks,
    own_checks_of,
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

    def add(self, own: OwnEvidence) -> None:
        """Queue one entry's own checks (``own``: what they read, see ``OwnEvidence``)."""
        self._waiting.append(own)
        if len(self._waiting) == self._chunk:
            self._send()

    def _send(self) -> None:
        if self._waiting:
            self._futures.append(self._executor.submit(own_checks_of, self._waiting, self.domain))
            self._waiting = []

    def results(self, evidence: list[EntryEvidence], parsed: list[Any]) -> Iterator[EntryResult]:
        """:func:`entry_checks` of every added item (``evidence``, in the order added, with
        ``parsed``, their payloads' JSON values), the workers' part with the caller's, each
        chunk as soon as it is done: the caller goes on with it while the workers finish."""
        self._send()
        done = (result for future in self._futures for result in future.result())
        for item, value, (computed, checks) in zip(evidence, parsed, done, strict=True):
            yield computed, checks + context_checks(item, computed, value, self.domain)


class StartedChecks:
    """Own checks started before the evidence is whole: a node putting a long bundle together
    adds its entries as it reads them, so the workers begin on the first entries instead of
    after the last. The checks are handed over (:meth:`claim`) only for exactly the items
    added — the same objects, in the same order — in the same domain and consignment."""

    def __init__(self, executor: Executor, domain: Domain, consignment: bytes) -> None:
        self.consignment = consignment
        self._shared = SharedChecks(executor, domain)
        self._items: list[object] = []
        self._own: list[OwnEvidence] = []

    def add(self, item: object, own: OwnEvidence) -> None:
        """Start the own checks of ``item``, whose own evidence is ``own``."""
        self._items.append(item)
        self._own.append(own)
        self._shared.add(own)

    def claim(
        self, items: Sequence[object], domain: Domain, consignment: bytes
    ) -> tuple[SharedChecks, list[OwnEvidence]]:
        """The started checks and the own evidence of ``items``; ValueError unless they are
        the items added, in the domain and consignment the checks were started for."""
        same = (
            domain == self._shared.domain
            and consignment == self.consignment
            and len(items) == len(self._items)
            and all(a is b for a, b in zip(items, self._items, strict=True))
        )
        if not same:
            raise ValueError("the checks were started for other entries than these")
        return self._shared, self._own
