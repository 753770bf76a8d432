"""The time-release benchmark on a fixture of 10 consignments with known milestone times:
exact mean, median and percentiles; one missing arrival excluded and counted; the report
hash depends on nothing but the facts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from evidence.time_release import ConsignmentFacts, LedgerFact, benchmark, timeline

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
RELEASE_HOURS = [1, 2, 3, 4, 5, 6, 7, 8, 36]  # of the nine consignments that arrive


def at(hours: float) -> str:
    return (START + timedelta(hours=hours)).isoformat().replace("+00:00", "Z")


def fact(event_type: str, hours: float, by: str | None = None, **extra: Any) -> LedgerFact:
    return LedgerFact(event_type, by, {"eventTime": at(hours), **extra})


def consignment(n: int, release_after: float | None, arrives: bool = True) -> ConsignmentFacts:
    lane = "green" if n % 3 else "red"
    entries = [
        fact(
            "DECLARATION",
            -30 if n % 2 else 2,
            "CN",
            **{"bl:declaration": {"kind": "entry_summary", "mode": "rail", "declaredTo": "DE"}},
        ),
        fact("DEPARTING", -400, None, **{"bl:location": {"unlocode": "CNCKG"}}),
    ]
    if arrives:
        entries.append(fact("ARRIVING", 0, None, **{"bl:location": {"unlocode": "DEDUI"}}))
    entries.append(fact("LANE_ASSIGNED", 0.5, "DE", **{"bl:lane": {"lane": lane}}))
    if lane == "red":
        result = "non_conformant" if n == 3 else "conformant"
        entries.append(fact("CONTROL_RESULT", 0.75, "DE", **{"bl:controlResult": {"result": result}}))
    if release_after is not None:
        entries.append(fact("RELEASED", release_after, "DE"))
        entries.append(fact("DELIVERY", release_after + 10, None))
    return ConsignmentFacts(
        f"0x{n:064x}", f"REF-{n}", ("CN", "KZ", "DE"), tuple(entries), aeo=n % 2 == 0, mra={"DE": True}
    )


FIXTURE = [consignment(n + 1, hours) for n, hours in enumerate(RELEASE_HOURS)] + [consignment(10, 5, arrives=False)]


def test_release_time_statistics_are_exact_and_the_missing_arrival_is_counted() -> None:
    report = benchmark(FIXTURE, "DE", block=1234)
    assert report["consignments"] == 9 and report["excluded"] == {"missing_arrival": 1}
    release = report["release_time_hours"]
    # mean 72/9; median the 5th; p90 at rank 7.2 → 8 + 0.2 × (36 − 8); IQR 7 − 3;
    # sample stdev √(924 / 8).
    assert release == {
        "count": 9,
        "mean": 8.0,
        "median": 5.0,
        "min": 1.0,
        "max": 36.0,
        "p90": 13.6,
        "q1": 3.0,
        "q3": 7.0,
        "stdev": 10.7471,
        "iqr": 4.0,
    }
    assert report["segments_hours"]["arrival_to_lane"]["median"] == 0.5
    assert report["segments_hours"]["release_to_exit"]["mean"] == 10.0
    # Declarations lodged 30 h before arrival by the odd-numbered ones (5 of 9), 2 h after by the others.
    assert report["lodged_before_arrival_share"] == round(5 / 9, 4)
    assert report["lodged_before_arrival_by_month"] == {"2026-11": round(5 / 9, 4)}
    assert report["by_lane"]["red"] == {"consignments": 3, "inspection_rate": 1.0, "hit_rate": round(1 / 3, 4)}
    assert report["by_lane"]["green"]["inspection_rate"] == 0.0 and report["by_lane"]["green"]["hit_rate"] is None
    assert set(report["release_time_by"]["aeo"]) == {"true", "false"}
    assert report["release_time_by"]["mode"]["rail"]["count"] == 9


def test_a_consignment_not_released_is_excluded_from_release_times_and_counted() -> None:
    report = benchmark([*FIXTURE, consignment(11, None)], "DE")
    assert report["excluded"] == {"missing_arrival": 1, "missing_release": 1}
    assert report["consignments"] == 10 and report["release_time_hours"]["count"] == 9


def test_the_report_hash_depends_only_on_the_facts() -> None:
    shuffled = FIXTURE[:]
    random.Random(7).shuffle(shuffled)
    assert benchmark(FIXTURE, "DE", block=5)["report_hash"] == benchmark(FIXTURE, "DE", block=5)["report_hash"]
    assert benchmark(FIXTURE, "DE", block=5)["report_hash"] != benchmark(FIXTURE, "DE", block=6)["report_hash"]
    assert benchmark(shuffled, "DE", block=5) == benchmark(FIXTURE, "DE", block=5)


def test_milestones_of_another_administration_are_not_taken() -> None:
    kz = timeline(FIXTURE[0], "KZ")
    assert "arrival" not in kz.times and "release" not in kz.times  # DE's entries, DE's places
    assert benchmark(FIXTURE, "DE", period="2026-12")["consignments"] == 0
    assert benchmark(FIXTURE, "DE", period="2026-11")["consignments"] == 9
