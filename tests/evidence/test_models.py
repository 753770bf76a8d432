"""EPCIS 2.0 event payloads: the core fields, strict about unknown fields."""

import pytest
from pydantic import ValidationError

from evidence.models import EventPayload

BASE = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-28T10:00:00Z",
    "eventTimeZoneOffset": "+00:00",
    "action": "OBSERVE",
}


def test_core_fields_round_trip() -> None:
    data = {
        **BASE,
        "bizStep": "loading",
        "disposition": "in_transit",
        "readPoint": {"id": "urn:epc:id:sgln:0614141.00001.0"},
        "bizLocation": {"id": "urn:epc:id:sgln:0614141.00001.0"},
        "epcList": ["urn:epc:id:sscc:0614141.1234567890"],
        "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:x:bol:1"}],
        "sourceList": [{"type": "owning_party", "source": "urn:epc:id:pgln:0614141.00001"}],
        "destinationList": [{"type": "owning_party", "destination": "urn:epc:id:pgln:4012345.00001"}],
        "sensorElementList": [{"sensorReport": [{"type": "gs1:Temperature", "value": 4.5, "uom": "CEL"}]}],
    }
    assert EventPayload.model_validate(data).to_json()["readPoint"] == {"id": "urn:epc:id:sgln:0614141.00001.0"}
    assert set(EventPayload.model_validate(data).to_json()) == set(data)


def test_unknown_plain_field_is_refused() -> None:
    with pytest.raises(ValidationError, match="unknown field 'isAdmin'"):
        EventPayload.model_validate({**BASE, "isAdmin": True})


def test_namespaced_extension_is_kept() -> None:
    payload = EventPayload.model_validate({**BASE, "example:containerNumber": "MSCU1234567"})
    assert payload.to_json()["example:containerNumber"] == "MSCU1234567"


def test_event_time_without_zone_is_refused() -> None:
    with pytest.raises(ValidationError, match="time zone"):
        EventPayload.model_validate({**BASE, "eventTime": "2026-11-28T10:00:00"})


def test_bad_offset_and_missing_action_are_refused() -> None:
    with pytest.raises(ValidationError):
        EventPayload.model_validate({**BASE, "eventTimeZoneOffset": "+25:00"})
    with pytest.raises(ValidationError, match="requires 'action'"):
        EventPayload.model_validate({k: v for k, v in BASE.items() if k != "action"})


def test_cbv_urns_are_refused_with_the_bare_value_suggested() -> None:
    with pytest.raises(ValidationError, match=r"use the bare CBV 2\.0 value \(e\.g\. 'loading'\)"):
        EventPayload.model_validate({**BASE, "bizStep": "urn:epcglobal:cbv:bizstep:loading"})
