"""One verification check and its outcome."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One check: ``passed`` is None when it was skipped (e.g. offline)."""

    name: str
    passed: bool | None
    detail: str

    def __reduce__(self) -> tuple[type[Check], tuple[str, bool | None, str]]:
        # Verification's workers send back three checks an entry: unpickled by the default
        # (a frozen dataclass's state restored field by field) they cost a long
        # consignment's verification ~10 µs an entry in the node's process; this, ~3.
        return Check, (self.name, self.passed, self.detail)
