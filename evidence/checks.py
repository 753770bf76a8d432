"""One verification check and its outcome."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    """One check: ``passed`` is None when it was skipped (e.g. offline)."""

    name: str
    passed: bool | None
    detail: str
