"""Consignments: opening them, who may read them, their entries and their head."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from api.index.rows import ConsignmentRow, Participant
from api.services.errors import Conflict
from api.services.members import MembersService
from api.services.node import Node
from chain.ledger import ConsignmentInfo
from evidence.consignment_id import consignment_id, looks_like_id
from evidence.errors import RuleViolation
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView, check_opening, check_readable, check_unambiguous, may_read
from evidence.types import Address, Hash32, hash32, to_hex


class ConsignmentsService:
    """Consignments on the ledger, as this node indexes them."""

    def __init__(self, node: Node, members: MembersService) -> None:
        self.node = node
        self.members = members
        # Consignments the ledger takes single entries for, and what the ledger holds of those
        # anchored in batches: both fixed once a consignment is opened (batched entries never
        # move the ledger's count, head or carrier), so read from the chain once.
        self._single: set[str] = set()
        self._batched: dict[str, ConsignmentInfo] = {}

    def create(
        self,
        caller: Participant,
        reference: str,
        origin: str,
        destination: str,
        transit: list[str],
        importer: str,
        carrier: str,
        batched: bool = False,
    ) -> dict[str, Any]:
        """An exporter opens a consignment; a ``batched`` one takes its entries through the
        Merkle log only (the ledger contract holds it to that)."""
        opened_id = to_hex(consignment_id(caller.address, reference))
        exists = self.node.index.consignment(opened_id) is not None
        view = self.members.view
        check_opening(view(caller.address), view(importer), view(carrier), exists)
        account = self.members.account(caller)
        _, receipt = self.node.chain.create_consignment(
            account, reference, origin, destination, transit, importer, carrier, batched
        )
        row = ConsignmentRow(
            opened_id,
            reference,
            caller.address,
            Address(importer),
            origin,
            destination,
            tuple(transit),
            receipt.tx_hash,
            receipt.block_number,
        )
        parties = [(caller.address, "exporter"), (importer, "importer"), (carrier, "carrier")]
        self.node.index.add_consignment(row, parties)
        return self.get(caller, opened_id)

    def info(self, row: ConsignmentRow) -> ConsignmentInfo:
        """The ledger's record of the consignment."""
        known = self._batched.get(row.id)
        return known if known is not None else self.node.chain.consignment(hash32(row.id))

    def view(self, info: ConsignmentInfo, row: ConsignmentRow) -> ConsignmentView:
        """The rules' view of the consignment (with every carrier that ever held custody).

        The ledger contract follows custody through the entries it anchors; a consignment
        anchored through the Merkle log hands custody over in its log entries, so there the
        latest accepted HANDOVER says who holds it."""
        index = self.node.index
        parties = frozenset(Address(a) for a in index.parties(row.id))
        view = self.node.chain.consignment_view(info, parties)
        # A consignment the ledger takes single entries for has no log entries to look at.
        batched = row.id not in self._single and index.is_batched(row.id)
        handed_to = index.last_handover(row.id) if batched else None
        return replace(view, carrier=Address(handed_to)) if handed_to else view

    def readable(
        self, caller: Participant, key: str, reader: MemberView | None = None
    ) -> tuple[ConsignmentRow, ConsignmentInfo, ConsignmentView]:
        """The consignment ``key`` names (its id, or a reference: see :meth:`_named`), if the
        caller may read it; refused alike when it does not exist. ``reader``: the caller's
        member view, when the caller has it already."""
        reader = reader or self.members.view_of(caller)
        found = self._by_id(key) if looks_like_id(key) else self._named(reader, key)
        if found is None:
            check_readable(reader, None, key)
            raise AssertionError("unreachable: an unknown consignment is always refused")
        row, info, view = found
        check_readable(reader, view, key)
        return row, info, view

    @contextmanager
    def held(
        self, caller: Participant, key: str, reader: MemberView
    ) -> Iterator[tuple[ConsignmentRow, ConsignmentInfo, ConsignmentView]]:
        """:meth:`readable` under the consignment's lock, as the ledger records it now (its
        head cannot move under the lock: this node's appends take it, and any other node's
        is refused by the contract as a stale head).

        Where the key can name one consignment only, the ledger is read once, under the
        lock; otherwise each candidate is read to find the caller's, then it again."""
        rows = self._candidates(reader, key)
        row = rows[0] if len(rows) == 1 else self.readable(caller, key, reader)[0]
        with self.node.locks.of(row.id):
            info = self.info(row)
            view = self.view(info, row)
            # By reference, one the caller may not read is refused as if it did not exist.
            by_id = looks_like_id(key)
            check_readable(reader, view if by_id or may_read(reader, view) else None, key)
            yield row, info, view

    def _candidates(self, reader: MemberView, key: str) -> list[ConsignmentRow]:
        """The consignments ``key`` may name for ``reader`` (see :meth:`_named`), unread."""
        if looks_like_id(key):
            row = self.node.index.consignment(key)
            return [row] if row is not None else []
        rows = self.node.index.consignments_named(key)
        return [row for row in rows if row.exporter.lower() == reader.address.lower()] or rows

    def _by_id(self, key: str) -> tuple[ConsignmentRow, ConsignmentInfo, ConsignmentView] | None:
        row = self.node.index.consignment(key)
        if row is None:
            return None
        info = self.info(row)
        return row, info, self.view(info, row)

    def _named(
        self, reader: MemberView, reference: str
    ) -> tuple[ConsignmentRow, ConsignmentInfo, ConsignmentView] | None:
        """References are per exporter: the caller's own consignment of that reference, else
        the only one of any exporter the caller may read; several are refused as ambiguous."""
        readable = []
        for row in self._candidates(reader, reference):
            info = self.info(row)
            view = self.view(info, row)
            if may_read(reader, view):
                readable.append((row, info, view))
        check_unambiguous(reference, [row.id for row, _, _ in readable])
        return readable[0] if readable else None

    def get(self, caller: Participant, reference: str) -> dict[str, Any]:
        """A consignment the caller may see."""
        row, info, _ = self.readable(caller, reference)
        return self._describe(row, info)

    def visible(self, caller: Participant) -> list[dict[str, Any]]:
        """The consignments visible to the caller."""
        member = self.members.view_of(caller)
        customs_of = member.jurisdiction if member.holds(Role.CUSTOMS) else None
        candidates = self.node.index.candidate_consignments(caller.address, customs_of, member.holds(Role.AUDITOR))
        out = []
        for row in candidates:
            info = self.info(row)
            if may_read(member, self.view(info, row)):
                out.append(self._describe(row, info))
        return out

    def events(self, caller: Participant, reference: str) -> list[dict[str, Any]]:
        """The entries of a consignment the caller may see, in order."""
        row, _, _ = self.readable(caller, reference)
        return [e.public() for e in self.node.index.entries_of(row.id)]

    def next_position(self, row: ConsignmentRow, info: ConsignmentInfo) -> tuple[int, Hash32]:
        """Where the next entry goes: after the last accepted entry (pending in the outbox or
        in the Merkle log), else after the chain's head."""
        # Batched entries never reach the ledger's count, so for them the index is the head.
        last = self.node.index.last_entry(row.id)
        if last is not None and last.seq >= info.count:
            return last.seq + 1, hash32(last.entry_hash)
        return info.count, info.head

    def require_single(self, row: ConsignmentRow) -> None:
        """Refuse a single append to a consignment whose entries go through the Merkle log."""
        if row.id in self._single:
            return
        if self.node.chain.is_batched(hash32(row.id)):
            raise RuleViolation(
                "ConsignmentLedgerBatchedConsignment",
                "this consignment is anchored in batches: append with POST /v1/batch/entries",
            )
        self._single.add(row.id)

    def require_batched(self, row: ConsignmentRow) -> None:
        """Refuse a bulk entry for a consignment opened for single, ledger-anchored entries."""
        if row.id in self._batched:
            return
        if not self.node.chain.is_batched(hash32(row.id)):
            raise Conflict(
                f"{row.reference} is anchored entry by entry: its entries go to …/events; open a consignment "
                "with anchoring=log for the Merkle log"
            )
        self._batched[row.id] = self.node.chain.consignment(hash32(row.id))

    def head(self, caller: Participant, reference: str) -> dict[str, Any]:
        """What a client needs to build and sign the next entry of a consignment."""
        row, info, _ = self.readable(caller, reference)
        seq, prev = self.next_position(row, info)
        domain = self.node.chain.domain
        return {
            "consignment": row.id,
            "reference": row.reference,
            "exporter": info.exporter,
            "seq": seq,
            "prev_hash": to_hex(prev),
            "domain": {
                "name": "BorderLedger",
                "version": "1",
                "chainId": domain.chain_id,
                "verifyingContract": domain.verifying_contract,
            },
        }

    def _describe(self, row: ConsignmentRow, info: ConsignmentInfo) -> dict[str, Any]:
        return {
            "id": row.id,
            "reference": row.reference,
            "exporter": info.exporter,
            "importer": info.importer,
            "carrier": info.carrier,
            "origin": info.origin,
            "destination": info.destination,
            "transit": list(info.transit),
            "entries": info.count,
            "head": to_hex(info.head),
            "anchoring": "log" if self.node.chain.is_batched(info.id) else "ledger",
            "parties": self.node.index.parties(row.id),
            "tx_hash": row.tx_hash,
            "block_number": row.block_number,
        }
