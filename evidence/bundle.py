"""The evidence bundle: one JSON file with everything needed to verify a consignment.

Its format (versions 1 to 3) is docs/evidence-bundle.md. :func:`verify_bundle` checks it
offline — payloads, entry hashes, signatures, links, documents, and who was allowed to write
each entry according to the membership history the bundle carries — and, given facts read
from any node of the network (:class:`OnlineFacts`), also that every entry is on chain. Pure: no I/O.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evidence.anchoring import (
    BatchProof,
    CheckpointClaim,
    MerkleAnchor,
    check_checkpoints_on_chain,
    check_consistency,
    check_signer_role,
)
from evidence.checks import Check
from evidence.consignment_id import check_consignment_id, check_consignment_on_chain
from evidence.custody import ConsignmentFacts, MemberEvent, WrittenEntry, event_time, replay
from evidence.documents import document_in
from evidence.eip712 import Domain, Entry
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.models import first_error
from evidence.prearrival import prove_all, timed_entries
from evidence.roles import Role
from evidence.rules import ConsignmentView, signing_roles
from evidence.shared_checks import SharedChecks, StartedChecks
from evidence.types import Address, Hash32, Jurisdiction
from evidence.verify import EntryEvidence, OnChainRecord, OwnEvidence, Report, verify_chain

FORMAT = "borderledger-evidence-bundle"
# 2 added batched entries (``leaf_index``), ``checkpoints``, ``inclusion_proof``; 3 lets an
# entry's ``payload`` be null when no node holds it (never published). Older versions verify.
VERSION = 3

Hex32 = Annotated[str, Field(pattern=r"^0x[0-9a-f]{64}$")]
HexAddress = Annotated[str, Field(pattern=r"^0x[0-9a-fA-F]{40}$")]
# Numbers the chain holds as uint64: a bundle stating more cannot be true, and is refused.
Uint64 = Annotated[int, Field(ge=0, lt=2**64)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BundleContract(_Strict):
    """Where a contract lives."""

    address: HexAddress
    block: int


class BundleChain(_Strict):
    """The network and the contracts the evidence is on."""

    chain_id: int
    contracts: dict[str, BundleContract]


class BundleConsignment(_Strict):
    """The consignment as opened (ConsignmentCreated)."""

    reference: str
    id: Hex32
    exporter: HexAddress
    importer: HexAddress
    carrier: HexAddress
    origin: str
    destination: str
    transit: list[str]
    tx_hash: Hex32
    block_number: Uint64


class BundleMemberEvent(_Strict):
    """A registry change of a member."""

    block: int
    log_index: int
    kind: Literal["admitted", "suspended", "reinstated", "removed"]
    roles: list[Role] = []
    jurisdiction: str = ""


class BundleCheckpoint(_Strict):
    """A tree head CheckpointLog anchored, with the consistency proof from the checkpoint
    before it in the bundle (empty for the first)."""

    size: Annotated[int, Field(ge=1, lt=2**64)]
    root: Hex32
    tx_hash: Hex32
    block_number: Uint64
    log_index: Uint64
    block_time: Uint64 | None
    consistency: list[Hex32]


class BundleEntry(_Strict):
    """One entry: its signed fields, signature, payload and where it landed (for a batched
    entry: the checkpoint that anchored it, and its ``leaf_index``)."""

    seq: Uint64
    event_type: EventType
    prev_hash: Hex32
    payload_hash: Hex32
    cid: str
    next_carrier: HexAddress
    actor: HexAddress
    signature: Annotated[str, Field(pattern=r"^0x[0-9a-f]{130}$")]
    entry_hash: Hex32
    payload: str | None  # RFC 8785 canonical JSON, as hashed; null: never published to any node
    tx_hash: Hex32 | None
    block_number: Uint64
    log_index: Uint64
    block_time: Uint64 | None
    leaf_index: Uint64 | None = None  # batched entries: the leaf in the Merkle log


class BundleDocument(_Strict):
    """A document referenced by a DOCUMENT_ATTACHED entry, with its bytes if included."""

    cid: str
    sha256: str
    content_base64: str | None = None


class Bundle(_Strict):
    """An evidence bundle."""

    format: Literal["borderledger-evidence-bundle"]
    version: Literal[1, 2, 3]
    created_at: str
    chain: BundleChain
    consignment: BundleConsignment
    members: dict[str, list[BundleMemberEvent]]
    entries: list[BundleEntry]
    documents: list[BundleDocument]
    checkpoints: list[BundleCheckpoint] = []
    inclusion_proof: list[Hex32] = []  # one multi-leaf proof of the batched entries in the last checkpoint

    @property
    def domain(self) -> Domain:
        """The EIP-712 domain the entries are signed in."""
        return Domain(self.chain.chain_id, Address(self.chain.contracts["ConsignmentLedger"].address))


@dataclass(frozen=True)
class OnlineFacts:
    """What a node of the network says, for the on-chain checks."""

    records: dict[int, OnChainRecord]
    head: tuple[int, Hash32]
    membership: dict[str, list[MemberEvent]]
    checkpoints: dict[int, tuple[bytes, int]] = field(default_factory=dict)  # size → (root, block)
    roles_at: dict[tuple[str, str, int], bool] = field(default_factory=dict)  # (role, actor, block) → held
    # The consignment as its ConsignmentCreated log records it (the fields of BundleConsignment),
    # None when the ledger has no such consignment.
    consignment: dict[str, Any] | None = None


def parsed_payloads(bundle: Bundle) -> list[Any]:
    """Each entry's payload as JSON data (None where unpublished or not JSON)."""
    out = []
    for e in bundle.entries:
        try:
            out.append(json.loads(e.payload) if e.payload is not None else None)
        except ValueError:
            out.append(None)
    return out


