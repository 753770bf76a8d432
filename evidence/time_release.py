"""The WCO Time Release Study, from ledger entries (pure).

Milestones of one consignment at one customs administration are read from its entries —
declaration lodged, arrival, unloading, lane assigned, inspection, release or hold, exit —
at the times their authors signed (``eventTime``). Indicators per administration and
period follow the WCO TRS guide: release time (arrival → release) as mean, median, 90th
percentile and spread, time per segment, the share of declarations lodged before arrival,
inspection and hit rates by lane, the share where a partner's control was recognised, each
grouped by lane, AEO status, transport mode and MRA. A consignment missing a milestone an
indicator needs is excluded from it and counted. The report is canonical JSON: the same
entries and registry state give the same bytes, and so the same hash, on every node.

Percentiles are the inclusive linear interpolation (``statistics.quantiles(method=
"inclusive")``, Excel's PERCENTILE.INC); spread is the sample standard deviation and the
interquartile range. Times are hours, rounded to 4 decimals.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from eth_utils.crypto import keccak

from evidence.canonical import canonical_json

MILESTONES = ("lodged", "arrival", "unloading", "lane", "inspection", "release", "hold", "exit")
# (name, from, to): the segments of the TRS guide this ledger can time.
SEGMENTS = (
    ("lodged_to_arrival", "lodged", "arrival"),
    ("arrival_to_lane", "arrival", "lane"),
    ("lane_to_release", "lane", "release"),
    ("arrival_to_release", "arrival", "release"),
    ("release_to_exit", "release", "exit"),
)
GROUPS = ("lane", "aeo", "mode", "mra")
LOCATION_FIELD = "bl:location"  # {"unlocode": "DEDUI"}: where a carrier's event happened


@dataclass(frozen=True)
class LedgerFact:
    """One entry as the benchmark reads it."""

    event_type: str
    actor_jurisdiction: str | None  # the signer's jurisdiction (customs entries are their own)
    payload: dict[str, Any]


@dataclass(frozen=True)
class ConsignmentFacts:
    """A consignment's entries, and what the registries said of it at the report's block."""

    consignment_id: str
    reference: str
    route: tuple[str, ...]  # origin, transit..., destination
    entries: tuple[LedgerFact, ...]
    aeo: bool = False  # a party held a valid AEO certificate
    mra: dict[str, bool] = field(default_factory=dict)  # jurisdiction → an active MRA with the origin's customs
    partner_recognised: dict[str, bool] = field(default_factory=dict)  # jurisdiction → a partner's control recognised


@dataclass(frozen=True)
class Timeline:
    """One consignment's milestones at one administration (unix seconds)."""

    consignment_id: str
    reference: str
    mode: str
    lane: str
    aeo: bool
    mra: bool
    partner_recognised: bool
    times: dict[str, int]
    inspected: bool
    hit: bool


def _time(payload: dict[str, Any]) -> int | None:
    value = payload.get("eventTime")
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.astimezone(UTC).timestamp()) if moment.tzinfo else None


def _at(payload: dict[str, Any], jurisdiction: str) -> bool:
    location = payload.get(LOCATION_FIELD)
    return isinstance(location, dict) and str(location.get("unlocode", ""))[:2] == jurisdiction


def timeline(facts: ConsignmentFacts, jurisdiction: str) -> Timeline:
    """The milestones of ``facts`` at ``jurisdiction``: each the first entry that marks it."""
    times: dict[str, int] = {}
    mode, lane, inspected, hit = "unknown", "none", False, False

    def mark(name: str, payload: dict[str, Any]) -> None:
        moment = _time(payload)
        if moment is not None and name not in times:
            times[name] = moment

    for entry in facts.entries:
        p, kind, by_customs = entry.payload, entry.event_type, entry.actor_jurisdiction == jurisdiction
        declaration = p.get("bl:declaration") if isinstance(p.get("bl:declaration"), dict) else None
        if kind == "DECLARATION" and declaration and declaration.get("declaredTo") == jurisdiction:
            mark("lodged", p)
            mode = str(declaration.get("mode", mode)) if mode == "unknown" else mode
        elif kind in ("ARRIVING", "UNLOADING") and _at(p, jurisdiction):
            mark("arrival" if kind == "ARRIVING" else "unloading", p)
        elif kind == "LANE_ASSIGNED" and by_customs:
            mark("lane", p)
            stated = p.get("bl:lane")
            lane = str(stated.get("lane", lane)) if isinstance(stated, dict) and lane == "none" else lane
        elif kind == "CONTROL_RESULT" and by_customs:
            mark("inspection", p)
            inspected = True
            result = p.get("bl:controlResult")
            hit = hit or (isinstance(result, dict) and result.get("result") == "non_conformant")
        elif kind in ("RELEASED", "HELD") and by_customs:
            mark("release" if kind == "RELEASED" else "hold", p)
        elif (kind == "DELIVERY" or (kind == "DEPARTING" and _at(p, jurisdiction))) and "release" in times:
            mark("exit", p)
    return Timeline(
        facts.consignment_id,
        facts.reference,
        mode,
        lane,
        facts.aeo,
        facts.mra.get(jurisdiction, False),
        facts.partner_recognised.get(jurisdiction, False),
        times,
        inspected,
        hit,
    )


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 4)


