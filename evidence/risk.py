"""Explainable risk lanes: a rule set the customs majority adopted, evaluated deterministically
(integers only, ledger state as of one block) into a lane, a score and the rules that fired
with the entries that fired them. Pure functions: two nodes given the same facts return the
same bytes.

The rules are transparent facilitation rules a consortium can agree on; each kind reads one
fact of the evidence. A rule adds its weight to the score when it fires (negative weights
facilitate), or forces a lane whatever the score (a seal mismatch forces red).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from evidence.canonical import canonical_json, payload_hash
from evidence.event_types import EventType
from evidence.mirror import Severity, compare, export_and_import, stated_goods
from evidence.recognition import LedgerEvent, control_of
from evidence.types import to_hex

MONTH = 30 * 86400  # a month of the rules, in seconds (integer arithmetic throughout)
Lane = Literal["green", "yellow", "red"]


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1, max_length=64, pattern=r"^[a-z0-9_]+$")
    weight: int = Field(default=0, ge=-1000, le=1000)
    force: Lane | None = None


class AeoRecognised(_Rule):
    kind: Literal["aeo_recognised"]  # the exporter holds a certificate the evaluating customs recognises


class AeoSuspendedOrRevoked(_Rule):
    kind: Literal["aeo_suspended_or_revoked"]


class PreArrival(_Rule):
    kind: Literal["pre_arrival"]  # a declaration with this pre-arrival status
    status: Literal["timely", "late", "order_violation", "incomplete"]


class DeclarationMissing(_Rule):
    kind: Literal["declaration_missing"]


class SealMismatch(_Rule):
    kind: Literal["seal_mismatch"]  # seals found differ from those expected, or from those at loading


class HandoverWithoutSealCheck(_Rule):
    kind: Literal["handover_without_seal_check"]  # fires once per such handover


class HandoversSealed(_Rule):
    kind: Literal["handovers_sealed"]  # at least one handover, each followed by a seal verification


class RequiredDocuments(_Rule):
    kind: Literal["required_documents_missing"]
    documents: list[str] = Field(min_length=1, max_length=16)


class PartnerControlRecognised(_Rule):
    kind: Literal["partner_control_recognised"]  # a partner's conformant control the customs recognises


class NonConformantHistory(_Rule):
    kind: Literal["trader_non_conformant_results"]  # weight per result in the window, up to cap
    months: int = Field(ge=1, le=60)
    cap: int = Field(ge=0, le=1000)


class CleanHistory(_Rule):
    kind: Literal["clean_history"]
    months: int = Field(ge=1, le=60)
    min_consignments: int = Field(ge=1, le=1000)


class MirrorDiscrepancy(_Rule):
    kind: Literal["mirror_discrepancy"]  # the import declaration differs from the export one (evidence.mirror)
    severity: Literal["minor", "major", "critical"] = "critical"  # at this severity or worse


RiskRule = Annotated[
    AeoRecognised
    | AeoSuspendedOrRevoked
    | PreArrival
    | DeclarationMissing
    | SealMismatch
    | HandoverWithoutSealCheck
    | HandoversSealed
    | RequiredDocuments
    | PartnerControlRecognised
    | NonConformantHistory
    | CleanHistory
    | MirrorDiscrepancy,
    Field(discriminator="kind"),
]


class RuleSet(BaseModel):
    """A risk rule set as proposed: its text (canonical JSON) is what the chain hashes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=128)
    base: int = Field(ge=0, le=1000)
    yellow_from: int = Field(ge=0, le=10000)  # score at which the lane is at least yellow
    red_from: int = Field(ge=0, le=10000)
    rules: list[RiskRule] = Field(min_length=1, max_length=64)

    def text(self) -> bytes:
        """The canonical bytes the chain anchors (by keccak-256)."""
        return canonical_json(self.model_dump(mode="json", exclude_none=True))


