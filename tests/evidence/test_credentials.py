"""did:web resolution rules and the pure credential verifier, attacked from outside: forged
lists, keys the DID does not list, wrong purposes, algorithm and type games, and any single
changed character of a credential."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import ECKey

from evidence import status_list
from evidence.did_web import assertion_key, did_document, did_web, document_url
from evidence.errors import LedgerValueError
from evidence.vc import (
    CredentialKind,
    StatusPurpose,
    credential,
    sign,
    status_entries,
    status_list_credential,
)
from evidence.vc_verify import Unresolved, verify_credential

ORIGIN = "https://customs.example:8443"
DID = did_web(ORIGIN, "issuers", "de-gzd")
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
LISTS = {p: f"{ORIGIN}/issuers/de-gzd/status/{p.value}" for p in StatusPurpose}


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:w3c-ccg.github.io", "https://w3c-ccg.github.io/.well-known/did.json"),
        ("did:web:w3c-ccg.github.io:user:alice", "https://w3c-ccg.github.io/user/alice/did.json"),
        ("did:web:example.com%3A3000:user:alice", "https://example.com:3000/user/alice/did.json"),
    ],
)
def test_did_web_resolves_as_the_method_specification_says(did: str, url: str) -> None:
    assert document_url(did) == url


def test_did_web_is_minted_from_an_https_origin_only() -> None:
    assert DID == "did:web:customs.example%3A8443:issuers:de-gzd"
    assert document_url(DID) == "https://customs.example:8443/issuers/de-gzd/did.json"
    for origin in ("http://customs.example", "customs.example"):
        with pytest.raises(LedgerValueError):
            did_web(origin, "x")
    for bad in ("did:key:z6Mk", "did:web:", "did:web:a::b", "did:web:a#k", "did:web:user%40evil.example"):
        with pytest.raises(LedgerValueError):
            document_url(bad)


def key(curve: str = "P-256") -> dict[str, Any]:
    jwk: dict[str, Any] = ECKey.generate_key(curve, private=True).as_dict(private=True)
    return jwk


def public(jwk: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in jwk.items() if k != "d"}


class Issuer:
    def __init__(self, curve: str = "P-256") -> None:
        self.jwk = key(curve)
        self.kid = f"{DID}#k1"
        self.document = did_document(DID, [(self.kid, public(self.jwk))], [])

    def credential(self, **overrides: Any) -> str:
        subject = {"id": "did:pkh:eip155:1:0x" + "11" * 20, "type": "AuthorisedEconomicOperator"}
        document = credential(
            CredentialKind.AEO_STATUS,
            "urn:uuid:00000000-0000-4000-8000-000000000001",
            {"id": DID, "name": "Generalzolldirektion"},
            overrides.pop("valid_from", NOW - timedelta(days=1)),
            overrides.pop("valid_until", NOW + timedelta(days=365)),
            subject,
            status_entries(LISTS, 42),
            [],
        )
        return sign(document | overrides, self.jwk, self.kid)

    def status_list(
        self, purpose: StatusPurpose, set_bits: tuple[int, ...] = (), signer: dict[str, Any] | None = None
    ) -> str:
        bits = status_list.new_list()
        for index in set_bits:
            status_list.set_bit(bits, index, True)
        document = status_list_credential(LISTS[purpose], DID, purpose, status_list.encode(bits), NOW)
        return sign(document, signer or self.jwk, self.kid)

    def lists(self, revoked: tuple[int, ...] = (), suspended: tuple[int, ...] = ()) -> dict[str, Any]:
        return {
            LISTS[StatusPurpose.REVOCATION]: self.status_list(StatusPurpose.REVOCATION, revoked),
            LISTS[StatusPurpose.SUSPENSION]: self.status_list(StatusPurpose.SUSPENSION, suspended),
        }

    def verify(self, token: str, lists: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        return verify_credential(
            token, {DID: self.document}, self.lists() if lists is None else lists, kwargs.pop("now", NOW), **kwargs
        )


def outcome(report: Any, name: str) -> str:
    return str(next(c for c in report.checks if c.name == name).outcome)


@pytest.mark.parametrize("curve", ["P-256", "secp256k1"])
def test_a_well_formed_credential_verifies_under_either_curve(curve: str) -> None:
    issuer = Issuer(curve)
    report = issuer.verify(issuer.credential(), trusted_issuers=frozenset({DID}))
    assert outcome(report, "signature") == "passed" and outcome(report, "revocation") == "passed"
    assert outcome(report, "schema") == "not_checked"  # no pinned schema given to the pure verifier
    assert report.verdict == "incomplete"


def test_status_bits_give_revoked_and_suspended_and_revoked_wins() -> None:
    issuer = Issuer()
    token = issuer.credential()
    assert issuer.verify(token, issuer.lists(suspended=(42,))).verdict == "suspended"
    assert issuer.verify(token, issuer.lists(revoked=(42,))).verdict == "revoked"
    assert issuer.verify(token, issuer.lists(revoked=(42,), suspended=(42,))).verdict == "revoked"
    assert issuer.verify(token, issuer.lists(revoked=(41, 43))).verdict == "incomplete"  # neighbours only


def test_a_status_list_not_signed_by_the_issuers_listed_key_is_refused() -> None:
    issuer = Issuer()
    forged = dict(issuer.lists())
    forged[LISTS[StatusPurpose.REVOCATION]] = issuer.status_list(StatusPurpose.REVOCATION, signer=key())
    report = issuer.verify(issuer.credential(), forged)
    assert outcome(report, "revocation") == "failed" and report.verdict == "invalid"


def test_a_list_of_the_other_purpose_or_unreachable_is_not_taken_for_this_one() -> None:
    issuer = Issuer()
    swapped = {
        LISTS[StatusPurpose.REVOCATION]: issuer.status_list(StatusPurpose.SUSPENSION),
        LISTS[StatusPurpose.SUSPENSION]: issuer.status_list(StatusPurpose.SUSPENSION),
    }
    assert outcome(issuer.verify(issuer.credential(), swapped), "revocation") == "failed"
    unreachable = {url: Unresolved("connection refused") for url in LISTS.values()}
    report = issuer.verify(issuer.credential(), unreachable)
    assert outcome(report, "revocation") == "not_checked" and report.verdict == "incomplete"


def test_keys_the_did_document_does_not_list_for_assertions_are_refused() -> None:
    issuer = Issuer()
    token = issuer.credential()
    stranger = did_document(DID, [(f"{DID}#other", public(key()))], [])
    assert outcome(verify_credential(token, {DID: stranger}, issuer.lists(), NOW), "issuer_key") == "failed"
    not_assertion = dict(issuer.document, assertionMethod=[])
    assert outcome(verify_credential(token, {DID: not_assertion}, issuer.lists(), NOW), "issuer_key") == "failed"
    wrong_subject = dict(issuer.document, id="did:web:evil.example")
    assert outcome(verify_credential(token, {DID: wrong_subject}, issuer.lists(), NOW), "issuer_key") == "failed"
    with pytest.raises(LedgerValueError, match="private"):
        assertion_key(
            did_document(DID, [(issuer.kid, issuer.jwk)], [])
            | {"verificationMethod": [{"id": issuer.kid, "publicKeyJwk": issuer.jwk}]},
            issuer.kid,
        )
    unresolved = verify_credential(token, {DID: Unresolved("timed out")}, issuer.lists(), NOW)
    assert outcome(unresolved, "signature") == "not_checked" and unresolved.verdict == "incomplete"


def test_validity_period_expired_and_not_yet_valid() -> None:
    issuer = Issuer()
    token = issuer.credential()
    assert issuer.verify(token, now=NOW + timedelta(days=400)).verdict == "expired"
    assert issuer.verify(token, now=NOW - timedelta(days=2)).verdict == "not_yet_valid"


def test_an_issuer_claim_that_the_key_does_not_back_is_refused() -> None:
    issuer = Issuer()
    token = issuer.credential(issuer={"id": "did:web:other.example"})
    report = issuer.verify(token)
    assert outcome(report, "format") == "failed" and report.verdict == "invalid"


def _b64(data: bytes) -> str:
    import base64

    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header",
    [
        {"alg": "none", "typ": "vc+jwt", "kid": f"{DID}#k1"},
        {"alg": "HS256", "typ": "vc+jwt", "kid": f"{DID}#k1"},
        {"alg": "ES256", "typ": "JWT", "kid": f"{DID}#k1"},
        {"alg": "ES256", "typ": "vc+jwt"},
    ],
)
def test_algorithm_and_type_games_are_refused_before_any_key_is_used(header: dict[str, Any]) -> None:
    import json

    issuer = Issuer()
    _, payload, signature = issuer.credential().split(".")
    token = f"{_b64(json.dumps(header).encode())}.{payload}.{signature}"
    report = issuer.verify(token)
    assert outcome(report, "format") == "failed" and report.verdict == "invalid"


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_no_single_changed_character_yields_a_valid_signature(data: st.DataObject) -> None:
    issuer = _ISSUER
    token = _TOKEN
    position = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_."))
    changed = token[:position] + replacement + token[position + 1 :]
    if changed == token:
        return
    report = issuer.verify(changed)
    if outcome(report, "signature") == "passed":
        # Only the signature's last base64url character carries unused bits: the same bytes decode.
        assert position == len(token) - 1
    else:
        assert report.verdict == "invalid"


_ISSUER = Issuer()
_TOKEN = _ISSUER.credential()
