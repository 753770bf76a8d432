"""Finding 17 of the trust review: inputs that answered 500 or were silently coerced —
deep nesting, numbers for times, unbounded integers, file names no header can carry — are
refused by name (or served safely), and nothing is recorded on a refusal."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from evidence.canonical import canonical_json
from evidence.models import EventPayload
from tests.api.conftest import EVENT, auth
from tests.support import Keys

DEMO = "CQ-DUI-2026-0001"
BIN = Path(sys.executable).parent / "borderledger"


def entries(client: TestClient, keys: Keys) -> int:
    return len(client.get(f"/v1/consignments/{DEMO}/events", headers=auth(keys, "auditor")).json())


def append(client: TestClient, keys: Keys, payload: Any) -> Any:
    body = {"event_type": "ARRIVING", "payload": payload}
    return client.post(f"/v1/consignments/{DEMO}/events", json=body, headers=auth(keys, "carrier"))


def test_refused_payloads_name_the_field_and_record_nothing(client: TestClient, keys: Keys) -> None:
    deep: Any = "bottom"
    for _ in range(60):
        deep = {"ext:level": deep}
    bad = {
        "a number for a time": {**EVENT, "eventTime": 1_795_000_000},
        "a time without a zone": {**EVENT, "eventTime": "2026-11-07T10:00:00"},
        "deep extension": {**EVENT, "ext:deep": deep},
        "integer beyond a double": {**EVENT, "ext:count": 2**64},
        "NaN-free but huge string": {**EVENT, "ext:note": "x" * 70_000},
    }
    before = entries(client, keys)
    for why, payload in bad.items():
        answer = append(client, keys, payload)
        assert answer.status_code == 422, (why, answer.status_code, answer.text[:300])
        assert "payload" in answer.text, why
    assert entries(client, keys) == before


def test_a_body_nested_beyond_any_parser_is_422_not_500(client: TestClient, keys: Keys) -> None:
    body = '{"event_type": "ARRIVING", "payload": ' + "[" * 200_000 + "]" * 200_000 + "}"
    answer = client.post(
        f"/v1/consignments/{DEMO}/events",
        content=body,
        headers={**auth(keys, "carrier"), "Content-Type": "application/json"},
    )
    # (Before, the process crashed: py_ecc raises the recursion limit past the C stack.)
    assert answer.status_code in (400, 413, 422) and answer.json()["error"], answer.text[:300]


def test_a_bundle_nested_beyond_any_parser_is_refused_by_the_verifier(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000 + "]" * 200_000)
    result = subprocess.run([str(BIN), "verify-bundle", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, (result.returncode, result.stderr[-500:])


def test_any_file_name_is_stored_and_downloadable(client: TestClient, keys: Keys) -> None:
    for name in ("facture-été-中文.pdf", "line\r\nbreak.pdf", 'quote"and;semi.pdf'):
        stored = client.post(
            "/v1/documents",
            params={"document_type": "commercial_invoice", "filename": name},
            content=b"%PDF-1.7 " + name.encode(),
            headers={**auth(keys, "exporter"), "Content-Type": "application/pdf"},
        )
        assert stored.status_code in (201, 422), stored.text
        if stored.status_code == 422:
            continue
        served = client.get(f"/v1/documents/{stored.json()['cid']}", headers=auth(keys, "exporter"))
        assert served.status_code == 200, (name, served.text[:200])
        disposition = served.headers["content-disposition"]
        assert "\r" not in disposition and "\n" not in disposition and disposition.startswith("attachment;")


JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
JSON_VALUES = st.recursive(
    JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(
    extension=JSON_VALUES,
    event_time=st.one_of(st.text(max_size=30), st.integers(), st.just("2026-11-07T10:00:00Z")),
    action=st.sampled_from(["OBSERVE", "ADD", "DELETE", "TELEPORT", None]),
)
def test_the_payload_model_validates_or_refuses_and_what_it_takes_canonicalises(
    extension: Any, event_time: Any, action: Any
) -> None:
    raw = {**EVENT, "eventTime": event_time, "ext:x": extension}
    if action is None:
        raw.pop("action")
    else:
        raw["action"] = action
    try:
        payload = EventPayload.model_validate(raw)
    except ValidationError:
        return  # refused, by name
    assert isinstance(payload.eventTime.tzinfo, object) and isinstance(event_time, str)
    kept = json.loads(canonical_json(payload.to_json()), parse_int=float)  # JSON numbers are doubles
    # A null member is no value (as JSON-LD expansion drops it); every other value is kept as
    # sent, up to RFC 8785's number form (1.5e16 is written 15000000000000000).
    if extension is None:
        assert "ext:x" not in kept
    else:
        assert canonical_json(kept["ext:x"]) == canonical_json(extension)
