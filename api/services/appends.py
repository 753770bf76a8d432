"""Appending single entries: signed by the node with a custodial key, or by the client and
relayed; accepted into the outbox, then anchored by their own ledger transaction."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

from eth_account.signers.local import LocalAccount

from api.index.rows import AnchorKind, ChainLocation, ConsignmentRow, EntryStatus, Participant, StoredEntry
from api.services.consignments import ConsignmentsService
from api.services.errors import Conflict
from api.services.members import MembersService
from api.services.node import Node
from chain.errors import ContractRevert
from chain.ledger import AppendResult, ConsignmentInfo
from content.store import ContentIntegrityError
from evidence.canonical import canonical_json
from evidence.eip712 import entry_hash, sign_entry
from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.payload_rules import check_payload
from evidence.rules import ConsignmentView, MemberView, check_append, check_signed_entry
from evidence.signed_entries import build_entry
from evidence.types import ZERO_ADDRESS, hash32, to_hex

log = logging.getLogger("borderledger.appends")


class AppendsService:
    """Single appends and their anchoring."""

    def __init__(self, node: Node, members: MembersService, consignments: ConsignmentsService) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments

    def authorise(
        self,
        actor: str,
        row: ConsignmentRow,
        info: ConsignmentInfo,
        event_type: EventType,
        next_carrier: str | None,
        actor_view: MemberView | None = None,
        view: ConsignmentView | None = None,
    ) -> None:
        """RuleViolation unless ``actor`` may append ``event_type`` now (``actor_view`` and
        ``view``: the actor's and the consignment's, when the caller read them already)."""
        view = view or self.consignments.view(info, row)
        next_view = self.members.view(next_carrier) if next_carrier else None
        check_append(event_type, actor_view or self.members.view(actor), view, next_view)

    def may_append(self, caller: Participant, reference: str, event_type: EventType) -> RuleViolation | None:
        """The rule that would refuse ``caller`` appending ``event_type`` now, or None."""
        try:
            row, info, _ = self.consignments.readable(caller, reference)
            self.authorise(caller.address, row, info, event_type, None)
        except RuleViolation as violation:
            return violation
        return None

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
        account = self.members.account(caller)
        actor = self.members.view_of(caller)  # read once: for reading and for appending
        payload_bytes = canonical_json(payload)
        with self.consignments.held(caller, reference, actor) as (row, info, view):
            repeated = self._repeated(idempotency_key)
            if repeated is not None:
                return repeated
            self.consignments.require_single(row)
            self.authorise(caller.address, row, info, event_type, next_carrier, actor, view)
            check_payload(event_type, payload, caller.jurisdiction)
            seq, prev = self.consignments.next_position(row, info)
            entry = build_entry(info.id, seq, prev, event_type, payload_bytes, next_carrier, caller.address)
            domain = self.node.chain.domain
            signature = sign_entry(entry, domain, account.key)
            stored = StoredEntry.accepted(
                entry,
                entry_hash(entry, domain),
                signature,
                payload_bytes,
                event_type,
                AnchorKind.LEDGER,
                time.time(),
                idempotency_key=idempotency_key,
            )
            return self._accept(stored, account, info.count)

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
        """Non-custodial append: the caller built and signed the entry; the node relays it.

        Nothing about the consignment's state is told before the caller is known to read it
        and allowed to append this event, and the signature is known to be the caller's."""
        actor = self.members.view_of(caller)  # read once: for reading and for appending
        payload_bytes = canonical_json(payload)
        with self.consignments.held(caller, reference, actor) as (row, info, view):
            repeated = self._repeated(idempotency_key)
            if repeated is not None:
                return repeated
            self.consignments.require_single(row)
            entry = build_entry(
                info.id, seq, hash32(prev_hash), event_type, payload_bytes, next_carrier, caller.address
            )
            domain = self.node.chain.domain
            self.authorise(caller.address, row, info, event_type, next_carrier, actor, view)
            check_payload(event_type, payload, caller.jurisdiction)
            next_seq, head = self.consignments.next_position(row, info)
            if self.node.index.entry_by_hash(to_hex(entry_hash(entry, domain))) is not None:
                raise Conflict("this signed entry is already recorded; it cannot be replayed")
            digest = check_signed_entry(entry, signature, domain, next_seq, head)
            stored = StoredEntry.accepted(
                entry,
                digest,
                signature,
                payload_bytes,
                event_type,
                AnchorKind.LEDGER,
                time.time(),
                idempotency_key=idempotency_key,
            )
            return self._accept(stored, self.node.relayer, info.count)

    def _repeated(self, key: str | None) -> dict[str, Any] | None:
        if key is None:
            return None
        found = self.node.index.entry_by_idempotency(key)
        if found is not None:
            return found.public()
        refusal = self.node.index.rejection_of(key)
        if refusal is not None:
            raise Conflict(f"this request was accepted, then refused by the contract: {refusal}")
        return None

    def _accept(self, stored: StoredEntry, sender: LocalAccount, chain_count: int) -> dict[str, Any]:
        """Record the entry in the outbox, then try to anchor it now; the caller holds the lock
        and read ``chain_count``, the ledger's count of the consignment's entries, under it.

        Once the outbox row is committed the entry is accepted: if the chain cannot take it
        now (node down, earlier entries still pending) it stays ``pending`` for the outbox
        worker. Only a refusal by the contract removes it, and the refusal is raised.
        """
        # The payload goes to the content store first: chain + content alone rebuild the index.
        if self.node.store.put_raw(stored.payload.encode()) != stored.payload_cid:
            raise ContentIntegrityError(f"the content store did not store the payload as {stored.payload_cid}")
        index = self.node.index
        index.add_entry(stored)  # the outbox row: written before the transaction is sent
        chain = self.node.chain
        if stored.seq != chain_count:
            return stored.public()  # earlier entries still wait in the outbox: this one follows them
        try:
            result = chain.append(sender, stored.evidence(), stored.signature)
        except ContractRevert:
            index.delete_entry(stored.consignment_id, stored.seq)  # refused: nothing is on chain
            raise
        except Exception:
            log.warning("entry %s/%s kept pending: chain unavailable", stored.consignment_id, stored.seq, exc_info=True)
            chain.sender.forget_nonces()
            return stored.public()
        return self.mark_anchored(stored, result).public()

    def mark_anchored(self, stored: StoredEntry, result: AppendResult) -> StoredEntry:
        """Record where an entry landed on chain; a HANDOVER makes its new carrier a party.
        Returns the entry as the index now holds it."""
        where = ChainLocation(result.receipt.tx_hash, result.receipt.block_number, result.log_index, result.block_time)
        handover = stored.event_type is EventType.HANDOVER and stored.next_carrier != ZERO_ADDRESS
        self.node.index.mark_anchored(
            stored.consignment_id, stored.seq, where, (stored.next_carrier, "carrier") if handover else None
        )
        self.node.anchored_here.add(stored.consignment_id, stored.seq, stored.entry_hash)
        return replace(stored, status=EntryStatus.ANCHORED, location=where)
