"""Verification of a consignment's evidence chain: small, pure, standalone.

An auditor can run this without the server: give it the entries, their signatures,
payload bytes and (optionally) what the chain recorded, and it returns a report listing
every check with its result and evidence. Nothing here does I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from evidence.anchoring import BatchProof, MerkleAnchor, batch_inclusion_problem, check_merkle_inclusion
from evidence.canonical import is_canonical, payload_hash
from evidence.checks import Check
from evidence.cid import payload_cid
from evidence.documents import check_document_bytes, document_in
from evidence.eip712 import Domain, Entry, entry_hash, recover_digest_signer
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.merkle import leaf_hash
from evidence.types import ZERO_HASH, Hash32


@dataclass(frozen=True)
class OnChainRecord:
    """What the ledger contract holds for one entry, and where it was written."""

    entry_hash: Hash32
    actor: str
    timestamp: int
    block_number: int
    tx_hash: str | None = None


@dataclass(frozen=True)
class EntryEvidence:
    """Everything needed to verify one entry.

    ``recorded_hash`` is the entry hash as the evidence source (index, bundle) states it;
    ``on_chain`` is None when verifying offline; ``document`` is None when the payload
    references no document or its bytes were not supplied.
    """

    entry: Entry
    signature: bytes
    payload: bytes | None  # None: the payload was never published (no node holds its bytes)
    recorded_hash: Hash32
    on_chain: OnChainRecord | None = None
    document: bytes | None = None  # the bytes of the document the payload references, if any
    document_error: str | None = None  # why the document could not be read, if it could not
    anchor: MerkleAnchor | None = None  # for an entry anchored in a batch, instead of ``on_chain``
    stated_block: int | None = None  # where the evidence source says the entry landed ...
    stated_tx: str | None = None  # ... checked against ``on_chain`` when it is known


@dataclass
class EntryReport:
    """The checks of one entry."""

    seq: int
    event_type: str
    actor: str
    entry_hash: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True when no check failed."""
        return all(c.passed is not False for c in self.checks)


@dataclass
class Report:
    """The verification report of one consignment's evidence chain."""

    consignment: str
    chain_id: int
    ledger: str
    entries: list[EntryReport]
    checks: list[Check]
    custody: dict[str, Any] | None = None
    # The EPCIS error declarations among the entries and what each corrects, as the node that
    # wrote the report linked them (None: not computed, as by the standalone verifier).
    epcis_corrections: list[dict[str, Any]] | None = None
    # Whether each DECLARATION reached the ledger before its deadline (evidence.prearrival).
    pre_arrival: list[dict[str, Any]] | None = None

    @property
    def verdict(self) -> str:
        """ "failed" if any check failed; else "incomplete" if any could not be made (offline,
        nothing pinned, bytes not supplied); else "passed": every check ran and passed."""
        return _verdict(self.failures(), self.not_checked())

    @property
    def passed(self) -> bool:
        """True only when every check ran and passed."""
        return self.verdict == "passed"

    def not_checked(self) -> list[str]:
        """Checks that could not be made, as ``seq <n>: <check> (why)`` or ``chain: <check> (why)``."""
        out = [f"chain: {c.name} ({c.detail})" for c in self.checks if c.passed is None]
        for e in self.entries:
            out += [f"seq {e.seq}: {c.name} ({c.detail})" for c in e.checks if c.passed is None]
        return out

    def failures(self) -> list[str]:
        """Names of failed checks, as ``seq <n>: <check>`` or ``chain: <check>``."""
        out = [f"chain: {c.name}" for c in self.checks if c.passed is False]
        for e in self.entries:
            out += [f"seq {e.seq}: {c.name}" for c in e.checks if c.passed is False]
        return out

    def to_dict(self, offset: int = 0, limit: int | None = None) -> dict[str, Any]:
        """The report as JSON data; with ``limit``, one page of it: the entries from
        ``offset`` (at most ``limit``) and the first ``limit`` failures and unmade checks,
        with their totals — the verdict always covers every entry."""
        failures, not_checked = self.failures(), self.not_checked()
        verdict = _verdict(failures, not_checked)  # of every entry, before the page is cut
        end = len(self.entries) if limit is None else min(len(self.entries), offset + limit)
        page: dict[str, Any] = {}
        if limit is not None:
            page = {
                "entries_total": len(self.entries),
                "entries_offset": offset,
                "next_offset": end if end < len(self.entries) else None,
                "failures_total": len(failures),
                "not_checked_total": len(not_checked),
            }
            failures, not_checked = failures[:limit], not_checked[:limit]
        return {
            "consignment": self.consignment,
            "chain_id": self.chain_id,
            "ledger": self.ledger,
            "verdict": verdict,
            "failures": failures,
            "not_checked": not_checked,
            "checks": [_check_dict(c) for c in self.checks],
            "entries": [
                {
                    "seq": e.seq,
                    "event_type": e.event_type,
                    "actor": e.actor,
                    "entry_hash": e.entry_hash,
                    "passed": e.passed,
                    "checks": [_check_dict(c) for c in e.checks],
                }
                for e in self.entries[offset:end]
            ],
            "custody": self.custody,
            "epcis_corrections": self.epcis_corrections,
            "pre_arrival": self.pre_arrival,
            **page,
        }


