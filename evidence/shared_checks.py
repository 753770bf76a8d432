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
    parse_payload,
)


class SharedChecks:
    """Entries' own checks sent to an executor (a process pool: they are CPU-bound) a chunk at
    a time as the evidence is assembled, so that the workers start before the caller has
    finished; the checks against the rest of the evidence are made by the caller.

    A node knows its entries before it has assembled their evidence: :meth:`start` sends them
    then. An item :meth:`add` brings later uses what was started for its seq only if it states
    exactly the same (the result is about the evidence verified, never about what was sent
    ahead); otherwise it is sent again."""

    def __init__(self, executor: Executor, domain: Domain, chunk: int = 500) -> None:
        self.domain = domain
        self._executor, self._chunk = executor, chunk
        self._started: dict[int, tuple[OwnEvidence, int]] = {}  # seq → (what was sent, its place)
        self._places: list[int] = []  # each added item's place among everything sent
        self._sent = 0
        self._waiting: list[OwnEvidence] = []
        self._futures: list[Future[list[EntryResult]]] = []

    @classmethod
    def sharing(cls, domain: Domain, executor: Executor | None, started: SharedChecks | None) -> SharedChecks | None:
        """``started`` if it checks in ``domain``, else new checks on ``executor`` (if any)."""
        if started is not None and started.domain == domain:
            return started
        return cls(executor, domain) if executor is not None else None

    def start(self, own: OwnEvidence) -> None:
        """Send an entry's own checks ahead of its evidence."""
        self._started[own[0].seq] = (own, self._queue(own))

    def add(self, item: EntryEvidence) -> None:
        """Queue one entry's checks (unless the same was started)."""
        own = own_evidence(item)
        started = self._started.get(item.entry.seq)
        self._places.append(started[1] if started is not None and started[0] == own else self._queue(own))

    def _queue(self, own: OwnEvidence) -> int:
        self._waiting.append(own)
        if len(self._waiting) == self._chunk:
            self._send()
        self._sent += 1
        return self._sent - 1

    def _send(self) -> None:
        if self._waiting:
            self._futures.append(self._executor.submit(own_checks_of, self._waiting, self.domain))
            self._waiting = []

    def results(self, evidence: list[EntryEvidence], parsed: list[Any] | None = None) -> list[EntryResult]:
        """:func:`entry_checks` of every added item (``evidence``, in the order added), the
        workers' part with the caller's; ``parsed`` holds their payloads' JSON values if
        the caller has them already."""
        self._send()
        done = [result for future in self._futures for result in future.result()]
        values = parsed if parsed is not None else [parse_payload(item.payload) for item in evidence]
        out: list[EntryResult] = []
        for item, value, place in zip(evidence, values, self._places, strict=True):
            computed, checks = done[place]
            out.append((computed, checks + context_checks(item, computed, value, self.domain)))
        return out
