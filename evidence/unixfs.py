"""The DAG that ``ipfs add`` builds for a file, with kubo's defaults, and its CIDs.

Defaults reproduced: UnixFS v1 files, fixed-size chunks of 256 KiB, the balanced layout
with at most 174 links per node, dag-pb leaves (no raw leaves), sha2-256. The root's
CIDv0 (``Qm…``) is what ``ipfs add`` prints; the CIDv1 of the same DAG (``bafybei…``) is
the same hash under the dag-pb codec. Pure functions: no I/O.

Wire formats: dag-pb (https://ipld.io/specs/codecs/dag-pb/spec/) with links before data,
and the UnixFS ``Data`` message (https://github.com/ipfs/specs/blob/main/UNIXFS.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass

from multiformats import CID, multihash

CHUNK_SIZE = 256 * 1024
MAX_LINKS = 174
_UNIXFS_FILE = 2


@dataclass(frozen=True)
class Block:
    """One dag-pb block: its bytes, the multihash of those bytes, and the DAG size below it."""

    data: bytes
    digest: bytes  # sha2-256 multihash (0x12 0x20 ‖ sha256)
    file_size: int  # bytes of file content under this node
    dag_size: int  # bytes of this block plus all blocks below it (a link's Tsize)

    @property
    def cid_v0(self) -> str:
        """The CIDv0 of this block."""
        return str(CID("base58btc", 0, "dag-pb", self.digest))

    @property
    def cid_v1(self) -> str:
        """The CIDv1 (base32, dag-pb) of this block."""
        return str(CID("base32", 1, "dag-pb", self.digest))


@dataclass(frozen=True)
class FileDag:
    """A file's DAG: every block (root last) and the root's CIDs."""

    blocks: list[Block]

    @property
    def root(self) -> Block:
        """The root block."""
        return self.blocks[-1]

    @property
    def cid_v0(self) -> str:
        """What ``ipfs add`` prints."""
        return self.root.cid_v0

    @property
    def cid_v1(self) -> str:
        """The CIDv1 of the same DAG."""
        return self.root.cid_v1


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited protobuf field."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint_field(number: int, value: int) -> bytes:
    return _varint(number << 3) + _varint(value)


def _unixfs_file(data: bytes | None, file_size: int, block_sizes: list[int]) -> bytes:
    out = _varint_field(1, _UNIXFS_FILE)
    if data:
        out += _field(2, data)
    out += _varint_field(3, file_size)
    for size in block_sizes:
        out += _varint_field(4, size)
    return out


def _pb_node(links: list[Block], unixfs: bytes) -> bytes:
    out = b""
    for child in links:
        # PBLink: Hash, Name (kubo writes it, empty), Tsize.
        out += _field(2, _field(1, child.digest) + _field(2, b"") + _varint_field(3, child.dag_size))
    return out + _field(1, unixfs)


def _block(data: bytes, file_size: int, children_dag_size: int = 0) -> Block:
    digest = multihash.wrap(hashlib.sha256(data).digest(), "sha2-256")
    return Block(data, bytes(digest), file_size, len(data) + children_dag_size)


def _leaf(chunk: bytes) -> Block:
    return _block(_pb_node([], _unixfs_file(chunk, len(chunk), [])), len(chunk))


def _parent(children: list[Block]) -> Block:
    size = sum(c.file_size for c in children)
    data = _pb_node(children, _unixfs_file(None, size, [c.file_size for c in children]))
    return _block(data, size, sum(c.dag_size for c in children))


def chunks(content: bytes) -> Iterator[bytes]:
    """Fixed-size chunks; an empty file is one empty chunk."""
    if not content:
        yield b""
        return
    for start in range(0, len(content), CHUNK_SIZE):
        yield content[start : start + CHUNK_SIZE]


def build_file_dag(content: bytes) -> FileDag:
    """The blocks ``ipfs add`` (kubo defaults) makes for ``content``, root last."""
    blocks: list[Block] = []
    leaves = [_leaf(c) for c in chunks(content)]
    blocks.extend(leaves)
    if len(leaves) == 1:
        return FileDag(blocks)
    depth = 1
    while MAX_LINKS**depth < len(leaves):
        depth += 1

    def build(group: list[Block], level: int) -> Block:
        # Balanced layout: children are full subtrees, left to right; only the last is partial.
        if level == 1:
            node = _parent(group)
        else:
            span = MAX_LINKS ** (level - 1)
            node = _parent([build(group[i : i + span], level - 1) for i in range(0, len(group), span)])
        blocks.append(node)
        return node

    build(leaves, depth)
    return FileDag(blocks)


def file_cids(content: bytes) -> tuple[str, str]:
    """(CIDv0, CIDv1) that ``ipfs add`` gives ``content``."""
    dag = build_file_dag(content)
    return dag.cid_v0, dag.cid_v1


def decode_links_and_data(block: bytes) -> tuple[list[bytes], bytes | None]:
    """The child multihashes and the UnixFS leaf data of a dag-pb block built as above.

    Raises ValueError for bytes that are not such a block.
    """
    links: list[bytes] = []
    unixfs = b""
    for number, payload in _parse(block):
        if number == 2:
            link_hash = next((p for n, p in _parse(payload) if n == 1), None)
            if link_hash is None:
                raise ValueError("dag-pb link without a hash")
            links.append(link_hash)
        elif number == 1:
            unixfs = payload
    data = next((p for n, p in _parse(unixfs) if n == 2), None) if unixfs else None
    return links, data


def _parse(buf: bytes) -> Iterator[tuple[int, bytes]]:
    """Length-delimited fields of a protobuf message (varint fields are skipped)."""
    i = 0
    while i < len(buf):
        key, i = _read_varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            _, i = _read_varint(buf, i)
        elif wire == 2:
            length, i = _read_varint(buf, i)
            if i + length > len(buf):
                raise ValueError("truncated protobuf field")
            yield number, buf[i : i + length]
            i += length
        else:
            raise ValueError(f"unexpected protobuf wire type {wire}")


def _read_varint(buf: bytes, i: int) -> tuple[int, int]:
    shift = value = 0
    while True:
        if i >= len(buf):
            raise ValueError("truncated varint")
        byte = buf[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7
