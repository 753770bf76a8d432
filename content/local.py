"""The embedded content store: a blockstore of the DAG blocks ``ipfs add`` would make.

Blocks are files named by their CIDv1 under ``<data_dir>/blocks``, so the content can be
moved into IPFS unchanged (same blocks, same CIDs).
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

from multiformats import CID

from content.store import ContentIntegrityError, ContentNotFound, StoredContent
from evidence.cid import payload_cid
from evidence.unixfs import build_file_dag, decode_links_and_data

_SHA2_256 = b"\x12\x20"


class LocalBlockStore:
    """Blocks on the local disk, verified on every read."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, digest: bytes, codec: str = "dag-pb") -> Path:
        return self._path_of(str(CID("base32", 1, codec, digest)))

    def _path_of(self, cid: str) -> Path:
        return self.root / cid[-2:] / cid

    def _write(self, path: Path, data: bytes) -> None:
        if path.exists():
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".tmp{os.getpid()}-{threading.get_ident()}")
        with open(tmp, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        tmp.replace(path)

    def add(self, content: bytes) -> StoredContent:
        """Store every block of the file's DAG (atomically per block) and return its identifiers."""
        dag = build_file_dag(content)
        for block in dag.blocks:
            self._write(self._path(block.digest), block.data)
        return StoredContent(dag.cid_v0, dag.cid_v1, hashlib.sha256(content).hexdigest(), len(content))

    def cat(self, cid: str) -> bytes:
        """The file under ``cid``, each block checked against its hash."""
        root = _decode(cid, "dag-pb", "a UnixFS file CID (dag-pb, sha2-256)")
        out = bytearray()
        self._read(bytes(root.digest), cid, out)
        return bytes(out)

    def put_raw(self, data: bytes) -> str:
        """Store one raw block; returns its CIDv1 (raw, sha2-256)."""
        cid = payload_cid(data)  # what multiformats builds (a test holds them equal), directly
        self._write(self._path_of(cid), data)
        return cid

    def get_raw(self, cid: str) -> bytes:
        """The raw block under ``cid``, checked against its hash."""
        parsed = _decode(cid, "raw", "a raw sha2-256 block CID")
        path = self._path(bytes(parsed.digest), "raw")
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(f"no block {cid} in the local store") from None
        if hashlib.sha256(data).digest() != bytes(parsed.digest)[2:]:
            raise ContentIntegrityError(f"block {cid} does not match its hash: the stored content was altered")
        return data

    def _read(self, digest: bytes, root_cid: str, out: bytearray) -> None:
        path = self._path(digest)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise ContentNotFound(f"no block {path.name} of {root_cid} in the local store") from None
        if not digest.startswith(_SHA2_256) or hashlib.sha256(data).digest() != digest[2:]:
            raise ContentIntegrityError(
                f"block {path.name} of {root_cid} does not match its hash: the stored content was altered"
            )
        links, leaf = decode_links_and_data(data)
        for child in links:
            self._read(child, root_cid, out)
        if not links and leaf:
            out += leaf


def _decode(cid: str, codec: str, kind: str) -> CID:
    """``cid`` parsed, if it is a sha2-256 CID of ``codec``; ContentNotFound otherwise."""
    try:
        parsed = CID.decode(cid)
    except Exception as exc:
        raise ContentNotFound(f"'{cid}' is not a CID: {exc}") from exc
    if parsed.codec.name != codec or parsed.hashfun.name != "sha2-256":
        raise ContentNotFound(f"{cid} is not {kind}")
    return parsed
