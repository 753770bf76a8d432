"""Preparing a bulk request's entries (what the worker processes run): each entry's payload
refused or its entry built, whatever the others in its chunk are."""

from __future__ import annotations

from typing import Any

import pytest
from eth_account import Account

import evidence.signed_entries as signed_entries
from evidence.canonical import canonical_json
from evidence.eip712 import Domain, entry_hash, sign_entry
from evidence.event_types import EventType
from evidence.signed_entries import PayloadRefused, Prepared, SignedFields, build_entry, prepare
from evidence.types import ZERO_HASH, Address, Hash32
from tests.api.conftest import EVENT

DOMAIN = Domain(31337, Address("0x" + "22" * 20))
CONSIGNMENT = Hash32(b"\x11" * 32)


def fields(payload: Any, seq: int = 0) -> SignedFields:
    """An entry as its author signed it (over ``EVENT``: a changed payload no longer matches)."""
    account = Account.create()
    entry = build_entry(CONSIGNMENT, seq, ZERO_HASH, EventType.ARRIVING, canonical_json(EVENT), None, account.address)
    signature = sign_entry(entry, DOMAIN, account.key, log=True)
    return SignedFields(CONSIGNMENT, seq, ZERO_HASH, EventType.ARRIVING, payload, None, account.address, signature)


def test_an_epcis_event_is_built_and_its_signer_recovered() -> None:
    (ready,) = prepare([fields(EVENT)], DOMAIN)
    assert isinstance(ready, Prepared) and ready.refusal is None
    assert ready.digest == entry_hash(ready.entry, DOMAIN, log=True)
    assert ready.signer == ready.entry.actor


def test_a_payload_without_an_rfc8785_form_refuses_its_entry_alone() -> None:
    too_large = {**EVENT, "example:count": 2**60}  # JSON numbers are doubles
    good, refused, after = prepare([fields(EVENT), fields(too_large, 1), fields(EVENT, 2)], DOMAIN)
    assert isinstance(good, Prepared) and isinstance(after, Prepared)
    assert isinstance(refused, PayloadRefused) and "9007199254740991" in str(refused.errors)


def test_a_payload_the_epcis_model_let_through_but_rfc8785_cannot_hash_is_still_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(signed_entries, "epcis_errors", lambda payload: ())
    (refused,) = prepare([fields({**EVENT, "example:count": 2**60})], DOMAIN)
    assert isinstance(refused, PayloadRefused) and len(refused.errors) == 1
    where, why = refused.errors[0]
    assert where == "" and "cannot be canonicalised (RFC 8785)" in why


def test_a_payload_that_is_no_epcis_event_says_where() -> None:
    (refused,) = prepare([fields({**EVENT, "action": "TELEPORT"})], DOMAIN)
    assert isinstance(refused, PayloadRefused) and refused.errors[0][0] == "action"
