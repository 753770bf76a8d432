"""Builds the FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from api.http.errors import error_response, install_error_handlers
from api.http.middleware import Idempotency, RateLimit
from api.http.routes import aeo, batch, consignments, documents, epcis, participants, ui
from api.http.schemas import ERROR_RESPONSES
from api.runtime import Runtime, start_runtime
from api.settings import Settings


def create_app(settings: Settings | None = None, runtime: Runtime | None = None) -> FastAPI:
    """The application; it starts its runtime on startup unless one is given."""
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
    app.add_middleware(Idempotency, store=lambda: app.state.runtime.services.idempotency)
    app.add_middleware(RateLimit, rate=settings.rate_limit_per_second, burst=settings.rate_limit_burst)

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        # Document uploads have their own, larger limit (checked while streaming them).
        if request.url.path.endswith("/documents"):
            return await call_next(request)
        length = request.headers.get("content-length")
        limit = (
            settings.max_batch_request_bytes if request.url.path == "/v1/batch/entries" else settings.max_request_bytes
        )
        if length is not None and length.isdigit() and int(length) > limit:
            message = f"request body over {limit} bytes; documents go to …/documents"
            return error_response(413, "too_large", message, rule="BodyTooLarge")
        return await call_next(request)

    @app.get("/healthz", tags=["health"])
    def health() -> dict[str, object]:
        domain = app.state.runtime.services.node.chain.domain
        return {"status": "ok", "chain_id": domain.chain_id, "ledger": domain.verifying_contract}

    app.include_router(participants.router)
    app.include_router(consignments.router)
    app.include_router(documents.router)
    app.include_router(aeo.router)
    app.include_router(epcis.router)
    app.include_router(batch.router)
    app.include_router(ui.router)
    return app
