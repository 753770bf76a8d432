"""Gas ceilings of the two anchoring paths (issue #19): deterministic, so tested, not benched.

The peers' figures (TradeTrust DocumentStore ``issue``) are measured by ``make bench`` on
the same chain; these ceilings keep BorderLedger under them whatever the bench machine.
"""

from typing import Any

import pytest

SINGLE_ENTRY_CEILING = 60_000
CHECKPOINT_CEILING = 48_000
SEGMENT = "bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy"


@pytest.mark.parametrize(
    "actor, event_type",
    [("carrier", "LOADING"), ("exporter", "DECLARATION"), ("de", "RELEASED"), ("cn", "SEAL_VERIFIED")],
)
def test_a_single_entry_costs_at_most_60000_gas(append: Any, people: Any, actor: str, event_type: str) -> None:
    append(people["carrier"], "LOADING")  # the first entry of a consignment is not the usual case
    tx = append(people[actor], event_type)
    print(f"{event_type} by {actor}: {tx.gas_used} gas")
    assert tx.gas_used <= SINGLE_ENTRY_CEILING


def test_a_control_in_transit_reads_the_route_too(append: Any, people: Any) -> None:
    """Customs of a transit country: the ledger reads the route's transit list (two more cold
    slots) to find its jurisdiction — the one path above the 60,000 ceiling."""
    append(people["carrier"], "LOADING")
    tx = append(people["kz"], "INSPECTED")
    print(f"INSPECTED by kz (transit): {tx.gas_used} gas")
    assert tx.gas_used <= SINGLE_ENTRY_CEILING + 2 * 2_100 + 500


def test_a_checkpoint_costs_at_most_48000_gas(checkpoints: Any, people: Any) -> None:
    checkpoints.submitCheckpoint(1_000, b"\x07" * 32, SEGMENT, {"from": people["outsider"]})
    tx = checkpoints.submitCheckpoint(2_000, b"\x08" * 32, SEGMENT, {"from": people["outsider"]})
    print(f"checkpoint: {tx.gas_used} gas")
    assert tx.gas_used <= CHECKPOINT_CEILING
