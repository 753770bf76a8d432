"""Pre-arrival declarations, proven: did each declaration reach the ledger before the deadline
its kind and transport mode set? Pure functions over the entries, so a node and the offline
verifier reach the same answer from the same evidence.

What decides is what no declarant can bend: *order* by where the ledger wrote the entries
(block, then position), *lead time* by the declaration's block timestamp against the signed
event time of the loading, departure or arrival the deadline counts from. A declaration
mined after that event is an order violation whatever time it claims.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from evidence.event_types import EventType
from evidence.models import stated_part
from evidence.verify import OnChainRecord
from evidence.wco import GoodsDeclaration

DeclarationKind = Literal["entry_summary", "export", "import", "transit"]
TransportMode = Literal["sea_container", "sea_bulk", "short_sea", "rail", "road", "air"]
DECLARATION_FIELD = "bl:declaration"
HOUR = 3600


class DeclarationFacts(BaseModel):
    """What a DECLARATION entry states about itself, under ``bl:declaration`` in its payload."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: DeclarationKind
    mode: TransportMode
    declaredTo: str = Field(pattern=r"^[A-Z]{2}$")  # the customs jurisdiction it is lodged with
    reference: str | None = Field(default=None, max_length=64)  # e.g. the MRN customs gave it
    railShortFinalLeg: bool = False  # rail: the last train-formation station is under 2 h from entry
    airShortHaul: bool = False  # air: a flight of under 4 h
    # Parties and goods items (a WCO Data Model subset), for mirror comparison and statistics;
    # without them the declaration is document-only (its document attached as usual).
    goods: GoodsDeclaration | None = None


def declaration_facts(payload: Any) -> DeclarationFacts:
    """The facts a DECLARATION payload states; raises ValueError naming what is wrong."""
    missing = f"a DECLARATION states its kind and transport mode under '{DECLARATION_FIELD}'"
    return stated_part(payload, DECLARATION_FIELD, DeclarationFacts, missing)


@dataclass(frozen=True)
class Deadline:
    """How long before which event a declaration must be on the ledger."""

    lead_seconds: int
    counted_from: EventType  # LOADING, DEPARTING or ARRIVING
    source: str


@dataclass(frozen=True)
class DeadlineRules:
    """A versioned set of deadlines by declaration kind and transport mode."""

    version: str
    legal_source: str
    deadlines: dict[str, Deadline]  # "kind/mode[/variant]" → deadline

    def deadline(self, facts: DeclarationFacts) -> tuple[str, Deadline] | None:
        """The rule that applies to a declaration, with its name."""
        variant = ""
        if facts.mode == "rail" and facts.railShortFinalLeg:
            variant = "/short_final_leg"
        if facts.mode == "air":
            variant = "/short_haul" if facts.airShortHaul else "/long_haul"
        name = f"{facts.kind}/{facts.mode}{variant}"
        found = self.deadlines.get(name)
        return (name, found) if found else None


_ART_106 = "Commission Delegated Regulation (EU) 2015/2446, Art. 106(1)"
EU_ENTRY_SUMMARY_2021 = DeadlineRules(
    version="eu-ens-2015-2446-art106/1",
    legal_source=_ART_106 + ", entry summary declarations (ICS2)",
    deadlines={
        "entry_summary/sea_container": Deadline(24 * HOUR, EventType.LOADING, _ART_106 + "(a)(i)"),
        "entry_summary/sea_bulk": Deadline(4 * HOUR, EventType.ARRIVING, _ART_106 + "(a)(ii)"),
        "entry_summary/short_sea": Deadline(2 * HOUR, EventType.ARRIVING, _ART_106 + "(a)(iii)"),
        "entry_summary/rail": Deadline(2 * HOUR, EventType.ARRIVING, _ART_106 + "(d)"),
        "entry_summary/rail/short_final_leg": Deadline(1 * HOUR, EventType.ARRIVING, _ART_106 + "(d)"),
        "entry_summary/road": Deadline(1 * HOUR, EventType.ARRIVING, _ART_106 + "(e)"),
        "entry_summary/air/short_haul": Deadline(0, EventType.DEPARTING, _ART_106 + "(c)(i)"),
        "entry_summary/air/long_haul": Deadline(4 * HOUR, EventType.ARRIVING, _ART_106 + "(c)(ii)"),
    },
)
RULES = {r.version: r for r in (EU_ENTRY_SUMMARY_2021,)}
CURRENT_RULES = EU_ENTRY_SUMMARY_2021


