"""The outbox worker: anchors accepted entries the chain could not take at once, and puts
back into the outbox entries a restarted node lost (a dev chain may drop its last blocks).

Entries are signed, so sending one again is idempotent: at its seq, the contract holds
either nothing (send it) or exactly this entry hash (it landed; record where).
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from sqlalchemy import delete, insert, select, update

from api import db
from api.service import LedgerService
from chain.errors import ContractRevert
from chain.ledger import AppendResult
from chain.sender import Receipt
from evidence.eip712 import Entry
from evidence.event_types import EventType
from evidence.types import Address, Hash32

log = logging.getLogger("borderledger.outbox")


def _bytes(value: str) -> Hash32:
    return Hash32(bytes.fromhex(value[2:]))


class OutboxWorker:
    """A thread that drains the outbox; :meth:`run_once` does one pass (tests call it)."""

    def __init__(self, service: LedgerService, interval: float = 0.5) -> None:
        self.service = service
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox", daemon=True)

    def start(self) -> OutboxWorker:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                self.run_once()
            except Exception:
                log.warning("outbox pass failed; retrying", exc_info=True)
                self.service.client.sender.forget_nonces()

    def pending_count(self) -> int:
        """Entries accepted and not yet anchored."""
        with self.service.engine.connect() as conn:
            rows = conn.execute(select(db.entries.c.seq).where(db.entries.c.status == "pending")).all()
        return len(rows)

    def run_once(self) -> None:
        """Reconcile anchored entries with the chain, then send what is pending, in order."""
        service = self.service
        with service.engine.connect() as conn:
            consignments = sorted({r.consignment for r in conn.execute(select(db.entries.c.consignment)).all()})
        for cid in consignments:
            with service._lock(cid):
                self._reconcile(cid)
                self._drain(cid)

    def _rows(self, cid: str, status: str) -> list[Any]:
        with self.service.engine.connect() as conn:
            return list(
                conn.execute(
                    select(db.entries)
                    .where(db.entries.c.consignment == cid, db.entries.c.status == status)
                    .order_by(db.entries.c.seq)
                ).all()
            )

    def _set(self, cid: str, seq: int, **values: Any) -> None:
        with self.service.engine.begin() as conn:
            conn.execute(
                update(db.entries).where(db.entries.c.consignment == cid, db.entries.c.seq == seq).values(**values)
            )

    def _reconcile(self, cid: str) -> None:
        """Entries recorded as anchored that the chain no longer holds go back to pending."""
        count, _ = self.service.client.head(_bytes(cid))
        for row in self._rows(cid, "anchored"):
            if row.seq >= count:
                log.warning("entry %s/%s is no longer on chain: back to the outbox", cid, row.seq)
                self._set(cid, row.seq, status="pending", tx_hash=None, block_number=None, log_index=None)

    def _drain(self, cid: str) -> None:
        service = self.service
        client = service.client
        for row in self._rows(cid, "pending"):
            count, _ = client.head(_bytes(cid))
            if row.seq < count:
                if client.record(_bytes(cid), row.seq).entry_hash == _bytes(row.entry_hash):
                    self._found_on_chain(cid, row)
                else:
                    self._reject(cid, row.seq, f"seq {row.seq} holds another entry on chain")
                continue
            if row.seq > count:
                return  # an earlier entry is missing; wait for it
            entry = Entry(
                _bytes(cid),
                row.seq,
                _bytes(row.prev_hash),
                Hash32(EventType(row.event_type).type_id),
                _bytes(row.payload_hash),
                row.cid,
                Address(row.next_carrier),
                Address(row.actor),
            )
            try:
                result = client.append(service.relayer, entry, bytes(row.signature))
            except ContractRevert as revert:
                if revert.error == "ConsignmentLedgerStaleHead":
                    return  # the chain moved meanwhile; look again next pass
                self._reject(cid, row.seq, f"the contract refused it: {revert.error} {revert.args_by_name}")
                return
            service.mark_anchored(cid, row.seq, EventType(row.event_type), row.next_carrier, result)
            log.info("anchored %s/%s from the outbox", cid, row.seq)

    def _found_on_chain(self, cid: str, row: Any) -> None:
        for logged in self.service.client.logs.entries(_bytes(cid)):
            if logged.seq == row.seq and logged.entry_hash == row.entry_hash:
                receipt = Receipt(logged.tx_hash, logged.block_number, "", 1, 0, [])
                result = AppendResult(_bytes(row.entry_hash), receipt, logged.log_index, logged.block_time)
                self.service.mark_anchored(cid, row.seq, EventType(row.event_type), row.next_carrier, result)
                return

    def _reject(self, cid: str, seq: int, reason: str) -> None:
        """An entry the contract refuses can never land, nor can those chained after it: they
        move to ``rejected_entries`` (with the reason) and their seqs are free again."""
        log.error("entry %s/%s rejected: %s", cid, seq, reason)
        with self.service.engine.begin() as conn:
            for row in self._rows(cid, "pending"):
                if row.seq < seq:
                    continue
                why = reason if row.seq == seq else f"follows rejected entry {seq}"
                conn.execute(
                    insert(db.rejected_entries).values(
                        consignment=cid,
                        seq=row.seq,
                        event_type=row.event_type,
                        actor=row.actor,
                        entry_hash=row.entry_hash,
                        payload=row.payload,
                        error=why,
                        idempotency_key=row.idempotency_key,
                    )
                )
                conn.execute(delete(db.entries).where(db.entries.c.consignment == cid, db.entries.c.seq == row.seq))
