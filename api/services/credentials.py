"""Issuing verifiable credentials (VC 2.0, vc+jwt): an AEO certificate's status, a customs
control result, a consignment's verified evidence; listing and revoking them.

Each credential gets a fresh position in its issuer's two status lists (revocation,
suspension), which :mod:`api.services.status_lists` publishes; where it is anchored on chain
is optional ``evidence`` in it, never needed to verify it. Issuing again for the same
subject supersedes (revokes) what the issuer issued before about it.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from api.index.rows import Participant
from api.services.consignments import ConsignmentsService
from api.services.errors import Conflict, NotFound
from api.services.evidence_export import EvidenceService
from api.services.issuers import Issuer, IssuersService
from api.services.members import MembersService
from api.services.node import Node
from chain.aeo import AEOClient
from evidence.aeo import Programme
from evidence.controls import control_result_of
from evidence.credential_rules import (
    DISCLOSABLE,
    check_aeo_credential,
    check_consent,
    check_consignment_credential,
    check_control_credential,
    check_disclosure,
    check_revocation,
)
from evidence.errors import LedgerValueError
from evidence.vc import CredentialKind, credential, iso, read_unverified, status_entries

_DATA_ELEMENT_TERMS = {
    "operator_name": "operatorName",
    "operator_address": "operatorAddress",
    "identification_number": "identificationNumber",
    "validation_date": "validationDate",
}


def _iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat().replace("+00:00", "Z")


def _iso_moment(moment: datetime) -> str:
    """A stored time (SQLite returns it without its zone; it was written in UTC)."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat().replace("+00:00", "Z")


