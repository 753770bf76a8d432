"""EPCIS 2.0 documents written by other implementations (OpenEPCIS's test resources, Apache
2.0, and GS1's hash generator's test documents, MIT, each in tests/data/epcis with its
licence), formats, extension contexts, corrections, and the capture catalogue every node
rebuilds from its entries."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld
from sqlalchemy import delete

import api.index.tables as t
from api.epcis.hashing import _offline_loader
from api.epcis.validate import problems_of
from api.runtime import Runtime
from api.services.epcis import events_of
from tests.api.conftest import auth
from tests.api.test_epcis import assert_round_trip, capture, open_consignment
from tests.support import Keys

COLLECTED = Path(__file__).resolve().parents[1] / "data" / "epcis"
DOCUMENTS = sorted(p for p in COLLECTED.rglob("*") if p.suffix in (".json", ".jsonld"))
# GS1's schema refuses these once its "format" rules are enforced (first problem named):
# persistentDisposition is not a property of these event types, "extension" is EPCIS 1.x,
# ilmd keys and sensor types must be URIs unless CBV defines them; the three query
# *definitions* are not EPCIS documents at all.
SENSOR_TYPE = "/sensorElementList/0/sensorReport/{}/type"
QUERY_EVENTS = "/epcisBody/queryResults/resultsBody/eventList"
REFUSED = {
    "openepcis/capture/AggregationEvent_all_possible_fields.json": "/epcisBody/eventList/0",
    "openepcis/capture/AggregationEvent_with_persistentDisposition.json": "/epcisBody/eventList/0",
    "openepcis/capture/AggregationEvent_with_userExtensions.json": "/epcisBody/eventList/0",
    "openepcis/capture/AssociationEvent_with_userExtensions.json": "/epcisBody/eventList/0",
    "openepcis/capture/Combination_of_different_event.json": "/epcisBody/eventList/1",
    "openepcis/capture/ObjectEvent_all_possible_fields.json": "/epcisBody/eventList/0/ilmd",
    "openepcis/capture/SensorData_with_combined_events.json": "/epcisBody/eventList/7" + SENSOR_TYPE.format(1),
    "openepcis/capture/TransactionEvent_all_possible_fields.json": "/epcisBody/eventList/0",
    "openepcis/capture/TransactionEvent_with_userExtensions.json": "/epcisBody/eventList/0" + SENSOR_TYPE.format(0),
    "openepcis/query/Combination_of_different_event.json": QUERY_EVENTS + "/1",
    "openepcis/query/QueryDocumentWithEventType.json": "",
    "openepcis/query/SensorData_with_combined_events.json": QUERY_EVENTS + "/7" + SENSOR_TYPE.format(1),
    "openepcis/query/TransactionEvent_with_userExtensions.json": QUERY_EVENTS + "/0" + SENSOR_TYPE.format(0),
    "openepcis/query/queryDocumentWithAction.json": "",
    "openepcis/query/queryDocumentWithEventTime.json": "",
}


def name_of(path: Path) -> str:
    return str(path.relative_to(COLLECTED))


def entries_of(client: TestClient, keys: Keys, reference: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/consignments/{reference}/events", headers=auth(keys, "carrier"))
    return list(response.json())


@pytest.fixture(scope="module")
def collected(client: TestClient, keys: Keys) -> dict[str, dict[str, Any]]:
    """Each collected document sent to a consignment of its own: the answer, by file."""
    assert len(DOCUMENTS) == 49
    out = {}
    for number, path in enumerate(DOCUMENTS):
        reference = f"OE-{number:02d}"
        open_consignment(client, keys, reference)
        response = capture(client, keys, json.loads(path.read_text()), consignment=reference)
        out[name_of(path)] = {"reference": reference, "path": path, "response": response}
    return out


def test_collected_documents_are_captured_or_refused_by_the_schema_rule_they_break(
    client: TestClient, keys: Keys, collected: dict[str, dict[str, Any]]
) -> None:
    for name, item in collected.items():
        response = item["response"]
        if name in REFUSED:
            assert response.status_code == 422, (name, response.json())
            problems = response.json()["problems"]
            assert problems[0]["location"] == REFUSED[name], (name, problems[0])
            assert entries_of(client, keys, item["reference"]) == []  # nothing half-written
        else:
            assert response.status_code == 201, (name, response.json())
            events = events_of(json.loads(item["path"].read_text()))
            assert response.json()["captured"] + response.json()["duplicates"] == len(events)
    assert len(collected) - len(REFUSED) == 34


def test_collected_exports_validate_and_round_trip_every_field(
    client: TestClient, keys: Keys, collected: dict[str, dict[str, Any]]
) -> None:
    for name, item in collected.items():
        if name in REFUSED:
            continue
        exported = client.get(f"/v1/consignments/{item['reference']}/epcis", headers=auth(keys, "auditor")).json()
        assert problems_of(exported) == [], (name, problems_of(exported)[:2])
        sent = json.loads(item["path"].read_text())
        original = events_of(sent)
        captured = [e["event"] for e in item["response"].json()["events"] if e["status"] == "captured"]
        assert len(exported["epcisBody"]["eventList"]) == len(captured)
        for index, event in zip(captured, exported["epcisBody"]["eventList"], strict=True):
            scoped = [c for c in sent["@context"] if isinstance(c, dict)]
            own = original[index].get("@context")
            expected = {**original[index], "@context": scoped + ([own] if isinstance(own, dict) else own or [])}
            assert_round_trip(exported, event, expected, name)


def test_hash_ids_equal_those_the_reference_command_line_printed(collected: dict[str, dict[str, Any]]) -> None:
    """``NAME.hashes`` beside each document was written by tools/epcis_reference_hashes.py: the
    reference implementation's own command line, one process per document."""
    compared = 0
    for name, item in collected.items():
        recorded = item["path"].with_suffix(".hashes")
        if name in REFUSED or not recorded.exists():
            continue
        got = [e["hash_id"] for e in item["response"].json()["events"]]
        assert got == recorded.read_text().split(), name
        compared += len(got)
    assert compared >= 40


