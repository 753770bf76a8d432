"""Recognition of a partner's control as pure functions: MRA state and scope at a block, the
result's validity, and the goods staying as they were controlled."""

from __future__ import annotations

from typing import Any

from evidence.event_types import EventType
from evidence.recognition import LedgerEvent, MraView, recognise

T0 = 1_800_000_000
SEALS = ["CN-SEAL-778812"]


def result(country: str = "KZ", **overrides: Any) -> dict[str, Any]:
    body = {
        "controlId": f"{country}-1",
        "authority": {"country": country, "office": f"{country}KHG"},
        "controlType": "seal_check",
        "scope": "container",
        "result": "conformant",
        "status7365": "40",
        "sealsExpected": SEALS,
        "sealsFound": SEALS,
        "officer": "0x" + "ab" * 32,
        "startTime": "2027-01-15T08:00:00Z",
        "endTime": "2027-01-15T08:30:00Z",
    }
    return {"bl:controlResult": body | overrides}


def control(seq: int, block: int, **overrides: Any) -> LedgerEvent:
    return LedgerEvent(seq, EventType.CONTROL_RESULT, result(**overrides), block, 0)


def plain(seq: int, event_type: EventType, block: int) -> LedgerEvent:
    return LedgerEvent(seq, event_type, {}, block, 0)


def mra(controls: int = 8, accepted: int = T0 - 100, terminated: int = 0, until: int = T0 + 10**6) -> MraView:
    return MraView(1, "DE", "KZ", controls, until, accepted, terminated)


def reasons(events: list[LedgerEvent], mras: list[MraView], block: int = 100, time: int = T0) -> list[str]:
    return [c["reason"] for c in recognise("DE", events, mras, block, time)]


def test_a_partner_control_under_an_active_mra_naming_its_type_is_recognised() -> None:
    (answer,) = recognise("DE", [control(0, 10)], [mra()], 100, T0)
    assert answer["recognised"] is True and answer["reason"] == "recognised_under_mra" and answer["mra"] == 1
    assert reasons([control(0, 10, controlType="physical", sealsExpected=[], status7365="4")], [mra()]) == [
        "mra_out_of_scope"
    ]


def test_the_mra_as_it_stood_at_the_block() -> None:
    assert reasons([control(0, 10)], []) == ["no_mra"]
    assert reasons([control(0, 10)], [mra(accepted=T0 + 5)]) == ["mra_not_accepted"]
    assert reasons([control(0, 10)], [mra(accepted=0)]) == ["mra_not_accepted"]
    assert reasons([control(0, 10)], [mra(terminated=T0 - 1)]) == ["mra_terminated"]
    assert reasons([control(0, 10)], [mra(terminated=T0 + 1)]) == ["recognised_under_mra"]  # not yet then
    assert reasons([control(0, 10)], [mra(until=T0 - 1)]) == ["mra_expired"]


def test_own_controls_and_expired_results() -> None:
    assert reasons([control(0, 10, country="DE")], []) == ["own_control"]
    short = control(0, 10, validUntil="2027-01-15T09:00:00Z")
    assert reasons([short], [mra()]) == ["recognised_under_mra"]
    assert reasons([short], [mra()], time=T0 + 3 * 3600) == ["control_expired"]


def test_unloading_or_a_handover_after_the_control_breaks_it_until_the_seals_are_found_again() -> None:
    unloaded = [control(0, 10), plain(1, EventType.UNLOADING, 20)]
    assert reasons(unloaded, [mra()]) == ["unloaded_without_seal_verification"]
    assert reasons(unloaded, [mra()], block=15) == ["recognised_under_mra"]  # before the unloading
    handed = [control(0, 10), plain(1, EventType.HANDOVER, 20)]
    assert reasons(handed, [mra()]) == ["custody_changed"]
    # DE's own seal check finding the same seals cures it; one finding other seals does not.
    other = control(
        2, 30, country="DE", sealsExpected=SEALS, sealsFound=["X-1"], result="non_conformant", status7365="41"
    )
    assert reasons([*unloaded, other], [mra()]) == ["unloaded_without_seal_verification", "own_control"]
    same = control(2, 30, country="DE")
    assert reasons([*unloaded, same], [mra()]) == ["recognised_under_mra", "own_control"]


def test_a_control_written_after_the_block_is_not_there_yet() -> None:
    assert reasons([control(0, 200)], [mra()], block=100) == []