@dataclass(frozen=True)
class RiskFacts:
    """Everything a rule may read, as of one block, gathered by a node (or any verifier)."""

    by: str
    block: int
    block_time: int
    entries: list[LedgerEvent]  # the consignment's entries written by the block evaluated
    pre_arrival: list[dict[str, Any]]  # evidence.prearrival proofs
    certificates: list[tuple[str, bool, str]]  # (number, recognised by `by`, reason)
    recognitions: list[dict[str, Any]]  # evidence.recognition answers for `by`
    documents: list[tuple[int, str]]  # (seq, document type) attached
    history: list[tuple[str, int, str, int]] = field(default_factory=list)  # (consignment, seq, result, end time)
    history_consignments: list[tuple[str, int]] = field(default_factory=list)  # (consignment, opened at)


def _seal_check(fact: LedgerEvent) -> bool:
    control = control_of(fact)
    return fact.event_type is EventType.SEAL_VERIFIED or (control is not None and control.controlType == "seal_check")


def _loading_seals(facts: RiskFacts) -> list[str] | None:
    for fact in facts.entries:
        if fact.event_type is EventType.LOADING and isinstance(fact.payload, dict):
            seals = fact.payload.get("bl:seals")
            if isinstance(seals, list) and all(isinstance(s, str) for s in seals):
                return sorted(seals)
    return None


Outcome = tuple[int, list[dict[str, Any]], str] | None  # (times fired, entries that fired it, detail)


def _aeo_recognised(rule: Any, facts: RiskFacts) -> Outcome:
    held = [n for n, recognised, _ in facts.certificates if recognised]
    return (1, [], f"certificate {held[0]} recognised by {facts.by}") if held else None


def _aeo_suspended_or_revoked(rule: Any, facts: RiskFacts) -> Outcome:
    bad = [f"{n} ({why})" for n, _, why in facts.certificates if why in ("suspended", "revoked")]
    return (1, [], "certificate " + ", ".join(bad)) if bad else None


def _pre_arrival(rule: Any, facts: RiskFacts) -> Outcome:
    hits = [p for p in facts.pre_arrival if p["status"] == rule.status]
    return (1, [{"seq": p["seq"]} for p in hits], f"{len(hits)} declaration(s) {rule.status}") if hits else None


def _declaration_missing(rule: Any, facts: RiskFacts) -> Outcome:
    declared = any(f.event_type is EventType.DECLARATION for f in facts.entries)
    return None if declared else (1, [], "no declaration on the ledger by this block")


def _seal_mismatch(rule: Any, facts: RiskFacts) -> Outcome:
    loading = _loading_seals(facts)
    hits = []
    for fact in facts.entries:
        control = control_of(fact)
        if control is None or control.controlType != "seal_check":
            continue
        found = sorted(control.sealsFound)
        if found != sorted(control.sealsExpected) or (loading is not None and found != loading):
            hits.append({"seq": fact.seq})
    return (1, hits, "seals found differ from those expected or loaded") if hits else None


def _unsealed_handovers(facts: RiskFacts) -> tuple[list[LedgerEvent], list[LedgerEvent]]:
    handovers = [f for f in facts.entries if f.event_type is EventType.HANDOVER]
    bare = [h for h in handovers if not any(_seal_check(f) and f.seq > h.seq for f in facts.entries)]
    return handovers, bare


def _handover_without_seal_check(rule: Any, facts: RiskFacts) -> Outcome:
    _, bare = _unsealed_handovers(facts)
    return (len(bare), [{"seq": h.seq} for h in bare], "handover(s) with no seal check after") if bare else None


def _handovers_sealed(rule: Any, facts: RiskFacts) -> Outcome:
    handovers, bare = _unsealed_handovers(facts)
    if handovers and not bare:
        return 1, [{"seq": h.seq} for h in handovers], "every handover followed by a seal check"
    return None


def _required_documents(rule: Any, facts: RiskFacts) -> Outcome:
    attached = {t for _, t in facts.documents}
    missing = [d for d in rule.documents if d not in attached]
    return (1, [], "missing: " + ", ".join(missing)) if missing else None


