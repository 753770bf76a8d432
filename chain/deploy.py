"""Deploying the contracts and the deployment manifest (chain id, addresses, blocks).

The one way to deploy: the service, ``make run`` and ``brownie run scripts/deploy.py``
all call :func:`deploy`.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.compile import compile_contracts, load_artifact
from chain.errors import ChainError, DeploymentNotFound
from chain.rpc import block_hash
from chain.sender import TransactionSender

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class CustomsBootstrap:
    """A customs administration the deployer admits at genesis."""

    address: str
    jurisdiction: str
    legal_id: str
    name: str


@dataclass(frozen=True)
class DeployedContract:
    """Where one contract lives."""

    address: str
    block: int
    tx_hash: str


@dataclass(frozen=True)
class Manifest:
    """What was deployed where; written to ``deployment.json``."""

    chain_id: int
    deployer: str
    contracts: dict[str, DeployedContract]
    compiler: str
    deployed_at: str
    version: int = MANIFEST_VERSION
    bootstrap: list[dict[str, str]] = field(default_factory=list)
    # The hash of the registry's deployment block: with the chain id, what pins the chain itself.
    deployment_block_hash: str = ""

    @property
    def registry(self) -> DeployedContract:
        """The ConsortiumRegistry."""
        return self.contracts["ConsortiumRegistry"]

    @property
    def ledger(self) -> DeployedContract:
        """The ConsignmentLedger."""
        return self.contracts["ConsignmentLedger"]

    @property
    def aeo(self) -> DeployedContract:
        """The AEORegistry."""
        return self.contracts["AEORegistry"]

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Read a manifest written by :meth:`to_json`."""
        contracts = {name: DeployedContract(**c) for name, c in data["contracts"].items()}
        return cls(**{**data, "contracts": contracts})


def _deploy_one(w3: Web3, sender: TransactionSender, deployer: LocalAccount, name: str, *args: Any) -> DeployedContract:
    artifact = load_artifact(name)
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = sender.transact(deployer, factory.constructor(*args))
    tx = w3.eth.get_transaction_receipt(receipt.tx_hash)  # type: ignore[arg-type]
    address = tx["contractAddress"]
    if address is None:
        raise ChainError(f"deploying {name} created no contract (tx {receipt.tx_hash})")
    return DeployedContract(address=str(address), block=receipt.block_number, tx_hash=receipt.tx_hash)


def deploy(
    w3: Web3,
    deployer: LocalAccount,
    customs: list[CustomsBootstrap],
    sender: TransactionSender | None = None,
) -> Manifest:
    """Compile if needed, deploy registry and ledger, and return the manifest."""
    if not customs:
        raise ChainError("deploying needs at least one customs administration to bootstrap the consortium")
    compile_contracts()
    sender = sender or TransactionSender(w3)
    registry = _deploy_one(
        w3,
        sender,
        deployer,
        "ConsortiumRegistry",
        [Web3.to_checksum_address(c.address) for c in customs],
        [c.jurisdiction.encode("ascii") for c in customs],
        [c.legal_id for c in customs],
        [c.name for c in customs],
    )
    ledger = _deploy_one(w3, sender, deployer, "ConsignmentLedger", registry.address)
    aeo = _deploy_one(w3, sender, deployer, "AEORegistry", registry.address)
    checkpoints = _deploy_one(w3, sender, deployer, "CheckpointLog", registry.address)
    rule_sets = _deploy_one(w3, sender, deployer, "RiskRuleSets", registry.address)
    status_anchors = _deploy_one(w3, sender, deployer, "StatusListAnchors", registry.address)
    report_anchors = _deploy_one(w3, sender, deployer, "ReportAnchors", registry.address)
    return Manifest(
        chain_id=w3.eth.chain_id,
        deployer=deployer.address,
        contracts={
            "ConsortiumRegistry": registry,
            "ConsignmentLedger": ledger,
            "AEORegistry": aeo,
            "CheckpointLog": checkpoints,
            "RiskRuleSets": rule_sets,
            "StatusListAnchors": status_anchors,
            "ReportAnchors": report_anchors,
        },
        compiler=load_artifact("ConsignmentLedger")["compiler"],
        deployed_at=datetime.now(UTC).isoformat(timespec="seconds"),
        bootstrap=[asdict(c) for c in customs],
        deployment_block_hash=block_hash(w3, registry.block) or "",
    )


# Contracts that hang off the registry alone, so a newer release can add them to an
# existing deployment without touching the registry or the ledger.
_ADD_ONS = ("AEORegistry", "CheckpointLog", "RiskRuleSets", "StatusListAnchors", "ReportAnchors")


def deploy_missing(
    w3: Web3, deployer: LocalAccount, manifest: Manifest, sender: TransactionSender | None = None
) -> Manifest:
    """Deploy the add-on contracts a manifest lacks (written by an older release)."""
    missing = [name for name in _ADD_ONS if name not in manifest.contracts]
    if not missing:
        return manifest
    compile_contracts()
    sender = sender or TransactionSender(w3)
    contracts = dict(manifest.contracts)
    for name in missing:
        contracts[name] = _deploy_one(w3, sender, deployer, name, manifest.registry.address)
    return replace(manifest, contracts=contracts)


def write_manifest(manifest: Manifest, path: Path) -> None:
    """Write the manifest atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest.to_json(), indent=2) + "\n")
    tmp.replace(path)


def load_manifest(path: Path, w3: Web3) -> Manifest:
    """Read the manifest and check it describes the connected chain.

    Raises DeploymentNotFound when the file is missing, is for another chain, or its
    contracts have no code (e.g. a fresh chain under an old manifest).
    """
    if not path.exists():
        raise DeploymentNotFound(f"no deployment manifest at {path}")
    manifest = Manifest.from_json(json.loads(path.read_text()))
    if manifest.chain_id != w3.eth.chain_id:
        raise DeploymentNotFound(f"{path} is for chain {manifest.chain_id}, the node is chain {w3.eth.chain_id}")
    pinned = manifest.deployment_block_hash
    if pinned and block_hash(w3, manifest.registry.block) != pinned:
        raise DeploymentNotFound(
            f"{path} is for another chain with id {manifest.chain_id} (block {manifest.registry.block} differs)"
        )
    for name, contract in manifest.contracts.items():
        if len(w3.eth.get_code(Web3.to_checksum_address(contract.address))) == 0:
            raise DeploymentNotFound(f"{name} has no code at {contract.address} on this chain; redeploy")
    return manifest
