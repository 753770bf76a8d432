"""Rebuilding the service's index from the chain's logs and the content store.

Node-local secrets (custodial keystores, API keys) are not on chain and are kept; every
other table is rebuilt, so a second organisation's node with an empty database and the
same chain and content reaches the same verification results.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete, insert, select

from api import db
from api.service import LedgerService
from evidence.documents import document_in
from evidence.event_types import EventType
from evidence.types import ZERO_ADDRESS

Progress = Callable[[str, int, int], None]
"""progress(stage, done, total)"""


@dataclass
class ReindexStats:
    """What a rebuild found."""

    participants_added: int = 0
    consignments: int = 0
    entries: int = 0
    documents: int = 0


def reindex(service: LedgerService, progress: Progress | None = None) -> ReindexStats:
    """Rebuild consignments, parties, entries and documents; add members missing from the directory."""
    report = progress or (lambda stage, done, total: None)
    logs = service.client.logs
    stats = ReindexStats()

    members = logs.membership()
    with service.engine.begin() as conn:
        known = {r.address for r in conn.execute(select(db.participants.c.address)).all()}
    for done, address in enumerate(sorted(members), start=1):
        if address not in known:
            info = service.client.member(address)
            roles = sorted(info.roles, key=lambda r: r.value)
            service.add_participant(address, None, info.name, info.legal_id, info.jurisdiction, roles)
            stats.participants_added += 1
        report("members", done, len(members))

    created = logs.consignments()
    entries = logs.entries()
    with service.engine.begin() as conn:
        for table in (db.documents, db.entries, db.consignment_parties, db.consignments):
            conn.execute(delete(table))
        for done, c in enumerate(created, start=1):
            conn.execute(
                insert(db.consignments).values(
                    id=c.id,
                    reference=c.reference,
                    exporter=c.exporter,
                    importer=c.importer,
                    origin=c.origin,
                    destination=c.destination,
                    transit=",".join(c.transit),
                    tx_hash=c.tx_hash,
                    block_number=c.block_number,
                )
            )
            for address, role in ((c.exporter, "exporter"), (c.importer, "importer"), (c.carrier, "carrier")):
                conn.execute(insert(db.consignment_parties).values(consignment=c.id, address=address, role=role))
            stats.consignments += 1
            report("consignments", done, len(created))
        seen_documents: set[str] = set()
        for done, e in enumerate(entries, start=1):
            payload = service.store.get_raw(e.cid)  # re-hashed against the CID
            conn.execute(
                insert(db.entries).values(
                    consignment=e.consignment,
                    seq=e.seq,
                    event_type=e.event_type.value,
                    prev_hash=e.prev_hash,
                    payload_hash=e.payload_hash,
                    cid=e.cid,
                    next_carrier=e.next_carrier,
                    actor=e.actor,
                    signature=e.signature,
                    entry_hash=e.entry_hash,
                    payload=payload.decode(),
                    status="anchored",
                    tx_hash=e.tx_hash,
                    block_number=e.block_number,
                    log_index=e.log_index,
                    block_time=e.block_time,
                )
            )
            if e.event_type is EventType.HANDOVER and e.next_carrier != ZERO_ADDRESS:
                exists = conn.execute(
                    select(db.consignment_parties.c.address).where(
                        db.consignment_parties.c.consignment == e.consignment,
                        db.consignment_parties.c.address == e.next_carrier,
                    )
                ).first()
                if not exists:
                    conn.execute(
                        insert(db.consignment_parties).values(
                            consignment=e.consignment, address=e.next_carrier, role="carrier"
                        )
                    )
            ref = document_in(json.loads(payload))
            if ref is not None and ref.cid not in seen_documents:
                seen_documents.add(ref.cid)
                conn.execute(
                    insert(db.documents).values(
                        cid=ref.cid, cid_v1=ref.cid_v1, sha256=ref.sha256, size=ref.size, uploaded_by=e.actor
                    )
                )
                stats.documents += 1
            stats.entries += 1
            report("entries", done, len(entries))
    return stats
