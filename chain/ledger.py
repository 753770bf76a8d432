"""Bindings to a consortium's deployed contracts (registry and ledger here; the AEO registry
and the checkpoint log through their own modules), built from the compiled artifacts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3
from web3.contract import Contract

from chain.abi import ContractCalls, call_view, call_views, decode_jurisdiction
from chain.aeo import AEOClient
from chain.checkpoints import CheckpointLogClient
from chain.compile import load_artifact
from chain.deploy import DeployedContract, Manifest
from chain.errors import ContractRevert
from chain.indexer import CreatedConsignment, LogReader
from chain.logs import receipt_events
from chain.report_anchors import ReportAnchorsClient
from chain.rulesets import RiskRuleSetsClient
from chain.sender import Receipt, TransactionSender
from chain.status_anchors import StatusListAnchorsClient
from evidence.bundle import Bundle, OnlineFacts, role_questions
from evidence.consignment_id import consignment_id
from evidence.eip712 import Domain, Entry, compact_signature, entry_hash
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView
from evidence.trust import TrustRoot
from evidence.types import Address, Hash32, Jurisdiction, hash32
from evidence.verify import OnChainRecord

STATUS_NAMES = ("none", "active", "suspended", "removed")
# The most gas an appendEvent is sent with. Its costliest kind, a handover to a carrier new to
# the consignment, uses under half of it (tests/chain/test_chain.py measures each kind). The
# node checks an entry under the consignment's lock when it accepts it, before it relays it at
# once or from the outbox, so the node's estimate is not asked first.
APPEND_GAS_CEILING = 200_000


@dataclass(frozen=True)
class MemberInfo:
    """A member as the registry records it."""

    address: Address
    jurisdiction: str
    status: str
    legal_id: str
    name: str
    roles: frozenset[Role]

    def view(self) -> MemberView:
        """The rules' view of this member."""
        return MemberView(self.address, self.roles, Jurisdiction(self.jurisdiction), self.status == "active")


@dataclass(frozen=True)
class ConsignmentInfo:
    """A consignment as the ledger records it."""

    id: Hash32
    exporter: Address
    importer: Address
    carrier: Address
    origin: str
    destination: str
    transit: tuple[str, ...]
    count: int
    head: Hash32
    created_at: int


@dataclass(frozen=True)
class AppendResult:
    """Where an appended entry landed."""

    entry_hash: Hash32
    receipt: Receipt
    log_index: int
    block_time: int


def manifest_of_bundle(bundle: Bundle) -> Manifest:
    """The deployment a bundle claims to come from: what a verifier with no trust root of
    its own falls back on (and its report then says the trust root was not checked)."""
    contracts = {name: DeployedContract(c.address, c.block, "") for name, c in bundle.chain.contracts.items()}
    return Manifest(bundle.chain.chain_id, "", contracts, "", bundle.created_at)


def trust_root_of(manifest: Manifest) -> TrustRoot:
    """The trust root a deployment manifest pins."""
    contracts = {n: c.address for n, c in manifest.contracts.items()}
    return TrustRoot(manifest.chain_id, manifest.registry.block, manifest.deployment_block_hash, contracts)