def test_an_event_id_that_is_not_the_events_hash_is_kept_and_said(
    client: TestClient, keys: Keys, collected: dict[str, dict[str, Any]]
) -> None:
    item = collected["openepcis/capture/ObjectEvent.json"]
    sent = events_of(json.loads(item["path"].read_text()))
    answered = item["response"].json()["events"]
    assert "is not this event's CBV 2.0 hash ID" in answered[0]["event_id_note"]
    exported = client.get(f"/v1/consignments/{item['reference']}/epcis", headers=auth(keys, "auditor")).json()
    first = exported["epcisBody"]["eventList"][0]
    assert first["eventID"] == sent[0]["eventID"]  # others may refer to the event by it
    assert first["bl:cbvHash"]["hashID"] == answered[0]["hash_id"] != sent[0]["eventID"]
    assert first["bl:cbvHash"]["eventIDNote"] == answered[0]["event_id_note"]


def test_an_event_the_reference_cannot_hash_is_captured_and_says_why(collected: dict[str, dict[str, Any]]) -> None:
    # Its document redefines "cbvmda", a protected term of GS1's context: JSON-LD refuses it.
    events = collected["openepcis/capture/TransformationEvent_all_possible_fields.json"]["response"].json()["events"]
    assert events[0]["status"] == "captured" and events[0]["hash_id"] is None
    assert "cannot hash" in events[0]["hash_error"]


def test_ignore_fields_of_later_reference_work_are_not_followed(collected: dict[str, dict[str, Any]]) -> None:
    """The document asks (``repository-x:ignoreFields``, a rule of the reference's later,
    unreleased work) that two fields be left out of the hash, and gives both events the hash
    that rule yields. Under CBV 2.0 as the pinned reference computes it, the fields count:
    the first event's hash differs from its eventID (said), and the two are not duplicates."""
    events = collected["gs1-hash-generator/capture/epcisDocWithCustomExtensions.jsonld"]["response"].json()["events"]
    assert [e["status"] for e in events] == ["captured", "captured"]
    assert "is not this event's CBV 2.0 hash ID" in events[0]["event_id_note"]
    assert "event_id_note" not in events[1]


def test_contexts_that_are_not_available_offline_leave_the_event_unhashed_and_say_so(
    collected: dict[str, dict[str, Any]],
) -> None:
    name = "gs1-hash-generator/capture/masterDataAvailableForWithVeryMixedVoc.jsonld"
    (event,) = collected[name]["response"].json()["events"]
    assert event["status"] == "captured" and event["hash_id"] is None
    assert "is not available offline" in event["hash_error"]


# --- formats ----------------------------------------------------------------------------


def one_event_document(**fields: Any) -> dict[str, Any]:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-07-22T08:00:00Z",
        "eventTimeZoneOffset": "+00:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
        "action": "OBSERVE",
        "bizStep": "shipping",
    }
    event.update(fields)
    return {
        "@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"ex": "https://ex.org/v/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-07-22T08:00:00Z",
        "epcisBody": {"eventList": [event]},
    }


