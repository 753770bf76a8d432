"""The DAG `ipfs add` builds: CIDs equal Debian's ipfs_cid oracle (kubo's importer defaults)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from evidence.unixfs import CHUNK_SIZE, MAX_LINKS, build_file_dag, decode_links_and_data, file_cids

IPFS_CID = shutil.which("ipfs_cid")


def oracle(path: Path) -> tuple[str, str]:
    if IPFS_CID is None:
        pytest.fail("ipfs_cid is missing: install Debian's ipfs-cid package (make test does)")
    out = json.loads(subprocess.run([IPFS_CID, str(path)], capture_output=True, text=True, check=True).stdout)
    return out["CIDv0"], out["CIDv1"]


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 1024 * 1024, 10 * 1024 * 1024],
    ids=["0B", "1B", "256KiB", "256KiB+1B", "1MiB", "10MiB"],
)
def test_cids_equal_ipfs_cid_oracle(size: int, tmp_path: Path) -> None:
    content = os.urandom(size)
    path = tmp_path / "file.bin"
    path.write_bytes(content)
    assert file_cids(content) == oracle(path)


def test_two_level_balanced_tree_equals_oracle(tmp_path: Path) -> None:
    # One chunk more than a single node can link: the root gets a second level.
    content = os.urandom(MAX_LINKS * CHUNK_SIZE + 1)
    path = tmp_path / "big.bin"
    path.write_bytes(content)
    dag = build_file_dag(content)
    assert (dag.cid_v0, dag.cid_v1) == oracle(path)
    links, _ = decode_links_and_data(dag.root.data)
    assert len(links) == 2


def test_known_cid_of_hello() -> None:
    assert file_cids(b"hello")[0] == "QmWfVY9y3xjsixTgbd9AorQxH7VtMpzfx2HaWtsoUYecaX"


def test_blocks_decode_back_to_the_content() -> None:
    content = os.urandom(3 * CHUNK_SIZE + 5)
    dag = build_file_dag(content)
    by_digest = {b.digest: b for b in dag.blocks}
    links, _ = decode_links_and_data(dag.root.data)
    rebuilt = b"".join(decode_links_and_data(by_digest[d].data)[1] or b"" for d in links)
    assert rebuilt == content
