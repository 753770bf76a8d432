"""The service layer: one module per capability, each a small class over the node's
resources (:class:`api.services.node.Node`), with no HTTP and no SQL of its own.

:func:`build_services` wires them; the HTTP routes, the CLI and the workers use them.
"""

from __future__ import annotations

from dataclasses import dataclass

from api.services.aeo import AEOService
from api.services.appends import AppendsService
from api.services.checkpointer import Checkpointer
from api.services.consignments import ConsignmentsService
from api.services.controls import ControlsService
from api.services.credentials import CredentialsService
from api.services.documents import DocumentsService
from api.services.epcis import EpcisService
from api.services.evidence_export import EvidenceService
from api.services.follower import ChainFollower
from api.services.idempotency import IdempotencyService
from api.services.issuers import IssuersService
from api.services.members import MembersService
from api.services.merkle_log import MerkleLogService
from api.services.node import Node
from api.services.outbox import OutboxWorker
from api.services.risk import RiskService
from api.services.status import StatusService
from api.services.status_lists import StatusListService
from api.services.trade_data import TradeDataService
from api.services.verifier import CredentialVerifier, VerifierSettings
from api.verify_pool import VerifyPool


@dataclass
class Services:
    """Every capability of one node."""

    node: Node
    members: MembersService
    consignments: ConsignmentsService
    appends: AppendsService
    documents: DocumentsService
    evidence: EvidenceService
    idempotency: IdempotencyService
    merkle_log: MerkleLogService
    epcis: EpcisService
    aeo: AEOService | None
    controls: ControlsService
    risk: RiskService
    status: StatusService
    issuers: IssuersService
    credentials: CredentialsService
    status_lists: StatusListService
    verifier: CredentialVerifier
    trade_data: TradeDataService
    checkpointer: Checkpointer | None
    outbox: OutboxWorker
    follower: ChainFollower


def build_services(
    node: Node,
    verify_pool: VerifyPool,
    outbox_interval: float,
    batch_size: int,
    batch_max_delay: float,
    confirmations: int = 0,
    follow_interval: float = 1.0,
    public_url: str = "https://127.0.0.1:8000",
    status_list_interval: float = 1.0,
    verifier_settings: VerifierSettings | None = None,
) -> Services:
    """Wire the services of ``node`` (workers built, not started)."""
    members = MembersService(node)
    consignments = ConsignmentsService(node, members)
    appends = AppendsService(node, members, consignments)
    merkle_log = MerkleLogService(node, members, consignments, verify_pool)
    chain = node.chain
    controls = ControlsService(node, consignments, chain.aeo)
    checkpointer = (
        Checkpointer(node, merkle_log, chain.checkpoint_log, batch_size, batch_max_delay)
        if chain.checkpoint_log is not None
        else None
    )
    evidence = EvidenceService(node, consignments, merkle_log, verify_pool)
    issuers = IssuersService(node, members, public_url)
    status_lists = StatusListService(node, members, issuers, chain.aeo, chain.status_anchors, status_list_interval)
    return Services(
        node=node,
        members=members,
        consignments=consignments,
        appends=appends,
        documents=DocumentsService(node, members, consignments, appends),
        evidence=evidence,
        idempotency=IdempotencyService(node),
        merkle_log=merkle_log,
        epcis=EpcisService(node, members, consignments, appends),
        aeo=AEOService(node, members, chain.aeo) if chain.aeo is not None else None,
        controls=controls,
        risk=RiskService(node, members, consignments, appends, controls),
        status=StatusService(node, members, consignments),
        issuers=issuers,
        credentials=CredentialsService(node, members, issuers, consignments, evidence, chain.aeo),
        status_lists=status_lists,
        verifier=CredentialVerifier(issuers, status_lists, verifier_settings or VerifierSettings()),
        trade_data=TradeDataService(node, members, consignments, controls),
        checkpointer=checkpointer,
        outbox=OutboxWorker(node, appends, outbox_interval),
        follower=ChainFollower(node, members, merkle_log, confirmations, follow_interval),
    )
