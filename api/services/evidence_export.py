"""A consignment's evidence: the bundle (docs/evidence-bundle.md) and its verification
against this node's chain and content store. The checks themselves are in ``evidence/``."""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Protocol, TypeVar

from api.index.rows import AnchorKind, ConsignmentRow, EntryOutline, EntryStatus, Participant, StoredEntry
from api.services.consignments import ConsignmentsService
from api.services.errors import NotFound
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from api.verify_pool import VerifyPool
from chain.indexer import AppendedEntry, CreatedConsignment
from chain.ledger import trust_root_of
from chain.rpc import node_identity
from content.store import ContentIntegrityError, ContentNotFound
from evidence.bundle import Bundle, BundleEntry, build_bundle, parsed_payloads, start_checks, verify_bundle
from evidence.documents import DOCUMENT_KEY, DocumentRef, document_in
from evidence.eip712 import Domain
from evidence.errors import LedgerValueError
from evidence.prearrival import CURRENT_RULES, RULES, prove_all, timed_entries
from evidence.shared_checks import StartedChecks
from evidence.trust import check_trust_root
from evidence.types import ZERO_ADDRESS, Address, hash32, to_hex
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
        """The evidence bundle of a consignment, as JSON data (what :meth:`bundle_stream` sends)."""
        data: dict[str, Any] = json.loads(b"".join(self.bundle_stream(caller, reference, include_documents)))
        return data

    def verify(self, caller: Participant, reference: str) -> Report:
        """Verify a consignment: its bundle, checked against this node's chain and content store.

        On a long chain the entries' own checks start in the worker processes as the bundle's
        entries are read, instead of once the whole bundle is built."""
        bundle, document_errors, started = self._bundle(caller, reference, True, self.verify_pool)
        chain = self.node.chain
        # The node's own deployment is its trust root; the check still asks the node which chain it serves.
        contracts = {name: c.address for name, c in bundle.chain.contracts.items()}
        trust = check_trust_root(
            trust_root_of(chain.manifest),
            bundle.chain.chain_id,
            contracts,
            node_identity(chain.w3, chain.manifest.registry.block),
        )
        return verify_bundle(bundle, chain.online_facts(bundle), document_errors, trust=trust, started=started)

    def pre_arrival(self, caller: Participant, reference: str, rules: str | None = None) -> dict[str, Any]:
        """Whether each declaration reached the ledger before its deadline, with the figures
        (``evidence.prearrival``); entry positions and times are read from the chain."""
        chosen = CURRENT_RULES if rules is None else RULES.get(rules)
        if chosen is None:
            raise LedgerValueError(f"unknown deadline rules {rules!r}; known: {', '.join(RULES)}")
        bundle, _, _ = self._bundle(caller, reference, include_documents=False)
        online = self.node.chain.online_facts(bundle)
        return {
            "consignment": bundle.consignment.reference,
            "consignment_id": bundle.consignment.id,
            "rules": {"version": chosen.version, "legal_source": chosen.legal_source},
            "declarations": prove_all(timed_entries(bundle.entries, parsed_payloads(bundle), online.records), chosen),
        }

    def bundle_stream(self, caller: Participant, reference: str, include_documents: bool = True) -> Iterator[bytes]:
        """The bundle as JSON text, a page of entries at a time, so that neither the node's
        memory nor the time to the first byte grows with the consignment. Access and every
        check of the header happen before the first byte; the entries are those anchored
        when it was called (its checkpoints and inclusion proof are theirs)."""
        row, opened = self._opened(caller, reference)
        outline = self.node.index.entry_outlines(row.id, EntryStatus.ANCHORED)
        logged = self.node.chain.logs.entries(hash32(row.id))
        written = [self._bundle_form(e) for e in _with_unindexed(outline, logged) if isinstance(e, AppendedEntry)]
        head = self._assemble(opened, outline, written, written, [])
        return self._stream(head, row.id, {o.seq for o in outline}, logged, include_documents)

    def _stream(
        self, head: Bundle, consignment_id: str, seqs: set[int], logged: list[AppendedEntry], include_documents: bool
    ) -> Iterator[bytes]:
        written = {e.seq: e.model_dump(mode="json") for e in head.entries}  # the ledger's, never indexed here
        indexed = (e for e in self._anchored(consignment_id) if e.seq in seqs)
        in_head = [e for e in logged if e.seq in written]  # the header's members are theirs
        merged = (
            e.bundle_entry() if isinstance(e, StoredEntry) else written[e.seq]
            for e in _with_unindexed(indexed, in_head)
        )
        frame = head.model_dump(mode="json", exclude={"entries", "documents"})
        yield json.dumps(frame)[:-1].encode() + b',"entries":['
        documents: list[DocumentRef] = []
        separator = b""
        while page := list(islice(merged, _PAGE)):
            for entry in page:
                BundleEntry.model_validate(entry)  # as build_bundle validates a whole bundle
            yield separator + b",".join(json.dumps(e).encode() for e in page)
            separator = b","
            documents.extend(ref for e in page if (ref := _document_ref(e["payload"])) is not None)
        yield b'],"documents":['
        for i, ref in enumerate(documents):
            item, _ = self._document(ref, include_documents)
            yield (b"," if i else b"") + json.dumps(item).encode()
        yield b"]}"

    def _anchored(self, consignment_id: str) -> Iterator[StoredEntry]:
        """The consignment's anchored entries in this node's index, read a page at a time."""
        after = -1
        while page := self.node.index.entries_of(consignment_id, EntryStatus.ANCHORED, after, _PAGE):
            yield from page
            after = page[-1].seq

    def _opened(self, caller: Participant, reference: str) -> tuple[ConsignmentRow, CreatedConsignment]:
        row, _, _ = self.consignments.readable(caller, reference)
        created = self.node.chain.logs.consignments(hash32(row.id))
        if not created:
            raise NotFound(f"consignment {reference} is not on this chain")
        return row, created[0]

    def _bundle(
        self, caller: Participant, reference: str, include_documents: bool, pool: VerifyPool | None = None
    ) -> tuple[Bundle, dict[str, str], StartedChecks | None]:
        """The consignment's bundle, and per CID why a document could not be read. With a
        ``pool``, the entries' own checks start in its workers as the entries are read, once
        they are enough to share out (then returned, for :func:`verify_bundle`)."""
        row, opened = self._opened(caller, reference)
        manifest = self.node.chain.manifest
        # The domain the bundle will state (its chain and ledger are this node's manifest's).
        domain = Domain(manifest.chain_id, Address(manifest.ledger.address))
        entries: list[StoredEntry] = []
        written: list[dict[str, Any]] = []
        ordered: list[BundleEntry] = []
        started: StartedChecks | None = None
        logged = self.node.chain.logs.entries(hash32(row.id))
        for e in _with_unindexed(self._anchored(row.id), logged):
            if isinstance(e, StoredEntry):
                entries.append(e)
                ordered.append(BundleEntry.model_validate(e.bundle_entry()))
            else:
                written.append(self._bundle_form(e))
                ordered.append(BundleEntry.model_validate(written[-1]))
            if started is not None:
                start_checks(started, ordered[-1:])
            elif pool is not None and (executor := pool.for_entries(len(ordered))) is not None:
                started = StartedChecks(executor, domain, hash32(row.id))
                start_checks(started, ordered)
        documents, document_errors = self._documents(entries, include_documents)
        return self._assemble(opened, entries, written, ordered, documents), document_errors, started

    def _assemble(
        self,
        opened: CreatedConsignment,
        outline: Sequence[StoredEntry | EntryOutline],
        written: list[dict[str, Any]],
        entries: Sequence[dict[str, Any] | BundleEntry],
        documents: list[dict[str, Any]],
    ) -> Bundle:
        """The bundle of the consignment's anchored entries ``outline`` and those the ledger
        holds that this node never indexed (``written``): ``entries`` are all of them in order
        in their bundle form, or ``written`` alone when the others are streamed after."""
        chain = self.node.chain
        checkpoints, inclusion_proof = self.merkle_log.evidence(outline)
        accounts = {opened.exporter, opened.importer, opened.carrier}
        for e in outline:
            accounts.add(e.actor)
            if e.next_carrier != ZERO_ADDRESS:
                accounts.add(e.next_carrier)
        manifest = chain.manifest
        return build_bundle(
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
            entries=entries,
            documents=documents,
            created_at=datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            checkpoints=checkpoints,
            inclusion_proof=inclusion_proof,
        )

    def _bundle_form(self, logged: AppendedEntry) -> dict[str, Any]:
        """An entry the ledger holds that this node never saw (written straight to the contract
        by a member with its own key), as a bundle entry: with its payload if the content store
        has it, else with none — a report then names it "payload never published"."""
        try:
            payload: str | None = self.node.store.get_raw(logged.cid).decode()
        except (ContentNotFound, ContentIntegrityError):
            payload = None
        return {
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

    def _documents(
        self, entries: list[StoredEntry], include_content: bool
    ) -> tuple[list[dict[str, Any]], dict[str, str]]:
        """The documents the entries attach (with their bytes if asked), and per CID why the
        content store could not give them."""
        documents: list[dict[str, Any]] = []
        errors: dict[str, str] = {}
        for entry in entries:
            ref = _document_ref(entry.payload)
            if ref is None:
                continue
            item, error = self._document(ref, include_content)
            documents.append(item)
            if error is not None:
                errors[ref.cid] = error
        return documents, errors

    def _document(self, ref: DocumentRef, include_content: bool) -> tuple[dict[str, Any], str | None]:
        """A document as a bundle lists it (its bytes if asked and the store has them intact),
        and why the store could not give them."""
        content: str | None = None
        error: str | None = None
        if include_content:
            try:
                content = base64.b64encode(self.node.store.cat(ref.cid)).decode()
            except ContentIntegrityError as exc:
                error = str(exc)
            except ContentNotFound as exc:
                error = f"missing from the content store: {exc}"
        return {"cid": ref.cid, "sha256": ref.sha256, "content_base64": content}, error


_PAGE = 1_000  # entries read from the index at a time (and streamed at a time in a bundle)


def _document_ref(payload: str | None) -> DocumentRef | None:
    """The document a stored payload attaches, if any."""
    if payload is None or _DOCUMENT_MARKER not in payload:
        return None  # canonical JSON spells the key this way: most payloads need no parsing
    try:
        return document_in(json.loads(payload))
    except ValueError:
        return None


class _Positioned(Protocol):
    @property
    def seq(self) -> int: ...
    @property
    def anchor_kind(self) -> AnchorKind: ...


_Indexed = TypeVar("_Indexed", bound=_Positioned)


def _with_unindexed(indexed: Iterable[_Indexed], logged: Sequence[AppendedEntry]) -> Iterator[_Indexed | AppendedEntry]:
    """The node's anchored entries (``indexed``, in order) and, in their places, those the
    ledger holds (``logged``) that the node never indexed. A ledger entry is the node's when
    the node indexed a ledger entry at its position."""
    waiting = deque(sorted(logged, key=lambda e: e.seq))
    for e in indexed:
        while waiting and waiting[0].seq < e.seq:
            yield waiting.popleft()
        if waiting and waiting[0].seq == e.seq and e.anchor_kind is AnchorKind.LEDGER:
            waiting.popleft()
        yield e
    yield from waiting