class LedgerClient:
    """The deployed contracts of one consortium, for reading and writing."""

    def __init__(self, w3: Web3, manifest: Manifest, sender: TransactionSender | None = None) -> None:
        self.w3 = w3
        self.manifest = manifest
        self.sender = sender or TransactionSender(w3)
        self.registry: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(manifest.registry.address), abi=load_artifact("ConsortiumRegistry")["abi"]
        )
        self.ledger: Contract = w3.eth.contract(
            address=Web3.to_checksum_address(manifest.ledger.address), abi=load_artifact("ConsignmentLedger")["abi"]
        )
        self.registry_calls = ContractCalls(self.registry)
        self.ledger_calls = ContractCalls(self.ledger)
        self.domain = Domain(chain_id=manifest.chain_id, verifying_contract=Address(self.ledger.address))
        self.logs = LogReader(w3, self.registry, self.ledger, manifest.registry.block)
        # The add-on contracts, where this deployment has them.
        aeo = manifest.contracts.get("AEORegistry")
        self.aeo = AEOClient(w3, aeo.address, aeo.block, self.sender) if aeo else None
        log = manifest.contracts.get("CheckpointLog")
        self.checkpoint_log = CheckpointLogClient(w3, log.address, log.block, self.sender) if log else None
        rules = manifest.contracts.get("RiskRuleSets")
        self.rule_sets = RiskRuleSetsClient(w3, rules.address, rules.block, self.sender) if rules else None
        reports = manifest.contracts.get("ReportAnchors")
        self.report_anchors = ReportAnchorsClient(w3, reports.address, reports.block, self.sender) if reports else None
        anchors = manifest.contracts.get("StatusListAnchors")
        self.status_anchors = (
            StatusListAnchorsClient(w3, anchors.address, anchors.block, self.sender) if anchors else None
        )

    @staticmethod
    def abi(name: str) -> Any:
        """The ABI of a compiled contract."""
        return load_artifact(name)["abi"]

    # --- registry -------------------------------------------------------------------

    def member(self, address: str) -> MemberInfo:
        """The registry's record of ``address`` (status "none" if never admitted)."""
        address = Web3.to_checksum_address(address)
        (jurisdiction, status, legal_id, name, _by), role_ids = call_views(
            [self.registry_calls.member(address), self.registry_calls.rolesOf(address)]
        )
        roles = frozenset(Role.from_id(r) for r in role_ids)
        j = decode_jurisdiction(jurisdiction) if status else ""
        return MemberInfo(Address(address), j, STATUS_NAMES[status], legal_id, name, roles)

    def admit_operator(
        self, customs: LocalAccount, address: str, roles: list[Role], jurisdiction: str, legal_id: str, name: str
    ) -> Receipt:
        """A customs administration admits an operator of its jurisdiction."""
        call = self.registry_calls.admitOperator(
            Web3.to_checksum_address(address), [r.role_id for r in roles], jurisdiction.encode("ascii"), legal_id, name
        )
        return self.sender.transact(customs, call)

    def set_suspended(self, customs: LocalAccount, address: str, suspended: bool) -> Receipt:
        """Suspend or reinstate an operator."""
        fn = self.registry_calls.suspendMember if suspended else self.registry_calls.reinstateMember
        return self.sender.transact(customs, fn(Web3.to_checksum_address(address)))

    def propose_customs(
        self, customs: LocalAccount, address: str, jurisdiction: str, legal_id: str, name: str
    ) -> tuple[int, Receipt]:
        """Propose a new customs administration; returns the proposal id."""
        call = self.registry_calls.proposeCustomsAdmission(
            Web3.to_checksum_address(address), jurisdiction.encode("ascii"), legal_id, name
        )
        receipt = self.sender.transact(customs, call)
        return self._proposal_id(receipt), receipt

    def propose_member(
        self, customs: LocalAccount, address: str, roles: list[Role], jurisdiction: str, legal_id: str, name: str
    ) -> tuple[int, Receipt]:
        """Propose a member with consortium-wide roles (auditor, anchor); returns the proposal id."""
        call = self.registry_calls.proposeMemberAdmission(
            Web3.to_checksum_address(address), [r.role_id for r in roles], jurisdiction.encode("ascii"), legal_id, name
        )
        receipt = self.sender.transact(customs, call)
        return self._proposal_id(receipt), receipt

    def approve_proposal(self, customs: LocalAccount, proposal_id: int) -> Receipt:
        """Approve a governance proposal."""
        return self.sender.transact(customs, self.registry_calls.approveProposal(proposal_id))

    def proposal(self, proposal_id: int) -> dict[str, Any]:
        """A proposal's kind, subject, status and approvers."""
        kind, account, jurisdiction, executed, approvers = call_view(self.registry_calls.proposal(proposal_id))
        functions = self.registry_calls
        return {
            "expires_at": int(call_view(functions.proposalExpiresAt(proposal_id))),
            "counting_approvals": int(call_view(functions.countingApprovals(proposal_id))),
            "id": proposal_id,
            "kind": ("admit_customs", "remove_customs", "admit_member")[kind],
            "account": account,
            "jurisdiction": decode_jurisdiction(jurisdiction),
            "executed": executed,
            "approvers": list(approvers),
            "active_customs": call_view(self.registry_calls.activeCustomsCount()),
        }

    def _proposal_id(self, receipt: Receipt) -> int:
        events = receipt_events(self.registry, "CustomsProposalCreated", receipt.logs)
        return int(events[0].args["proposalId"])

    # --- ledger ---------------------------------------------------------------------

    def create_consignment(
        self,
        exporter: LocalAccount,
        reference: str,
        origin: str,
        destination: str,
        transit: list[str],
        importer: str,
        carrier: str,
        batched: bool = False,
    ) -> tuple[Hash32, Receipt]:
        """Open a consignment as ``exporter``; ``batched``: its entries go through the Merkle log."""
        create = self.ledger_calls.createBatchedConsignment if batched else self.ledger_calls.createConsignment
        call = create(
            reference,
            origin.encode("ascii"),
            destination.encode("ascii"),
            [t.encode("ascii") for t in transit],
            Web3.to_checksum_address(importer),
            Web3.to_checksum_address(carrier),
        )
        receipt = self.sender.transact(exporter, call)
        return consignment_id(exporter.address, reference), receipt

    def is_batched(self, cid: Hash32) -> bool:
        """Whether the ledger sends the consignment's entries to the Merkle log (and refuses single ones)."""
        return bool(call_view(self.ledger_calls.isBatched(bytes(cid))))

    def consignment(self, cid: Hash32) -> ConsignmentInfo:
        """The ledger's record of a consignment."""
        c = call_view(self.ledger_calls.consignment(bytes(cid)))
        exporter, importer, carrier, origin, destination, count, created_at, head, transit = c
        return ConsignmentInfo(
            id=cid,
            exporter=Address(exporter),
            importer=Address(importer),
            carrier=Address(carrier),
            origin=decode_jurisdiction(origin),
            destination=decode_jurisdiction(destination),
            transit=tuple(decode_jurisdiction(t) for t in transit),
            count=int(count),
            head=Hash32(bytes(head)),
            created_at=int(created_at),
        )

    def consignment_view(self, info: ConsignmentInfo, parties: frozenset[Address]) -> ConsignmentView:
        """The rules' view of a consignment; ``parties`` as known to the index."""
        return ConsignmentView(
            exporter=info.exporter,
            importer=info.importer,
            carrier=info.carrier,
            parties=parties | {info.exporter, info.importer, info.carrier},
            jurisdictions=frozenset(Jurisdiction(j) for j in (info.origin, info.destination, *info.transit)),
        )

    def head(self, cid: Hash32) -> tuple[int, Hash32]:
        """(count, head entry hash) of a consignment."""
        count, head = call_view(self.ledger_calls.head(bytes(cid)))
        return int(count), Hash32(bytes(head))

    def records(self, cid: Hash32) -> dict[int, OnChainRecord]:
        """What the ledger accepted of each of a consignment's single entries, by seq, from its
        EventAppended logs: the contract stores only the head, which commits to them all."""
        return {
            e.seq: OnChainRecord(hash32(e.entry_hash), e.actor, e.block_time, e.block_number, e.tx_hash)
            for e in self.logs.entries(cid)
        }

    def record(self, cid: Hash32, seq: int) -> OnChainRecord | None:
        """What the ledger accepted as entry ``seq`` (None if it holds no such entry)."""
        return self.records(cid).get(seq)

    def hash_entry(self, entry: Entry) -> Hash32:
        """The contract's EIP-712 digest of ``entry`` (for cross-checking evidence/)."""
        return Hash32(bytes(call_view(self.ledger_calls.hashEntry(entry.as_tuple()))))

    def online_facts(self, bundle: Bundle) -> OnlineFacts:
        """What this chain, at this client's contracts (the verifier's trust root), says about a
        bundle's consignment: how it was opened, ledger records and where each was written,
        head, membership history and, for entries anchored in batches, the checkpoints and
        the signers' roles at the anchoring blocks. Nothing is taken from the bundle but the
        questions."""
        consignment = hash32(bundle.consignment.id)
        # The ledger stores only each consignment's head; what it accepted of each entry is
        # in its EventAppended logs, and the head (checked against the bundle's last entry)
        # commits to all of them through prevHash.
        wanted = {e.seq for e in bundle.entries if e.leaf_index is None}
        records = {seq: r for seq, r in self.records(consignment).items() if seq in wanted} if wanted else {}
        checkpoints: dict[int, tuple[bytes, int]] = {}
        if bundle.checkpoints and self.checkpoint_log is not None:
            found = self.checkpoint_log.of_sizes([c.size for c in bundle.checkpoints])
            checkpoints = {size: (bytes(c.root), c.block_number) for size, c in found.items()}
        opened = self.logs.consignments(consignment)
        roles_at = {
            (role, actor, block): self.had_active_role_at(Role(role), actor, block)
            for role, actor, block in role_questions(bundle)
        }
        return OnlineFacts(
            records,
            self.head(consignment),
            self.logs.membership(list(bundle.members)),
            checkpoints,
            roles_at,
            _opened(opened[0]) if opened else None,
        )

    def had_active_role_at(self, role: Role, account: str, block: int) -> bool:
        """Whether ``account`` was an active member holding ``role`` at the end of ``block``."""
        call = self.registry_calls.hadActiveRoleAt(role.role_id, Web3.to_checksum_address(account), block)
        return bool(call_view(call))

    def append(self, relayer: LocalAccount, entry: Entry, signature: bytes) -> AppendResult:
        """Send ``appendEvent`` from ``relayer`` and return where the entry landed."""
        r, vs = compact_signature(signature)
        call = self.ledger_calls.appendEvent(entry.as_tuple(), r, vs)
        receipt = self.sender.transact(relayer, call, checked_within=APPEND_GAS_CEILING)
        # The ledger's EventAppended log says where the entry landed.
        ours = receipt_events(self.ledger, "EventAppended", receipt.logs)
        if not ours:
            raise ContractRevert("NoEventAppended", {"tx": receipt.tx_hash})
        landed = ours[0]
        return AppendResult(entry_hash(entry, self.domain), receipt, landed.log_index, self.logs.block_time_of(landed))


def _opened(created: CreatedConsignment) -> dict[str, Any]:
    """A ConsignmentCreated log in the shape of an evidence bundle's consignment."""
    return {
        "reference": created.reference,
        "id": created.id,
        "exporter": created.exporter,
        "importer": created.importer,
        "carrier": created.carrier,
        "origin": created.origin,
        "destination": created.destination,
        "transit": list(created.transit),
        "tx_hash": created.tx_hash,
        "block_number": created.block_number,
    }
