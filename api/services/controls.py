"""Customs control results of a consignment and whether a partner administration recognises
them, as of a block (the decision is ``evidence.recognition``'s)."""

from __future__ import annotations

import json
from typing import Any

from api.index.rows import ConsignmentRow, EntryStatus, Participant
from api.services.consignments import ConsignmentsService
from api.services.node import Node
from chain.aeo import AEOClient
from evidence.errors import LedgerValueError
from evidence.recognition import LedgerEvent, MraView, recognise


class ControlsService:
    """Control results and their recognition by partner customs."""

    def __init__(self, node: Node, consignments: ConsignmentsService, aeo: AEOClient | None) -> None:
        self.node = node
        self.consignments = consignments
        self.aeo = aeo

    def block_and_time(self, block: int | None) -> tuple[int, int]:
        """The block asked about (default: the latest) and its timestamp."""
        w3 = self.node.chain.w3
        latest = int(w3.eth.block_number)
        at = latest if block is None else block
        if not 0 <= at <= latest:
            raise LedgerValueError(f"block: {at} is not a block of this chain yet (latest is {latest})")
        return at, int(w3.eth.get_block(at)["timestamp"])

    def recognition(self, caller: Participant, reference: str, by: str, block: int | None) -> dict[str, Any]:
        """Each control result anchored by ``block`` (default: the latest), and whether
        customs of ``by`` recognises it then."""
        if len(by) != 2 or not by.isalpha() or not by.isupper():
            raise LedgerValueError(f"by: {by!r} is not a jurisdiction (ISO 3166 alpha-2, e.g. DE)")
        row, _, _ = self.consignments.readable(caller, reference)
        at, time = self.block_and_time(block)
        return {
            "consignment": row.reference,
            "consignment_id": row.id,
            "by": by,
            "block": at,
            "block_time": time,
            "controls": self.recognitions(row, by, at, time),
        }

    def recognitions(
        self, row: ConsignmentRow, by: str, at: int, time: int, events: list[LedgerEvent] | None = None
    ) -> list[dict[str, Any]]:
        """``evidence.recognition.recognise`` over the consignment's anchored entries (``events``,
        if the caller read them already) and the MRAs as the registry held them at block ``at``."""
        if events is None:
            events = [
                LedgerEvent(e.seq, e.event_type, json.loads(e.payload), where.block_number, where.log_index)
                for e in self.node.index.entries_of(row.id, EntryStatus.ANCHORED)
                if (where := e.location) is not None
            ]
        return recognise(by, events, self.mra_views(at), at, time)

    def mra_views(self, at: int) -> list[MraView]:
        """Every MRA as the registry held it at block ``at``."""
        return [
            MraView(
                m["id"],
                m["proposer"],
                m["partner"],
                m["controls"],
                m["valid_until"],
                m["accepted_at"] or 0,
                m["terminated_at"] or 0,
            )
            for m in (self.aeo.mras(at) if self.aeo is not None else [])
        ]
