"""A consignment's evidence: the bundle (docs/evidence-bundle.md) and its verification
against this node's chain and content store. The checks themselves are in ``evidence/``."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from api.index.rows import AnchorKind, EntryStatus, Participant, StoredEntry
from api.services.consignments import ConsignmentsService
from api.services.errors import NotFound
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from api.verify_pool import VerifyPool
from chain.ledger import trust_root_of
from chain.rpc import node_identity
from content.store import ContentIntegrityError, ContentNotFound
from evidence.bundle import Bundle, build_bundle, parsed_payloads, verify_bundle
from evidence.documents import DOCUMENT_KEY, document_in
from evidence.errors import LedgerValueError
from evidence.prearrival import CURRENT_RULES, RULES, prove_all, timed_entries
from evidence.trust import check_trust_root
from evidence.types import ZERO_ADDRESS, hash32, to_hex
from evidence.verify import Report

_DOCUMENT_MARKER = f'"{DOCUMENT_KEY}":'


class EvidenceService:
    """Bundles and verification reports."""

    def __init__(
        self, node: Node, consignments: ConsignmentsService, merkle_log: MerkleLogService, verify_pool: VerifyPool
    ) -> None:
        self.node = node
        self.consignments = consignments
        self.merkle_log = merkle_log
        self.verify_pool = verify_pool

    def bundle(self, caller: Participant, reference: str, include_documents: bool = True) -> dict[str, Any]:
        """The evidence bundle of a consignment, as JSON."""
        bundle, _ = self._bundle(caller, reference, include_documents)
        return bundle.model_dump(mode="json")

    def verify(self, caller: Participant, reference: str) -> Report:
        """Verify a consignment: its bundle, checked against this node's chain and content store."""
        bundle, document_errors = self._bundle(caller, reference, include_documents=True)
        executor = self.verify_pool.for_entries(len(bundle.entries))
        chain = self.node.chain
        # The node's own deployment is its trust root; the check still asks the node which chain it serves.
        contracts = {name: c.address for name, c in bundle.chain.contracts.items()}
        trust = check_trust_root(
            trust_root_of(chain.manifest),
            bundle.chain.chain_id,
            contracts,
            node_identity(chain.w3, chain.manifest.registry.block),
        )
        return verify_bundle(bundle, chain.online_facts(bundle), document_errors, executor, trust)

    def pre_arrival(self, caller: Participant, reference: str, rules: str | None = None) -> dict[str, Any]:
        """Whether each declaration reached the ledger before its deadline, with the figures
        (``evidence.prearrival``); entry positions and times are read from the chain."""
        chosen = CURRENT_RULES if rules is None else RULES.get(rules)
        if chosen is None:
            raise LedgerValueError(f"unknown deadline rules {rules!r}; known: {', '.join(RULES)}")
        bundle, _ = self._bundle(caller, reference, include_documents=False)
        online = self.node.chain.online_facts(bundle)
        return {
            "consignment": bundle.consignment.reference,
            "consignment_id": bundle.consignment.id,
            "rules": {"version": chosen.version, "legal_source": chosen.legal_source},
            "declarations": prove_all(timed_entries(bundle.entries, parsed_payloads(bundle), online.records), chosen),
        }

    def _bundle(self, caller: Participant, reference: str, include_documents: bool) -> tuple[Bundle, dict[str, str]]:
        row, _, _ = self.consignments.readable(caller, reference)
        chain = self.node.chain
        created = chain.logs.consignments(hash32(row.id))
        if not created:
            raise NotFound(f"consignment {reference} is not on this chain")
        opened = created[0]
        entries = self.node.index.entries_of(row.id, EntryStatus.ANCHORED)
        written = self._written_elsewhere(row.id, {e.seq for e in entries if e.anchor_kind is AnchorKind.LEDGER})
        checkpoints, inclusion_proof = self.merkle_log.evidence(entries)
        documents, document_errors = self._documents(entries, include_documents)
        accounts = {opened.exporter, opened.importer, opened.carrier}
        for e in entries:
            accounts.add(e.actor)
            if e.next_carrier != ZERO_ADDRESS:
                accounts.add(e.next_carrier)
        manifest = chain.manifest
        bundle = build_bundle(
            chain_id=manifest.chain_id,
            contracts={name: (c.address, c.block) for name, c in manifest.contracts.items()},
            consignment={
                "reference": opened.reference,
                "id": opened.id,
                "exporter": opened.exporter,
                "importer": opened.importer,
                "carrier": opened.carrier,
                "origin": opened.origin,
                "destination": opened.destination,
                "transit": list(opened.transit),
                "tx_hash": opened.tx_hash,
                "block_number": opened.block_number,
            },
            members=chain.logs.membership(sorted(accounts | {w["actor"] for w in written})),
            entries=sorted([e.bundle_entry() for e in entries] + written, key=lambda e: int(e["seq"])),
            documents=documents,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            checkpoints=checkpoints,
            inclusion_proof=inclusion_proof,
        )
        return bundle, document_errors

    def _written_elsewhere(self, consignment_id: str, indexed: set[int]) -> list[dict[str, Any]]:
        """Entries the ledger holds that this node never saw (written straight to the contract
        by a member with its own key), as bundle entries: with their payload if the content
        store has it, else with none — a report then names it "payload never published"."""
        out = []
        for logged in self.node.chain.logs.entries(hash32(consignment_id)):
            if logged.seq in indexed:
                continue
            try:
                payload: str | None = self.node.store.get_raw(logged.cid).decode()
            except (ContentNotFound, ContentIntegrityError):
                payload = None
            out.append(
                {
                    "seq": logged.seq,
                    "event_type": logged.event_type.value,
                    "prev_hash": logged.prev_hash,
                    "payload_hash": logged.payload_hash,
                    "cid": logged.cid,
                    "next_carrier": logged.next_carrier,
                    "actor": logged.actor,
                    "signature": to_hex(logged.signature),
                    "entry_hash": logged.entry_hash,
                    "payload": payload,
                    "tx_hash": logged.tx_hash,
                    "block_number": logged.block_number,
                    "log_index": logged.log_index,
                    "block_time": logged.block_time,
                    "leaf_index": None,
                }
            )
        return out

    def _documents(
        self, entries: list[StoredEntry], include_content: bool
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The documents the entries attach (with their bytes if asked), and per CID why the
        content store could not give them."""
        documents: list[dict[str, Any]] = []
        errors: dict[str, str] = {}
        for entry in entries:
            if _DOCUMENT_MARKER not in entry.payload:
                continue  # canonical JSON spells the key this way: most payloads need no parsing
            try:
                ref = document_in(json.loads(entry.payload))
            except ValueError:
                ref = None
            if ref is None:
                continue
            content: str | None = None
            if include_content:
                try:
                    content = base64.b64encode(self.node.store.cat(ref.cid)).decode()
                except ContentIntegrityError as exc:
                    errors[ref.cid] = str(exc)
                except ContentNotFound as exc:
                    errors[ref.cid] = f"missing from the content store: {exc}"
            documents.append({"cid": ref.cid, "sha256": ref.sha256, "content_base64": content})
        return documents, errors
