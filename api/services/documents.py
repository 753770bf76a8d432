"""Trade documents in the content store: upload, anchoring by a DOCUMENT_ATTACHED entry,
and download by whoever may read a consignment the document is attached to."""

from __future__ import annotations

import json
from typing import Any

from api.index.rows import Participant
from api.services.appends import AppendsService
from api.services.consignments import ConsignmentsService
from api.services.errors import NotFound
from api.services.members import MembersService
from api.services.node import Node
from evidence.documents import DocumentRef, DocumentType, document_event, document_in
from evidence.errors import RuleViolation
from evidence.event_types import EventType


class DocumentsService:
    """Documents and their anchoring."""

    def __init__(
        self, node: Node, members: MembersService, consignments: ConsignmentsService, appends: AppendsService
    ) -> None:
        self.node = node
        self.members = members
        self.consignments = consignments
        self.appends = appends

    @property
    def max_bytes(self) -> int:
        """The size limit of a document."""
        return self.node.max_document_bytes

    def store(
        self, caller: Participant, content: bytes, document_type: DocumentType, filename: str, media_type: str
    ) -> DocumentRef:
        """Put a document in the content store; returns the reference an entry anchors."""
        stored = self.node.store.add(content)
        ref = DocumentRef(document_type, stored.sha256, stored.cid_v0, stored.cid_v1, stored.size, filename, media_type)
        self.node.index.add_document(ref.cid, ref.cid_v1, ref.sha256, ref.size, caller.address)
        return ref

    def attach(
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
        consignment = self.consignments.readable(caller, reference)[0].id
        violation = self.appends.may_append(caller, consignment, EventType.DOCUMENT_ATTACHED)
        if violation is not None:
            raise violation
        self.members.account(caller)
        ref = self.store(caller, content, document_type, filename, media_type)
        payload = document_event(ref, event_time)
        entry = self.appends.append_event(caller, consignment, EventType.DOCUMENT_ATTACHED, payload, None)
        return {"document": ref.to_json(), "entry": entry}

    def read(self, caller: Participant, cid: str) -> tuple[bytes, DocumentRef | None]:
        """The verified bytes of a document the caller may see: its uploader, and whoever may
        read a consignment its uploader attached it to. Knowing a CID gives nothing: CIDs
        are not secrets, and attaching someone else's document to one's own consignment
        does not open it."""
        row = self.node.index.document(cid)
        if row is None:
            raise NotFound(f"no document {cid}")
        attached = self._attachments(cid, row["uploaded_by"])
        readable = row["uploaded_by"] == caller.address
        for consignment, _ in attached:
            if readable:
                break
            try:
                self.consignments.readable(caller, consignment)
                readable = True
            except RuleViolation:
                continue
        if not readable:
            raise RuleViolation(
                "DocumentReadAccess",
                "a document is visible to its uploader and to whoever may read a consignment it is attached to",
            )
        content = self.node.store.cat(row["cid"])
        return content, attached[0][1] if attached else None

    def _attachments(self, cid: str, uploader: str) -> list[tuple[str, DocumentRef]]:
        """(consignment id, document reference) of every DOCUMENT_ATTACHED entry naming ``cid``
        that its uploader wrote."""
        out = []
        for _, entry in self.node.index.entries_of_type(EventType.DOCUMENT_ATTACHED, cid):
            if entry.actor.lower() != uploader.lower():
                continue
            ref = document_in(json.loads(entry.payload))
            if ref is not None and cid in (ref.cid, ref.cid_v1):
                out.append((entry.consignment_id, ref))
        return out
