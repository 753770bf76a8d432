"""The content-store interface, its errors, and opening the configured store."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

from evidence.errors import LedgerError
from evidence.unixfs import file_cids


class ContentError(LedgerError):
    """Raised when the content store fails."""


class ContentNotFound(ContentError, LookupError):
    """Raised when no content is stored under a CID."""


class ContentIntegrityError(ContentError):
    """Raised when stored bytes do not hash to the CID they are stored under."""


class ContentUnavailable(ContentError):
    """Raised when the content store cannot be reached."""


@dataclass(frozen=True)
class StoredContent:
    """What identifies stored content: its CIDs as ``ipfs add`` computes them, sha-256, size."""

    cid_v0: str
    cid_v1: str
    sha256: str
    size: int


def describe(content: bytes) -> StoredContent:
    """The identifiers of ``content`` (computed locally, no store involved)."""
    cid_v0, cid_v1 = file_cids(content)
    return StoredContent(cid_v0, cid_v1, hashlib.sha256(content).hexdigest(), len(content))


class ContentStore(Protocol):
    """Where documents live, addressed by the CIDs ``ipfs add`` gives them.

    Every read re-hashes what it returns and raises ContentIntegrityError on a mismatch.
    """

    name: str

    def add(self, content: bytes) -> StoredContent:
        """Store ``content`` (pinned) and return its identifiers."""
        ...

    def cat(self, cid: str) -> bytes:
        """The verified bytes stored under ``cid`` (CIDv0 or CIDv1)."""
        ...

    def put_raw(self, data: bytes) -> str:
        """Store one raw block (an event payload); returns its CIDv1 (raw, sha2-256)."""
        ...

    def get_raw(self, cid: str) -> bytes:
        """The verified raw block stored under ``cid``."""
        ...