def _verdict(failures: list[str], not_checked: list[str]) -> str:
    if failures:
        return "failed"
    return "incomplete" if not_checked else "passed"


_UNPARSABLE = object()


def _parse(payload: bytes | None) -> Any:
    """The payload's JSON value, or ``_UNPARSABLE`` (parsed once, used by several checks)."""
    if payload is None:
        return _UNPARSABLE
    try:
        return json.loads(payload)
    except ValueError:
        return _UNPARSABLE


def _check_dict(check: Check) -> dict[str, Any]:
    # Not dataclasses.asdict: its deep copy is most of the cost of a 10,000-entry report.
    return {"name": check.name, "passed": check.passed, "detail": check.detail}


def check_payload(evidence: EntryEvidence, parsed: Any) -> Check:
    """The payload bytes (``parsed``: their JSON value) are canonical JSON, hash to
    ``payloadHash`` and match the CID."""
    payload = evidence.payload
    if payload is None:
        return Check(
            "payload_hash",
            False,
            f"payload never published: no node holds the bytes of CID {evidence.entry.cid}; the entry is on "
            "chain, signed by its actor, but what it says cannot be read or checked",
        )
    actual = payload_hash(payload)
    if actual != evidence.entry.payload_hash:
        return Check(
            "payload_hash",
            False,
            f"payload hash mismatch: payload hashes to 0x{actual.hex()}, "
            f"entry records 0x{bytes(evidence.entry.payload_hash).hex()}",
        )
    if parsed is _UNPARSABLE or not is_canonical(payload, parsed):
        return Check("payload_hash", False, "payload is not RFC 8785 canonical JSON")
    cid = payload_cid(payload)
    if cid != evidence.entry.cid:
        return Check("payload_hash", False, f"payload CID is {cid}, entry records {evidence.entry.cid}")
    return Check("payload_hash", True, f"keccak256 0x{actual.hex()}, CID {cid}")


def check_document(evidence: EntryEvidence, parsed: Any) -> Check | None:
    """The referenced document's bytes match the anchored sha-256 and CID (None: no document)."""
    ref = document_in(parsed) if isinstance(parsed, dict) else None
    if ref is None:
        return None
    if evidence.document_error is not None:
        return Check("document", False, f"{ref.document_type.value} {ref.cid}: {evidence.document_error}")
    if evidence.document is None:
        return Check("document", None, f"{ref.document_type.value} {ref.cid}: bytes not supplied")
    problem = check_document_bytes(ref, evidence.document)
    if problem is not None:
        return Check("document", False, f"{ref.document_type.value} {ref.cid}: {problem}")
    return Check("document", True, f"{ref.document_type.value} {ref.filename}: {ref.cid}, sha-256 {ref.sha256}")


