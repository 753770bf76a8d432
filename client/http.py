"""The signing HTTP client: library use.

client = LedgerClientHTTP("http://127.0.0.1:8000", api_key, private_key, trusted=domain)
entry = client.append("CQ-DUI-2026-0001", "ARRIVING", payload)
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount

from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.consignment_id import consignment_id, looks_like_id
from evidence.documents import DocumentRef, DocumentType, document_event
from evidence.eip712 import Domain, Entry, entry_hash, sign_entry
from evidence.errors import LedgerError, LedgerValueError
from evidence.event_types import EventType
from evidence.types import ZERO_ADDRESS, Address, Hash32, to_hex


class ClientError(LedgerError):
    """Raised when the node refuses a request; ``status`` and ``body`` are its answer."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.body = body
        rule = f" [{body['rule']}]" if body.get("rule") else ""
        super().__init__(f"HTTP {status}{rule}: {body.get('message', body)}")


def checked_domain(head: dict[str, Any], key: str | None, pinned: Domain | None) -> Domain:
    """The domain to sign in, once the node's ``head`` is known to be for the consignment
    ``key`` names and in the pinned domain: a node that asks for a signature over another
    consignment, chain or ledger is refused before anything is signed.

    ``key`` is a consignment id, or a reference: then the id must be the reference in the
    namespace of the exporter the head names (address by id to pin the exporter as well)."""
    if key is not None:
        stated_id = str(head["consignment"]).lower()
        if looks_like_id(key):
            expected, named = key.lower(), key
        else:
            exporter = str(head.get("exporter", ""))
            try:
                expected = to_hex(consignment_id(exporter, key))
            except ValueError:
                raise LedgerValueError(
                    f"the node's head names no valid exporter ({exporter!r}); nothing signed"
                ) from None
            named = f"{key} of exporter {exporter} ({expected})"
        if stated_id != expected:
            raise LedgerValueError(f"the node's head is for consignment {stated_id}, not {named}; nothing signed")
    stated = Domain(int(head["domain"]["chainId"]), Address(head["domain"]["verifyingContract"]))
    if pinned is not None and (
        stated.chain_id != pinned.chain_id or stated.verifying_contract.lower() != pinned.verifying_contract.lower()
    ):
        raise LedgerValueError(
            f"the node asks for a signature on chain {stated.chain_id}, ledger {stated.verifying_contract}; "
            f"the trust root is chain {pinned.chain_id}, ledger {pinned.verifying_contract}; nothing signed"
        )
    return pinned or stated


def build_entry(
    head: dict[str, Any],
    actor: str,
    event_type: EventType,
    payload: dict[str, Any],
    next_carrier: str | None,
    reference: str | None = None,
    pinned: Domain | None = None,
) -> tuple[Entry, Domain]:
    """The entry extending ``head`` (as GET …/head returns it) and the domain to sign it in,
    checked against the consignment's reference and the pinned domain when given."""
    data = canonical_json(payload)
    domain = checked_domain(head, reference, pinned)
    entry = Entry(
        consignment=Hash32(bytes.fromhex(head["consignment"][2:])),
        seq=int(head["seq"]),
        prev_hash=Hash32(bytes.fromhex(head["prev_hash"][2:])),
        event_type=Hash32(event_type.type_id),
        payload_hash=payload_hash(data),
        cid=payload_cid(data),
        next_carrier=Address(next_carrier or ZERO_ADDRESS),
        actor=Address(actor),
    )
    return entry, domain


def sign_chain(
    head: dict[str, Any],
    account: LocalAccount,
    reference: str,
    events: Sequence[tuple[EventType, dict[str, Any]]],
    pinned: Domain | None = None,
    handovers: Mapping[int, str] | None = None,
    log: bool = True,
) -> list[dict[str, Any]]:
    """Items of a bulk request (POST /v1/batch/entries): ``events`` signed by ``account`` in
    order, the first extending ``head`` (as GET …/head returns it), each the one before;
    ``handovers`` maps the position of a HANDOVER to the next carrier it names. With
    ``log=False``, ledger entries to send one by one to …/signed-events instead."""
    items = []
    for n, (event_type, payload) in enumerate(events):
        next_carrier = (handovers or {}).get(n)
        entry, domain = build_entry(head, account.address, event_type, payload, next_carrier, reference, pinned)
        signed = _signed_body(entry, domain, account, event_type, payload, log)
        items.append({"reference": reference, **signed, "actor": account.address, "next_carrier": next_carrier})
        head = {**head, "seq": entry.seq + 1, "prev_hash": "0x" + entry_hash(entry, domain, log).hex()}
    return items


