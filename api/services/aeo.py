"""AEO certificates and MRAs: what the /v1/aeo and /v1/mras routes do.

Permissions are checked here with the AEORegistry's rules (``evidence.rules.aeo``), so a
refusal names its rule before anything is sent; the contract checks them again.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time
from typing import Any

from api.index.rows import Participant
from api.services.errors import NotFound
from api.services.members import MembersService
from api.services.node import Node
from chain.aeo import AEOClient, CertificateInfo
from evidence.aeo import MraDataElements, Programme, Reason, data_hash
from evidence.canonical import canonical_json
from evidence.controls import control_bits, control_types
from evidence.roles import Role
from evidence.rules.aeo import (
    check_issue,
    check_mra_acceptance,
    check_mra_proposal,
    check_mra_termination,
    check_status_change,
    require_customs,
)


def start_of_day(day: date) -> int:
    """Unix time of 00:00:00 UTC on ``day``."""
    return int(datetime.combine(day, time.min, UTC).timestamp())


def end_of_day(day: date) -> int:
    """Unix time of 23:59:59 UTC on ``day`` (validity dates are inclusive)."""
    return start_of_day(day) + 86_399


def _iso(ts: int | None) -> str | None:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z") if ts else None


class AEOService:
    """AEO certificates, their status history, MRAs and recognition."""

    def __init__(self, node: Node, members: MembersService, aeo: AEOClient) -> None:
        self.node = node
        self.members = members
        self.aeo = aeo

    # --- certificates ---------------------------------------------------------------

    def issue(
        self,
        caller: Participant,
        number: str,
        holder: str,
        programmes: list[str],
        valid_from: date,
        valid_until: date,
        document_cid: str,
        record: MraDataElements,
    ) -> dict[str, Any]:
        """The caller's customs administration certifies an operator of its jurisdiction."""
        caller_view = self.members.view_of(caller)
        exists = self.aeo.certificate(number).status != "none"
        valid = (start_of_day(valid_from), end_of_day(valid_until))
        check_issue(caller_view, self.members.view(holder), number, exists, *valid)
        document = self.node.store.cat(document_cid)  # re-hashed against the CID by the store
        record_json = canonical_json(record.to_json())
        self.aeo.issue(
            self.members.account(caller),
            number,
            holder,
            Programme.from_labels(programmes),
            start_of_day(valid_from),
            end_of_day(valid_until),
            hashlib.sha256(document).digest(),
            document_cid,
            data_hash(record),
        )
        issuer = caller_view.jurisdiction
        self.node.index.add_certificate(number, holder, issuer, record_json.decode(), document_cid)
        return self.get(caller, number)

    def get(self, caller: Participant, number: str) -> dict[str, Any]:
        """A certificate with its status now; its data elements (name, address, identification
        number), checked against the hash on chain, only for customs and the holder itself —
        the MRAs share them between customs administrations, not with every member."""
        info = self.aeo.certificate(number)
        if info.status == "none":
            raise NotFound(f"no AEO certificate {number}")
        reader = self.members.view_of(caller)
        disclosed = reader.holds(Role.CUSTOMS) or caller.address.lower() == info.holder.lower()
        return self._describe(number, info, disclosed)

    def _describe(self, number: str, info: CertificateInfo, disclosed: bool) -> dict[str, Any]:
        record = self.node.index.certificate_record(number) if disclosed else None
        record_intact = None
        if record is not None:
            record_intact = data_hash(MraDataElements.model_validate(record)) == bytes(info.data_hash)
        now = int(self.aeo.w3.eth.get_block("latest")["timestamp"])
        status = "expired" if info.status == "valid" and now > info.valid_until else info.status
        return {
            "number": number,
            "holder": info.holder,
            "issuer": info.issuer,
            "programmes": Programme.labels(info.programmes),
            "status": status,
            "valid_from": _iso(info.valid_from),
            "valid_until": _iso(info.valid_until),
            "issued_at": _iso(info.issued_at),
            "issued_by": info.issued_by,
            "document_cid": info.document_cid,
            "document_sha256": bytes(info.document_hash).hex(),
            "data_hash": "0x" + bytes(info.data_hash).hex(),
            "data_elements": record,
            "data_elements_match_chain": record_intact,
        }

    def certificates(self, caller: Participant, holder: str | None, issuer: str | None) -> list[dict[str, Any]]:
        """Certificates known to this node, by holder or by issuing jurisdiction."""
        return [self.get(caller, n) for n in self.node.index.certificate_numbers(holder, issuer)]

    def change_status(self, caller: Participant, number: str, action: str, reason: str) -> dict[str, Any]:
        """Suspend, reinstate or revoke: only the issuing customs administration."""
        info = self.aeo.certificate(number)
        check_status_change(self.members.view_of(caller), info.issuer, info.status, action, number)
        self.aeo.change_status(self.members.account(caller), number, action, reason)
        return self.get(caller, number)

    def history(self, number: str) -> list[dict[str, Any]]:
        """Every change, from the chain's logs: actor, reason, tx hash, block and its time."""
        if self.aeo.certificate(number).status == "none":
            raise NotFound(f"no AEO certificate {number}")
        return [{**h, "block_time_iso": _iso(h["block_time"])} for h in self.aeo.history(number)]

    def recognition(self, number: str, by: str, at: datetime | None) -> dict[str, Any]:
        """Is certificate ``number`` recognised by customs of ``by`` (now, or at ``at``)?"""
        timestamp = int(at.timestamp()) if at is not None else None
        answer = self.aeo.recognition(number, by, timestamp)
        info = self.aeo.certificate(number)
        return {
            "certificate": number,
            "by": by,
            "at": at.isoformat() if at is not None else None,
            "recognised": answer.recognised,
            "reason": answer.reason.name.lower(),
            "explanation": answer.reason.text,
            "programmes": Programme.labels(answer.programmes),
            "issuer": info.issuer or None,
            "holder": info.holder if answer.reason is not Reason.UNKNOWN_CERTIFICATE else None,
        }

    # --- MRAs -----------------------------------------------------------------------

    def propose_mra(
        self, caller: Participant, partner: str, scope: list[str], valid_until: date, controls: list[str] | None = None
    ) -> dict[str, Any]:
        """The caller's administration proposes an MRA to ``partner``: the AEO programmes of
        ``scope``, and the control types (``controls``) each side recognises of the other."""
        check_mra_proposal(self.members.view_of(caller), partner)
        mra_id, _ = self.aeo.propose_mra(
            self.members.account(caller),
            partner,
            Programme.from_labels(scope),
            control_bits(controls or []),
            end_of_day(valid_until),
        )
        return self.mra(mra_id)

    def accept_mra(self, caller: Participant, mra_id: int) -> dict[str, Any]:
        """The partner administration accepts."""
        caller_view = self.members.view_of(caller)
        require_customs(caller_view)
        mra = self.mra(mra_id)
        check_mra_acceptance(caller_view, mra_id, mra["partner"], mra["state"])
        self.aeo.accept_mra(self.members.account(caller), mra_id)
        return self.mra(mra_id)

    def terminate_mra(self, caller: Participant, mra_id: int, reason: str) -> dict[str, Any]:
        """Either administration terminates."""
        caller_view = self.members.view_of(caller)
        require_customs(caller_view)
        mra = self.mra(mra_id)
        check_mra_termination(caller_view, mra_id, mra["proposer"], mra["partner"], mra["state"])
        self.aeo.terminate_mra(self.members.account(caller), mra_id, reason)
        return self.mra(mra_id)

    def mra(self, mra_id: int) -> dict[str, Any]:
        """One MRA."""
        data = self.aeo.mra(mra_id)
        return self._mra_out(data)

    def mras(self) -> list[dict[str, Any]]:
        """Every MRA."""
        return [self._mra_out(m) for m in self.aeo.mras()]

    @staticmethod
    def _mra_out(m: dict[str, Any]) -> dict[str, Any]:
        return {
            **m,
            "scope": Programme.labels(m["scope"]),
            "controls": control_types(m["controls"]),
            "valid_until": _iso(m["valid_until"]),
            "proposed_at": _iso(m["proposed_at"]),
            "accepted_at": _iso(m["accepted_at"]),
            "terminated_at": _iso(m["terminated_at"]),
        }