def check_entry_hash(evidence: EntryEvidence, computed: Hash32) -> Check:
    """The EIP-712 entry hash recomputed from the entry's fields (``computed``) is the recorded one."""
    if computed != evidence.recorded_hash:
        return Check(
            "entry_hash",
            False,
            f"entry hash recomputes to 0x{computed.hex()}, recorded 0x{bytes(evidence.recorded_hash).hex()}",
        )
    return Check("entry_hash", True, f"0x{computed.hex()}")


def check_signature(evidence: EntryEvidence, computed: Hash32) -> Check:
    """The signature over the entry (whose hash is ``computed``) recovers the entry's actor."""
    try:
        signer = recover_digest_signer(computed, evidence.signature)
    except LedgerValueError as exc:
        return Check("signature", False, str(exc))
    if signer.lower() != evidence.entry.actor.lower():
        return Check("signature", False, f"signature recovers {signer}, entry names actor {evidence.entry.actor}")
    return Check("signature", True, f"signed by {signer}")


def check_link(evidence: EntryEvidence, position: int, previous_hash: Hash32) -> Check:
    """The entry sits at its position and links to the previous entry's hash."""
    entry = evidence.entry
    if entry.seq != position:
        return Check("chain_link", False, f"entry at position {position} has seq {entry.seq}")
    if bytes(entry.prev_hash) != bytes(previous_hash):
        return Check(
            "chain_link",
            False,
            f"prevHash 0x{bytes(entry.prev_hash).hex()} does not match previous entry 0x{bytes(previous_hash).hex()}",
        )
    return Check("chain_link", True, "first entry" if position == 0 else f"links to 0x{bytes(previous_hash).hex()}")


def check_on_chain(evidence: EntryEvidence, computed: Hash32, domain: Domain) -> Check:
    """The ledger contract recorded this entry hash (``computed``), from this actor."""
    record = evidence.on_chain
    if record is None:
        return Check("on_chain", None, "not checked (offline)")
    if bytes(record.entry_hash) != bytes(computed):
        return Check("on_chain", False, f"ledger records 0x{bytes(record.entry_hash).hex()} at this seq")
    if record.actor.lower() != evidence.entry.actor.lower():
        return Check("on_chain", False, f"ledger records actor {record.actor}")
    if evidence.stated_block is not None and evidence.stated_block != record.block_number:
        return Check(
            "on_chain", False, f"stated block {evidence.stated_block}; the ledger wrote it in {record.block_number}"
        )
    if evidence.stated_tx and record.tx_hash and evidence.stated_tx.lower() != record.tx_hash.lower():
        return Check("on_chain", False, f"stated tx {evidence.stated_tx}; the ledger's log is in {record.tx_hash}")
    return Check(
        "on_chain",
        True,
        f"contract {domain.verifying_contract}, block {record.block_number}, time {record.timestamp}"
        + (f", tx {record.tx_hash}" if record.tx_hash else ""),
    )


# What an entry states about itself: its fields, signature, payload bytes (None: never
# published), recorded hash, and whether it was signed as a Merkle log entry. What a worker
# is sent: plain values pickle several times faster than the evidence dataclass.
OwnEvidence = tuple[Entry, bytes, bytes | None, Hash32, bool]
EntryResult = tuple[Hash32, list[Check]]


def _own_checks(item: EntryEvidence, logged: bool, domain: Domain) -> tuple[Hash32, Any, list[Check]]:
    computed = entry_hash(item.entry, domain, log=logged)
    parsed = _parse(item.payload)
    checks = [check_payload(item, parsed), check_entry_hash(item, computed), check_signature(item, computed)]
    return computed, parsed, checks


def context_checks(item: EntryEvidence, computed: Hash32, parsed: Any, domain: Domain) -> list[Check]:
    """The checks of an entry against what else the evidence holds: the ledger's record of a
    ledger entry, and the document its payload attaches."""
    checks = [] if item.anchor is not None else [check_on_chain(item, computed, domain)]
    document = check_document(item, parsed)
    if document is not None:
        checks.append(document)
    return checks