def _signed_body(
    entry: Entry,
    domain: Domain,
    account: LocalAccount,
    event_type: EventType,
    payload: dict[str, Any],
    log: bool = False,
) -> dict[str, Any]:
    """The fields every signed-entry request carries: the event, its position and the signature."""
    return {
        "event_type": event_type.value,
        "payload": payload,
        "seq": entry.seq,
        "prev_hash": "0x" + bytes(entry.prev_hash).hex(),
        "signature": "0x" + sign_entry(entry, domain, account.key, log).hex(),
    }


class NodeReader:
    """Reads from one node's API with an API key (no signing key needed)."""

    def __init__(self, base_url: str, api_key: str, timeout: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.headers["X-API-Key"] = api_key

    def _request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._session.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        if response.status_code >= 400:
            try:
                body = response.json()
            except ValueError:
                body = {"message": response.text}
            raise ClientError(response.status_code, body)
        return response.json()

    def head(self, reference: str) -> dict[str, Any]:
        """The next entry's position and signing domain."""
        return dict(self._request("GET", f"/v1/consignments/{reference}/head"))

    def consistency(self, first: int, second: int) -> list[bytes]:
        """The node's consistency proof between two anchored tree sizes."""
        answer = self._request("GET", "/v1/batch/consistency", params={"first": first, "second": second})
        return [bytes.fromhex(p[2:]) for p in answer["proof"]]


class LedgerClientHTTP(NodeReader):
    """Talks to one node as one participant, signing with the participant's own key, only
    ever in the ``trusted`` domain (the consortium's chain and ledger, from its manifest)."""

    def __init__(
        self, base_url: str, api_key: str, private_key: str | bytes, *, trusted: Domain, timeout: float = 120.0
    ) -> None:
        super().__init__(base_url, api_key, timeout)
        self.account: LocalAccount = Account.from_key(private_key)
        self.trusted = trusted

    def sign(
        self, reference: str, event_type: EventType, payload: dict[str, Any], next_carrier: str | None = None
    ) -> dict[str, Any]:
        """The body of a signed-event request, built on the current head."""
        head = self.head(reference)
        entry, domain = build_entry(
            head, self.account.address, event_type, payload, next_carrier, reference, self.trusted
        )
        return {**_signed_body(entry, domain, self.account, event_type, payload), "next_carrier": next_carrier}

    def submit(self, reference: str, signed: dict[str, Any]) -> dict[str, Any]:
        """Send a signed-event body (from :meth:`sign`) for the node to relay."""
        return dict(self._request("POST", f"/v1/consignments/{reference}/signed-events", json=signed))

    def append(
        self, reference: str, event_type: EventType | str, payload: dict[str, Any], next_carrier: str | None = None
    ) -> dict[str, Any]:
        """Sign an event with our key and have the node anchor it; returns the entry."""
        return self.submit(reference, self.sign(reference, EventType(event_type), payload, next_carrier))

    def sign_batch(
        self, reference: str, events: list[tuple[EventType, dict[str, Any]]], head: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Bulk-request items for ``events`` signed with our key (see :func:`sign_chain`)."""
        return sign_chain(head or self.head(reference), self.account, reference, events, self.trusted)

    def submit_batch(self, items: list[dict[str, Any]]) -> dict[str, Any]:
        """Send up to 10,000 signed items to the Merkle log; durable when this returns."""
        return dict(self._request("POST", "/v1/batch/entries", json={"entries": items}))

    def attach_document(
        self, reference: str, path: Path, document_type: DocumentType | str, media_type: str | None = None
    ) -> dict[str, Any]:
        """Upload a document, then sign and anchor its DOCUMENT_ATTACHED entry."""
        media_type = media_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        ref = self._request(
            "POST",
            "/v1/documents",
            params={"document_type": DocumentType(document_type).value, "filename": path.name},
            data=path.read_bytes(),
            headers={"Content-Type": media_type},
        )

        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        payload = document_event(DocumentRef.from_json(ref), now)
        return self.append(reference, EventType.DOCUMENT_ATTACHED, payload)
