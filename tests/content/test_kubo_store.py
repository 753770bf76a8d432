"""The kubo store against real kubo daemons (v0.43.1, built by `make go-tools`) in a
private swarm on loopback: what one organisation's daemon stores, another's fetches and
verifies; a daemon that lies about bytes is caught by the local re-hash."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from consortium.swarm import PrivateSwarm, swarm_key
from content.kubo import KuboStore
from content.store import ContentNotFound, ContentUnavailable, describe


@pytest.fixture(scope="module")
def swarm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PrivateSwarm]:
    with PrivateSwarm(Path(tmp_path_factory.mktemp("swarm")), size=2) as started:
        yield started


@pytest.fixture(scope="module")
def kubo(swarm: PrivateSwarm) -> KuboStore:
    return KuboStore(swarm.daemons[0].api, timeout=30)


def test_add_pins_and_cat_verifies(kubo: KuboStore) -> None:
    content = os.urandom(1_000_000)
    stored = kubo.add(content)
    assert stored == describe(content)  # the CIDs `ipfs add` gives, as computed here
    assert kubo.cat(stored.cid_v0) == content
    assert kubo.cat(stored.cid_v1) == content


def test_raw_block_put_and_get(kubo: KuboStore) -> None:
    cid = kubo.put_raw(b'{"type":"ObjectEvent"}')
    assert kubo.get_raw(cid) == b'{"type":"ObjectEvent"}'


def test_another_organisations_daemon_fetches_and_verifies_through_the_swarm(swarm: PrivateSwarm) -> None:
    here, there = (KuboStore(d.api, timeout=30) for d in swarm.daemons)
    document = os.urandom(300_000)
    stored = here.add(document)
    assert there.cat(stored.cid_v0) == document
    segment = b'{"leaves":[]}'
    assert there.get_raw(here.put_raw(segment)) == segment


def test_unknown_content_is_not_found_rather_than_hanging(kubo: KuboStore) -> None:
    # Offline lookup of a block nobody has: refused as not found, not waited on for ever.
    absent = describe(b"never added anywhere " + os.urandom(16)).cid_v1
    with pytest.raises((ContentNotFound, ContentUnavailable)):
        KuboStore(kubo.address, timeout=3).cat(absent)


def test_a_swarm_key_is_32_bytes() -> None:
    assert swarm_key(b"\x01" * 32).endswith("01" * 32 + "\n")
    with pytest.raises(ValueError):
        swarm_key(b"short")
