"""The garbage collector's thresholds for a node's processes (service, verification workers,
the command line).

CPython runs a young collection every 700 net allocations, and a full one, scanning every
live object, once enough young ones survive. A request over 10,000 entries (a bulk ingest,
a verification, a bundle) allocates millions of short-lived objects while it holds
hundreds of thousands alive, so with those defaults it spent a quarter to a third of its
time in the collector. Reference counting frees almost all of them anyway; the collector
only reclaims cycles, which can wait a little longer.
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_EVERY = 50_000  # net allocations (CPython's default: 700)
MIDDLE_EVERY, OLD_EVERY = 50, 100  # young, then middle collections between older ones (10, 10)


def tune_collector() -> None:
    """Collect less often; idempotent."""
    gc.set_threshold(YOUNG_COLLECTION_EVERY, MIDDLE_EVERY, OLD_EVERY)
