"""The rule book: one pure module per contract, each mirroring the checks its contract
makes, raising :class:`evidence.errors.RuleViolation` whose ``rule`` is the Solidity custom
error's name. The API checks them first (a clear refusal, nothing sent); the contracts
check them again.

- :mod:`evidence.rules.ledger`: ConsignmentLedger (appends, reads, signed entries)
- :mod:`evidence.rules.registry`: ConsortiumRegistry (admissions, suspensions, governance)
- :mod:`evidence.rules.aeo`: AEORegistry (certificates and MRAs)
- :mod:`evidence.rules.checkpoints`: CheckpointLog (anchoring tree heads)
"""

from evidence.rules.ledger import (
    ConsignmentView,
    MemberView,
    check_append,
    check_opening,
    check_readable,
    check_signed_entry,
    check_signer_and_position,
    check_submitter,
    check_unambiguous,
    is_jurisdiction_customs,
    may_read,
    signing_roles,
)

__all__ = [
    "ConsignmentView",
    "MemberView",
    "check_append",
    "check_opening",
    "check_readable",
    "check_signed_entry",
    "check_signer_and_position",
    "check_submitter",
    "check_unambiguous",
    "is_jurisdiction_customs",
    "may_read",
    "signing_roles",
]
