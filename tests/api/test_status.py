"""Customs status on line for traders: documents requested and answered, held and released,
through the API and as a live feed (server-sent events over real HTTP) that carries the
party's own consignments and nothing else."""

from __future__ import annotations

import json
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from api.runtime import Runtime
from tests.api.conftest import EVENT, auth
from tests.api.test_control_results import post
from tests.api.test_epcis import open_consignment
from tests.support import Keys, LiveServer


def status(client: TestClient, keys: Keys, reference: str, who: str = "exporter") -> dict[str, Any]:
    response = client.get(f"/v1/consignments/{reference}/status", headers=auth(keys, who))
    assert response.status_code == 200, response.json()
    return {b["jurisdiction"]: b for b in response.json()["borders"]}


def test_documents_requested_then_answered_by_attaching_them(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "STATUS-DOCS")
    asked = {**EVENT, "bl:documentsRequested": {"documents": [{"type": "commercial_invoice", "note": "signed"}]}}
    assert post(client, keys, "STATUS-DOCS", "customs-DE", "DOCUMENTS_REQUESTED", asked).status_code == 201
    de = status(client, keys, "STATUS-DOCS")["DE"]
    assert de["state"] == "documents_requested" and de["documents_requested"][0]["documents"] == ["commercial_invoice"]
    uploaded = client.post(
        "/v1/consignments/STATUS-DOCS/documents",
        params={"document_type": "commercial_invoice", "filename": "invoice.pdf"},
        content=b"%PDF-1.4 invoice 2026-0117",
        headers={**auth(keys, "exporter"), "Content-Type": "application/pdf"},
    )
    assert uploaded.status_code == 201, uploaded.json()
    de = status(client, keys, "STATUS-DOCS")["DE"]
    assert de["documents_requested"][0]["answered"] is True and de["state"] == "not_declared"
    bad = {**EVENT, "bl:documentsRequested": {"documents": [{"type": "a_poem"}]}}
    refused = post(client, keys, "STATUS-DOCS", "customs-DE", "DOCUMENTS_REQUESTED", bad)
    assert refused.status_code == 422 and refused.json()["rule"] == "DocumentsRequestedFacts"
    by_trader = post(client, keys, "STATUS-DOCS", "exporter", "DOCUMENTS_REQUESTED", asked)
    assert by_trader.status_code == 403 and by_trader.json()["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"


def test_a_hold_discloses_only_the_reason_category_customs_chose(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "STATUS-HOLD")
    held = {**EVENT, "bl:hold": {"reasonCategory": "examination"}}
    assert post(client, keys, "STATUS-HOLD", "customs-KZ", "HELD", held).status_code == 201
    kz = status(client, keys, "STATUS-HOLD")["KZ"]
    assert kz["state"] == "held" and kz["held"]["reason_category"] == "examination"
    refused = post(client, keys, "STATUS-HOLD", "customs-KZ", "HELD", {**EVENT, "bl:hold": {"reasonCategory": "why"}})
    assert refused.status_code == 422 and refused.json()["rule"] == "HoldFacts"


@pytest.fixture(scope="module")
def server(demo_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(demo_runtime) as live:
        yield live


class Feed:
    """A subscriber reading the status feed in a thread of its own."""

    def __init__(self, url: str, api_key: str) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(url, api_key), daemon=True)
        self._thread.start()

    def _read(self, url: str, api_key: str) -> None:
        with (
            httpx.Client(timeout=httpx.Timeout(5.0, read=None)) as http,
            http.stream("GET", f"{url}/v1/status/feed", headers={"X-API-Key": api_key}) as response,
        ):
            assert response.headers["content-type"].startswith("text/event-stream")
            for line in response.iter_lines():
                if self._stop.is_set():
                    return
                if line.startswith("data: "):
                    self.events.put(json.loads(line[len("data: ") :]))

    def wait_for(self, predicate: Any, seconds: float = 10.0) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The first status satisfying ``predicate`` within ``seconds``, and all seen until then."""
        seen = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                item = self.events.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                break
            seen.append(item)
            if predicate(item):
                return item, seen
        raise AssertionError(f"no such status within {seconds}s; saw {[s['consignment'] for s in seen]}")

    def close(self) -> None:
        self._stop.set()


def second_exporter(client: TestClient, keys: Keys) -> dict[str, str]:
    created = client.post(
        "/v1/participants",
        json={"name": "Xi'an Machinery", "legal_id": "CN-XIAN-77", "jurisdiction": "CN", "roles": ["EXPORTER"]},
        headers=auth(keys, "customs-CN"),
    )
    assert created.status_code == 201, created.json()
    return {"address": created.json()["participant"]["address"], "api_key": created.json()["api_key"]}


def test_the_feed_delivers_a_hold_and_a_release_within_seconds_and_nothing_else(
    client: TestClient, keys: Keys, server: LiveServer
) -> None:
    open_consignment(client, keys, "STATUS-FEED")
    other = second_exporter(client, keys)
    body = {
        "reference": "NOT-YOURS-1",
        "origin": "CN",
        "destination": "DE",
        "transit": ["KZ"],
        "importer": keys["importer"]["address"],
        "carrier": keys["carrier"]["address"],
    }
    assert client.post("/v1/consignments", json=body, headers={"X-API-Key": other["api_key"]}).status_code == 201
    feed = Feed(server.url, keys["exporter"]["api_key"])
    try:
        feed.wait_for(lambda s: s["consignment"] == "STATUS-FEED")  # the first round: every consignment once
        started = time.monotonic()
        post(client, keys, "STATUS-FEED", "customs-DE", "HELD", {**EVENT, "bl:hold": {"reasonCategory": "security"}})
        held, seen = feed.wait_for(lambda s: s["consignment"] == "STATUS-FEED" and s["borders"][-1]["state"] == "held")
        assert held["borders"][-1]["held"]["reason_category"] == "security"
        post(client, keys, "STATUS-FEED", "customs-DE", "RELEASED", EVENT)
        _, later = feed.wait_for(
            lambda s: s["consignment"] == "STATUS-FEED" and s["borders"][-1]["state"] == "released"
        )
        assert time.monotonic() - started < 10
        # The other exporter's consignment (same importer and carrier) never reaches this feed.
        assert all(s["consignment"] != "NOT-YOURS-1" for s in seen + later)
    finally:
        feed.close()
    unauthenticated = httpx.get(f"{server.url}/v1/status/feed", timeout=5)
    assert unauthenticated.status_code == 401