def entry_checks(item: EntryEvidence, domain: Domain) -> EntryResult:
    """The entry hash recomputed, and the checks of the entry that need no other entry: all
    but its link to the previous one and, for a batched entry, its Merkle inclusion."""
    computed, parsed, checks = _own_checks(item, item.anchor is not None, domain)
    return computed, checks + context_checks(item, computed, parsed, domain)


def own_checks_of(items: list[OwnEvidence], domain: Domain) -> list[EntryResult]:
    """Each entry's hash recomputed and its own checks (payload, entry hash, signature): the
    unit of work a worker process takes — the CPU-bound part of :func:`entry_checks`."""
    out = []
    for entry, signature, payload, recorded, logged in items:
        computed, _, checks = _own_checks(EntryEvidence(entry, signature, payload, recorded), logged, domain)
        out.append((computed, checks))
    return out


def checks_of(items: list[EntryEvidence], domain: Domain) -> list[EntryResult]:
    """:func:`entry_checks` of each item."""
    return [entry_checks(item, domain) for item in items]


def verify_chain(
    consignment: str,
    domain: Domain,
    evidence: list[EntryEvidence],
    chain_head: tuple[int, Hash32] | None = None,
    batch_proof: BatchProof | None = None,
    results: Iterable[EntryResult] | None = None,
) -> Report:
    """Verify a consignment's entries in order; ``chain_head`` is (count, head hash) read from
    the ledger, or None offline. Entries anchored in batches follow those the ledger holds;
    ``batch_proof`` proves their leaves in an anchored tree. ``results`` are the entries'
    :func:`entry_checks` if already computed (e.g. by :class:`SharedChecks`), taken in order
    as they come. Never raises for bad evidence: failures are in the report."""
    independent = results if results is not None else checks_of(evidence, domain)
    reports: list[EntryReport] = []
    leaves: dict[int, bytes] = {}  # the batched entries' leaves, from their recomputed hashes
    previous = ZERO_HASH
    ledger_count, ledger_head = 0, ZERO_HASH
    for position, (item, (computed, checks)) in enumerate(zip(evidence, independent, strict=True)):
        checks.insert(3, check_link(item, position, previous))
        if item.anchor is not None:
            leaves[item.anchor.leaf_index] = leaf_hash(computed)
        reports.append(
            EntryReport(
                seq=item.entry.seq,
                event_type=_event_type_name(item.entry.event_type),
                actor=item.entry.actor,
                entry_hash="0x" + bytes(item.recorded_hash).hex(),
                checks=checks,
            )
        )
        previous = item.recorded_hash
        if item.anchor is None:
            ledger_count, ledger_head = position + 1, item.recorded_hash
    # The leaves are proven together, once all are known.
    problem = batch_inclusion_problem(leaves, batch_proof) if leaves else None
    for item, entry_report in zip(evidence, reports, strict=True):
        if item.anchor is not None:
            entry_report.checks.insert(4, check_merkle_inclusion(item.anchor, batch_proof, problem))
    batched = len(evidence) - ledger_count
    then = f"; then {batched} entries anchored in the Merkle log" if batched else ""
    chain_checks: list[Check] = []
    if chain_head is None:
        chain_checks.append(Check("chain_head", None, "not checked (offline)"))
    else:
        count, head = chain_head
        if count != ledger_count or bytes(head) != bytes(ledger_head):
            chain_checks.append(
                Check(
                    "chain_head",
                    False,
                    f"ledger head is entry {count} 0x{bytes(head).hex()}; the evidence's ledger entries end at entry "
                    f"{ledger_count} 0x{bytes(ledger_head).hex()}",
                )
            )
        else:
            chain_checks.append(Check("chain_head", True, f"{count} ledger entries, head 0x{bytes(head).hex()}{then}"))
    return Report(consignment, domain.chain_id, domain.verifying_contract, reports, chain_checks)


def _event_type_name(type_id: bytes) -> str:
    try:
        return EventType.from_id(type_id).value
    except ValueError:
        return "0x" + bytes(type_id).hex()