def _partner_control_recognised(rule: Any, facts: RiskFacts) -> Outcome:
    hits = [
        {"seq": r["seq"]}
        for r in facts.recognitions
        if r["recognised"] and r["reason"] == "recognised_under_mra" and r["result"] == "conformant"
    ]
    return (1, hits, f"partner control(s) recognised by {facts.by}") if hits else None


def _mirror_discrepancy(rule: Any, facts: RiskFacts) -> Outcome:
    """Fires once per discrepancy at ``rule.severity`` or worse between the latest export and
    import declarations stating goods (by the block evaluated)."""
    export, imported = export_and_import(stated_goods((f.seq, f.event_type, f.payload) for f in facts.entries))
    if export is None or imported is None:
        return None
    order = [s.value for s in Severity]
    found = [d for d in compare(export.goods, imported.goods) if order.index(d.severity) >= order.index(rule.severity)]
    hits = [{"seq": imported.seq, "code": d.code, "item": d.item} for d in found]
    return (len(hits), hits, f"{len(hits)} mirror discrepancies ({rule.severity} or worse)") if hits else None


def _non_conformant(facts: RiskFacts, months: int) -> list[tuple[str, int, str, int]]:
    since = facts.block_time - months * MONTH
    return [h for h in facts.history if h[2] == "non_conformant" and h[3] >= since]


def _non_conformant_history(rule: Any, facts: RiskFacts) -> Outcome:
    bad = _non_conformant(facts, rule.months)
    entries = [{"consignment": c, "seq": s} for c, s, _, _ in bad]
    return (len(bad), entries, f"{len(bad)} non-conformant result(s) in {rule.months} months") if bad else None


def _clean_history(rule: Any, facts: RiskFacts) -> Outcome:
    since = facts.block_time - rule.months * MONTH
    opened = [c for c, at in facts.history_consignments if at >= since]
    if _non_conformant(facts, rule.months) or len(opened) < rule.min_consignments:
        return None
    return 1, [], f"{len(opened)} consignments in {rule.months} months, no non-conformant result"


_KINDS = {
    "aeo_recognised": _aeo_recognised,
    "aeo_suspended_or_revoked": _aeo_suspended_or_revoked,
    "pre_arrival": _pre_arrival,
    "declaration_missing": _declaration_missing,
    "seal_mismatch": _seal_mismatch,
    "handover_without_seal_check": _handover_without_seal_check,
    "handovers_sealed": _handovers_sealed,
    "required_documents_missing": _required_documents,
    "partner_control_recognised": _partner_control_recognised,
    "trader_non_conformant_results": _non_conformant_history,
    "clean_history": _clean_history,
    "mirror_discrepancy": _mirror_discrepancy,
}


def evaluate(rule_set: RuleSet, version: int, facts: RiskFacts) -> dict[str, Any]:
    """The lane, score and explanation for ``facts`` under ``rule_set`` (adopted as ``version``)."""
    score = rule_set.base
    forced: Lane | None = None
    fired = []
    for rule in rule_set.rules:
        outcome = _KINDS[rule.kind](rule, facts)
        if outcome is None:
            continue
        times, entries, detail = outcome
        weight = rule.weight * times
        if isinstance(rule, NonConformantHistory):
            weight = max(-rule.cap, min(rule.cap, weight))
        score += weight
        if rule.force == "red" or (rule.force == "yellow" and forced != "red"):
            forced = rule.force
        fired.append(
            {
                "rule": rule.id,
                "kind": rule.kind,
                "weight": weight,
                "force": rule.force,
                "entries": entries,
                "detail": detail,
            }
        )
    lane: Lane = "red" if score >= rule_set.red_from else "yellow" if score >= rule_set.yellow_from else "green"
    order = {"green": 0, "yellow": 1, "red": 2}
    if forced is not None and order[forced] > order[lane]:
        lane = forced
    result = {
        "lane": lane,
        "score": score,
        "ruleset": {"version": version, "name": rule_set.name, "text_hash": to_hex(payload_hash(rule_set.text()))},
        "by": facts.by,
        "block": facts.block,
        "block_time": facts.block_time,
        "fired": fired,
    }
    return result | {"result_hash": to_hex(payload_hash(canonical_json(result)))}
