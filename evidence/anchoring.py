"""Checks of entries anchored in batches: Merkle inclusion, checkpoint consistency, and the
signer's role at the block that anchored the entry. Pure functions: no I/O.

A batched entry is proven by (1) its inclusion in a tree whose root a checkpoint anchored
on chain (one multi-leaf proof for all of a consignment's batched entries), (2) consistency
proofs linking each anchored checkpoint to the next, so the log never forked, and (3) the
registry's answer that its signer held the role the rules require at the checkpoint's block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

from evidence.checks import Check
from evidence.errors import VerificationError
from evidence.merkle import verify_consistency, verify_multi_inclusion


@dataclass(frozen=True)
class MerkleAnchor:
    """Where a batched entry sits in the log: its leaf, and the first checkpoint that
    covered it (``anchored_size``, ``block_number``, ``tx_hash``): when it was anchored."""

    leaf_index: int
    anchored_size: int
    block_number: int
    tx_hash: str


@dataclass(frozen=True)
class BatchProof:
    """One multi-leaf inclusion proof (:func:`evidence.merkle.multi_inclusion_proof`) of all
    of a consignment's batched entries in the tree of ``tree_size``, whose root is ``root``."""

    tree_size: int
    root: bytes
    proof: tuple[bytes, ...]


def batch_inclusion_problem(leaves: Mapping[int, bytes], batch: BatchProof | None) -> str | None:
    """Why the leaves (index → leaf hash) are not proven in the batch proof's tree; None if they are."""
    if batch is None:
        return "the evidence carries no inclusion proof"
    try:
        verify_multi_inclusion(leaves, batch.tree_size, batch.proof, batch.root)
    except VerificationError as exc:
        return str(exc)
    return None


@dataclass(frozen=True)
class CheckpointClaim:
    """An anchored tree head as evidence states it, with its consistency proof from the
    checkpoint before it in the evidence (empty for the first)."""

    size: int
    root: bytes
    block_number: int
    consistency: tuple[bytes, ...]


def check_merkle_inclusion(anchor: MerkleAnchor, batch: BatchProof | None, problem: str | None) -> Check:
    """The entry is leaf ``leaf_index`` of the proven tree (``problem``: why the consignment's
    batch proof failed, if it did), within the checkpoint said to have anchored it."""
    if problem is not None or batch is None:
        return Check("merkle_inclusion", False, f"leaf {anchor.leaf_index}: {problem}")
    if not anchor.leaf_index < anchor.anchored_size <= batch.tree_size:
        return Check(
            "merkle_inclusion",
            False,
            f"leaf {anchor.leaf_index} is not within the anchoring checkpoint of size {anchor.anchored_size} "
            f"and the proven tree of size {batch.tree_size}",
        )
    # Roots and transactions are in the report's checkpoint checks; an entry names its own.
    return Check(
        "merkle_inclusion",
        True,
        f"leaf {anchor.leaf_index} of tree size {batch.tree_size}; anchored by checkpoint {anchor.anchored_size} "
        f"in block {anchor.block_number}",
    )


def check_consistency(claims: Sequence[CheckpointClaim]) -> Check:
    """Each checkpoint extends the one before it (RFC 9162 consistency): the log never forked."""
    for previous, current in pairwise(claims):
        if current.size <= previous.size:
            return Check("checkpoint_consistency", False, f"tree size {current.size} follows {previous.size}")
        try:
            verify_consistency(previous.size, current.size, previous.root, current.root, current.consistency)
        except VerificationError as exc:
            return Check("checkpoint_consistency", False, f"from size {previous.size} to {current.size}: {exc}")
    heads = ", ".join(f"{c.size} (root 0x{c.root.hex()}, block {c.block_number})" for c in claims)
    return Check("checkpoint_consistency", True, f"tree sizes {heads}: each extends the one before")


def check_checkpoints_on_chain(
    claims: Sequence[CheckpointClaim], on_chain: Mapping[int, tuple[bytes, int]] | None
) -> Check:
    """Each checkpoint's (size, root) is what CheckpointLog recorded, at the stated block;
    ``on_chain`` maps size to (root, block) as a node read them, None offline."""
    if on_chain is None:
        return Check("checkpoints_on_chain", None, "not checked (offline)")
    for claim in claims:
        recorded = on_chain.get(claim.size)
        if recorded is None:
            return Check("checkpoints_on_chain", False, f"CheckpointLog has no checkpoint of tree size {claim.size}")
        root, block = recorded
        if root != claim.root or block != claim.block_number:
            return Check(
                "checkpoints_on_chain",
                False,
                f"CheckpointLog records size {claim.size} with root 0x{root.hex()} at block {block}; the evidence "
                f"states 0x{claim.root.hex()} at block {claim.block_number}",
            )
    return Check("checkpoints_on_chain", True, f"{len(claims)} checkpoints recorded by CheckpointLog as stated")


def check_signer_role(actor: str, roles: Sequence[str], block: int, held: Mapping[tuple[str, str, int], bool]) -> Check:
    """The signer held one of ``roles`` at ``block``, as the registry answers
    ``hadActiveRoleAt``; ``held`` maps (role, actor lowercased, block) to that answer."""
    holding = [r for r in roles if held.get((r, actor.lower(), block))]
    if not holding:
        return Check(
            "signer_role",
            False,
            f"{actor} held none of {', '.join(roles)} at block {block} (ConsortiumRegistry.hadActiveRoleAt)",
        )
    detail = f"{actor} held {holding[0]} at block {block} (ConsortiumRegistry.hadActiveRoleAt)"
    return Check("signer_role", True, detail)
