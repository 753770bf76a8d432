"""Customs status on line for traders: each consignment's state at each border, and a feed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse

from api.http.deps import CurrentParticipant, StatusDep
from api.http.sse import status_feed

router = APIRouter(prefix="/v1", tags=["status"])


@router.get("/status")
def my_status(status: StatusDep, caller: CurrentParticipant) -> list[dict[str, Any]]:
    """For each consignment the caller is a party to (exporter, importer, a carrier), where it
    stands at each border: `not_declared`, `declared`, `lane_assigned`, `documents_requested`
    (with what, and whether answered), `held` (with the reason category customs disclosed),
    `released`."""
    return status.mine(caller)


@router.get("/status/feed", response_class=StreamingResponse, responses={200: {"content": {"text/event-stream": {}}}})
def my_status_feed(request: Request, status: StatusDep, caller: CurrentParticipant) -> StreamingResponse:
    """The same as server-sent events (`event: status`, one per consignment and change), for the
    caller's consignments only."""
    return status_feed(request, status, caller)


@router.get("/consignments/{reference}/status")
def consignment_status(reference: str, status: StatusDep, caller: CurrentParticipant) -> dict[str, Any]:
    """One consignment's state at each border, for whoever may read it."""
    return status.consignment(caller, reference)
