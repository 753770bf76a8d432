"""Batched anchoring: bulk signed entries, inclusion proofs, checkpoints."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, status
from starlette.concurrency import run_in_threadpool

from api.batch import BatchLog, signed_items
from api.deps import CurrentParticipant
from api.errors import NotFound
from api.schemas import BulkRequest

router = APIRouter(prefix="/v1/batch", tags=["batch"])
_MAX_SIZE = 2**63 - 1  # tree sizes are uint64 on chain; SQLite integers are signed 64-bit


def _batch(request: Request) -> BatchLog:
    batch: BatchLog | None = request.app.state.runtime.batch
    if batch is None:
        raise NotFound("this deployment has no CheckpointLog; batched anchoring is off")
    return batch


@router.post("/entries", status_code=status.HTTP_201_CREATED)
async def ingest(body: BulkRequest, request: Request, caller: CurrentParticipant) -> dict[str, Any]:
    """Accept signed entries: each checked (signature, chain position, role rules), all stored
    durably in one transaction before the answer, anchored by the next checkpoint."""
    return await run_in_threadpool(_batch(request).ingest, caller, signed_items(body))


@router.get("/proof/{entry_hash}")
def proof(
    request: Request,
    _caller: CurrentParticipant,
    entry_hash: Annotated[str, Path(pattern=r"^0x[0-9a-f]{64}$")],
    tree_size: Annotated[
        int | None, Query(ge=1, le=_MAX_SIZE, description="an anchored tree size; default the latest")
    ] = None,
) -> dict[str, Any]:
    """The entry's inclusion proof in an anchored tree (RFC 9162 §2.1.3), and that checkpoint."""
    return _batch(request).proof(entry_hash, tree_size)


@router.get("/consistency")
def consistency(
    request: Request,
    _caller: CurrentParticipant,
    first: Annotated[int, Query(ge=1, le=_MAX_SIZE, description="the older anchored tree size")],
    second: Annotated[
        int | None, Query(ge=1, le=_MAX_SIZE, description="the newer anchored tree size; default the latest")
    ] = None,
) -> dict[str, Any]:
    """The consistency proof (RFC 9162 §2.1.4) that the tree of size ``second`` extends the one
    of size ``first``: what a verifier checks between each anchored checkpoint and the next."""
    return _batch(request).consistency(first, second)


@router.get("/checkpoints")
def checkpoints(request: Request, _caller: CurrentParticipant) -> list[dict[str, Any]]:
    """Every anchored tree head, oldest first."""
    return _batch(request).anchored_checkpoints()


@router.get("/checkpoint")
def checkpoint(request: Request, _caller: CurrentParticipant) -> dict[str, Any]:
    """The latest anchored tree head."""
    latest = _batch(request).latest_checkpoint()
    if latest is None:
        raise NotFound("no checkpoint yet")
    return latest
