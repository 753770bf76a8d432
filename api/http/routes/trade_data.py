"""Data-driven customs: mirror comparison, mirror statistics, the time-release benchmark."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.http.deps import CurrentParticipant, ServicesDep
from api.services.trade_data import check_month

router = APIRouter(prefix="/v1", tags=["trade data"])
Jurisdiction = Annotated[str, Query(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")]
Month = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$", description="YYYY-MM")]


@router.get("/consignments/{reference}/mirror")
def mirror(reference: str, services: ServicesDep, caller: CurrentParticipant) -> dict[str, Any]:
    """Customs of the origin or destination, auditors: the export declaration against the import
    declaration, item by item, each discrepancy with its code and severity."""
    return services.trade_data.mirror(caller, reference)


@router.get("/mirror/statistics")
def mirror_statistics(
    jurisdiction: Jurisdiction, services: ServicesDep, caller: CurrentParticipant, month: Month = None
) -> dict[str, Any]:
    """Customs of ``jurisdiction``, auditors: declared export and import values and quantities by
    HS6, partner and month, their asymmetry ratio and the discrepancies found."""
    return services.trade_data.statistics(caller, jurisdiction, check_month(month))


@router.get("/benchmark/time-release")
def time_release(
    jurisdiction: Jurisdiction,
    services: ServicesDep,
    caller: CurrentParticipant,
    period: Month = None,
    block: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> dict[str, Any]:
    """Customs of ``jurisdiction``, auditors: the WCO Time Release Study indicators as of ``block``
    (default the latest), with the report's hash (the same on every node at that block)."""
    return services.trade_data.time_release(caller, jurisdiction, check_month(period), block)


@router.post("/benchmark/time-release/anchor")
def anchor_time_release(
    jurisdiction: Jurisdiction,
    services: ServicesDep,
    caller: CurrentParticipant,
    period: Month = None,
    block: Annotated[int | None, Query(ge=0, le=2**63 - 1)] = None,
) -> dict[str, Any]:
    """Customs of ``jurisdiction``: anchor the report's hash on chain (ReportAnchors), once per
    jurisdiction, period and block; any node can then recompute the report and compare."""
    return services.trade_data.anchor_time_release(caller, jurisdiction, check_month(period), block)
