"""Finding 8 of the trust review: custody follows every accepted entry, batched or not — after
a batched HANDOVER the old carrier is refused and the new one appends, across requests, and
the consignment verifies."""

from __future__ import annotations

from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.runtime import Runtime
from client.http import sign_chain
from evidence.event_types import EventType
from tests.api.conftest import EVENT, auth
from tests.support import Keys, anchor_now

REFERENCE = "BATCH-CUSTODY-1"


def carrier(client: TestClient, keys: Keys, name: str) -> tuple[LocalAccount, dict[str, str]]:
    account = Account.create()
    body = {
        "name": name,
        "legal_id": f"CN-{name}",
        "jurisdiction": "CN",
        "roles": ["CARRIER"],
        "address": account.address,
    }
    created = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
    assert created.status_code == 201, created.json()
    return account, {"X-API-Key": created.json()["api_key"]}


def signed(
    client: TestClient, keys: Keys, account: LocalAccount, events: list[tuple[EventType, dict[str, Any]]]
) -> list[dict[str, Any]]:
    head = client.get(f"/v1/consignments/{REFERENCE}/head", headers=auth(keys, "auditor")).json()
    return sign_chain(head, account, REFERENCE, events)


def test_a_batched_handover_moves_custody_for_later_requests(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    first, first_headers = carrier(client, keys, "FirstRail")
    second, second_headers = carrier(client, keys, "SecondRail")
    opened = client.post(
        "/v1/consignments",
        json={
            "reference": REFERENCE,
            "origin": "CN",
            "destination": "DE",
            "importer": keys["importer"]["address"],
            "carrier": first.address,
            "anchoring": "log",
        },
        headers=auth(keys, "exporter"),
    )
    assert opened.status_code == 201, opened.json()
    head = client.get(f"/v1/consignments/{REFERENCE}/head", headers=auth(keys, "auditor")).json()
    events = [(EventType.LOADING, EVENT), (EventType.HANDOVER, EVENT)]
    items = sign_chain(head, first, REFERENCE, events, handovers={1: second.address})
    assert client.post("/v1/batch/entries", json={"entries": items}, headers=first_headers).status_code == 201

    # A later request: the old carrier no longer holds custody, the new one does.
    old = client.post(
        "/v1/batch/entries",
        json={"entries": signed(client, keys, first, [(EventType.ARRIVING, EVENT)])},
        headers=first_headers,
    )
    assert old.status_code == 403 and old.json()["rule"] == "ConsignmentLedgerNotCurrentCarrier", old.json()
    new = client.post(
        "/v1/batch/entries",
        json={"entries": signed(client, keys, second, [(EventType.ARRIVING, EVENT)])},
        headers=second_headers,
    )
    assert new.status_code == 201, new.json()
    anchor_now(demo_runtime)
    report = client.get(f"/v1/consignments/{REFERENCE}/verify", headers=auth(keys, "auditor")).json()
    assert report["verdict"] == "passed", report["failures"]
    assert [h["carrier"] for h in report["custody"]["holders"]] == [first.address, second.address]
