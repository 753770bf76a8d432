"""Findings 12 and 13 of the trust review: a member learns nothing of a consignment it may
not read (not even that it exists, nor its head from a refusal), a suspended member keeps
no access through its keys, and AEO data elements go to customs and the holder only."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from client.http import sign_chain
from evidence.event_types import EventType
from tests.api.conftest import EVENT, auth
from tests.support import Keys

DEMO = "CQ-DUI-2026-0001"
CERTIFICATE = "CNAEO2026000001"


@pytest.fixture(scope="module")
def stranger(client: TestClient, keys: Keys) -> tuple[LocalAccount, dict[str, str]]:
    """An active CN carrier holding its own key, party to none of the demo's consignments."""
    account = Account.create()
    created = client.post(
        "/v1/participants",
        json={"name": "Stranger Rail", "legal_id": "CN-STRANGER", "jurisdiction": "CN", "roles": ["CARRIER"]}
        | {"address": account.address},
        headers=auth(keys, "customs-CN"),
    )
    assert created.status_code == 201, created.json()
    return account, {"X-API-Key": created.json()["api_key"]}


def signed_items(client: TestClient, keys: Keys, account: LocalAccount, reference: str) -> list[dict[str, Any]]:
    head = client.get(f"/v1/consignments/{reference}/head", headers=auth(keys, "auditor")).json()
    stale = {**head, "seq": 0, "prev_hash": "0x" + "00" * 32}  # deliberately stale
    return sign_chain(stale, account, reference, [(EventType.ARRIVING, EVENT)])


def test_signed_and_batch_refusals_tell_a_stranger_nothing(
    client: TestClient, keys: Keys, stranger: tuple[LocalAccount, dict[str, str]]
) -> None:
    account, headers = stranger
    real_head = client.get(f"/v1/consignments/{DEMO}/head", headers=auth(keys, "auditor")).json()["prev_hash"]
    item = signed_items(client, keys, account, DEMO)[0]
    body = {k: v for k, v in item.items() if k not in ("reference", "actor")}
    answers = [
        client.post(f"/v1/consignments/{DEMO}/signed-events", json=body, headers=headers),
        client.post("/v1/batch/entries", json={"entries": [item]}, headers=headers),
        client.get(f"/v1/consignments/{DEMO}/head", headers=headers),
    ]
    unknown = client.post("/v1/consignments/NO-SUCH-REF/signed-events", json=body, headers=headers)
    for answer in answers:
        assert answer.status_code == 404, answer.json()
        assert answer.json()["rule"] == "ConsignmentReadAccess"
        assert real_head not in answer.text and "seq" not in answer.json()
    assert unknown.status_code == 404 and unknown.json()["rule"] == "ConsignmentReadAccess"


def test_a_suspended_member_keeps_no_access(client: TestClient, keys: Keys) -> None:
    account = Account.create()
    created = client.post(
        "/v1/participants",
        json={"name": "Soon Suspended", "legal_id": "CN-SUSP", "jurisdiction": "CN", "roles": ["AUDITOR"]}
        | {"address": account.address},
        headers=auth(keys, "customs-CN"),
    ).json()
    own = {"X-API-Key": created["api_key"]}
    # An auditor is admitted by the customs majority: not before.
    assert client.get(f"/v1/consignments/{DEMO}", headers=own).json()["rule"] == "MemberNotActive"
    approve = client.post(f"/v1/proposals/{created['proposal']['id']}/approve", headers=auth(keys, "customs-KZ"))
    assert approve.json()["executed"]
    assert client.get(f"/v1/consignments/{DEMO}", headers=own).status_code == 200
    assert (
        client.post(f"/v1/participants/{account.address}/suspend", headers=auth(keys, "customs-CN")).status_code == 200
    )
    for path in (
        f"/v1/consignments/{DEMO}",
        f"/v1/consignments/{DEMO}/bundle",
        "/v1/consignments",
        "/v1/participants/me",
    ):
        refused = client.get(path, headers=own)
        assert refused.status_code == 403 and refused.json()["rule"] == "MemberNotActive", path
    client.post(f"/v1/participants/{account.address}/reinstate", headers=auth(keys, "customs-CN"))
    assert client.get(f"/v1/consignments/{DEMO}", headers=own).status_code == 200


def test_aeo_data_elements_go_to_customs_and_the_holder_only(client: TestClient, keys: Keys) -> None:
    for who, disclosed in (("customs-DE", True), ("exporter", True), ("auditor", False), ("carrier", False)):
        certificate = client.get(f"/v1/aeo/certificates/{CERTIFICATE}", headers=auth(keys, who)).json()
        assert (certificate["data_elements"] is not None) is disclosed, who
        assert certificate["status"] == "valid" and certificate["holder"] == keys["exporter"]["address"]
    listed = client.get("/v1/aeo/certificates", headers=auth(keys, "carrier")).json()
    assert listed and all(c["data_elements"] is None for c in listed)
