"""The local blockstore: same CIDs as IPFS, and every read re-hashed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from content.local import LocalBlockStore
from content.store import ContentIntegrityError, ContentNotFound, describe


def test_round_trip_by_cid_v0_and_v1(tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path)
    content = os.urandom(600_000)
    stored = store.add(content)
    assert stored == describe(content)
    assert store.cat(stored.cid_v0) == content
    assert store.cat(stored.cid_v1) == content


def test_empty_document(tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path)
    stored = store.add(b"")
    assert stored.cid_v0 == "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"
    assert store.cat(stored.cid_v0) == b""


def test_one_flipped_byte_is_detected_on_read(tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path)
    stored = store.add(os.urandom(700_000))
    blocks = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    victim = blocks[0]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x01
    victim.write_bytes(bytes(data))
    with pytest.raises(ContentIntegrityError, match="altered"):
        store.cat(stored.cid_v0)


def test_missing_content_and_bad_cid(tmp_path: Path) -> None:
    store = LocalBlockStore(tmp_path)
    with pytest.raises(ContentNotFound):
        store.cat(describe(b"never stored").cid_v0)
    with pytest.raises(ContentNotFound, match="not a CID"):
        store.cat("not-a-cid")
    with pytest.raises(ContentNotFound, match="UnixFS"):
        store.cat("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq")  # a raw-codec CID


def test_raw_blocks_round_trip_and_detect_tampering(tmp_path: Path) -> None:
    from evidence.cid import payload_cid

    store = LocalBlockStore(tmp_path)
    cid = store.put_raw(b'{"type":"ObjectEvent"}')
    assert cid == payload_cid(b'{"type":"ObjectEvent"}')
    assert store.get_raw(cid) == b'{"type":"ObjectEvent"}'
    (path,) = [p for p in tmp_path.rglob("*") if p.is_file()]
    path.write_bytes(b'{"type":"AggregationEvent"}')
    with pytest.raises(ContentIntegrityError):
        store.get_raw(cid)
