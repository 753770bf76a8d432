"""Builds the FastAPI application."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI

from api.http.errors import error_response, install_error_handlers
from api.http.middleware import BodyLimit, Idempotency, RateLimit, SecurityHeaders
from api.http.routes import (
    aeo,
    batch,
    consignments,
    credentials,
    dashboard,
    documents,
    epcis,
    participants,
    risk,
    status,
    trade_data,
    ui,
    verify_page,
)
from api.http.schemas import ERROR_RESPONSES
from api.runtime import Runtime, start_runtime
from api.services.errors import Unauthenticated
from api.settings import Settings
from evidence.errors import RuleViolation

# py_ecc (imported by the Ethereum libraries) raises Python's recursion limit to 100,000 for
# the whole process; the C JSON parser then recurses so deep on a nested body that the process
# crashes before it raises. Parsing anything an outsider sends needs this limit back down.
SAFE_RECURSION_LIMIT = 4_000


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The application; it starts its runtime on startup unless one is given."""
    sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
    settings = settings or (runtime.settings if runtime else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = runtime is None
        app.state.runtime = runtime or start_runtime(settings)
        try:
            yield
        finally:
            if owned:
                app.state.runtime.close()

    app = FastAPI(
        title="BorderLedger",
        version="0.1.0",
        description="Permissioned evidence ledger for cross-border trade: consignments, chain of custody, "
        "customs controls, verifiable on a private Ethereum network.",
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
    )
    if runtime is not None:
        app.state.runtime = runtime
    install_error_handlers(app)
    # Outermost last: rate limits apply before anything else runs.
    app.add_middleware(
        Idempotency,
        store=lambda: app.state.runtime.services.idempotency,
        active_caller=lambda token: _active_caller(app, token),
    )
    app.add_middleware(BodyLimit, limit_for=lambda path: _body_limit(settings, path))
    app.add_middleware(RateLimit, rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst)
    app.add_middleware(SecurityHeaders)

    @app.get("/healthz", tags=["health"])
    def health() -> Any:
        services = app.state.runtime.services
        domain = services.node.chain.domain
        checkpointer = services.checkpointer
        split_view = checkpointer.split_view if checkpointer is not None else None
        if split_view is not None:
            # An alarm for monitoring; every route keeps serving what this node can prove.
            return error_response(503, "split_view", split_view, chain_id=domain.chain_id)
        return {"status": "ok", "chain_id": domain.chain_id, "ledger": domain.verifying_contract}

    app.include_router(participants.router)
    app.include_router(consignments.router)
    app.include_router(documents.router)
    # Before aeo: its POST /aeo/certificates/{number}/{action} would take .../credentials.
    app.include_router(credentials.router)
    app.include_router(credentials.public)
    app.include_router(aeo.router)
    app.include_router(epcis.router)
    app.include_router(batch.router)
    app.include_router(risk.router)
    app.include_router(status.router)
    app.include_router(trade_data.router)
    app.include_router(verify_page.router)  # before ui: public, no sign-in
    app.include_router(dashboard.router)
    app.include_router(ui.router)
    return app


def _body_limit(settings: Settings, path: str) -> int | None:
    """The body limit of a path; document uploads limit their own, larger bodies as they stream."""
    if path.endswith("/documents"):
        return None
    return settings.max_batch_request_bytes if path == "/v1/batch/entries" else settings.max_request_bytes


def _active_caller(app: FastAPI, api_key: str) -> bool:
    """Whether ``api_key`` belongs to an active member (what every route demands first)."""
    try:
        app.state.runtime.services.members.authenticate(api_key)
    except (Unauthenticated, RuleViolation):
        return False
    return True
