"""The customs officers' dashboard: time-release and mirror charts for one administration,
each chart an SVG drawn on the server with its data as CSV. Signed in as customs (its own
jurisdiction) or as an auditor (any)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from api.http.charts import CHARTS
from api.http.routes.ui import _caller, _render, _services, _signin_redirect
from api.services.errors import NotFound
from api.services.trade_data import check_month
from evidence.errors import RuleViolation

router = APIRouter(prefix="/ui/dashboard", include_in_schema=False)
Month = Annotated[str | None, Query(pattern=r"^[0-9]{4}-[0-9]{2}$")]
Country = Annotated[str | None, Query(pattern=r"^[A-Z]{2}$")]


def _data(request: Request, jurisdiction: str | None, period: str | None, block: int | None) -> dict[str, Any]:
    caller = _caller(request)
    if caller is None:
        raise RuleViolation("TradeDataAccess", "sign in as customs or an auditor to see the dashboard")
    trade = _services(request).trade_data
    where = jurisdiction or caller.jurisdiction
    report = trade.time_release(caller, where, check_month(period), block)
    statistics = trade.statistics(caller, where, check_month(period))
    return {"jurisdiction": where, "period": period, "report": report, "statistics": statistics}


@router.get("")
def dashboard(request: Request, jurisdiction: Country = None, period: Month = None) -> Response:
    """The dashboard of the caller's administration (an auditor chooses one)."""
    caller = _caller(request)
    if caller is None:
        return _signin_redirect()
    try:
        data = _data(request, jurisdiction, period, None)
    except RuleViolation as refused:
        return _render(request, "dashboard.html", caller, error=str(refused), data=None, charts=[])
    return _render(request, "dashboard.html", caller, error=None, data=data, charts=list(CHARTS))


@router.get("/charts/{name}.{kind}")
def chart(
    request: Request, name: str, kind: str, jurisdiction: Country = None, period: Month = None, block: int | None = None
) -> Response:
    """One chart as SVG, or its table as CSV (the same block gives the same figures)."""
    if name not in CHARTS or kind not in ("svg", "csv"):
        raise NotFound(f"no chart {name}.{kind}")
    data = _data(request, jurisdiction, period, block)
    source, draw = CHARTS[name]
    drawn = draw(data[source])
    if kind == "svg":
        return Response(drawn.svg, media_type="image/svg+xml")
    filename = f"{name}-{data['jurisdiction']}-{period or 'all'}.csv"
    return Response(
        drawn.csv(), media_type="text/csv", headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )
