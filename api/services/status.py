"""Customs status on line for traders: where each of a party's consignments stands at each
border (``evidence.status``), now and as a live feed."""

from __future__ import annotations

import json
from typing import Any

from api.index.rows import ConsignmentRow, Participant
from api.services.consignments import ConsignmentsService
from api.services.errors import NotFound
from api.services.members import MembersService
from api.services.node import Node
from evidence.status import StatusEntry, border_status


class StatusService:
    """Border status of consignments, for their parties."""

    def __init__(self, node: Node, members: MembersService, consignments: ConsignmentsService) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self._jurisdictions: dict[str, str] = {}
        # consignment id → ((last seq, its entry hash), its status): recomputed only on change
        self._cache: dict[str, tuple[tuple[int, str], dict[str, Any]]] = {}

    def _jurisdiction(self, address: str) -> str:
        if address not in self._jurisdictions:
            try:
                self._jurisdictions[address] = self.members.participant(address).jurisdiction
            except NotFound:
                return ""  # not followed yet: asked again next time
        return self._jurisdictions[address]

    def of(self, row: ConsignmentRow) -> dict[str, Any]:
        """The status of one consignment (every entry the node holds, anchored or pending). The
        feed asks every half second: only a new last entry makes it read the entries again."""
        last = self.node.index.last_entry(row.id)
        version = (last.seq, last.entry_hash) if last is not None else (-1, "")
        cached = self._cache.get(row.id)
        if cached is not None and cached[0] == version:
            return cached[1]
        entries = self.node.index.entries_of(row.id)
        route = [row.origin, *row.transit, row.destination]
        seen = [StatusEntry(e.seq, e.event_type, json.loads(e.payload), self._jurisdiction(e.actor)) for e in entries]
        status = {"consignment": row.reference, "consignment_id": row.id, "borders": border_status(route, seen)}
        self._cache[row.id] = (version, status)
        return status

    def consignment(self, caller: Participant, reference: str) -> dict[str, Any]:
        """One consignment's status, for whoever may read it."""
        row, _, _ = self.consignments.readable(caller, reference)
        return self.of(row)

    def mine(self, caller: Participant) -> list[dict[str, Any]]:
        """The status of every consignment the caller is a party to (exporter, importer, a
        carrier), and of no other."""
        rows = self.node.index.candidate_consignments(caller.address, None, False)
        return [self.of(row) for row in rows]
