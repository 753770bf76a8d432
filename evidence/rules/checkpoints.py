"""The rules CheckpointLog enforces on anchoring tree heads of the Merkle log."""

from __future__ import annotations

from evidence.errors import RuleViolation
from evidence.roles import Role
from evidence.rules.ledger import MemberView


def check_checkpoint(submitter: MemberView, latest_size: int, size: int) -> None:
    """Only an active member holding the anchor role submits, and tree sizes only grow."""
    if not submitter.holds(Role.ANCHOR):
        raise RuleViolation("CheckpointLogNotAnchor", f"{submitter.address} does not hold the anchor role")
    if size <= latest_size:
        raise RuleViolation(
            "CheckpointLogSizeNotIncreasing", f"tree size {size} does not exceed the anchored size {latest_size}"
        )
