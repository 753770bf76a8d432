"""Idempotent requests: a POST with an ``Idempotency-Key`` runs once; a repeat gets the
stored answer (kept in the index, so it survives a restart)."""

from __future__ import annotations

from typing import Any

from api.services.node import Node


class IdempotencyService:
    """Claims keys for requests and keeps their answers."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def claim(self, scope: str, fingerprint: str) -> tuple[bool, dict[str, Any] | None]:
        """(True, None) if this request may run; else (False, the stored answer when it is done
        or the key was used for another request, None while it still runs)."""
        return self.node.index.claim_idempotency(scope, fingerprint)

    def finish(self, scope: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        """Keep a request's answer; a 5xx frees the key for a retry instead."""
        self.node.index.finish_idempotency(scope, status, headers, body)