@pytest.mark.parametrize(
    ("fields", "location"),
    [
        ({"eventTime": "22-07-2026"}, "/epcisBody/eventList/0/eventTime"),
        ({"bizStep": "teleporting"}, "/epcisBody/eventList/0/bizStep"),
        ({"disposition": "vanished"}, "/epcisBody/eventList/0/disposition"),
        ({"action": "ADD", "ilmd": {"lot number": "A1"}}, "/epcisBody/eventList/0/ilmd"),
    ],
)
def test_formats_are_enforced_and_the_refusal_names_where(
    client: TestClient, keys: Keys, fields: dict[str, Any], location: str
) -> None:
    reference = "FMT-" + location.rsplit("/", 1)[-1]
    open_consignment(client, keys, reference)
    response = capture(client, keys, one_event_document(**fields), consignment=reference)
    assert response.status_code == 422, response.json()
    problem = response.json()["problems"][0]
    assert problem["location"] == location
    assert problem["schema_rule"].rsplit("/", 1)[-1] in ("format", "anyOf"), problem
    assert entries_of(client, keys, reference) == []


def test_private_values_as_uris_are_accepted(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "FMT-OK")
    document = one_event_document(bizStep="https://ex.org/v/teleporting", **{"ex:lot": "A1"})
    assert capture(client, keys, document, consignment="FMT-OK").status_code == 201


# --- extension contexts -----------------------------------------------------------------


def expanded(document: dict[str, Any]) -> list[Any]:
    """The JSON-LD meaning of a document's events: each expanded, without our annotations."""
    events = []
    for event in events_of(document):
        plain = {k: v for k, v in event.items() if not k.startswith("bl:") and k != "eventID"}
        single = {"@context": document["@context"], "epcisBody": {"eventList": [plain]}}
        events.append(jsonld.expand(single, {"documentLoader": _offline_loader}))
    return events


def test_extension_contexts_travel_with_their_events_even_when_prefixes_clash(client: TestClient, keys: Keys) -> None:
    """Two documents bind prefix "ex" to different namespaces; one consignment holds both."""
    open_consignment(client, keys, "CTX-1")
    first = one_event_document(**{"ex:temperature": "4"})
    second = copy.deepcopy(one_event_document(**{"ex:temperature": "9"}))
    second["@context"][1] = {"ex": "https://health.example/ns/"}
    for document in (first, second):
        assert capture(client, keys, document, consignment="CTX-1").json()["captured"] == 1
    exported = client.get("/v1/consignments/CTX-1/epcis", headers=auth(keys, "auditor")).json()
    assert problems_of(exported) == []
    # The meaning of every field survives: the same expanded IRIs and values as sent.
    assert expanded(exported) == expanded(first) + expanded(second)
    assert "@context" in exported["epcisBody"]["eventList"][1]  # the clashing one keeps its own


def test_a_follower_node_knows_the_extension_contexts_from_the_entry_alone(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "CTX-2")
    document = one_event_document(**{"ex:temperature": "4"})
    assert capture(client, keys, document, consignment="CTX-2").status_code == 201
    (entry,) = entries_of(client, keys, "CTX-2")
    assert entry["payload"]["@context"] == [{"ex": "https://ex.org/v/"}]


# --- the capture catalogue ----------------------------------------------------------------