def role_questions(bundle: Bundle) -> set[tuple[str, str, int]]:
    """The (role, actor, block) a node must answer with ``hadActiveRoleAt`` for the bundle's
    batched entries."""
    view = _consignment_view(bundle)
    return {
        (role.value, e.actor.lower(), e.block_number)
        for e in bundle.entries
        if e.leaf_index is not None
        for role in signing_roles(e.event_type, Address(e.actor), view)
    }


def _consignment_view(bundle: Bundle) -> ConsignmentView:
    c = bundle.consignment
    return ConsignmentView(
        Address(c.exporter),
        Address(c.importer),
        Address(c.carrier),
        frozenset(),
        frozenset(Jurisdiction(j) for j in (c.origin, c.destination, *c.transit)),
    )


def _claims(bundle: Bundle) -> list[CheckpointClaim]:
    return [
        CheckpointClaim(c.size, _bytes(c.root), c.block_number, tuple(_bytes(p) for p in c.consistency))
        for c in bundle.checkpoints
    ]


def _anchor(e: BundleEntry, leaf_index: int, checkpoints: dict[tuple[int, int], BundleCheckpoint]) -> MerkleAnchor:
    anchoring = checkpoints.get((e.block_number, e.log_index))
    return MerkleAnchor(leaf_index, anchoring.size if anchoring else 0, e.block_number, e.tx_hash or "")


def _batch_proof(bundle: Bundle) -> BatchProof | None:
    if not bundle.checkpoints:
        return None
    last = bundle.checkpoints[-1]
    return BatchProof(last.size, _bytes(last.root), tuple(_bytes(p) for p in bundle.inclusion_proof))


def parse_bundle(data: Any) -> Bundle:
    """A Bundle from JSON data; LedgerValueError names the first malformed field."""
    try:
        return Bundle.model_validate(data)
    except ValidationError as exc:
        raise LedgerValueError(f"not a valid evidence bundle: {first_error(exc)}") from exc


def _bytes(value: str) -> bytes:
    return bytes.fromhex(value[2:])


def _entry(consignment: bytes, e: BundleEntry) -> Entry:
    return Entry(
        consignment=Hash32(consignment),
        seq=e.seq,
        prev_hash=Hash32(_bytes(e.prev_hash)),
        event_type=Hash32(e.event_type.type_id),
        payload_hash=Hash32(_bytes(e.payload_hash)),
        cid=e.cid,
        next_carrier=Address(e.next_carrier),
        actor=Address(e.actor),
    )


def own_evidence_of(consignment: bytes, e: BundleEntry) -> OwnEvidence:
    """What an entry's own checks read (``consignment``: the bundle's consignment id)."""
    payload = e.payload.encode() if e.payload is not None else None
    return _entry(consignment, e), _bytes(e.signature), payload, Hash32(_bytes(e.entry_hash)), e.leaf_index is not None


def start_checks(started: StartedChecks, entries: Iterable[BundleEntry]) -> None:
    """Start the own checks of ``entries`` before their bundle is whole (see ``verify_bundle``)."""
    for e in entries:
        started.add(e, own_evidence_of(started.consignment, e))


def _membership(bundle: Bundle) -> dict[str, list[MemberEvent]]:
    return {
        address: [MemberEvent(m.block, m.log_index, m.kind, tuple(m.roles), m.jurisdiction) for m in events]
        for address, events in bundle.members.items()
    }


def verify_bundle(
    bundle: Bundle,
    online: OnlineFacts | None = None,
    document_errors: dict[str, str] | None = None,
    executor: Executor | None = None,
    trust: Check | None = None,
    started: StartedChecks | None = None,
) -> Report:
    """Verify every entry of the bundle (and, with ``online``, its presence on chain).

    ``online`` must come from the contracts of the verifier's pinned trust root, and
    ``trust`` is the result of checking the bundle against it (``evidence.trust``); without
    it the report says the trust root was not checked. ``document_errors`` lets a node
    report documents its content store could not serve intact (CID → why); they fail that
    entry's document check. ``executor`` shares out the per-entry checks of long chains;
    ``started``, the same checks already started on exactly the bundle's entries.
    """
    c = bundle.consignment
    shared, own = started.claim(bundle.entries, bundle.domain, _bytes(c.id)) if started is not None else (None, None)
    if shared is None and executor is not None:
        shared = SharedChecks(executor, bundle.domain)
    evidence, payloads = _entry_evidence(bundle, online, document_errors or {}, shared, own)
    # While workers (if any) check the entries: the rules replayed against the membership
    # history, and the declarations' deadlines.
    parties = Address(c.exporter), Address(c.importer), Address(c.carrier)
    facts = ConsignmentFacts(*parties, frozenset(Jurisdiction(j) for j in (c.origin, c.destination, *c.transit)))
    written = [
        WrittenEntry(
            e.seq,
            e.event_type,
            Address(e.actor),
            Address(e.next_carrier),
            e.block_number,
            e.log_index,
            e.block_time,
            when,
        )
        for e, when in zip(bundle.entries, map(event_time, payloads), strict=True)
    ]
    authorised, custody = replay(facts, written, online.membership if online else _membership(bundle))
    pre_arrival = prove_all(timed_entries(bundle.entries, payloads, online.records if online else {}))
    report = verify_chain(
        c.reference,
        bundle.domain,
        evidence,
        online.head if online else None,
        _batch_proof(bundle),
        shared.results(evidence, payloads) if shared is not None else None,
    )
    if bundle.checkpoints:
        _add_log_checks(report, bundle, online)
    report.checks.insert(0, check_consignment_id(c.id, c.exporter, c.reference))
    report.checks.insert(0, trust or Check("trust_root", None, "no trust root pinned"))
    if online is None:
        report.checks.append(Check("membership", None, "roles as recorded in the bundle (not re-read from a node)"))
    else:
        report.checks.insert(2, check_consignment_on_chain(c.model_dump(), online.consignment))
        report.checks.append(Check("membership", True, "roles re-read from the registry's logs on the node"))
    for entry_report, check in zip(report.entries, authorised, strict=True):
        entry_report.checks.append(check)
    report.custody = custody.to_dict()
    report.pre_arrival = pre_arrival
    return report


