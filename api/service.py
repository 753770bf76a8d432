"""The ledger service: what the routes and the CLI do, on top of the index, chain and keys.

Authorisation is checked here against the chain's registry (with the same rules the
contracts enforce, from ``evidence.rules``), before anything is signed or sent.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from eth_account.signers.local import LocalAccount
from sqlalchemy import ColumnElement, Engine, delete, insert, or_, select, update

from api import db
from api.errors import Conflict, Forbidden, NotFound, Unauthenticated
from api.keys import Keyring, hash_api_key, new_api_key
from api.verify_pool import VerifyPool
from chain.errors import ContractRevert
from chain.ledger import ConsignmentInfo, LedgerClient, consignment_id
from content.store import ContentIntegrityError, ContentNotFound, ContentStore
from evidence.bundle import Bundle, build_bundle, verify_bundle
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.documents import DocumentRef, DocumentType, document_event, document_in
from evidence.eip712 import Entry, entry_hash, recover_signer, sign_entry
from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView, check_append, may_read
from evidence.types import ZERO_ADDRESS, Address, Hash32
from evidence.verify import Report

if TYPE_CHECKING:
    from api.batch import BatchLog


@dataclass(frozen=True)
class Participant:
    """A participant known to this node, as authenticated by its API key."""

    address: Address
    name: str
    legal_id: str
    jurisdiction: str
    roles: frozenset[Role]
    keystore: str | None


log = logging.getLogger("borderledger.service")


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def _bytes(value: str) -> Hash32:
    return Hash32(bytes.fromhex(value[2:]))


def _roles(text: str) -> frozenset[Role]:
    return frozenset(Role(r) for r in text.split(",") if r)


class LedgerService:
    """One node's service over one consortium's contracts."""

    def __init__(
        self,
        engine: Engine,
        client: LedgerClient,
        keyring: Keyring,
        store: ContentStore,
        relayer: LocalAccount,
        max_document_bytes: int = 50 * 1024 * 1024,
        verify_pool: VerifyPool | None = None,
    ) -> None:
        self.max_document_bytes = max_document_bytes
        self.verify_pool = verify_pool or VerifyPool(1)
        self.engine = engine
        self.client = client
        self.keyring = keyring
        self.store = store
        self.relayer = relayer
        self._consignment_locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        # The Merkle log of batched entries, when this deployment has a CheckpointLog; its
        # entries join those of the ledger in lists, bundles and verification.
        self.batch_log: BatchLog | None = None

    # --- participants and keys ------------------------------------------------------

    def add_participant(
        self,
        address: str,
        keystore: str | None,
        name: str,
        legal_id: str,
        jurisdiction: str,
        roles: list[Role],
    ) -> Participant:
        """Record a participant this node knows (and, if custodial, holds the key of)."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.participants).values(
                    address=address,
                    name=name,
                    legal_id=legal_id,
                    jurisdiction=jurisdiction,
                    roles=",".join(r.value for r in roles),
                    keystore=keystore,
                )
            )
        return Participant(Address(address), name, legal_id, jurisdiction, frozenset(roles), keystore)

    def issue_api_key(self, address: str, label: str = "default") -> str:
        """A new API key for a participant; only its hash is stored."""
        key = new_api_key()
        with self.engine.begin() as conn:
            conn.execute(insert(db.api_keys).values(participant=address, key_hash=hash_api_key(key), label=label))
        return key

    def authenticate(self, api_key: str | None) -> Participant:
        """The participant an API key belongs to."""
        if not api_key:
            raise Unauthenticated("missing API key: send it in the X-API-Key header")
        with self.engine.connect() as conn:
            row = conn.execute(
                select(db.participants)
                .join(db.api_keys, db.api_keys.c.participant == db.participants.c.address)
                .where(db.api_keys.c.key_hash == hash_api_key(api_key))
            ).first()
        if row is None:
            raise Unauthenticated("unknown API key")
        return self._participant(row._mapping)

    def participant(self, address: str) -> Participant:
        """A participant known to this node."""
        with self.engine.connect() as conn:
            row = conn.execute(select(db.participants).where(db.participants.c.address == address)).first()
        if row is None:
            raise NotFound(f"no participant {address} on this node")
        return self._participant(row._mapping)

    def participants(self) -> list[dict[str, Any]]:
        """Every participant this node knows, with its status on chain."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.participants).order_by(db.participants.c.created_at)).all()
        return [self.describe_member(self._participant(r._mapping)) for r in rows]

    def describe_member(self, p: Participant) -> dict[str, Any]:
        """A participant with the registry's view of it."""
        info = self.client.member(p.address)
        return {
            "address": p.address,
            "name": p.name,
            "legal_id": p.legal_id,
            "jurisdiction": p.jurisdiction,
            "roles": sorted(r.value for r in (info.roles or p.roles)),
            "status": info.status,
            "custodial": p.keystore is not None,
        }

    def account(self, p: Participant) -> LocalAccount:
        """The custodial signing key of a participant."""
        if p.keystore is None:
            raise Forbidden("CustodialKeyRequired", f"{p.address} holds its own key; this node cannot sign for it")
        return self.keyring.unlock(p.address, p.keystore)

    def member_view(self, address: str) -> MemberView:
        """The registry's view of a member, as the rules need it."""
        return self.client.member(address).view()

    def _require_customs(self, caller: Participant) -> MemberView:
        view = self.member_view(caller.address)
        if not view.holds(Role.CUSTOMS):
            raise Forbidden(
                "ConsortiumRegistryMissingRole", "only an active customs administration may govern the consortium"
            )
        return view

    def register_participant(
        self,
        caller: Participant,
        name: str,
        legal_id: str,
        jurisdiction: str,
        roles: list[Role],
        address: str | None = None,
    ) -> dict[str, Any]:
        """A customs administration registers a member: an operator of its own jurisdiction
        directly, or another customs administration through a governance proposal.

        Without ``address`` the node creates and keeps the member's key (custodial); with
        it, the member holds its own key and signs its entries itself."""
        caller_view = self._require_customs(caller)
        is_customs = Role.CUSTOMS in roles
        if is_customs and len(roles) != 1:
            raise Forbidden("ConsortiumRegistryInvalidOperatorRole", "a customs administration holds only CUSTOMS")
        if not is_customs and caller_view.jurisdiction != jurisdiction:
            raise Forbidden(
                "ConsortiumRegistryForeignJurisdiction",
                f"a customs administration admits operators of its own jurisdiction only "
                f"({caller_view.jurisdiction}), not of {jurisdiction}",
            )
        keystore: str | None = None
        if address is None:
            account, keystore = self.keyring.create()
            address = account.address
        elif self._known(address):
            raise Conflict(f"{address} is already registered on this node")
        signer = self.account(caller)
        proposal: dict[str, Any] | None = None
        if is_customs:
            proposal_id, _ = self.client.propose_customs(signer, address, jurisdiction, legal_id, name)
            proposal = self.client.proposal(proposal_id)
        else:
            self.client.admit_operator(signer, address, roles, jurisdiction, legal_id, name)
        participant = self.add_participant(address, keystore, name, legal_id, jurisdiction, roles)
        api_key = self.issue_api_key(address)
        return {"participant": self.describe_member(participant), "api_key": api_key, "proposal": proposal}

    def set_suspended(self, caller: Participant, address: str, suspended: bool) -> dict[str, Any]:
        """A customs administration suspends or reinstates an operator of its jurisdiction."""
        caller_view = self._require_customs(caller)
        target = self.client.member(address)
        if target.status == "none":
            raise NotFound(f"{address} is not a member")
        if Role.CUSTOMS in target.roles:
            raise Forbidden(
                "ConsortiumRegistryCustomsNeedsGovernance", "customs administrations change only by proposal"
            )
        if target.jurisdiction != caller_view.jurisdiction:
            raise Forbidden(
                "ConsortiumRegistryForeignJurisdiction",
                f"a customs administration suspends and reinstates operators of its own jurisdiction only "
                f"({caller_view.jurisdiction}); {address} is in {target.jurisdiction}",
            )
        self.client.set_suspended(self.account(caller), address, suspended)
        return self.describe_member(self.participant(address)) if self._known(address) else {"address": address}

    def approve_proposal(self, caller: Participant, proposal_id: int) -> dict[str, Any]:
        """An active customs administration approves a governance proposal."""
        self._require_customs(caller)
        self.client.approve_proposal(self.account(caller), proposal_id)
        return self.client.proposal(proposal_id)

    def proposal(self, caller: Participant, proposal_id: int) -> dict[str, Any]:
        """A governance proposal."""
        return self.client.proposal(proposal_id)

    def _known(self, address: str) -> bool:
        with self.engine.connect() as conn:
            return (
                conn.execute(select(db.participants.c.address).where(db.participants.c.address == address)).first()
                is not None
            )

    @staticmethod
    def _participant(row: Any) -> Participant:
        return Participant(
            Address(row["address"]),
            row["name"],
            row["legal_id"],
            row["jurisdiction"],
            _roles(row["roles"]),
            row["keystore"],
        )

    # --- consignments ---------------------------------------------------------------

    def create_consignment(
        self,
        caller: Participant,
        reference: str,
        origin: str,
        destination: str,
        transit: list[str],
        importer: str,
        carrier: str,
    ) -> dict[str, Any]:
        """An exporter opens a consignment."""
        if not self.member_view(caller.address).holds(Role.EXPORTER):
            raise Forbidden("ConsignmentLedgerMissingRole", "only an active exporter may open a consignment")
        for address, role in ((importer, Role.IMPORTER), (carrier, Role.CARRIER)):
            if not self.member_view(address).holds(role):
                raise Forbidden("ConsignmentLedgerMissingRole", f"{address} is not an active {role.value.lower()}")
        cid = _hex(consignment_id(reference))
        with self.engine.connect() as conn:
            if conn.execute(select(db.consignments.c.id).where(db.consignments.c.id == cid)).first():
                raise Conflict(f"consignment {reference} already exists")
        _, receipt = self.client.create_consignment(
            self.account(caller), reference, origin, destination, transit, importer, carrier
        )
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.consignments).values(
                    id=cid,
                    reference=reference,
                    exporter=caller.address,
                    importer=importer,
                    origin=origin,
                    destination=destination,
                    transit=",".join(transit),
                    tx_hash=receipt.tx_hash,
                    block_number=receipt.block_number,
                )
            )
            for address, party in ((caller.address, "exporter"), (importer, "importer"), (carrier, "carrier")):
                conn.execute(insert(db.consignment_parties).values(consignment=cid, address=address, role=party))
        return self.get_consignment(caller, reference)

    def _consignment_row(self, reference: str) -> Any:
        with self.engine.connect() as conn:
            row = conn.execute(select(db.consignments).where(db.consignments.c.reference == reference)).first()
        if row is None:
            raise NotFound(f"no consignment {reference}")
        return row._mapping

    def _parties(self, cid: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(db.consignment_parties).where(db.consignment_parties.c.consignment == cid)).all()
        return {r.address: r.role for r in rows}

    def _view(self, info: ConsignmentInfo, cid: str) -> ConsignmentView:
        return self.client.consignment_view(info, frozenset(Address(a) for a in self._parties(cid)))

    def _readable(self, caller: Participant, reference: str) -> tuple[Any, ConsignmentInfo, ConsignmentView]:
        row = self._consignment_row(reference)
        info = self.client.consignment(_bytes(row["id"]))
        view = self._view(info, row["id"])
        if not may_read(self.member_view(caller.address), view):
            raise Forbidden(
                "ConsignmentReadAccess",
                f"consignment {reference} is visible only to its parties, customs of its jurisdictions and auditors",
            )
        return row, info, view

    def get_consignment(self, caller: Participant, reference: str) -> dict[str, Any]:
        """A consignment the caller may see."""
        row, info, _ = self._readable(caller, reference)
        return self._describe(row, info)

    def _describe(self, row: Any, info: ConsignmentInfo) -> dict[str, Any]:
        return {
            "id": row["id"],
            "reference": row["reference"],
            "exporter": info.exporter,
            "importer": info.importer,
            "carrier": info.carrier,
            "origin": info.origin,
            "destination": info.destination,
            "transit": list(info.transit),
            "entries": info.count,
            "head": _hex(info.head),
            "parties": self._parties(row["id"]),
            "tx_hash": row["tx_hash"],
            "block_number": row["block_number"],
        }

    def list_consignments(self, caller: Participant) -> list[dict[str, Any]]:
        """The consignments visible to the caller."""
        view = self.member_view(caller.address)
        query = select(db.consignments).order_by(db.consignments.c.created_at)
        if not view.holds(Role.AUDITOR):
            conditions: list[ColumnElement[bool]] = [
                db.consignments.c.id.in_(
                    select(db.consignment_parties.c.consignment).where(
                        db.consignment_parties.c.address == caller.address
                    )
                )
            ]
            if view.holds(Role.CUSTOMS):
                j = view.jurisdiction
                conditions += [
                    db.consignments.c.origin == j,
                    db.consignments.c.destination == j,
                    db.consignments.c.transit.like(f"%{j}%"),
                ]
            query = query.where(or_(*conditions))
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        out = []
        for r in rows:
            info = self.client.consignment(_bytes(r.id))
            if may_read(view, self._view(info, r.id)):
                out.append(self._describe(r._mapping, info))
        return out

    # --- events ---------------------------------------------------------------------

    def _lock(self, cid: str) -> threading.Lock:
        with self._locks_guard:
            return self._consignment_locks.setdefault(cid, threading.Lock())

    def append_event(
        self,
        caller: Participant,
        reference: str,
        event_type: EventType,
        payload: dict[str, Any],
        next_carrier: str | None,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Custodial append: the node signs the entry with the caller's key and anchors it.

        Returns the entry ``anchored``, or ``pending`` when the chain could not take it now
        (the outbox sends it later). With an idempotency key, a repeat returns the same entry.
        """
        account = self.account(caller)
        row = self._consignment_row(reference)
        cid = row["id"]
        payload_bytes = canonical_json(payload)
        with self._lock(cid):
            repeated = self._entry_by_idempotency(idempotency_key)
            if repeated is not None:
                return repeated
            info = self.client.consignment(_bytes(cid))
            self._authorise(caller, info, cid, event_type, next_carrier)
            seq, prev = self._next_position(cid, info)
            entry = replace(
                self._entry(info, event_type, payload_bytes, next_carrier, caller.address), seq=seq, prev_hash=prev
            )
            signature = sign_entry(entry, self.client.domain, account.key)
            return self._anchor(cid, entry, event_type, signature, payload_bytes, account, idempotency_key)

    def _entry_by_idempotency(self, key: str | None) -> dict[str, Any] | None:
        if key is None:
            return None
        with self.engine.connect() as conn:
            found = conn.execute(select(db.entries).where(db.entries.c.idempotency_key == key)).first()
            rejected = conn.execute(
                select(db.rejected_entries).where(db.rejected_entries.c.idempotency_key == key)
            ).first()
        if found is not None:
            return self._entry_out(found._mapping)
        if rejected is not None:
            raise Conflict(f"this request was accepted, then refused by the contract: {rejected.error}")
        return None

    def _next_position(self, cid: str, info: ConsignmentInfo) -> tuple[int, Hash32]:
        """Where the next entry goes: after the last entry still waiting in the outbox, else the chain head."""
        with self.engine.connect() as conn:
            if conn.execute(select(db.batch_heads.c.consignment).where(db.batch_heads.c.consignment == cid)).first():
                raise Conflict("this consignment is anchored in batches: append with POST /v1/batch/entries")
            last = conn.execute(
                select(db.entries.c.seq, db.entries.c.entry_hash)
                .where(db.entries.c.consignment == cid, db.entries.c.status == "pending")
                .order_by(db.entries.c.seq.desc())
                .limit(1)
            ).first()
        if last is not None and last.seq >= info.count:
            return last.seq + 1, _bytes(last.entry_hash)
        return info.count, info.head

    def head(self, caller: Participant, reference: str) -> dict[str, Any]:
        """What a client needs to build and sign the next entry of a consignment."""
        row, info, _ = self._readable(caller, reference)
        domain = self.client.domain
        with self.engine.connect() as conn:
            batched = conn.execute(select(db.batch_heads).where(db.batch_heads.c.consignment == row["id"])).first()
        if batched is not None:
            seq, prev = int(batched._mapping["count"]), _bytes(batched._mapping["head"])
        else:
            seq, prev = self._next_position(row["id"], info)
        return {
            "consignment": row["id"],
            "seq": seq,
            "prev_hash": _hex(prev),
            "domain": {
                "name": "BorderLedger",
                "version": "1",
                "chainId": domain.chain_id,
                "verifyingContract": domain.verifying_contract,
            },
        }

    def append_signed(
        self,
        caller: Participant,
        reference: str,
        event_type: EventType,
        payload: dict[str, Any],
        next_carrier: str | None,
        seq: int,
        prev_hash: str,
        signature: bytes,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Non-custodial append: the caller built and signed the entry; the node relays it."""
        row = self._consignment_row(reference)
        cid = row["id"]
        payload_bytes = canonical_json(payload)
        with self._lock(cid):
            repeated = self._entry_by_idempotency(idempotency_key)
            if repeated is not None:
                return repeated
            info = self.client.consignment(_bytes(cid))
            next_seq, next_prev = self._next_position(cid, info)
            entry = Entry(
                consignment=_bytes(cid),
                seq=seq,
                prev_hash=_bytes(prev_hash),
                event_type=Hash32(event_type.type_id),
                payload_hash=payload_hash(payload_bytes),
                cid=payload_cid(payload_bytes),
                next_carrier=Address(next_carrier or ZERO_ADDRESS),
                actor=caller.address,
            )
            digest = _hex(entry_hash(entry, self.client.domain))
            with self.engine.connect() as conn:
                if conn.execute(select(db.entries.c.seq).where(db.entries.c.entry_hash == digest)).first():
                    raise Conflict(
                        f"this signed entry is already recorded (entry hash {digest}); it cannot be replayed"
                    )
            if seq != next_seq or bytes(entry.prev_hash) != bytes(next_prev):
                raise Conflict(
                    f"stale head (ConsignmentLedgerStaleHead): the next entry is seq {next_seq} with prevHash "
                    f"{_hex(next_prev)}; fetch GET /v1/consignments/{reference}/head and sign again"
                )
            signer = recover_signer(entry, self.client.domain, signature)
            if signer != caller.address:
                raise Forbidden(
                    "ConsignmentLedgerInvalidSigner",
                    f"the signature recovers {signer}, not the caller {caller.address}: "
                    "an entry is signed by its author",
                )
            self._authorise(caller, info, cid, event_type, next_carrier)
            return self._anchor(cid, entry, event_type, signature, payload_bytes, self.relayer, idempotency_key)

    def may_append(self, caller: Participant, reference: str, event_type: EventType) -> RuleViolation | None:
        """The rule that would refuse ``caller`` appending ``event_type`` now, or None."""
        row = self._consignment_row(reference)
        info = self.client.consignment(_bytes(row["id"]))
        try:
            self._authorise(caller, info, row["id"], event_type, None)
        except RuleViolation as violation:
            return violation
        return None

    def _authorise(
        self, caller: Participant, info: ConsignmentInfo, cid: str, event_type: EventType, next_carrier: str | None
    ) -> None:
        view = self._view(info, cid)
        next_view = self.member_view(next_carrier) if next_carrier else None
        check_append(event_type, self.member_view(caller.address), view, next_view)

    @staticmethod
    def _entry(
        info: ConsignmentInfo, event_type: EventType, payload_bytes: bytes, next_carrier: str | None, actor: Address
    ) -> Entry:
        return Entry(
            consignment=info.id,
            seq=info.count,
            prev_hash=info.head,
            event_type=Hash32(event_type.type_id),
            payload_hash=payload_hash(payload_bytes),
            cid=payload_cid(payload_bytes),
            next_carrier=Address(next_carrier or ZERO_ADDRESS),
            actor=actor,
        )

    def _anchor(
        self,
        cid: str,
        entry: Entry,
        event_type: EventType,
        signature: bytes,
        payload_bytes: bytes,
        sender: LocalAccount,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        """Record the entry in the outbox, then try to anchor it now; the caller holds the lock.

        Once the outbox row is committed the entry is accepted: if the chain cannot take it
        now (node down, earlier entries still pending) it stays ``pending`` for the outbox
        worker. Only a refusal by the contract removes it, and the refusal is raised.
        """
        digest = entry_hash(entry, self.client.domain)
        # The payload goes to the content store first: chain + content alone rebuild the index.
        if self.store.put_raw(payload_bytes) != entry.cid:
            raise ContentIntegrityError(f"the content store did not store the payload as {entry.cid}")
        # The outbox row: written before the transaction, so nothing sent goes unrecorded.
        with self.engine.begin() as conn:
            conn.execute(
                insert(db.entries).values(
                    consignment=cid,
                    seq=entry.seq,
                    event_type=event_type.value,
                    prev_hash=_hex(entry.prev_hash),
                    payload_hash=_hex(entry.payload_hash),
                    cid=entry.cid,
                    next_carrier=entry.next_carrier,
                    actor=entry.actor,
                    signature=signature,
                    entry_hash=_hex(digest),
                    payload=payload_bytes.decode(),
                    status="pending",
                    idempotency_key=idempotency_key,
                )
            )
        try:
            count, _ = self.client.head(entry.consignment)
            if entry.seq != count:
                # Earlier entries still wait in the outbox: this one follows them there.
                return self._entry_out(self._entry_rows(cid, entry.seq)[0])
            result = self.client.append(sender, entry, signature)
        except ContractRevert:
            # Refused by the contract: nothing is on chain, so nothing stays in the index.
            with self.engine.begin() as conn:
                conn.execute(delete(db.entries).where(db.entries.c.consignment == cid, db.entries.c.seq == entry.seq))
            raise
        except Exception:
            log.warning("entry %s/%s kept pending: chain unavailable", cid, entry.seq, exc_info=True)
            self.client.sender.forget_nonces()
            return self._entry_out(self._entry_rows(cid, entry.seq)[0])
        self.mark_anchored(cid, entry.seq, event_type, entry.next_carrier, result)
        return self._entry_out(self._entry_rows(cid, entry.seq)[0])

    def mark_anchored(self, cid: str, seq: int, event_type: EventType, next_carrier: str, result: Any) -> None:
        """Record where an outbox entry landed on chain."""
        with self.engine.begin() as conn:
            conn.execute(
                update(db.entries)
                .where(db.entries.c.consignment == cid, db.entries.c.seq == seq)
                .values(
                    status="anchored",
                    tx_hash=result.receipt.tx_hash,
                    block_number=result.receipt.block_number,
                    log_index=result.log_index,
                    block_time=result.block_time,
                )
            )
            if event_type is EventType.HANDOVER and next_carrier not in self._parties(cid):
                conn.execute(
                    insert(db.consignment_parties).values(consignment=cid, address=next_carrier, role="carrier")
                )

    # --- documents ------------------------------------------------------------------

    def store_document(
        self, caller: Participant, content: bytes, document_type: DocumentType, filename: str, media_type: str
    ) -> DocumentRef:
        """Put a document in the content store; returns the reference an entry anchors."""
        stored = self.store.add(content)
        ref = DocumentRef(document_type, stored.sha256, stored.cid_v0, stored.cid_v1, stored.size, filename, media_type)
        with self.engine.begin() as conn:
            known = conn.execute(select(db.documents.c.cid).where(db.documents.c.cid == ref.cid)).first()
            if not known:
                conn.execute(
                    insert(db.documents).values(
                        cid=ref.cid, cid_v1=ref.cid_v1, sha256=ref.sha256, size=ref.size, uploaded_by=caller.address
                    )
                )
        return ref

    def attach_document(
        self,
        caller: Participant,
        reference: str,
        content: bytes,
        document_type: DocumentType,
        filename: str,
        media_type: str,
        event_time: str,
    ) -> dict[str, Any]:
        """Custodial: store a document and anchor it with a DOCUMENT_ATTACHED entry."""
        _, _, view = self._readable(caller, reference)
        check_append(EventType.DOCUMENT_ATTACHED, self.member_view(caller.address), view, None)
        self.account(caller)
        ref = self.store_document(caller, content, document_type, filename, media_type)
        entry = self.append_event(caller, reference, EventType.DOCUMENT_ATTACHED, document_event(ref, event_time), None)
        return {"document": ref.to_json(), "entry": entry}

    def read_document(self, caller: Participant, cid: str) -> tuple[bytes, DocumentRef | None]:
        """The verified bytes of a document the caller may see."""
        refs = self._document_entries(cid)
        with self.engine.connect() as conn:
            row = conn.execute(
                select(db.documents).where(or_(db.documents.c.cid == cid, db.documents.c.cid_v1 == cid))
            ).first()
        if row is None:
            raise NotFound(f"no document {cid}")
        readable = row.uploaded_by == caller.address
        for reference, _ in refs:
            try:
                self._readable(caller, reference)
                readable = True
                break
            except Forbidden:
                continue
        if not readable:
            raise Forbidden(
                "DocumentReadAccess",
                "a document is visible to its uploader and to whoever may read a consignment it is attached to",
            )
        content = self.store.cat(row.cid)
        return content, refs[0][1] if refs else None

    def _document_entries(self, cid: str) -> list[tuple[str, DocumentRef]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(db.consignments.c.reference, db.entries.c.payload)
                .join(db.consignments, db.consignments.c.id == db.entries.c.consignment)
                .where(db.entries.c.event_type == EventType.DOCUMENT_ATTACHED.value)
                .where(db.entries.c.payload.contains(cid))
            ).all()
        out = []
        for r in rows:
            ref = document_in(json.loads(r.payload))
            if ref is not None and cid in (ref.cid, ref.cid_v1):
                out.append((r.reference, ref))
        return out

    def _entry_rows(self, cid: str, seq: int | None = None) -> list[Any]:
        query = select(db.entries).where(db.entries.c.consignment == cid).order_by(db.entries.c.seq)
        if seq is not None:
            query = query.where(db.entries.c.seq == seq)
        with self.engine.connect() as conn:
            return [r._mapping for r in conn.execute(query).all()]

    @staticmethod
    def _entry_out(r: Any) -> dict[str, Any]:
        return {
            "seq": r["seq"],
            "event_type": r["event_type"],
            "actor": r["actor"],
            "entry_hash": r["entry_hash"],
            "prev_hash": r["prev_hash"],
            "payload_hash": r["payload_hash"],
            "cid": r["cid"],
            "next_carrier": None if r["next_carrier"] == ZERO_ADDRESS else r["next_carrier"],
            "signature": "0x" + bytes(r["signature"]).hex(),
            "payload": json.loads(r["payload"]),
            "status": r["status"],
            "tx_hash": r["tx_hash"],
            "block_number": r["block_number"],
            "log_index": r["log_index"],
            "block_time": r["block_time"],
        }

    def list_events(self, caller: Participant, reference: str) -> list[dict[str, Any]]:
        """The entries of a consignment the caller may see."""
        row, _, _ = self._readable(caller, reference)
        out = [self._entry_out(r) for r in self._entry_rows(row["id"])]
        if self.batch_log is not None:
            for r, checkpoint in self.batch_log.entries_of(row["id"]):
                where = checkpoint or {"tx_hash": None, "block_number": None, "log_index": None, "block_time": None}
                status = "anchored" if checkpoint else "batched"
                out.append({**self._entry_out({**r, **where, "status": status}), "leaf_index": r["leaf_index"]})
        return out

    # --- verification ---------------------------------------------------------------

    def _document_for(self, payload: str) -> tuple[bytes | None, str | None]:
        try:
            ref = document_in(json.loads(payload))
        except ValueError:
            return None, None
        if ref is None:
            return None, None
        try:
            return self.store.cat(ref.cid), None
        except ContentIntegrityError as exc:
            return None, str(exc)
        except ContentNotFound as exc:
            return None, f"missing from the content store: {exc}"

    def bundle(self, caller: Participant, reference: str, include_documents: bool = True) -> dict[str, Any]:
        """The evidence bundle of a consignment (see docs/evidence-bundle.md)."""
        bundle, _ = self._bundle(caller, reference, include_documents)
        return bundle.model_dump(mode="json")

    def _bundle(self, caller: Participant, reference: str, include_documents: bool) -> tuple[Bundle, dict[str, str]]:
        row, _, _ = self._readable(caller, reference)
        cid = row["id"]
        created = self.client.logs.consignments(_bytes(cid))
        if not created:
            raise NotFound(f"consignment {reference} is not on this chain")
        opened = created[0]
        entries: list[dict[str, Any]] = []
        documents: list[dict[str, Any]] = []
        document_errors: dict[str, str] = {}
        accounts = {opened.exporter, opened.importer, opened.carrier}
        rows = [(r, r) for r in self._entry_rows(cid) if r["status"] == "anchored"]
        checkpoints: list[dict[str, Any]] = []
        inclusion_proof: list[str] = []
        if self.batch_log is not None:
            batched, checkpoints, inclusion_proof = self.batch_log.evidence(cid)
            rows += batched
        for r, where in rows:
            accounts.add(r["actor"])
            if r["next_carrier"] != ZERO_ADDRESS:
                accounts.add(r["next_carrier"])
            entries.append(
                {
                    "seq": r["seq"],
                    "event_type": r["event_type"],
                    "prev_hash": r["prev_hash"],
                    "payload_hash": r["payload_hash"],
                    "cid": r["cid"],
                    "next_carrier": r["next_carrier"],
                    "actor": r["actor"],
                    "signature": "0x" + bytes(r["signature"]).hex(),
                    "entry_hash": r["entry_hash"],
                    "payload": r["payload"],
                    "tx_hash": where["tx_hash"],
                    "block_number": where["block_number"],
                    "log_index": where["log_index"],
                    "block_time": where["block_time"],
                    "leaf_index": r.get("leaf_index"),
                }
            )
            try:
                ref = document_in(json.loads(r["payload"]))
            except ValueError:
                ref = None
            if ref is None:
                continue
            content: str | None = None
            if include_documents:
                try:
                    content = base64.b64encode(self.store.cat(ref.cid)).decode()
                except ContentIntegrityError as exc:
                    document_errors[ref.cid] = str(exc)
                except ContentNotFound as exc:
                    document_errors[ref.cid] = f"missing from the content store: {exc}"
            documents.append({"cid": ref.cid, "sha256": ref.sha256, "content_base64": content})
        manifest = self.client.manifest
        bundle = build_bundle(
            chain_id=manifest.chain_id,
            contracts={name: (c.address, c.block) for name, c in manifest.contracts.items()},
            consignment={
                "reference": opened.reference,
                "id": opened.id,
                "exporter": opened.exporter,
                "importer": opened.importer,
                "carrier": opened.carrier,
                "origin": opened.origin,
                "destination": opened.destination,
                "transit": list(opened.transit),
                "tx_hash": opened.tx_hash,
                "block_number": opened.block_number,
            },
            members=self.client.logs.membership(sorted(accounts)),
            entries=entries,
            documents=documents,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            checkpoints=checkpoints,
            inclusion_proof=inclusion_proof,
        )
        return bundle, document_errors

    def verify(self, caller: Participant, reference: str) -> Report:
        """Verify a consignment: its bundle, checked against this node's chain and content store."""
        bundle, document_errors = self._bundle(caller, reference, include_documents=True)
        executor = self.verify_pool.for_entries(len(bundle.entries))
        return verify_bundle(bundle, self.client.online_facts(bundle), document_errors, executor)
