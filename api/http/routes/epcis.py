"""GS1 EPCIS 2.0: capture documents, export and query a consignment's events."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.http.deps import CurrentParticipant, EpcisDep
from evidence.errors import LedgerValueError

router = APIRouter(prefix="/v1", tags=["epcis"])

_EPCIS_BODY = {"requestBody": {"required": True, "content": {"application/ld+json": {}, "application/json": {}}}}


@router.post("/epcis/capture", status_code=status.HTTP_201_CREATED, openapi_extra=_EPCIS_BODY)
async def capture(
    request: Request,
    epcis: EpcisDep,
    caller: CurrentParticipant,
    consignment: Annotated[str | None, Query(description="append every event to this consignment")] = None,
) -> dict[str, Any]:
    """Capture an EPCIS 2.0 document (or query document): validated whole against GS1's schema,
    each event mapped to a consignment (``?consignment=`` or a bizTransaction naming its reference)
    and appended with its CBV 2.0 hash ID; an event captured before is reported as a duplicate."""
    try:
        document = json.loads(await request.body())
    except ValueError as exc:
        raise LedgerValueError(f"the body is not JSON: {exc}") from exc
    return await run_in_threadpool(epcis.capture, caller, document, consignment)


@router.get("/consignments/{reference}/epcis", responses={200: {"content": {"application/ld+json": {}}}})
def export(
    request: Request,
    reference: str,
    epcis: EpcisDep,
    caller: CurrentParticipant,
    event_type: Annotated[list[str] | None, Query(alias="eventType")] = None,
    biz_step: Annotated[list[str] | None, Query(alias="EQ_bizStep")] = None,
    disposition: Annotated[list[str] | None, Query(alias="EQ_disposition")] = None,
    ge_event_time: Annotated[str | None, Query(alias="GE_eventTime")] = None,
    lt_event_time: Annotated[str | None, Query(alias="LT_eventTime")] = None,
) -> JSONResponse:
    """The consignment's events as an EPCIS 2.0 document, filtered like the EPCIS simple event
    query (eventType, EQ_bizStep, EQ_disposition, GE_eventTime, LT_eventTime); each event
    carries its anchoring (entry hash, tx hash, block) under ``bl:anchoring``."""
    filters = {
        "eventType": event_type,
        "EQ_bizStep": biz_step,
        "EQ_disposition": disposition,
        "GE_eventTime": ge_event_time,
        "LT_eventTime": lt_event_time,
    }
    # EPCIS answers a parameter it does not support with an error, never by ignoring it.
    unknown = sorted(set(request.query_params) - set(filters))
    if unknown:
        raise LedgerValueError(f"unsupported query parameter {', '.join(unknown)}; supported: {', '.join(filters)}")
    document = epcis.export(caller, reference, filters)
    return JSONResponse(document, media_type="application/ld+json")
