"""Batched anchoring: bulk signed entries, inclusion proofs, checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, status
from starlette.concurrency import run_in_threadpool

from api.batch import BatchLog, SignedItem
from api.deps import CurrentParticipant
from api.errors import NotFound
from api.schemas import BulkRequest

router = APIRouter(prefix="/v1/batch", tags=["batch"])


def _batch(request: Request) -> BatchLog:
    batch: BatchLog | None = request.app.state.runtime.batch
    if batch is None:
        raise NotFound("this deployment has no CheckpointLog; batched anchoring is off")
    return batch


@router.post("/entries", status_code=status.HTTP_201_CREATED)
async def ingest(body: BulkRequest, request: Request, caller: CurrentParticipant) -> dict[str, Any]:
    """Accept signed entries: each checked (signature, chain position, role rules), all stored
    durably in one transaction before the answer, anchored by the next checkpoint."""
    items = [
        SignedItem(
            e.reference,
            e.event_type,
            e.payload,
            e.next_carrier,
            e.seq,
            e.prev_hash,
            e.actor,
            bytes.fromhex(e.signature[2:]),
        )
        for e in body.entries
    ]
    return await run_in_threadpool(_batch(request).ingest, caller, items)


@router.get("/proof/{entry_hash}")
def proof(
    request: Request, _caller: CurrentParticipant, entry_hash: Annotated[str, Path(pattern=r"^0x[0-9a-f]{64}$")]
) -> dict[str, Any]:
    """The entry's inclusion proof in the latest anchored tree, and that checkpoint."""
    return _batch(request).proof(entry_hash)


@router.get("/checkpoint")
def checkpoint(request: Request, _caller: CurrentParticipant) -> dict[str, Any]:
    """The latest anchored tree head."""
    latest = _batch(request).latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint yet")
    return latest
