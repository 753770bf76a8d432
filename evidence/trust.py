"""The trust root a verifier pins: which chain, and which contracts on it, are the
consortium's. Nothing a bundle or a node says is believed unless it matches.

A trust root comes from the consortium's deployment manifest (``deployment.json``:
chain id, the hash of the block the registry was deployed in, contract addresses),
obtained independently of the bundle under verification — from the consortium, or a node
operator's own deployment. (The deployment block rather than the genesis block: a
development node such as anvil may re-stamp its genesis when it reloads its state.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidence.checks import Check
from evidence.eip712 import Domain
from evidence.errors import LedgerValueError
from evidence.types import Address

# The contracts every bundle's evidence rests on; others (AEO) are pinned when present.
REQUIRED = ("ConsortiumRegistry", "ConsignmentLedger")


@dataclass(frozen=True)
class TrustRoot:
    """The consortium's chain (id, deployment block and its hash) and its contracts' addresses."""

    chain_id: int
    deployment_block: int
    deployment_block_hash: str  # 0x-prefixed; "" when the manifest predates it
    contracts: Mapping[str, str]  # name → address

    @property
    def signing_domain(self) -> Domain:
        """The EIP-712 domain entries of this consortium are signed in."""
        return Domain(self.chain_id, Address(self.contracts["ConsignmentLedger"]))

    @classmethod
    def from_manifest(cls, data: Any) -> TrustRoot:
        """From a deployment manifest's JSON data; LedgerValueError if it is not one."""
        try:
            contracts = {str(name): str(c["address"]) for name, c in data["contracts"].items()}
            block = int(data["contracts"]["ConsortiumRegistry"]["block"])
            root = cls(int(data["chain_id"]), block, str(data.get("deployment_block_hash", "")), contracts)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LedgerValueError(f"not a deployment manifest: {exc!r}") from exc
        missing = [name for name in REQUIRED if name not in root.contracts]
        if missing:
            raise LedgerValueError(f"the manifest names no {', '.join(missing)}")
        return root


@dataclass(frozen=True)
class NodeIdentity:
    """Which chain a node serves, as the node itself answers: its id, and the hash it has at
    the trust root's deployment block (None if it has no such block)."""

    chain_id: int
    deployment_block_hash: str | None


def check_trust_root(
    trusted: TrustRoot | None,
    bundle_chain_id: int,
    bundle_contracts: Mapping[str, str],
    node: NodeIdentity | None,
) -> Check:
    """``trust_root``: the bundle's chain and contracts, and the node asked (if any), are the
    pinned consortium's. Not checked when nothing is pinned (the bundle's word is all there is)."""
    problems: list[str] = []
    if node is not None and node.chain_id != bundle_chain_id:
        problems.append(f"the node serves chain {node.chain_id}, the bundle is from chain {bundle_chain_id}")
    if trusted is None:
        if problems:
            return Check("trust_root", False, "; ".join(problems))
        return Check("trust_root", None, "no trust root pinned: the bundle's chain and contracts were not compared")
    if bundle_chain_id != trusted.chain_id:
        problems.append(f"the bundle is from chain {bundle_chain_id}, the trust root is chain {trusted.chain_id}")
    for name in sorted(set(bundle_contracts) | set(REQUIRED)):
        stated, pinned = bundle_contracts.get(name), trusted.contracts.get(name)
        if pinned is None:
            problems.append(f"the trust root has no {name}")
        elif stated is None or stated.lower() != pinned.lower():
            problems.append(f"the bundle's {name} is {stated}, the trust root's is {pinned}")
    if node is not None:
        if node.chain_id != trusted.chain_id:
            problems.append(f"the node serves chain {node.chain_id}, the trust root is chain {trusted.chain_id}")
        stated = (node.deployment_block_hash or "").lower()
        if trusted.deployment_block_hash and stated != trusted.deployment_block_hash.lower():
            problems.append(
                f"the node's block {trusted.deployment_block} is {node.deployment_block_hash}, "
                f"the trust root's is {trusted.deployment_block_hash}: another chain"
            )
    if problems:
        return Check("trust_root", False, "; ".join(problems))
    pinned = trusted.deployment_block_hash
    where = f"chain {trusted.chain_id}" + (f", block {trusted.deployment_block} {pinned[:10]}…" if pinned else "")
    return Check("trust_root", True, f"{where}; contracts as pinned")
