"""Data-driven customs: mirror comparison of a consignment's export and import declarations,
mirror statistics, and the time-release benchmark — each computed from the ledger as of a
block (the decisions are ``evidence.mirror`` and ``evidence.time_release``)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict, defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from api.index.rows import ConsignmentRow, EntryStatus, Participant, StoredEntry
from api.services.consignments import ConsignmentsService
from api.services.controls import ControlsService
from api.services.errors import NotFound
from api.services.members import MembersService
from api.services.node import Node
from chain.report_anchors import ReportAnchorsClient, report_id
from evidence.errors import LedgerValueError, RuleViolation
from evidence.mirror import (
    RATES,
    TOLERANCES,
    Severity,
    StatedGoods,
    compare,
    export_and_import,
    fob_and_cif,
    stated_goods,
)
from evidence.recognition import LedgerEvent, MraView, recognise
from evidence.roles import Role
from evidence.time_release import ConsignmentFacts, LedgerFact, benchmark


def declarations_of(row: ConsignmentRow, entries: list[StoredEntry]) -> tuple[StatedGoods | None, StatedGoods | None]:
    """The consignment's latest export declaration lodged with its origin and import
    declaration lodged with its destination."""
    stated = stated_goods((e.seq, e.event_type, json.loads(e.payload)) for e in entries)
    return export_and_import(stated, row.origin, row.destination)


class TradeDataService:
    """Mirror comparison, mirror statistics and the time-release benchmark."""

    def __init__(
        self, node: Node, members: MembersService, consignments: ConsignmentsService, controls: ControlsService
    ) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self.controls = controls
        # Reports by (kind, jurisdiction, period, block): the dashboard draws four charts from one.
        self._cache: OrderedDict[tuple[str, str, str | None, int], dict[str, Any]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def _cached(self, key: tuple[str, str, str | None, int], compute: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        with self._cache_lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = compute()
        with self._cache_lock:
            self._cache[key] = value
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        return value

    def _require_customs_of(self, caller: Participant, jurisdictions: set[str], what: str) -> None:
        view = self.members.view_of(caller)
        if view.holds(Role.AUDITOR):
            return
        if not view.holds(Role.CUSTOMS) or view.jurisdiction not in jurisdictions:
            raise RuleViolation(
                "TradeDataAccess", f"{what} is for customs of {', '.join(sorted(jurisdictions))} and auditors"
            )

    # --- mirror comparison ----------------------------------------------------------------

    def mirror(self, caller: Participant, reference: str) -> dict[str, Any]:
        """The consignment's export declaration against its import declaration."""
        row, _, _ = self.consignments.readable(caller, reference)
        self._require_customs_of(caller, {row.origin, row.destination}, "a mirror comparison")
        entries = self.node.index.entries_of(row.id)
        export, imported = declarations_of(row, entries)
        hashes = {e.seq: e.entry_hash for e in entries}
        answer: dict[str, Any] = {
            "consignment": row.reference,
            "consignment_id": row.id,
            "tolerances": TOLERANCES.version,
            "rates": RATES.version,
            "export": _declared(export, hashes),
            "import": _declared(imported, hashes),
        }
        if export is None or imported is None:
            missing = "export" if export is None else "import"
            return answer | {"compared": False, "reason": f"no structured {missing} declaration yet"}
        times = (export.time, imported.time)
        transit = int((times[1] - times[0]).total_seconds()) if times[0] and times[1] else None
        found = compare(export.goods, imported.goods, transit, export.facts.mode)
        worst = max((d.severity for d in found), key=list(Severity).index, default=None)
        return answer | {
            "compared": True,
            "highest_severity": worst.value if worst else None,
            "discrepancies": [d.to_json() for d in found],
        }

    # --- mirror statistics ----------------------------------------------------------------

    def statistics(self, caller: Participant, jurisdiction: str, month: str | None) -> dict[str, Any]:
        """By HS6, partner and month, for consignments leaving or entering ``jurisdiction``:
        declared export and import values and quantities, the asymmetry ratio, discrepancies."""
        self._require_customs_of(caller, {jurisdiction}, "mirror statistics")
        at = int(self.node.chain.w3.eth.block_number)
        return self._cached(("statistics", jurisdiction, month, at), lambda: self._statistics(jurisdiction, month))

    def _statistics(self, jurisdiction: str, month: str | None) -> dict[str, Any]:
        rows: dict[tuple[str, str, str, str], dict[str, Any]] = defaultdict(
            lambda: {
                "export_value": Decimal(0),
                "import_value": Decimal(0),
                "export_quantity": Decimal(0),
                "import_quantity": Decimal(0),
                "consignments": 0,
                "discrepancies": 0,
                "critical": 0,
            }
        )
        for row in self.node.index.candidate_consignments("", None, everything=True):
            if jurisdiction not in (row.origin, row.destination):
                continue
            export, imported = declarations_of(row, self.node.index.entries_of(row.id))
            if export is None or imported is None or export.time is None:
                continue
            period = export.time.astimezone(UTC).strftime("%Y-%m")
            if month is not None and period != month:
                continue
            flow = "export" if row.origin == jurisdiction else "import"
            partner = row.destination if flow == "export" else row.origin
            found = compare(export.goods, imported.goods)
            by_item = defaultdict(list)
            for d in found:
                by_item[d.item].append(d)
            imported_items = {i.sequence: i for i in imported.goods.items}
            for item in export.goods.items:
                other = imported_items.get(item.sequence)
                key = (item.hsCode[:6], partner, period, flow)
                bucket = rows[key]
                bucket["consignments"] += 1
                bucket["export_value"] += fob_and_cif(item, RATES)[0]
                bucket["export_quantity"] += item.quantity
                if other is not None:
                    bucket["import_value"] += fob_and_cif(other, RATES)[0]
                    bucket["import_quantity"] += other.quantity
                bucket["discrepancies"] += len(by_item[item.sequence])
                bucket["critical"] += sum(d.severity is Severity.CRITICAL for d in by_item[item.sequence])
        out = []
        for (hs6, partner, period, flow), b in sorted(rows.items()):
            ratio = (b["import_value"] / b["export_value"]).quantize(Decimal("0.0001")) if b["export_value"] else None
            out.append(
                {
                    "hs6": hs6,
                    "chapter": hs6[:2],
                    "partner": partner,
                    "month": period,
                    "flow": flow,
                    "consignments": b["consignments"],
                    "export_value": str(b["export_value"].quantize(Decimal("0.01"))),
                    "import_value": str(b["import_value"].quantize(Decimal("0.01"))),
                    "export_quantity": str(b["export_quantity"]),
                    "import_quantity": str(b["import_quantity"]),
                    "asymmetry_ratio": str(ratio) if ratio is not None else None,
                    "discrepancies": b["discrepancies"],
                    "critical": b["critical"],
                }
            )
        return {
            "jurisdiction": jurisdiction,
            "month": month,
            "currency": RATES.base,
            "rates": RATES.version,
            "tolerances": TOLERANCES.version,
            "rows": out,
        }

    # --- the time-release benchmark ---------------------------------------------------------

    def time_release(
        self, caller: Participant, jurisdiction: str, period: str | None, block: int | None
    ) -> dict[str, Any]:
        """The WCO TRS indicators of ``jurisdiction``'s customs from the entries anchored by
        ``block`` (default the latest) and the registries as they stood then."""
        self._require_customs_of(caller, {jurisdiction}, "the time-release benchmark")
        at, time = self.controls.block_and_time(block)
        report = self._cached(
            ("time-release", jurisdiction, period, at), lambda: self._time_release(jurisdiction, period, at, time)
        )
        return {**report, "anchor": self._anchor_of(jurisdiction, period, at)}

    def anchor_time_release(
        self, caller: Participant, jurisdiction: str, period: str | None, block: int | None
    ) -> dict[str, Any]:
        """Customs of ``jurisdiction`` anchor the hash of its report at ``block`` in ReportAnchors."""
        view = self.members.view_of(caller)
        if not view.holds(Role.CUSTOMS):
            raise RuleViolation("ReportAnchorsNotCustoms", "only an active customs administration anchors reports")
        self._require_customs_of(caller, {jurisdiction}, "anchoring this report")
        anchors = self._report_anchors()
        report = self.time_release(caller, jurisdiction, period, block)
        identifier = report_id("time-release", jurisdiction, period, report["block"])
        if anchors.anchor_of(identifier).anchored_at:
            raise RuleViolation("ReportAnchorsAlreadyAnchored", "this report is anchored already")
        digest = bytes.fromhex(report["report_hash"][2:])
        receipt = anchors.anchor(self.members.account(caller), identifier, digest, report["block"])
        return {**report, "anchor": self._anchor_of(jurisdiction, period, report["block"]), "tx_hash": receipt.tx_hash}

    def _report_anchors(self) -> ReportAnchorsClient:
        anchors = self.node.chain.report_anchors
        if anchors is None:
            raise NotFound("this deployment has no ReportAnchors")
        return anchors

    def _anchor_of(self, jurisdiction: str, period: str | None, at: int) -> dict[str, Any] | None:
        anchors = self.node.chain.report_anchors
        if anchors is None:
            return None
        anchored = anchors.anchor_of(report_id("time-release", jurisdiction, period, at))
        if not anchored.anchored_at:
            return None
        return {
            "report_hash": anchored.report_hash,
            "at_block": anchored.at_block,
            "anchored_at": anchored.anchored_at,
            "anchored_by": anchored.anchored_by,
        }

    def _time_release(self, jurisdiction: str, period: str | None, at: int, time: int) -> dict[str, Any]:
        mras = self.controls.mra_views(at)  # the registry as it stood then
        jurisdictions = {p.address: p.jurisdiction for p in self.node.index.participants()}
        certified: dict[str, bool] = {}
        facts = []
        for row in self.node.index.candidate_consignments("", None, everything=True):
            if jurisdiction not in (*row.transit, row.destination) or row.block_number > at:
                continue
            anchored = [
                e
                for e in self.node.index.entries_of(row.id, EntryStatus.ANCHORED)
                if e.location is not None and e.location.block_number <= at
            ]
            entries = tuple(
                LedgerFact(e.event_type.value, jurisdictions.get(e.actor), json.loads(e.payload)) for e in anchored
            )
            events = [
                LedgerEvent(e.seq, e.event_type, f.payload, e.location.block_number, e.location.log_index)
                for e, f in zip(anchored, entries, strict=True)
                if e.location is not None
            ]
            recognised = any(
                c["recognised"] and c["authority"]["country"] != jurisdiction
                for c in recognise(jurisdiction, events, mras, at, time)
            )
            facts.append(
                ConsignmentFacts(
                    row.id,
                    row.reference,
                    (row.origin, *row.transit, row.destination),
                    entries,
                    aeo=self._certified(row.exporter, jurisdiction, at, certified),
                    mra={jurisdiction: _mra_active(mras, jurisdiction, row.origin, time)},
                    partner_recognised={jurisdiction: recognised},
                )
            )
        return benchmark(facts, jurisdiction, period, at)

    def _certified(self, holder: str, by: str, at: int, cache: dict[str, bool]) -> bool:
        """Whether ``holder`` held an AEO certificate customs of ``by`` recognised at block ``at``."""
        aeo = self.node.chain.aeo
        if holder not in cache:
            numbers = aeo.certificates_of(holder, at) if aeo is not None else []
            cache[holder] = any(aeo.recognised_at_block(n, by, at).recognised for n in numbers) if aeo else False
        return cache[holder]


def _mra_active(mras: list[MraView], one: str, other: str, time: int) -> bool:
    return any(
        {m.proposer, m.partner} == {one, other}
        and 0 < m.accepted_at <= time
        and (m.terminated_at == 0 or m.terminated_at > time)
        and m.valid_until >= time
        for m in mras
    )


def _declared(declaration: StatedGoods | None, hashes: dict[int, str]) -> dict[str, Any] | None:
    if declaration is None:
        return None
    return {
        "seq": declaration.seq,
        "entry_hash": hashes[declaration.seq],
        "declared_to": declaration.facts.declaredTo,
        "reference": declaration.facts.reference,
        "items": len(declaration.goods.items),
    }


def check_month(month: str | None) -> str | None:
    """``YYYY-MM`` or None; LedgerValueError naming the parameter otherwise."""
    if month is None:
        return None
    try:
        datetime.strptime(month, "%Y-%m")
    except ValueError:
        raise LedgerValueError(f"period: {month!r} is not a month (YYYY-MM)") from None
    return month
