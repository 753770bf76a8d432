"""What every service of one node works on: its index, its chain bindings, its keys and its
content store, and the per-consignment locks that keep appends in order."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from eth_account.signers.local import LocalAccount

from api.index import Index
from api.services.keys import Keyring
from chain.ledger import LedgerClient
from content.store import ContentStore


class ConsignmentLocks:
    """One lock per consignment: appends to it (API, outbox, bulk) run one at a time."""

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def of(self, consignment_id: str) -> threading.Lock:
        """The lock of a consignment."""
        with self._guard:
            return self._locks.setdefault(consignment_id, threading.Lock())


class AnchoredHere:
    """The entries this node anchored lately, as (consignment, seq, entry hash): the follower
    meets each again in the chain's logs and need not look it up in the index. Bounded; an
    entry it forgot is looked up as any other."""

    def __init__(self, size: int = 4096) -> None:
        self._order: deque[tuple[str, int, str]] = deque()
        self._held: set[tuple[str, int, str]] = set()
        self._size = size
        self._guard = threading.Lock()

    def add(self, consignment_id: str, seq: int, entry_hash: str) -> None:
        key = (consignment_id, seq, entry_hash)
        with self._guard:
            if key in self._held:
                return
            self._order.append(key)
            self._held.add(key)
            if len(self._order) > self._size:
                self._held.discard(self._order.popleft())

    def __contains__(self, key: tuple[str, int, str]) -> bool:
        with self._guard:
            return key in self._held


@dataclass
class Node:
    """One node's resources over one consortium's contracts."""

    index: Index
    chain: LedgerClient
    keyring: Keyring
    store: ContentStore
    relayer: LocalAccount  # relays client-signed entries and anchors checkpoints
    max_document_bytes: int = 50 * 1024 * 1024
    locks: ConsignmentLocks = field(default_factory=ConsignmentLocks)
    anchored_here: AnchoredHere = field(default_factory=AnchoredHere)
