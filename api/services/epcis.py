"""EPCIS capture (documents in, one ledger entry per event), export and query."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from api.epcis.hashing import DEFAULT_CONTEXT, HashUnavailable, event_hash_id, event_hash_ids
from api.epcis.validate import require_valid
from api.index.rows import ConsignmentRow, Participant
from api.services.appends import AppendsService
from api.services.consignments import ConsignmentsService
from api.services.members import MembersService
from api.services.node import Node
from evidence.canonical import canonical_json, payload_hash
from evidence.errors import LedgerValueError, RuleViolation
from evidence.event_types import EventType

BL_NAMESPACE = "urn:borderledger:ns:"
_BIZSTEP_PREFIXES = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "https://gs1.org/voc/Bizstep-")
_DISP_PREFIXES = ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-", "https://gs1.org/voc/Disp-")
# The ledger event type an EPCIS business step becomes, when the caller may append it;
# anything else is recorded as OBSERVED (any party of the consignment may append that).
BIZSTEP_EVENT_TYPES = {
    "loading": EventType.LOADING,
    "departing": EventType.DEPARTING,
    "arriving": EventType.ARRIVING,
    "unloading": EventType.UNLOADING,
    "receiving": EventType.DELIVERY,
    "inspecting": EventType.INSPECTED,
    "holding": EventType.HELD,
}


def bare(value: str | None, prefixes: tuple[str, ...]) -> str | None:
    """A CBV value without its URN or web-vocabulary prefix ("loading")."""
    if value is None:
        return None
    for prefix in prefixes:
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


def events_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The events of an EPCISDocument or an EPCISQueryDocument."""
    body = document.get("epcisBody", {})
    if "eventList" in body:
        return list(body["eventList"])
    if "event" in body:
        return [body["event"]]
    results = body.get("queryResults", {}).get("resultsBody", {})
    return list(results.get("eventList", []))


class EpcisService:
    """Capture, export and query in EPCIS 2.0 over the ledger."""

    def __init__(
        self, node: Node, members: MembersService, consignments: ConsignmentsService, appends: AppendsService
    ) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self.appends = appends

    # --- capture --------------------------------------------------------------------

    def capture(self, caller: Participant, document: Any, consignment: str | None) -> dict[str, Any]:
        """Validate the whole document, plan every event, then append; nothing is appended
        unless every event is valid, mapped to a consignment and allowed for the caller."""
        require_valid(document)
        self.members.account(caller)  # captured events are signed with the caller's custodial key
        context = document.get("@context")
        events = events_of(document)
        if not events:
            raise LedgerValueError("the document has no events")
        plan = []
        seen: set[tuple[str, str]] = set()
        for index, event in enumerate(events):
            named = self.consignments.readable(caller, consignment)[0] if consignment else self._match(caller, event)
            if named is None:
                raise LedgerValueError(
                    f"event {index}: no consignment you may read matches its bizTransactionList; "
                    "give ?consignment=REFERENCE (or its id)"
                )
            reference = named.id
            try:
                hash_id: str | None = event_hash_id(context, event)
                hash_error = None
            except HashUnavailable as exc:
                hash_id, hash_error = None, f"the reference algorithm cannot hash this event ({exc})"
            key = hash_id or "payload:0x" + payload_hash(canonical_json(event)).hex()
            # Per consignment: capturing an event into one's own consignment first must not make
            # its capture into another's a "duplicate" that is never anchored there.
            duplicate = self._captured(reference, key) is not None or (reference, key) in seen
            seen.add((reference, key))
            # Checked for duplicates too: only who may write to the consignment learns what it holds.
            event_type = self._event_type(caller, reference, event, index)
            plan.append((index, event, named, hash_id, hash_error, key, duplicate, event_type))

        results = []
        for index, event, named, hash_id, hash_error, key, duplicate, event_type in plan:
            reference = named.id
            if duplicate:
                previous = self._captured(reference, key)
                results.append(
                    {
                        "event": index,
                        "status": "duplicate",
                        "hash_id": hash_id,
                        "consignment": named.reference,
                        "consignment_id": named.id,
                        "seq": previous["seq"] if previous else None,  # where the original lives
                    }
                )
                continue
            entry = self.appends.append_event(caller, reference, event_type, event, None)
            self.node.index.add_captured_event(key, hash_id, reference, entry["seq"], context)
            results.append(
                {
                    "event": index,
                    "status": "captured",
                    "hash_id": hash_id,
                    "hash_error": hash_error,
                    "consignment": named.reference,
                    "consignment_id": named.id,
                    "seq": entry["seq"],
                    "event_type": event_type.value,
                    "entry_hash": entry["entry_hash"],
                    "tx_hash": entry["tx_hash"],
                }
            )
        return {
            "captured": sum(r["status"] == "captured" for r in results),
            "duplicates": sum(r["status"] == "duplicate" for r in results),
            "events": results,
        }

    def _captured(self, consignment_id: str, key: str) -> dict[str, Any] | None:
        return self.node.index.captured_event(consignment_id, key)

    def _resolve(self, caller: Participant, key: str) -> ConsignmentRow | None:
        """The consignment ``key`` names for the caller, None when it names none the caller
        may read (an ambiguous reference is refused)."""
        try:
            row, _, _ = self.consignments.readable(caller, key)
        except RuleViolation as refusal:
            if refusal.rule == "ConsignmentReadAccess":
                return None
            raise
        return row

    def _match(self, caller: Participant, event: dict[str, Any]) -> ConsignmentRow | None:
        """The consignment an event's business transactions name (its reference, as the whole
        identifier or its last segment), among those the caller may read."""
        for item in event.get("bizTransactionList") or []:
            value = str(item.get("bizTransaction", ""))
            for candidate in dict.fromkeys([value, value.rsplit("/", 1)[-1], value.rsplit(":", 1)[-1]]):
                found = self._resolve(caller, candidate)
                if found is not None:
                    return found
        return None

    def _event_type(self, caller: Participant, reference: str, event: dict[str, Any], index: int) -> EventType:
        step = bare(event.get("bizStep"), _BIZSTEP_PREFIXES)
        candidate = BIZSTEP_EVENT_TYPES.get(step or "")
        if candidate is not None and self.appends.may_append(caller, reference, candidate) is None:
            return candidate
        refusal = self.appends.may_append(caller, reference, EventType.OBSERVED)
        if refusal is not None:
            raise RuleViolation(refusal.rule, f"event {index}: {refusal}")
        return EventType.OBSERVED

    # --- export and query -------------------------------------------------------------

    def export(self, caller: Participant, reference: str, filters: dict[str, Any]) -> dict[str, Any]:
        """The consignment's events as an EPCIS 2.0 document, with the anchoring of each."""
        filters = query_filters(filters)  # a malformed parameter is refused before anything is read
        opened, _, _ = self.consignments.readable(caller, reference)
        entries = self.consignments.events(caller, opened.id)
        chain = self.node.chain.domain
        captured = self.node.index.captured_events(opened.id)
        extra_context: dict[str, Any] = {"bl": BL_NAMESPACE}
        events = []
        for entry in entries:
            event = dict(entry["payload"])
            if not _matches(event, filters):
                continue
            row = captured.get(entry["seq"])
            if row is not None and row["context"]:
                _merge_prefixes(extra_context, json.loads(row["context"]))
            if "eventID" not in event:
                hash_id = row["hash_id"] if row is not None else _hash_or_none(event)
                if hash_id:
                    event["eventID"] = hash_id
            event["bl:anchoring"] = {
                "seq": entry["seq"],
                "ledgerEventType": entry["event_type"],
                "entryHash": entry["entry_hash"],
                "txHash": entry["tx_hash"],
                "blockNumber": entry["block_number"],
                "chainId": chain.chain_id,
                "ledger": chain.verifying_contract,
            }
            events.append(event)
        return {
            "@context": [DEFAULT_CONTEXT, extra_context],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "epcisBody": {"eventList": events},
        }


