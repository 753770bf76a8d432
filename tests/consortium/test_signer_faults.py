"""Signers lost, on a real four-signer Clique network: with one stopped the chain goes on
and appends land; with two stopped Clique cannot seal (a signer may seal at most one of any
three consecutive blocks), the service accepts appends as pending, and they all land, in
order, once a signer returns."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import pytest

from api.demo import DEMO_REFERENCE
from api.runtime import Runtime, start_runtime
from chain.rpc import connect
from evidence.event_types import EventType
from tests.consortium.conftest import Network
from tests.support import make_settings

EVENT = {
    "type": "ObjectEvent",
    "action": "OBSERVE",
    "eventTime": "2026-11-29T08:00:00Z",
    "eventTimeZoneOffset": "+00:00",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
}


@pytest.fixture(scope="module")
def node(clique: Network, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    """An organisation's node on signer 0 with a fast outbox. It deploys and seeds with the
    default receipt wait; the test shortens the wait per phase."""
    settings = make_settings(
        tmp_path_factory.mktemp("org"),
        rpc_url=clique.urls[0],
        deployer_key=clique.deployer.key.hex(),
        outbox_interval=0.5,
    )
    runtime = start_runtime(settings)
    try:
        yield runtime
    finally:
        runtime.close()


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.25)
    return False


def test_one_signer_down_appends_continue_two_down_they_wait_and_land(clique: Network, node: Runtime) -> None:
    assert clique.clique is not None
    signers = clique.clique.nodes
    services = node.services
    carrier = services.members.participant(node.created_keys["carrier"]["address"])
    w3 = connect(clique.urls[0])
    sender = services.node.chain.sender

    # With a signer gone, its turns are sealed out of turn: each such block waits the period
    # plus up to 1.5 s of Clique's random wiggle (500 ms per half the signers, plus one),
    # and the block being sealed when the append arrives does not hold it. Four seconds
    # missed once in CI; thirty is the chain going on, not a stall.
    sender.receipt_timeout = 30.0
    signers[3].stop()
    landed = services.appends.append_event(carrier, DEMO_REFERENCE, EventType.OBSERVED, EVENT, None)
    assert landed["status"] == "anchored", landed

    signers[2].stop()
    sender.receipt_timeout = 4.0  # a stalled chain answers ``pending`` quickly
    # The two left may each seal once more (if neither sealed the last two blocks), then stall.
    time.sleep(5)
    stalled_at = w3.eth.block_number
    time.sleep(5)
    assert w3.eth.block_number == stalled_at
    waiting = [
        services.appends.append_event(carrier, DEMO_REFERENCE, EventType.OBSERVED, EVENT, None) for _ in range(2)
    ]
    assert [e["status"] for e in waiting] == ["pending", "pending"]
    assert services.outbox.pending_count() == 2

    signers[2].start()
    clique.clique.connect_peers()
    assert wait_for(lambda: services.outbox.pending_count() == 0, 120), "the pending entries did not land"
    (row,) = services.node.index.consignments_named(DEMO_REFERENCE)
    entries = services.node.index.entries_of(row.id)
    assert [e.seq for e in entries] == list(range(len(entries)))
    assert all(e.status.value == "anchored" for e in entries)
    exporter = services.members.participant(node.created_keys["exporter"]["address"])
    assert services.evidence.verify(exporter, DEMO_REFERENCE).passed
    signers[3].start()
