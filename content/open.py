"""Choosing a node's content store: kubo when an IPFS API address is configured, else the
local blockstore (both compute the CIDs `ipfs add` gives)."""

from __future__ import annotations

from pathlib import Path

from content.kubo import KuboStore
from content.local import LocalBlockStore
from content.store import ContentStore


def open_store(data_dir: Path, ipfs_api: str | None) -> ContentStore:
    """The kubo store when an IPFS API address is configured, else the local blockstore."""
    if ipfs_api:
        return KuboStore(ipfs_api)
    return LocalBlockStore(data_dir / "blocks")