def summary(seconds: list[int]) -> dict[str, Any]:
    """count, mean, median, 90th percentile, standard deviation, IQR, min and max, in hours."""
    if not seconds:
        return {"count": 0}
    data = sorted(seconds)
    out: dict[str, Any] = {
        "count": len(data),
        "mean": _hours(statistics.fmean(data)),
        "median": _hours(statistics.median(data)),
        "min": _hours(data[0]),
        "max": _hours(data[-1]),
    }
    if len(data) >= 2:
        deciles = statistics.quantiles(data, n=10, method="inclusive")
        quartiles = statistics.quantiles(data, n=4, method="inclusive")
        out |= {
            "p90": _hours(deciles[8]),
            "q1": _hours(quartiles[0]),
            "q3": _hours(quartiles[2]),
            "stdev": _hours(statistics.stdev(data)),
            "iqr": _hours(quartiles[2] - quartiles[0]),
        }
    else:
        out |= {"p90": _hours(data[0]), "q1": _hours(data[0]), "q3": _hours(data[0]), "stdev": 0.0, "iqr": 0.0}
    return out


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _rates(timelines: Iterable[Timeline]) -> dict[str, Any]:
    by_lane: dict[str, list[Timeline]] = defaultdict(list)
    for t in timelines:
        by_lane[t.lane].append(t)
    out = {}
    for lane, group in sorted(by_lane.items()):
        inspected = sum(t.inspected for t in group)
        out[lane] = {
            "consignments": len(group),
            "inspection_rate": _share(inspected, len(group)),
            "hit_rate": _share(sum(t.hit for t in group), inspected),
        }
    return out


def _monthly_share(lodged: list[Timeline]) -> dict[str, float | None]:
    """The pre-arrival share by month of arrival."""
    months: dict[str, list[bool]] = defaultdict(list)
    for t in lodged:
        month = datetime.fromtimestamp(t.times["arrival"], UTC).strftime("%Y-%m")
        months[month].append(t.times["lodged"] < t.times["arrival"])
    return {month: _share(sum(flags), len(flags)) for month, flags in sorted(months.items())}


def _release_seconds(t: Timeline) -> int:
    return t.times["release"] - t.times["arrival"]


def benchmark(
    consignments: Iterable[ConsignmentFacts], jurisdiction: str, period: str | None = None, block: int | None = None
) -> dict[str, Any]:
    """The time-release report of ``jurisdiction`` (consignments arriving in ``period``,
    ``YYYY-MM``, or all), with its hash."""
    timelines = [timeline(c, jurisdiction) for c in consignments if jurisdiction in c.route[1:]]
    missing: Counter[str] = Counter()
    in_period = []
    for t in timelines:
        if "arrival" not in t.times:
            missing["arrival"] += 1
            continue
        if period is not None and datetime.fromtimestamp(t.times["arrival"], UTC).strftime("%Y-%m") != period:
            continue
        in_period.append(t)
    released = [t for t in in_period if "release" in t.times]
    missing["release"] += len(in_period) - len(released)
    lodged = [t for t in in_period if "lodged" in t.times]
    segments = {}
    for name, start, end in SEGMENTS:
        spans = [t.times[end] - t.times[start] for t in in_period if start in t.times and end in t.times]
        segments[name] = summary(spans)
    groups: dict[str, dict[str, Any]] = {}
    for dimension in GROUPS:
        buckets: dict[str, list[int]] = defaultdict(list)
        for t in released:
            buckets[str(getattr(t, dimension)).lower()].append(_release_seconds(t))
        groups[dimension] = {value: summary(spans) for value, spans in sorted(buckets.items())}
    report: dict[str, Any] = {
        "standard": "WCO Time Release Study (guide v3, 2018): milestones from ledger entries",
        "jurisdiction": jurisdiction,
        "period": period,
        "block": block,
        "consignments": len(in_period),
        "excluded": {"missing_" + name: n for name, n in sorted(missing.items()) if n},
        "release_time_hours": summary([_release_seconds(t) for t in released]),
        "segments_hours": segments,
        "lodged_before_arrival_share": _share(sum(t.times["lodged"] < t.times["arrival"] for t in lodged), len(lodged)),
        "lodged_before_arrival_by_month": _monthly_share(lodged),
        "by_lane": _rates(in_period),
        "partner_control_recognised_share": _share(sum(t.partner_recognised for t in in_period), len(in_period)),
        "release_time_by": groups,
    }
    return {**report, "report_hash": "0x" + keccak(canonical_json(report)).hex()}