class CredentialsService:
    """Credentials this node's issuers issue."""

    def __init__(
        self,
        node: Node,
        members: MembersService,
        issuers: IssuersService,
        consignments: ConsignmentsService,
        evidence: EvidenceService,
        aeo: AEOClient | None,
    ) -> None:
        self.node = node
        self.members = members
        self.issuers = issuers
        self.consignments = consignments
        self.evidence = evidence
        self.aeo = aeo

    def _account_did(self, address: str) -> str:
        return f"did:pkh:eip155:{self.node.chain.domain.chain_id}:{address}"

    def _anchor(self, contract: str, tx_hash: str, block: int, **more: Any) -> dict[str, Any]:
        chain = self.node.chain
        return {
            "type": ["LedgerAnchor"],
            "chainId": chain.domain.chain_id,
            "contract": contract,
            "transactionHash": tx_hash,
            "blockNumber": block,
            **more,
        }

    # --- AEO status ------------------------------------------------------------------

    def set_consent(self, caller: Participant, number: str, elements: list[str]) -> dict[str, Any]:
        """The holder of a certificate says which data elements its credentials may disclose."""
        info = self._aeo().certificate(number)
        if info.status == "none":
            raise NotFound(f"no AEO certificate {number}")
        check_consent(caller.address, info.holder, number)
        check_disclosure(elements, list(DISCLOSABLE))
        self.node.index.set_disclosure_consent(number, sorted(set(elements)), caller.address)
        return {"certificate": number, "disclose": self.node.index.disclosure_consent(number)}

    def issue_aeo_status(self, caller: Participant, number: str, disclose: list[str]) -> dict[str, Any]:
        """The certificate's issuing customs administration attests its status and validity."""
        aeo = self._aeo()
        info = aeo.certificate(number)
        if info.status == "none":
            raise NotFound(f"no AEO certificate {number}")
        issuer = self.issuers.issuer_for(caller)
        now = int(aeo.w3.eth.get_block("latest")["timestamp"])
        status = "expired" if info.status == "valid" and now > info.valid_until else info.status
        check_aeo_credential(self.members.view_of(caller), info.issuer, status, number)
        check_disclosure(disclose, self.node.index.disclosure_consent(number))
        holder = self.node.index.participant(info.holder)
        subject: dict[str, Any] = {
            "id": self._account_did(info.holder),
            "type": "AuthorisedEconomicOperator",
            "name": holder.name if holder else None,
            "aeoCertificateNumber": number,
            "aeoProgrammes": Programme.labels(info.programmes),
            "issuingCountry": info.issuer,
            "certificateValidFrom": _iso(info.valid_from),
            "certificateValidUntil": _iso(info.valid_until),
        }
        record = self.node.index.certificate_record(number) or {}
        for element in sorted(disclose):
            subject[_DATA_ELEMENT_TERMS[element]] = str(record.get(element))
        subject = {k: v for k, v in subject.items() if v is not None}
        history = aeo.history(number)
        evidence = (
            [self._anchor(aeo.contract.address, history[0]["tx_hash"], history[0]["block_number"])] if history else []
        )
        return self._issue(
            issuer, CredentialKind.AEO_STATUS, number, datetime.fromtimestamp(info.valid_until, UTC), subject, evidence
        )

    # --- control results ---------------------------------------------------------------

    def issue_control_result(self, caller: Participant, reference: str, seq: int) -> dict[str, Any]:
        """The customs administration that recorded a control result attests it."""
        row, _, _ = self.consignments.readable(caller, reference)
        entry = self.node.index.entry(row.id, seq)
        if entry is None:
            raise NotFound(f"consignment {row.reference} has no entry {seq}")
        check_control_credential(caller.address, entry.actor, entry.event_type.name, seq)
        issuer = self.issuers.issuer_for(caller)
        result = control_result_of(json.loads(entry.payload))
        if result is None:
            raise LedgerValueError(f"entry {seq} states no well-formed control result")
        subject = {
            "id": f"urn:borderledger:consignment:{row.id}",
            "type": "CustomsControlResult",
            "consignmentReference": row.reference,
            "entrySequence": seq,
            "entryHash": entry.entry_hash,
            "controlId": result.controlId,
            "controlType": result.controlType,
            "controlScope": result.scope,
            "controlOutcome": result.result,
            "status7365": result.status7365,
            "controllingCountry": caller.jurisdiction,
            "controlStart": iso(result.startTime),
            "controlEnd": iso(result.endTime),
        }
        evidence = []
        if entry.location is not None:
            contract = self.node.chain.domain.verifying_contract
            evidence.append(self._anchor(contract, entry.location.tx_hash, entry.location.block_number))
        valid_until = result.validUntil.astimezone(UTC) if result.validUntil is not None else None
        return self._issue(issuer, CredentialKind.CONTROL_RESULT, f"{row.id}:{seq}", valid_until, subject, evidence)

    # --- consignment evidence -------------------------------------------------------------

    def issue_consignment_evidence(self, caller: Participant, reference: str) -> dict[str, Any]:
        """Customs of a consignment's jurisdiction attests that its evidence verifies: reference,
        route, parties, entry count, log root and checkpoint, verdict — not the evidence itself."""
        row, _, _ = self.consignments.readable(caller, reference)
        report = self.evidence.verify(caller, row.id)
        jurisdictions = {row.origin, row.destination, *row.transit}
        check_consignment_credential(self.members.view_of(caller), jurisdictions, report.verdict)
        issuer = self.issuers.issuer_for(caller)
        entries = self.node.index.entries_of(row.id)
        checkpoint = self.node.index.latest_checkpoint() if any(e.checkpoint_size for e in entries) else None
        subject: dict[str, Any] = {
            "id": f"urn:borderledger:consignment:{row.id}",
            "type": "ConsignmentEvidence",
            "consignmentReference": row.reference,
            "route": [row.origin, *row.transit, row.destination],
            "parties": [
                {"id": self._account_did(address), "role": role}
                for address, role in sorted(self.node.index.parties(row.id).items())
            ],
            "entriesCount": len(entries),
            "lastEntryHash": entries[-1].entry_hash if entries else None,
            "verificationVerdict": report.verdict,
            "verifiedAt": _iso(int(self.node.chain.w3.eth.get_block("latest")["timestamp"])),
        }
        if checkpoint is not None:
            subject["logRoot"] = checkpoint.root
            subject["logSize"] = checkpoint.size
        subject = {k: v for k, v in subject.items() if v is not None}
        evidence = [self._anchor(self.node.chain.domain.verifying_contract, row.tx_hash, row.block_number)]
        return self._issue(issuer, CredentialKind.CONSIGNMENT_EVIDENCE, row.id, None, subject, evidence)

    # --- shared ------------------------------------------------------------------------

    def _issue(
        self,
        issuer: Issuer,
        kind: CredentialKind,
        subject_ref: str,
        valid_until: datetime | None,
        subject: dict[str, Any],
        evidence: list[dict[str, Any]],
    ) -> dict[str, Any]:
        earlier = [
            c["id"]
            for c in self.node.index.credentials_of(subject_ref, issuer.member.address)
            if c["kind"] == kind.value and c["revoked_at"] is None
        ]
        issuer_ref = {"id": issuer.did, "name": issuer.member.name}
        for _ in range(5):  # another request may take the same status index first
            index = self.node.index.next_status_index(issuer.member.address)
            now = datetime.now(UTC)
            credential_id = f"urn:uuid:{uuid.uuid4()}"
            status = status_entries(issuer.status_list_urls(), index)
            document = credential(kind, credential_id, issuer_ref, now, valid_until, subject, status, evidence)
            token = self.issuers.sign(issuer, document)
            row = {
                "id": credential_id,
                "issuer": issuer.member.address,
                "kind": kind.value,
                "subject_ref": subject_ref,
                "status_index": index,
                "token": token,
                "issued_at": now,
            }
            if self.node.index.add_credential(row, earlier):
                return self.describe(self.node.index.credential(credential_id) or row)
        raise Conflict("could not reserve a status list position; try again")

    def describe(self, row: dict[str, Any]) -> dict[str, Any]:
        """An issued credential as the API shows it."""
        _, payload = read_unverified(row["token"])
        revoked = row.get("revoked_at")
        return {
            "id": row["id"],
            "kind": row["kind"],
            "issuer": payload["issuer"]["id"],
            "subject_ref": row["subject_ref"],
            "status_index": row["status_index"],
            "issued_at": _iso_moment(row["issued_at"]),
            "valid_until": payload.get("validUntil"),
            "revoked": revoked is not None,
            "revoked_reason": row.get("revoked_reason"),
            "credential": payload,
            "jwt": row["token"],
            "verify_url": self.verify_url(row["id"]),
        }

    def of_certificate(self, caller: Participant, number: str) -> list[dict[str, Any]]:
        """Credentials about an AEO certificate (anyone of the consortium may list them: they
        are meant to be shown)."""
        del caller  # any active member: the route authenticated it
        return [self.describe(c) for c in self.node.index.credentials_of(number)]

    def of_consignment(self, caller: Participant, reference: str) -> list[dict[str, Any]]:
        """Credentials about a consignment and its control results, for those who may read it."""
        row, _, _ = self.consignments.readable(caller, reference)
        rows = self.node.index.credentials_of(row.id)
        for entry in self.node.index.entries_of(row.id):
            rows += self.node.index.credentials_of(f"{row.id}:{entry.seq}")
        return [self.describe(c) for c in sorted(rows, key=lambda c: (c["issued_at"], c["status_index"]))]

    def token_of(self, credential_id: str) -> str:
        """A credential this node issued, by id: shown to whoever holds its (unguessable) id,
        the link a QR code on the document carries."""
        row = self.node.index.credential(credential_id)
        if row is None:
            raise NotFound(f"this node issued no credential {credential_id}")
        return str(row["token"])

    def verify_url(self, credential_id: str) -> str:
        """The public verification page's link for a credential."""
        return f"{self.issuers.public_url}/ui/verify?id={quote(credential_id, safe='')}"

    def revoke(self, caller: Participant, credential_id: str, reason: str) -> dict[str, Any]:
        """The issuer revokes a credential; final."""
        row = self.node.index.credential(credential_id)
        if row is None:
            raise NotFound(f"no credential {credential_id}")
        check_revocation(caller.address, row["issuer"], credential_id)
        self.node.index.revoke_credential(credential_id, reason)
        return self.describe(self.node.index.credential(credential_id) or row)

    def _aeo(self) -> AEOClient:
        if self.aeo is None:
            raise NotFound("this deployment has no AEORegistry")
        return self.aeo
