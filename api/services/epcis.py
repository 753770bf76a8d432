"""EPCIS capture (documents in, one ledger entry per event), export and query."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from api.epcis.contexts import ExportContext, extension_context, stored_event
from api.epcis.corrections import CataloguedEvent, dedupe_key, is_declaration, links
from api.epcis.hashing import stored_hash_id
from api.epcis.validate import require_valid
from api.index.rows import ConsignmentRow, Participant, StoredEntry
from api.services.appends import AppendsService
from api.services.consignments import ConsignmentsService
from api.services.members import MembersService
from api.services.node import Node
from evidence.controls import CONTROL_RESULT_FIELD
from evidence.errors import LedgerValueError, RuleViolation
from evidence.event_types import EventType
from evidence.payload_rules import check_payload

BL_NAMESPACE = "urn:borderledger:ns:"
EPCIS_EVENT_TYPES = frozenset(
    {"ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"}
)
_BIZSTEP_PREFIXES = ("urn:epcglobal:cbv:bizstep:", "https://ref.gs1.org/cbv/BizStep-", "https://gs1.org/voc/Bizstep-")
_DISP_PREFIXES = ("urn:epcglobal:cbv:disp:", "https://ref.gs1.org/cbv/Disp-", "https://gs1.org/voc/Disp-")
# The ledger event types an EPCIS business step may become, the first the caller may append
# (receiving: the carrier's delivery, or the consignee's receipt); anything else is recorded as
# OBSERVED (any party of the consignment may append that).
BIZSTEP_EVENT_TYPES = {
    "loading": (EventType.LOADING,),
    "departing": (EventType.DEPARTING,),
    "arriving": (EventType.ARRIVING,),
    "unloading": (EventType.UNLOADING,),
    "receiving": (EventType.DELIVERY, EventType.RECEIPT_CONFIRMED),
    "inspecting": (EventType.INSPECTED,),
    "holding": (EventType.HELD,),
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
        events = events_of(document)
        if not events:
            raise LedgerValueError("the document has no events")
        keys: dict[str, dict[str, int]] = {}  # consignment id → de-duplication key → seq
        plan = []
        for index, event in enumerate(events):
            named = self.consignments.readable(caller, consignment)[0] if consignment else self._match(caller, event)
            if named is None:
                raise LedgerValueError(
                    f"event {index}: no consignment you may read matches its bizTransactionList; "
                    "give ?consignment=REFERENCE (or its id)"
                )
            if named.id not in keys:
                catalogue = self._catalogue(named.id)
                keys[named.id] = {row["dedupe_key"]: seq for seq, row in sorted(catalogue.items(), reverse=True)}
            stored = stored_event(document.get("@context"), event)
            hash_id, hash_error = stored_hash_id(stored)
            key = dedupe_key(stored, hash_id)
            # Checked for duplicates too: only who may write to the consignment learns what it holds.
            event_type = self._event_type(caller, named.id, event, index)
            original = keys[named.id].get(key)
            keys[named.id].setdefault(key, -1)  # a second copy in this document is a duplicate
            plan.append((index, stored, named, hash_id, hash_error, key, original, event_type))
        results = [self._capture_one(caller, *step) for step in plan]
        self._note_corrections(results)
        return {
            "captured": sum(r["status"] == "captured" for r in results),
            "duplicates": sum(r["status"] == "duplicate" for r in results),
            "events": results,
        }

    def _capture_one(
        self,
        caller: Participant,
        index: int,
        stored: dict[str, Any],
        named: ConsignmentRow,
        hash_id: str | None,
        hash_error: str | None,
        key: str,
        original: int | None,
        event_type: EventType,
    ) -> dict[str, Any]:
        result: dict[str, Any] = {
            "event": index,
            "hash_id": hash_id,
            "hash_error": hash_error,
            "consignment": named.reference,
            "consignment_id": named.id,
        }
        note = event_id_note(stored.get("eventID"), hash_id)
        if note:
            result["event_id_note"] = note
        if original is not None:
            if original < 0:  # repeated within this document: where its first copy went
                original = self._seq_of(named.id, key)
            # A duplicate names the seq of the original in this same consignment.
            return {**result, "status": "duplicate", "seq": original}
        entry = self.appends.append_event(caller, named.id, event_type, stored, None)
        row = {"seq": entry["seq"], "entry_hash": entry["entry_hash"], "dedupe_key": key}
        self.node.index.update_epcis_catalogue(named.id, [], [row | {"hash_id": hash_id, "hash_error": hash_error}])
        result |= {
            "status": "captured",
            "seq": entry["seq"],
            "event_type": event_type.value,
            "entry_hash": entry["entry_hash"],
            "tx_hash": entry["tx_hash"],
        }
        if is_declaration(stored):
            result["error_declaration"] = True
        return result

    def _seq_of(self, consignment_id: str, key: str) -> int | None:
        found = [seq for seq, row in self._catalogue(consignment_id).items() if row["dedupe_key"] == key]
        return min(found) if found else None

    def _note_corrections(self, results: list[dict[str, Any]]) -> None:
        """Tell the caller what each captured error declaration corrects (nothing found is said too)."""
        declared = {r["consignment_id"] for r in results if r.get("error_declaration")}
        for consignment_id in declared:
            linked = self.corrections_of(consignment_id)
            for r in results:
                if r.get("error_declaration") and r["consignment_id"] == consignment_id:
                    r["corrections"] = linked.get(r["seq"], {})

    # --- the catalogue of a consignment's EPCIS events ---------------------------------

    def _entries(self, consignment_id: str) -> dict[int, StoredEntry]:
        return {e.seq: e for e in self.node.index.entries_of(consignment_id)}

    def _catalogue(
        self, consignment_id: str, entries: dict[int, StoredEntry] | None = None
    ) -> dict[int, dict[str, Any]]:
        """seq → catalogue row of each EPCIS event of the consignment, first brought up to date
        with its entries (``entries``, if the caller read them already): rows of rejected or
        replaced entries go; entries this node did not capture (followed from the chain,
        re-indexed) are hashed and added."""
        entries = entries if entries is not None else self._entries(consignment_id)
        rows = self.node.index.epcis_catalogue(consignment_id)
        stale = [seq for seq, row in rows.items() if seq not in entries or entries[seq].entry_hash != row["entry_hash"]]
        fresh = [_catalogue_row(e) for seq, e in entries.items() if seq not in rows or seq in stale]
        added = [row for row in fresh if row is not None]
        if stale or added:
            self.node.index.update_epcis_catalogue(consignment_id, stale, added)
            rows = self.node.index.epcis_catalogue(consignment_id)
        return rows

    def corrections_of(
        self,
        consignment_id: str,
        entries: dict[int, StoredEntry] | None = None,
        catalogue: dict[int, dict[str, Any]] | None = None,
    ) -> dict[int, dict[str, Any]]:
        """seq → the part each event takes in error declarations (see ``corrections.links``);
        ``entries`` and ``catalogue`` where the caller has them already."""
        # Nothing to link without an error declaration: spare a large consignment reading and hashing its entries.
        marker = '"errorDeclaration"'
        if entries is None:
            if not self.node.index.payload_mentions(consignment_id, marker):
                return {}
            entries = self._entries(consignment_id)
        if not any(marker in e.payload for e in entries.values()):
            return {}
        catalogue = catalogue if catalogue is not None else self._catalogue(consignment_id, entries)
        return links(
            [
                CataloguedEvent(seq, json.loads(entries[seq].payload), row["hash_id"])
                for seq, row in sorted(catalogue.items())
                if seq in entries
            ]
        )

    def corrections(self, caller: Participant, reference: str, seqs: set[int] | None = None) -> list[dict[str, Any]]:
        """The consignment's error declarations (of entries ``seqs``, or all), each with what it
        declares wrong and the events that correct it, for the verification report."""
        opened, _, _ = self.consignments.readable(caller, reference)
        linked = self.corrections_of(opened.id)
        return [
            {"seq": seq, **part}
            for seq, part in sorted(linked.items())
            if "declaresErrorIn" in part and (seqs is None or seq in seqs)
        ]

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
        """The ledger event type the event becomes; its payload checked for that type now, so
        that nothing of the document is appended if one event would be refused."""
        step = bare(event.get("bizStep"), _BIZSTEP_PREFIXES)
        candidates = BIZSTEP_EVENT_TYPES.get(step or "", ())
        if CONTROL_RESULT_FIELD in event:  # a typed control result is one
            candidates = (EventType.CONTROL_RESULT, *candidates)
        chosen = next((c for c in candidates if self.appends.may_append(caller, reference, c) is None), None)
        if chosen is None:
            refusal = self.appends.may_append(caller, reference, EventType.OBSERVED)
            if refusal is not None:
                raise RuleViolation(refusal.rule, f"event {index}: {refusal}")
            chosen = EventType.OBSERVED
        try:
            check_payload(chosen, event, caller.jurisdiction)
        except RuleViolation as refusal:
            raise RuleViolation(refusal.rule, f"event {index}: {refusal}") from None
        return chosen

    # --- export and query -------------------------------------------------------------

    def export(self, caller: Participant, reference: str, filters: dict[str, Any]) -> dict[str, Any]:
        """The consignment's events as an EPCIS 2.0 document: each with its anchoring, the CBV
        hash ID the node computed, and its part in error declarations."""
        filters = query_filters(filters)  # a malformed parameter is refused before anything is read
        opened, _, _ = self.consignments.readable(caller, reference)
        stored = self._entries(opened.id)  # read once: the catalogue and the links use them too
        catalogue = self._catalogue(opened.id, stored)
        linked = self.corrections_of(opened.id, stored, catalogue)
        chain = self.node.chain.domain
        context = ExportContext({"bl": BL_NAMESPACE})
        events = []
        for entry in (e.public() for e in stored.values()):
            payload = dict(entry["payload"])
            if not _matches(payload, filters):
                continue
            row = catalogue.get(entry["seq"])
            if row is not None and row["legacy_context"] and "@context" not in payload:
                payload = {"@context": extension_context(json.loads(row["legacy_context"])), **payload}
            event = context.place(payload)
            if row is not None:
                event |= _hash_annotations(event, row)
            if entry["seq"] in linked:
                event["bl:corrections"] = linked[entry["seq"]]
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
            "@context": context.document_context(),
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "epcisBody": {"eventList": events},
        }


def is_epcis_event(payload: Any) -> bool:
    """Whether a ledger payload is an EPCIS event (captured here or by any other node)."""
    return isinstance(payload, dict) and payload.get("type") in EPCIS_EVENT_TYPES


def _catalogue_row(entry: StoredEntry) -> dict[str, Any] | None:
    payload = json.loads(entry.payload)
    if not is_epcis_event(payload):
        return None
    hash_id, hash_error = stored_hash_id(payload)
    return {
        "seq": entry.seq,
        "entry_hash": entry.entry_hash,
        "dedupe_key": dedupe_key(payload, hash_id),
        "hash_id": hash_id,
        "hash_error": hash_error,
    }


def event_id_note(event_id: Any, hash_id: str | None) -> str | None:
    """What to say when an event's own ``eventID`` is a hash ID that is not the one the node
    computed (the event keeps its eventID: others may refer to it by it)."""
    if not (isinstance(event_id, str) and event_id.startswith("ni:///")) or event_id == hash_id:
        return None
    if hash_id is None:
        return f"eventID {event_id} could not be checked: the node could not compute this event's CBV 2.0 hash"
    return f"eventID {event_id} is not this event's CBV 2.0 hash ID; the node computed {hash_id}"


def _hash_annotations(event: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    """The event's eventID (its hash ID when it has none of its own) and ``bl:cbvHash``: the
    hash ID the node computed, or why it has none, and whether a given eventID differs."""
    hash_id = row["hash_id"]
    out: dict[str, Any] = {}
    if "eventID" not in event and hash_id:
        out["eventID"] = hash_id
    computed: dict[str, Any] = {"hashID": hash_id} if hash_id else {"hashID": None, "why": row["hash_error"]}
    note = event_id_note(event.get("eventID"), hash_id)
    if note:
        computed["eventIDNote"] = note
    out["bl:cbvHash"] = computed
    return out


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