@dataclass(frozen=True)
class TimedEntry:
    """An entry, where the ledger wrote it, and whether those facts were read from the chain."""

    seq: int
    event_type: EventType
    payload: Any  # parsed JSON, None when never published
    block: int | None
    position: int  # log index in its block
    block_time: int | None
    times_from_chain: bool


def _epoch(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(parsed.timestamp()) if parsed.tzinfo is not None else None


def _written(entry: TimedEntry) -> tuple[int, int, int]:
    return (entry.block if entry.block is not None else 2**63, entry.position, entry.seq)


def prove(declaration: TimedEntry, entries: list[TimedEntry], rules: DeadlineRules) -> dict[str, Any]:
    """The proof for one DECLARATION entry: status timely, late, order_violation, incomplete
    or not_applicable, with every figure it rests on."""
    proof: dict[str, Any] = {"seq": declaration.seq, "rules": rules.version}
    try:
        facts = declaration_facts(declaration.payload)
    except ValueError as why:
        return proof | {"status": "incomplete", "reason": str(why)}
    proof |= {"kind": facts.kind, "mode": facts.mode, "declared_to": facts.declaredTo}
    rule = rules.deadline(facts)
    if rule is None:
        return proof | {
            "status": "not_applicable",
            "reason": f"{rules.version} sets no deadline for this kind and mode",
        }
    name, deadline = rule
    proof["deadline"] = {
        "rule": name,
        "lead_seconds": deadline.lead_seconds,
        "counted_from": deadline.counted_from.value,
        "legal_source": deadline.source,
    }
    if declaration.block is None or declaration.block_time is None:
        return proof | {"status": "incomplete", "reason": "the declaration is not anchored yet"}
    proof["declared"] = {"block": declaration.block, "block_time": declaration.block_time}
    counted = next((e for e in entries if e.event_type is deadline.counted_from), None)
    if counted is None:
        return proof | {"status": "incomplete", "reason": f"no {deadline.counted_from.value} entry yet"}
    event_time = _epoch(counted.payload.get("eventTime") if isinstance(counted.payload, dict) else None)
    proof["counted_from"] = {"seq": counted.seq, "block": counted.block, "event_time": event_time}
    proof["times_from_chain"] = declaration.times_from_chain and counted.times_from_chain
    if counted.block is not None and _written(counted) < _written(declaration):
        return proof | {
            "status": "order_violation",
            "reason": f"the ledger wrote {deadline.counted_from.value} (seq {counted.seq}) before the declaration",
        }
    if event_time is None:
        return proof | {"status": "incomplete", "reason": f"seq {counted.seq} states no event time with a zone"}
    lead = event_time - declaration.block_time
    on_time = lead >= deadline.lead_seconds
    return proof | {
        "lead_seconds": lead,
        "status": "timely" if on_time else "late",
        "reason": f"on the ledger {lead} s before {deadline.counted_from.value}, {deadline.lead_seconds} s required",
    }


def prove_all(entries: list[TimedEntry], rules: DeadlineRules = CURRENT_RULES) -> list[dict[str, Any]]:
    """A proof for every DECLARATION entry of a consignment, in seq order."""
    ordered = sorted(entries, key=lambda e: e.seq)
    return [prove(e, ordered, rules) for e in ordered if e.event_type is EventType.DECLARATION]


class StatedEntry(Protocol):
    """What pre-arrival proofs read of an entry as a bundle states it."""

    seq: int
    event_type: EventType
    leaf_index: int | None
    block_number: int
    log_index: int
    block_time: int | None


def timed_entries(
    entries: Sequence[StatedEntry], payloads: Sequence[Any], records: Mapping[int, OnChainRecord]
) -> list[TimedEntry]:
    """Entries (with their parsed payloads) and where the ledger wrote them: from the chain's
    records where a node was asked (single entries), else as the entries state it."""
    out = []
    for e, payload in zip(entries, payloads, strict=True):
        record = records.get(e.seq) if e.leaf_index is None else None
        if record is not None:
            out.append(
                TimedEntry(e.seq, e.event_type, payload, record.block_number, e.log_index, record.timestamp, True)
            )
        else:
            out.append(TimedEntry(e.seq, e.event_type, payload, e.block_number, e.log_index, e.block_time, False))
    return out
