"""What every service of one node works on: its index, its chain bindings, its keys and its
content store, and the per-consignment locks that keep appends in order."""

from __future__ import annotations

import threading
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