def _hash_or_none(event: dict[str, Any]) -> str | None:
    try:
        return event_hash_ids(None, [event])[0]
    except HashUnavailable:
        return None


def _merge_prefixes(into: dict[str, Any], context: Any) -> None:
    items = context if isinstance(context, list) else [context]
    for item in items:
        if isinstance(item, dict):
            for key, value in item.items():
                into.setdefault(key, value)


def _time(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise LedgerValueError(f"'{value}' has no time zone")
    return parsed


def query_filters(filters: dict[str, Any]) -> dict[str, Any]:
    """The simple event query's parameters, checked and normalised: times must be RFC 3339
    with a zone (refused by name otherwise); a CBV business step or disposition matches in
    any of its forms (the bare word, the GS1 Web URI, the ``urn:epcglobal:cbv:`` URN)."""
    out = dict(filters)
    for name in ("GE_eventTime", "LT_eventTime"):
        if out.get(name) is not None:
            try:
                out[name] = _time(out[name])
            except (ValueError, LedgerValueError):
                raise LedgerValueError(
                    f"{name}: {out[name]!r} is not an RFC 3339 time with a zone (e.g. 2026-11-03T08:30:00Z)"
                ) from None
    if out.get("EQ_bizStep"):
        out["EQ_bizStep"] = [bare(v, _BIZSTEP_PREFIXES) for v in out["EQ_bizStep"]]
    if out.get("EQ_disposition"):
        out["EQ_disposition"] = [bare(v, _DISP_PREFIXES) for v in out["EQ_disposition"]]
    return out


def _event_time(event: dict[str, Any]) -> datetime | None:
    """The event's time, None when it has none this node can compare (then no time filter
    selects it)."""
    when = event.get("eventTime")
    if not isinstance(when, str):
        return None
    try:
        return _time(when)
    except (ValueError, LedgerValueError):
        return None


def _matches(event: dict[str, Any], filters: dict[str, Any]) -> bool:
    """The EPCIS simple event query's core parameters (``filters`` from :func:`query_filters`)."""
    if filters.get("eventType") and event.get("type") not in filters["eventType"]:
        return False
    if filters.get("EQ_bizStep") and bare(event.get("bizStep"), _BIZSTEP_PREFIXES) not in filters["EQ_bizStep"]:
        return False
    if (
        filters.get("EQ_disposition")
        and bare(event.get("disposition"), _DISP_PREFIXES) not in filters["EQ_disposition"]
    ):
        return False
    since, until = filters.get("GE_eventTime"), filters.get("LT_eventTime")
    if since is None and until is None:
        return True
    when = _event_time(event)
    if when is None:
        return False
    return (since is None or when >= since) and (until is None or when < until)