def test_duplicates_are_found_from_the_entries_even_without_the_catalogue(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    """A node that followed the entries from the chain, or re-indexed, never saw the capture;
    it still answers "duplicate", with the original's seq in this consignment."""
    open_consignment(client, keys, "CAT-1")
    document = one_event_document(**{"ex:temperature": "4"})
    first = capture(client, keys, document, consignment="CAT-1").json()["events"][0]
    with demo_runtime.services.node.index.engine.begin() as conn:
        conn.execute(delete(t.epcis_catalogue).where(t.epcis_catalogue.c.consignment_id == first["consignment_id"]))
    again = capture(client, keys, document, consignment="CAT-1").json()
    assert again["duplicates"] == 1 and again["events"][0]["seq"] == first["seq"]
    assert len(entries_of(client, keys, "CAT-1")) == 1


# --- corrections ----------------------------------------------------------------------------


def test_a_correction_round_trip(client: TestClient, keys: Keys) -> None:
    """Capture an event, its corrective event, then the error declaration naming it: nothing
    is a "duplicate", and the three are linked in the answer, the export, a query and the
    verification report."""
    open_consignment(client, keys, "COR-1")
    wrong = one_event_document(bizStep="receiving")["epcisBody"]["eventList"][0]
    fixed = {**wrong, "eventTime": "2026-07-22T09:00:00Z", "eventID": "urn:uuid:7b4a3c1e-0d6f-4c59-9a51-2f9a6e1c0b77"}
    declaration = {
        **wrong,
        "errorDeclaration": {
            "declarationTime": "2026-07-23T10:00:00Z",
            "reason": "incorrect_data",
            "correctiveEventIDs": [fixed["eventID"], "urn:uuid:00000000-0000-4000-8000-000000000000"],
        },
    }
    seqs = []
    for event in (wrong, fixed, declaration):
        document = one_event_document()
        document["epcisBody"]["eventList"] = [event]
        answer = capture(client, keys, document, consignment="COR-1").json()
        assert answer["captured"] == 1, answer
        seqs.append(answer["events"][0]["seq"])
    wrong_seq, fixed_seq, declaration_seq = seqs
    link = {
        "declaresErrorIn": [wrong_seq],
        "reason": "incorrect_data",
        "declarationTime": "2026-07-23T10:00:00Z",
        "correctiveEvents": [fixed_seq],
        "correctiveEventIDsNotFound": ["urn:uuid:00000000-0000-4000-8000-000000000000"],
    }
    assert answer["events"][0]["corrections"] == link
    assert answer["events"][0]["hash_id"] == capture_hash(client, keys, "COR-1", wrong_seq)

    exported = client.get("/v1/consignments/COR-1/epcis", headers=auth(keys, "auditor")).json()
    assert problems_of(exported) == []
    by_seq = {e["bl:anchoring"]["seq"]: e for e in exported["epcisBody"]["eventList"]}
    assert by_seq[declaration_seq]["errorDeclaration"] == declaration["errorDeclaration"]
    assert by_seq[declaration_seq]["bl:corrections"] == link
    assert by_seq[wrong_seq]["bl:corrections"] == {"errorDeclaredBy": [declaration_seq], "correctedBy": [fixed_seq]}
    assert by_seq[fixed_seq]["bl:corrections"] == {"corrects": [wrong_seq]}

    queried = client.get(
        "/v1/consignments/COR-1/epcis", params={"EQ_bizStep": "receiving"}, headers=auth(keys, "auditor")
    ).json()
    assert [e["bl:anchoring"]["seq"] for e in queried["epcisBody"]["eventList"]] == seqs
    assert queried["epcisBody"]["eventList"][0]["bl:corrections"]["errorDeclaredBy"] == [declaration_seq]

    report = client.get("/v1/consignments/COR-1/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed"
    assert report["epcis_corrections"] == [{"seq": declaration_seq, **link}]

    # The same declaration again is a duplicate of the declaration, not of the event; another
    # declaration for the same event is captured too, never dropped.
    document = one_event_document()
    document["epcisBody"]["eventList"] = [declaration]
    again = capture(client, keys, document, consignment="COR-1").json()["events"][0]
    assert again["status"] == "duplicate" and again["seq"] == declaration_seq
    retraction = {"declarationTime": "2026-07-24T10:00:00Z", "reason": "did_not_occur"}
    retracted = {**declaration, "errorDeclaration": retraction}
    document["epcisBody"]["eventList"] = [retracted]
    assert capture(client, keys, document, consignment="COR-1").json()["captured"] == 1


def capture_hash(client: TestClient, keys: Keys, reference: str, seq: int) -> str:
    exported = client.get(f"/v1/consignments/{reference}/epcis", headers=auth(keys, "auditor")).json()
    (event,) = [e for e in exported["epcisBody"]["eventList"] if e["bl:anchoring"]["seq"] == seq]
    return str(event["bl:cbvHash"]["hashID"])


# --- no capture input yields a server error ---------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
EVENT_KEYS = st.sampled_from(
    [
        "eventTime",
        "eventTimeZoneOffset",
        "epcList",
        "action",
        "bizStep",
        "disposition",
        "ilmd",
        "errorDeclaration",
        "eventID",
        "@context",
        "ex:field",
        "bizTransactionList",
        "readPoint",
        "type",
        "sensorElementList",
    ]
)


@given(changes=st.dictionaries(EVENT_KEYS, JSON_VALUES, min_size=1, max_size=3), context=JSON_VALUES)
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), database=None)
def test_no_capture_input_yields_a_server_error(
    client: TestClient, keys: Keys, changes: dict[str, Any], context: Any
) -> None:
    """A valid document with some event fields (or the document context) replaced by arbitrary
    JSON: 201 or a 4xx naming the problem, never a 5xx."""
    document = one_event_document(**changes)
    if isinstance(context, (str, list, dict)):
        document["@context"] = [document["@context"][0], context]
    response = capture(client, keys, document, consignment="FUZZ-1")
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["message"]


@pytest.fixture(scope="module", autouse=True)
def fuzz_consignment(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "FUZZ-1")
