"""The trust root a verifier pins: which chain, and which contracts on it, are the
consortium's. Nothing a bundle or a node says is believed unless it matches.

A trust root comes from the consortium's deployment manifest (``deployment.json``:
chain id, genesis block hash, contract addresses), obtained independently of the bundle
under verification — from the consortium, or a node operator's own deployment.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evidence.checks import Check
from evidence.errors import LedgerValueError

# The contracts every bundle's evidence rests on; others (AEO) are pinned when present.
REQUIRED = ("ConsortiumRegistry", "ConsignmentLedger")


@dataclass(frozen=True)
class TrustRoot:
    """The consortium's chain (id and genesis block hash) and its contracts' addresses."""

    chain_id: int
    genesis_hash: str  # 0x-prefixed; "" when the manifest predates it
    contracts: Mapping[str, str]  # name → address

    @classmethod
    def from_manifest(cls, data: Any) -> TrustRoot:
        """From a deployment manifest's JSON data; LedgerValueError if it is not one."""
        try:
            contracts = {str(name): str(c["address"]) for name, c in data["contracts"].items()}
            root = cls(int(data["chain_id"]), str(data.get("genesis_hash", "")), contracts)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise LedgerValueError(f"not a deployment manifest: {exc!r}") from exc
        missing = [name for name in REQUIRED if name not in root.contracts]
        if missing:
            raise LedgerValueError(f"the manifest names no {', '.join(missing)}")
        return root


@dataclass(frozen=True)
class NodeIdentity:
    """Which chain a node serves, as the node itself answers."""

    chain_id: int
    genesis_hash: str


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
        if trusted.genesis_hash and node.genesis_hash.lower() != trusted.genesis_hash.lower():
            problems.append(
                f"the node's genesis block is {node.genesis_hash}, the trust root's is {trusted.genesis_hash}"
            )
    if problems:
        return Check("trust_root", False, "; ".join(problems))
    where = f"chain {trusted.chain_id}" + (f", genesis {trusted.genesis_hash[:10]}…" if trusted.genesis_hash else "")
    return Check("trust_root", True, f"{where}; contracts as pinned")