def _entry_evidence(
    bundle: Bundle,
    online: OnlineFacts | None,
    document_errors: dict[str, str],
    shared: SharedChecks | None,
    started: list[OwnEvidence] | None,
) -> tuple[list[EntryEvidence], list[Any]]:
    """Each entry's evidence, and its parsed payload; each entry's own checks are handed to
    ``shared`` as its evidence is built, unless they were ``started`` already (their own evidence)."""
    consignment = _bytes(bundle.consignment.id)
    documents: dict[str, BundleDocument] = {d.cid: d for d in bundle.documents}
    by_event = {(cp.block_number, cp.log_index): cp for cp in bundle.checkpoints}
    evidence: list[EntryEvidence] = []
    payloads = parsed_payloads(bundle)
    owns = iter(started) if started is not None else (own_evidence_of(consignment, e) for e in bundle.entries)
    for e, data, own in zip(bundle.entries, payloads, owns, strict=True):
        entry, signature, payload, recorded, _ = own
        document, document_error = _document(data, documents, document_errors)
        record = online.records.get(e.seq) if online and e.leaf_index is None else None
        evidence.append(
            EntryEvidence(
                entry,
                signature,
                payload,
                recorded,
                record,
                document,
                document_error,
                _anchor(e, e.leaf_index, by_event) if e.leaf_index is not None else None,
                e.block_number if e.leaf_index is None else None,
                e.tx_hash if e.leaf_index is None else None,
            )
        )
        if shared is not None and started is None:
            shared.add(own)
    return evidence, payloads


def _add_log_checks(report: Report, bundle: Bundle, online: OnlineFacts | None) -> None:
    """Checkpoint consistency and presence on chain, and each batched signer's role."""
    claims = _claims(bundle)
    report.checks.append(check_consistency(claims))
    report.checks.append(check_checkpoints_on_chain(claims, online.checkpoints if online else None))
    view = _consignment_view(bundle)
    offline, judged = Check("signer_role", None, "not asked of the registry (offline)"), {}
    for entry_report, e in zip(report.entries, bundle.entries, strict=True):
        if e.leaf_index is None:
            continue  # single entries have on_chain instead
        key = (e.event_type.value, e.actor.lower(), e.block_number)
        if online is not None and key not in judged:
            roles = [r.value for r in signing_roles(e.event_type, Address(e.actor), view)]
            judged[key] = check_signer_role(e.actor, roles, e.block_number, online.roles_at)
        entry_report.checks.append(judged[key] if online is not None else offline)


def _document(
    data: Any, documents: dict[str, BundleDocument], errors: dict[str, str]
) -> tuple[bytes | None, str | None]:
    ref = document_in(data) if isinstance(data, dict) else None
    if ref is None:
        return None, None
    if ref.cid in errors:
        return None, errors[ref.cid]
    included = documents.get(ref.cid)
    if included is None:
        return None, "the document is not in the bundle"
    if included.content_base64 is None:
        return None, None
    try:
        return base64.b64decode(included.content_base64, validate=True), None
    except ValueError:
        return None, "the bundle's copy of the document is not valid base64"


def build_bundle(
    chain_id: int,
    contracts: dict[str, tuple[str, int]],
    consignment: dict[str, Any],
    members: dict[str, list[MemberEvent]],
    entries: Sequence[dict[str, Any] | BundleEntry],
    documents: list[dict[str, Any]],
    created_at: str,
    checkpoints: list[dict[str, Any]] | None = None,
    inclusion_proof: list[str] | None = None,
) -> Bundle:
    """Assemble a bundle from its parts (validated as it is built; an entry given as a
    ``BundleEntry`` was validated already and is kept as it is)."""
    data = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": created_at,
        "chain": {
            "chain_id": chain_id,
            "contracts": {name: {"address": a, "block": b} for name, (a, b) in contracts.items()},
        },
        "consignment": consignment,
        "members": {
            address: [
                {
                    "block": m.block,
                    "log_index": m.log_index,
                    "kind": m.kind,
                    "roles": [r.value for r in m.roles],
                    "jurisdiction": m.jurisdiction,
                }
                for m in events
            ]
            for address, events in members.items()
        },
        "entries": entries,
        "documents": documents,
        "checkpoints": checkpoints or [],
        "inclusion_proof": inclusion_proof or [],
    }
    return parse_bundle(data)
