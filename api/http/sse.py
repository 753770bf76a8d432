"""Server-sent events: a party's consignment status, pushed when it changes."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from fastapi import Request
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from api.services.members import Participant
from api.services.status import StatusService

POLL_SECONDS = 0.5  # how soon a change the node indexed reaches the subscriber
KEEPALIVE_SECONDS = 15.0


def _event(status: dict[str, Any]) -> str:
    return f"event: status\nid: {status['consignment_id']}\ndata: {json.dumps(status, separators=(',', ':'))}\n\n"


async def _stream(request: Request, service: StatusService, caller: Participant) -> AsyncIterator[str]:
    """Every consignment's status once, then each one again whenever it changes; only the
    consignments the caller is a party to, re-read at every round (a new one joins the feed)."""
    last: dict[str, dict[str, Any]] = {}
    quiet = 0.0
    yield "retry: 2000\n\n"
    while not await request.is_disconnected():
        for status in await run_in_threadpool(service.mine, caller):
            if last.get(status["consignment_id"]) != status:
                last[status["consignment_id"]] = status
                quiet = 0.0
                yield _event(status)
        if quiet >= KEEPALIVE_SECONDS:
            quiet = 0.0
            yield ": keepalive\n\n"
        await asyncio.sleep(POLL_SECONDS)
        quiet += POLL_SECONDS


def status_feed(request: Request, service: StatusService, caller: Participant) -> StreamingResponse:
    """The caller's status feed as ``text/event-stream``."""
    headers = {"Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    return StreamingResponse(_stream(request, service, caller), media_type="text/event-stream", headers=headers)
