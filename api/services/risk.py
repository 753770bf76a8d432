"""Risk rule sets (proposed and adopted on chain by the customs majority, text in the content
store) and the lanes they give a consignment as of a block; the decision itself is
``evidence.risk``'s, from facts this node reads from the chain and its index."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from api.index.rows import ConsignmentRow, EntryStatus, Participant
from api.services.appends import AppendsService
from api.services.consignments import ConsignmentsService
from api.services.controls import ControlsService
from api.services.errors import Conflict, NotFound
from api.services.members import MembersService
from api.services.node import Node
from chain.rulesets import RiskRuleSetsClient
from content.store import ContentIntegrityError, ContentNotFound
from evidence.canonical import payload_hash
from evidence.controls import control_result_of
from evidence.documents import document_in
from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.prearrival import TimedEntry, prove_all
from evidence.recognition import LedgerEvent
from evidence.risk import RiskFacts, RuleSet, evaluate
from evidence.roles import Role
from evidence.types import to_hex


class RiskService:
    """Rule sets, risk results and lanes."""

    def __init__(
        self,
        node: Node,
        members: MembersService,
        consignments: ConsignmentsService,
        appends: AppendsService,
        controls: ControlsService,
    ) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self.appends = appends
        self.controls = controls

    @property
    def rule_sets(self) -> RiskRuleSetsClient:
        found = self.node.chain.rule_sets
        if found is None:
            raise NotFound("this deployment has no RiskRuleSets contract")
        return found

    # --- rule sets --------------------------------------------------------------------

    def _require_customs(self, caller: Participant) -> None:
        if not self.members.view_of(caller).holds(Role.CUSTOMS):
            raise RuleViolation("RiskRuleSetsNotCustoms", "only customs administrations propose and approve rule sets")

    def propose(self, caller: Participant, rule_set: RuleSet) -> dict[str, Any]:
        """Store the rule set's text and propose it on chain (the proposer approves it)."""
        self._require_customs(caller)
        text = rule_set.text()
        stored = self.node.store.add(text)
        version, _ = self.rule_sets.propose(self.members.account(caller), bytes(payload_hash(text)), stored.cid_v0)
        return self.rule_set(version)

    def approve(self, caller: Participant, version: int) -> dict[str, Any]:
        """Approve a proposed version; the customs majority adopts it."""
        self._require_customs(caller)
        self.rule_set(version)  # an unknown version is 404 before anything is sent
        self.rule_sets.approve(self.members.account(caller), version)
        return self.rule_set(version)

    def rule_set(self, version: int, block: int | None = None) -> dict[str, Any]:
        """A version as the chain holds it, with its text (checked against the anchored hash)."""
        if not 1 <= version <= self.rule_sets.count():
            raise NotFound(f"no rule set has version {version}")
        anchored = self.rule_sets.rule_set(version, block)
        return anchored | {"rules": self._text(anchored).model_dump(mode="json", exclude_none=True)}

    def versions(self) -> dict[str, Any]:
        """Every version, and the one in force."""
        versions = [self.rule_sets.rule_set(v) for v in range(1, self.rule_sets.count() + 1)]
        return {"current": self.rule_sets.current() or None, "versions": versions}

    def _text(self, anchored: dict[str, Any]) -> RuleSet:
        try:
            text = self.node.store.cat(anchored["cid"])
        except (ContentNotFound, ContentIntegrityError) as exc:
            raise Conflict(f"rule set {anchored['version']}: its text is not available here ({exc})") from exc
        if to_hex(payload_hash(text)) != anchored["text_hash"]:
            raise Conflict(f"rule set {anchored['version']}: the stored text is not the one the chain anchors")
        return RuleSet.model_validate(json.loads(text))

    # --- risk -------------------------------------------------------------------------

    def risk(
        self, caller: Participant, reference: str, by: str, block: int | None = None, version: int | None = None
    ) -> dict[str, Any]:
        """The consignment's lane for customs of ``by`` as of ``block`` (default: the latest),
        under ``version`` (default: the one in force at that block). Customs of ``by`` and
        auditors may ask; a trader never sees its own risk score."""
        view = self.members.view_of(caller)
        if not (view.holds(Role.AUDITOR) or (view.holds(Role.CUSTOMS) and view.jurisdiction == by)):
            raise RuleViolation(
                "RiskAssessmentAccess", f"risk results for {by} are for customs of {by} and auditors only"
            )
        row, _, _ = self.consignments.readable(caller, reference)
        at, time = self.controls.block_and_time(block)
        chosen = version or self.rule_sets.current(at)
        if not chosen:
            raise Conflict(f"no risk rule set was adopted by block {at}")
        anchored = self.rule_sets.rule_set(chosen, at)
        if anchored["adopted_block"] is None:
            raise Conflict(f"rule set {chosen} was not adopted by block {at}")
        return evaluate(self._text(anchored), chosen, self._facts(row, by, at, time))

    def _facts(self, row: ConsignmentRow, by: str, at: int, time: int) -> RiskFacts:
        written = [
            (e, where)
            for e in self.node.index.entries_of(row.id, EntryStatus.ANCHORED)
            if (where := e.location) is not None and where.block_number <= at
        ]
        payloads = [json.loads(e.payload) for e, _ in written]
        events = [
            LedgerEvent(e.seq, e.event_type, p, where.block_number, where.log_index)
            for (e, where), p in zip(written, payloads, strict=True)
        ]
        timed = [
            TimedEntry(e.seq, e.event_type, p, where.block_number, where.log_index, where.block_time, True)
            for (e, where), p in zip(written, payloads, strict=True)
        ]
        documents = [
            (e.seq, ref.document_type.value)
            for e, p in zip(events, payloads, strict=True)
            if e.event_type is EventType.DOCUMENT_ATTACHED and isinstance(p, dict) and (ref := document_in(p))
        ]
        history, opened = self._history(row, at)
        return RiskFacts(
            by=by,
            block=at,
            block_time=time,
            entries=events,
            pre_arrival=prove_all(timed),
            certificates=self._certificates(row, by, at),
            recognitions=self.controls.recognitions(row, by, at, time, events),
            documents=documents,
            history=history,
            history_consignments=opened,
        )

    def _certificates(self, row: ConsignmentRow, by: str, at: int) -> list[tuple[str, bool, str]]:
        """The exporter's certificates issued by ``at``, and whether ``by`` recognised each then."""
        aeo = self.node.chain.aeo
        if aeo is None:
            return []
        answers = [
            (number, aeo.recognised_at_block(number, by, at)) for number in aeo.certificates_of(row.exporter, at)
        ]
        return [(number, a.recognised, a.reason.name.lower()) for number, a in answers]

    def _history(self, row: ConsignmentRow, at: int) -> tuple[list[tuple[str, int, str, int]], list[tuple[str, int]]]:
        """The exporter's other consignments opened by ``at``, and their control results."""
        results: list[tuple[str, int, str, int]] = []
        opened: list[tuple[str, int]] = []
        for other in self.node.index.consignments_of_exporter(row.exporter):
            if other.id == row.id or other.block_number > at:
                continue
            opened.append((other.id, int(self.node.chain.w3.eth.get_block(other.block_number)["timestamp"])))
            for e in self.node.index.entries_of(other.id, EntryStatus.ANCHORED):
                if e.event_type is not EventType.CONTROL_RESULT or e.location is None or e.location.block_number > at:
                    continue
                control = control_result_of(json.loads(e.payload))
                if control is not None:
                    results.append((other.id, e.seq, control.result, int(control.endTime.timestamp())))
        return results, opened

    # --- lanes ------------------------------------------------------------------------

    def assign_lane(self, caller: Participant, reference: str, override: dict[str, Any] | None) -> dict[str, Any]:
        """Record the lane customs of the caller's jurisdiction apply (a LANE_ASSIGNED entry):
        the lane the adopted rules give now, or the caller's own choice (``override``:
        lane, kind random|confidential, reason), whose reason is kept as a hash only."""
        if override is None:
            result = self.risk(caller, reference, caller.jurisdiction)
            lane = {"lane": result["lane"], "rulesetVersion": result["ruleset"]["version"]}
            lane["resultHash"] = result["result_hash"]
        else:
            result = None
            reason_hash = "0x" + hashlib.sha256(str(override["reason"]).encode()).hexdigest()
            lane = {"lane": override["lane"], "override": {"kind": override["kind"], "reasonHash": reason_hash}}
        payload = {
            "type": "ObjectEvent",
            "action": "OBSERVE",
            "bizStep": "inspecting",
            "eventTime": _now_rfc3339(),
            "eventTimeZoneOffset": "+00:00",
            "bl:lane": lane,
        }
        entry = self.appends.append_event(caller, reference, EventType.LANE_ASSIGNED, payload, None)
        return {"entry": entry, "lane": lane, "risk": result}


def _now_rfc3339() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
