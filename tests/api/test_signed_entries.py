"""Entries signed by their authors' own keys, relayed by the node: allowed, forged, replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.signers.local import LocalAccount
from fastapi.testclient import TestClient

from api.runtime import Runtime
from chain.errors import ContractRevert
from client.http import ClientError, LedgerClientHTTP, build_entry
from evidence.eip712 import Domain, sign_entry
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.trust import TrustRoot
from evidence.types import hash32
from tests.api.conftest import EVENT, auth
from tests.support import Keys, LiveServer

REFERENCE = "CQ-DUI-2026-0100"
OwnKeyCarrier = tuple[LocalAccount, str]
"""A carrier holding its own key, and its API key."""


@pytest.fixture(scope="module")
def server(demo_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(demo_runtime) as live:
        yield live


@pytest.fixture(scope="module")
def trusted(demo_runtime: Runtime) -> Domain:
    """The signing domain, from the node's deployment manifest (never from the node's answers)."""
    return TrustRoot.from_manifest(json.loads(demo_runtime.settings.manifest_path.read_text())).signing_domain


@pytest.fixture(scope="module")
def own_key_carrier(client: TestClient, keys: Keys) -> OwnKeyCarrier:
    """A carrier that holds its own key, registered by CN customs, carrying a new consignment."""
    account = Account.create()
    registered = client.post(
        "/v1/participants",
        json={
            "name": "Self-Signing Rail",
            "legal_id": "CN-SSR",
            "jurisdiction": "CN",
            "roles": ["CARRIER"],
            "address": account.address,
        },
        headers=auth(keys, "customs-CN"),
    )
    assert registered.status_code == 201, registered.json()
    assert registered.json()["participant"]["custodial"] is False
    created = client.post(
        "/v1/consignments",
        json={
            "reference": REFERENCE,
            "origin": "CN",
            "destination": "DE",
            "transit": ["KZ"],
            "importer": keys["importer"]["address"],
            "carrier": account.address,
        },
        headers=auth(keys, "exporter"),
    )
    assert created.status_code == 201, created.json()
    return account, registered.json()["api_key"]


def test_client_signed_entry_is_on_chain_with_the_clients_address(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier, demo_runtime: Runtime
) -> None:
    account, api_key = own_key_carrier
    client = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted)
    entry = client.append(REFERENCE, "LOADING", EVENT)
    assert entry["actor"] == account.address and entry["status"] == "anchored"
    node = demo_runtime.services.node
    record = node.chain.record(hash32(client.head(REFERENCE)["consignment"]), entry["seq"])
    assert record is not None and record.actor == account.address
    tx = node.chain.w3.eth.get_transaction(entry["tx_hash"])
    assert tx["from"] == node.relayer.address  # the node relayed, the client signed


def test_the_same_signed_entry_twice_is_refused(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier
) -> None:
    account, api_key = own_key_carrier
    client = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted)
    signed = client.sign(REFERENCE, EventType.DEPARTING, {**EVENT, "eventTime": "2026-11-07T11:00:00+01:00"})
    first = client.submit(REFERENCE, signed)
    with pytest.raises(ClientError) as caught:
        client.submit(REFERENCE, signed)
    assert caught.value.status == 409 and "cannot be replayed" in str(caught.value)
    assert client.head(REFERENCE)["seq"] == first["seq"] + 1


def test_a_signature_by_another_key_is_refused_by_api_and_contract(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier, demo_runtime: Runtime
) -> None:
    account, api_key = own_key_carrier
    impostor = LedgerClientHTTP(
        server.url, api_key, Account.create().key, trusted=trusted
    )  # right API key, wrong signing key
    with pytest.raises(ClientError) as caught:
        impostor.append(REFERENCE, "ARRIVING", EVENT)
    assert caught.value.status == 403 and caught.value.body["rule"] == "ConsignmentLedgerInvalidSigner"

    node = demo_runtime.services.node
    head = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted).head(REFERENCE)
    entry, domain = build_entry(head, account.address, EventType.ARRIVING, EVENT, None)
    forged = sign_entry(entry, domain, Account.create().key)
    with pytest.raises(ContractRevert) as reverted:
        node.chain.append(node.relayer, entry, forged)
    assert reverted.value.error == "ConsignmentLedgerInvalidSigner"


def test_high_s_signature_is_refused_by_api_and_contract(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier, demo_runtime: Runtime
) -> None:
    account, api_key = own_key_carrier
    client = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted)
    signed = client.sign(REFERENCE, EventType.ARRIVING, EVENT)
    raw = bytes.fromhex(signed["signature"][2:])
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    high_s = raw[:32] + (n - int.from_bytes(raw[32:64], "big")).to_bytes(32, "big") + bytes([55 - raw[64]])
    with pytest.raises(ClientError) as caught:
        client.submit(REFERENCE, {**signed, "signature": "0x" + high_s.hex()})
    assert caught.value.status == 422 and "malleable" in str(caught.value)

    node = demo_runtime.services.node
    entry, _ = build_entry(client.head(REFERENCE), account.address, EventType.ARRIVING, EVENT, None)
    with pytest.raises(LedgerValueError, match="malleable"):
        node.chain.append(node.relayer, entry, high_s)  # the chain layer will not even send it
    # Straight at the contract, in its compact (r, vs) form: the twin's s either keeps its top
    # bit (an s in the upper half) or loses it to the parity (another signer); both refused.
    twin_s = n - int.from_bytes(raw[32:64], "big")
    parity = 1 - (raw[64] - 27)
    vs = ((parity << 255) | (twin_s & ((1 << 255) - 1))).to_bytes(32, "big")
    call = node.chain.ledger.functions.appendEvent(entry.as_tuple(), raw[:32], vs)
    with pytest.raises(ContractRevert) as reverted:
        node.chain.sender.transact(node.relayer, call)
    assert reverted.value.error in ("ECDSAInvalidSignatureS", "ConsignmentLedgerInvalidSigner")


def test_signed_entry_must_follow_the_role_rules(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier
) -> None:
    account, api_key = own_key_carrier
    client = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted)
    with pytest.raises(ClientError) as caught:
        client.append(REFERENCE, "RELEASED", EVENT)
    assert caught.value.status == 403 and caught.value.body["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"


def test_client_attaches_a_document_it_signs_itself(
    trusted: Domain, server: LiveServer, own_key_carrier: OwnKeyCarrier, tmp_path: Path
) -> None:
    account, api_key = own_key_carrier
    client = LedgerClientHTTP(server.url, api_key, account.key, trusted=trusted)
    path = tmp_path / "cim-note.pdf"
    path.write_bytes(b"%PDF-1.7\n" + b"rail consignment note " * 5000 + b"\n%%EOF\n")
    entry = client.attach_document(REFERENCE, path, "rail_consignment_note_cim")
    assert entry["event_type"] == "DOCUMENT_ATTACHED" and entry["actor"] == account.address
    assert entry["payload"]["bl:document"]["filename"] == "cim-note.pdf"


def test_custodial_member_cannot_be_impersonated_by_a_client_key(
    trusted: Domain, server: LiveServer, keys: Keys
) -> None:
    client = LedgerClientHTTP(server.url, keys["carrier"]["api_key"], Account.create().key, trusted=trusted)
    with pytest.raises(ClientError) as caught:
        client.append("CQ-DUI-2026-0001", "ARRIVING", EVENT)
    assert caught.value.status == 403 and caught.value.body["rule"] == "ConsignmentLedgerInvalidSigner"
