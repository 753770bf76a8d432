"""The index's SQL for members, consignments, documents, AEO records, EPCIS captures and
idempotent requests; entries and checkpoints are in :mod:`api.index.entries`."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

import api.index.tables as t
from api.index.credentials import CredentialQueries
from api.index.entries import EntryQueries, add_party
from api.index.merkle_nodes import MerkleNodeQueries
from api.index.rows import ConsignmentRow, Participant, StoredEntry

# What every request reads, built once with bound parameters (see api.index.entries).
_PARTICIPANT_BY_KEY = (
    select(t.participants)
    .join(t.api_keys, t.api_keys.c.participant == t.participants.c.address)
    .where(t.api_keys.c.key_hash == bindparam("key_hash"))
)
_CONSIGNMENT = select(t.consignments).where(t.consignments.c.id == bindparam("id"))
_CONSIGNMENTS_NAMED = (
    select(t.consignments).where(t.consignments.c.reference == bindparam("reference")).order_by(t.consignments.c.id)
)
_PARTIES = select(t.consignment_parties).where(t.consignment_parties.c.consignment_id == bindparam("consignment_id"))


class Index(EntryQueries, MerkleNodeQueries, CredentialQueries):
    """One node's index over one database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def close(self) -> None:
        """Release the database."""
        self.engine.dispose()

    # --- participants and API keys ----------------------------------------------------

    def add_participant(self, participant: Participant) -> None:
        """Record a participant this node knows. Idempotent: the chain follower may record a
        member first (without a key); the admission that created its custodial key then adds it."""
        with self.engine.begin() as conn:
            query = select(t.participants.c.keystore).where(t.participants.c.address == participant.address)
            known = conn.execute(query).first()
            if known is None:
                conn.execute(insert(t.participants).values(**participant.row()))
            elif participant.keystore is not None and known.keystore is None:
                where = t.participants.c.address == participant.address
                conn.execute(update(t.participants).where(where).values(**participant.row()))

    def add_api_key(self, address: str, key_hash: str, label: str) -> None:
        """Record the hash of a participant's new API key."""
        with self.engine.begin() as conn:
            conn.execute(insert(t.api_keys).values(participant=address, key_hash=key_hash, label=label))

    def participant_by_key(self, key_hash: str) -> Participant | None:
        """The participant an API key (by its hash) belongs to."""
        with self.engine.connect() as conn:
            row = conn.execute(_PARTICIPANT_BY_KEY, {"key_hash": key_hash}).first()
        return Participant.from_row(row._mapping) if row else None

    def participant(self, address: str) -> Participant | None:
        """A participant by address."""
        with self.engine.connect() as conn:
            row = conn.execute(select(t.participants).where(t.participants.c.address == address)).first()
        return Participant.from_row(row._mapping) if row else None

    def participants(self) -> list[Participant]:
        """Every participant, oldest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(t.participants).order_by(t.participants.c.created_at)).all()
        return [Participant.from_row(r._mapping) for r in rows]

    # --- consignments ------------------------------------------------------------------

    def add_consignment(self, consignment: ConsignmentRow, parties: list[tuple[str, str]]) -> None:
        """Record an opened consignment and its first parties ((address, role) pairs); once,
        whether the node that opened it or the chain follower gets there first."""
        for attempt in range(3):
            try:
                with self.engine.begin() as conn:
                    known = conn.execute(
                        select(t.consignments.c.id).where(t.consignments.c.id == consignment.id)
                    ).first()
                    if known is None:
                        conn.execute(insert(t.consignments).values(**consignment.row()))
                    for address, role in parties:
                        add_party(conn, consignment.id, address, role)
                return
            except IntegrityError:
                # The other writer committed the same rows between our check and our insert;
                # the next attempt finds them and adds only what is missing.
                if attempt == 2:
                    raise

    def consignment(self, consignment_id: str) -> ConsignmentRow | None:
        """A consignment by id."""
        with self.engine.connect() as conn:
            row = conn.execute(_CONSIGNMENT, {"id": consignment_id.lower()}).first()
        return ConsignmentRow.from_row(row._mapping) if row else None

    def consignments_named(self, reference: str) -> list[ConsignmentRow]:
        """The consignments of every exporter that uses ``reference`` (references are per exporter)."""
        with self.engine.connect() as conn:
            return [
                ConsignmentRow.from_row(r._mapping) for r in conn.execute(_CONSIGNMENTS_NAMED, {"reference": reference})
            ]

    def parties(self, consignment_id: str) -> dict[str, str]:
        """address → role of every party (exporter, importer, each carrier)."""
        with self.engine.connect() as conn:
            return {r.address: r.role for r in conn.execute(_PARTIES, {"consignment_id": consignment_id})}

    def consignments_of_exporter(self, exporter: str) -> list[ConsignmentRow]:
        """Every consignment ``exporter`` opened, oldest first."""
        query = (
            select(t.consignments).where(t.consignments.c.exporter == exporter).order_by(t.consignments.c.block_number)
        )
        with self.engine.connect() as conn:
            return [ConsignmentRow.from_row(r._mapping) for r in conn.execute(query)]

    def candidate_consignments(self, address: str, customs_of: str | None, everything: bool) -> list[ConsignmentRow]:
        """Consignments ``address`` may be able to read: where it is a party, those touching
        ``customs_of`` (a customs administration's jurisdiction), or all (``everything``)."""
        query = select(t.consignments).order_by(t.consignments.c.created_at)
        if not everything:
            parties = select(t.consignment_parties.c.consignment_id).where(t.consignment_parties.c.address == address)
            conditions: list[ColumnElement[bool]] = [t.consignments.c.id.in_(parties)]
            if customs_of:
                conditions += [
                    t.consignments.c.origin == customs_of,
                    t.consignments.c.destination == customs_of,
                    t.consignments.c.transit.like(f"%{customs_of}%"),
                ]
            query = query.where(or_(*conditions))
        with self.engine.connect() as conn:
            return [ConsignmentRow.from_row(r._mapping) for r in conn.execute(query)]

    # --- documents ---------------------------------------------------------------------

    def add_document(self, cid: str, cid_v1: str, sha256: str, size: int, uploaded_by: str) -> None:
        """Record a stored document unless it is known already (the first uploader stays)."""
        with self.engine.begin() as conn:
            if conn.execute(select(t.documents.c.cid).where(t.documents.c.cid == cid)).first() is None:
                conn.execute(
                    insert(t.documents).values(
                        cid=cid, cid_v1=cid_v1, sha256=sha256, size=size, uploaded_by=uploaded_by
                    )
                )

    def document(self, cid: str) -> dict[str, Any] | None:
        """A document by its CIDv0 or CIDv1."""
        query = select(t.documents).where(or_(t.documents.c.cid == cid, t.documents.c.cid_v1 == cid))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return dict(row._mapping) if row else None

    # --- AEO records -------------------------------------------------------------------

    def add_certificate(self, number: str, holder: str, issuer: str, record: str, document_cid: str) -> None:
        """Record a certificate's off-chain data elements."""
        with self.engine.begin() as conn:
            conn.execute(
                insert(t.aeo_certificates).values(
                    number=number, holder=holder, issuer=issuer, record=record, document_cid=document_cid
                )
            )

    def certificate_record(self, number: str) -> Any:
        """The data elements recorded for a certificate (parsed JSON), or None."""
        query = select(t.aeo_certificates.c.record).where(t.aeo_certificates.c.number == number)
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return json.loads(row.record) if row else None

    def certificate_numbers(self, holder: str | None, issuer: str | None) -> list[str]:
        """Numbers of the certificates recorded here, by holder or by issuing jurisdiction."""
        query = select(t.aeo_certificates.c.number).order_by(t.aeo_certificates.c.created_at)
        if holder:
            query = query.where(t.aeo_certificates.c.holder == holder)
        if issuer:
            query = query.where(t.aeo_certificates.c.issuer == issuer)
        with self.engine.connect() as conn:
            return [r.number for r in conn.execute(query)]

    # --- EPCIS captures ----------------------------------------------------------------

    def epcis_catalogue(self, consignment_id: str) -> dict[int, dict[str, Any]]:
        """seq → catalogue row (de-duplication key, hash ID) of a consignment's EPCIS events."""
        query = select(t.epcis_catalogue).where(t.epcis_catalogue.c.consignment_id == consignment_id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return {int(r.seq): dict(r._mapping) for r in rows}

    def update_epcis_catalogue(self, consignment_id: str, stale: list[int], rows: list[dict[str, Any]]) -> None:
        """Drop the rows of ``stale`` seqs and add ``rows``; a row another request added
        meanwhile (same consignment and seq) is kept as it is."""
        table = t.epcis_catalogue
        if stale:
            with self.engine.begin() as conn:
                conn.execute(delete(table).where(table.c.consignment_id == consignment_id, table.c.seq.in_(stale)))
        if not rows:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(table), [{"consignment_id": consignment_id, **row} for row in rows])
        except IntegrityError:
            for row in rows:  # another request catalogued some of them first: add the others one by one
                try:
                    with self.engine.begin() as conn:
                        conn.execute(insert(table).values(consignment_id=consignment_id, **row))
                except IntegrityError:
                    continue

    # --- idempotent requests -----------------------------------------------------------

    def claim_idempotency(self, scope: str, fingerprint: str) -> tuple[bool, dict[str, Any] | None]:
        """Claim a key for a request: (True, None) if claimed; else (False, the stored answer
        when it is done or was for another request, None while it is still running)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(t.idempotency_keys).values(scope=scope, request_hash=fingerprint, state="in_progress")
                )
            return True, None
        except IntegrityError:
            with self.engine.connect() as conn:
                row = conn.execute(select(t.idempotency_keys).where(t.idempotency_keys.c.scope == scope)).first()
            if row is None:
                return self.claim_idempotency(scope, fingerprint)
            stored = dict(row._mapping)
            return False, stored if stored["state"] == "done" or stored["request_hash"] != fingerprint else None

    def finish_idempotency(self, scope: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Store a request's answer; a 5xx frees the key for a retry instead."""
        with self.engine.begin() as conn:
            if status >= 500:
                conn.execute(delete(t.idempotency_keys).where(t.idempotency_keys.c.scope == scope))
                return
            conn.execute(
                update(t.idempotency_keys)
                .where(t.idempotency_keys.c.scope == scope)
                .values(state="done", status_code=status, headers=json.dumps(headers), body=body)
            )

    def release_unfinished_requests(self) -> None:
        """Requests in flight when the node stopped never finished: let their keys be retried."""
        with self.engine.begin() as conn:
            conn.execute(delete(t.idempotency_keys).where(t.idempotency_keys.c.state == "in_progress"))

    # --- rebuilding ----------------------------------------------------------------------

    def replace_rebuildable(
        self,
        consignments: list[tuple[ConsignmentRow, list[tuple[str, str]]]],
        entries: list[StoredEntry],
        documents: list[tuple[str, str, str, int, str]],
        checkpoints: list[Any],
    ) -> None:
        """Replace everything that is rebuilt from chain + content, in one transaction. (EPCIS
        capture records and refused entries are this node's history and stay.)"""
        with self.engine.begin() as conn:
            for table in (
                t.chain_cursor,  # the follower walks the chain again, skipping what is indexed
                t.documents,
                t.entries,
                t.log_checkpoints,
                t.merkle_nodes,  # derived from the log's entries again when the log is next read
                t.consignment_parties,
                t.consignments,
            ):
                conn.execute(delete(table))
            for consignment, parties in consignments:
                conn.execute(insert(t.consignments).values(**consignment.row()))
                for address, role in parties:
                    add_party(conn, consignment.id, address, role)
            if entries:
                conn.execute(insert(t.entries), [e.row() for e in entries])
            for cid, cid_v1, sha256, size, uploaded_by in documents:
                conn.execute(
                    insert(t.documents).values(
                        cid=cid, cid_v1=cid_v1, sha256=sha256, size=size, uploaded_by=uploaded_by
                    )
                )
            for checkpoint in checkpoints:
                conn.execute(insert(t.log_checkpoints).values(**checkpoint.row()))
