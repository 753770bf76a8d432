"""Request-level guards: per-key rate limits and idempotent POSTs."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from api.http.errors import error_bytes
from api.services.idempotency import IdempotencyService

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

IDEMPOTENCY_HEADER = "idempotency-key"


def _header(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key.decode("latin-1").lower() == name:
            return str(value.decode("latin-1"))
    return None


def _caller_token(scope: Scope) -> str | None:
    token = _header(scope, "x-api-key")
    if token is None:
        cookie = _header(scope, "cookie") or ""
        for part in cookie.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "bl_api_key":
                token = value
    return token


def idempotency_scope(api_key: str, key: str) -> str:
    """The stored form of an idempotency key: bound to the API key that used it."""
    return hashlib.sha256(f"{api_key}\n{key}".encode()).hexdigest()


async def _error(
    send: Send, status: int, error: str, rule: str, message: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    payload = error_bytes(status, error, message, rule)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
            + (headers or []),
        }
    )
    await send({"type": "http.response.body", "body": payload})


class RateLimit:
    """A token bucket per API key — and per client address for requests without one:
    ``rate`` requests a second, ``burst`` at once; 429 beyond. Buckets that have refilled
    are dropped once ``max_buckets`` exist, so the state stays bounded."""

    def __init__(self, app: ASGIApp, rate: float, burst: int, max_buckets: int = 10_000) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self.max_buckets = max_buckets
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _prune(self, now: float) -> None:
        full_after = self.burst / self.rate
        self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full_after}

    def _take(self, caller: str) -> float:
        """0 if a request may go now, else the seconds until it may."""
        key = hashlib.sha256(caller.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            if len(self._buckets) >= self.max_buckets:
                self._prune(now)
            tokens, since = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - since) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.rate > 0:
            token = _caller_token(scope)
            client = scope.get("client") or ("unknown", 0)
            wait = self._take(f"key:{token}" if token else f"address:{client[0]}")
            if wait > 0:
                retry = str(max(1, int(wait + 0.999)))
                who = "this API key" if token else "this client address"
                message = f"more than {self.rate:g} requests a second for {who}; retry in {retry} s"
                await _error(send, 429, "rate_limited", "RateLimit", message, [(b"retry-after", retry.encode())])
                return
        await self.app(scope, receive, send)


def replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the application a body read beforehand, then defers to the
    connection (for a disconnect)."""
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


class BodyLimit:
    """Refuses a request body over its limit with 413 before the application reads it, whether
    the size is declared (Content-Length) or the body comes in chunks; ``limit_for`` gives the
    limit of a path (None: the route limits its own body while streaming it)."""

    def __init__(self, app: ASGIApp, limit_for: Callable[[str], int | None]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.limit_for(scope["path"]) if scope["type"] == "http" else None
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = _header(scope, "content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if len(body) > limit:
                await _too_large(send, limit)
                return
            if not message.get("more_body"):
                break
        await self.app(scope, replaying(bytes(body), receive), send)


async def _too_large(send: Send, limit: int) -> None:
    message = f"request body over {limit} bytes; documents go to …/documents"
    await _error(send, 413, "too_large", "BodyTooLarge", message)


class SecurityHeaders:
    """Headers on every answer: nothing is sniffed, framed or referred; the web UI's pages
    run only the node's own script files (no inline script, nothing from elsewhere), and
    connect only back to the node (the status page's live feed)."""

    UI_POLICY = (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
        "img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        ui = scope["path"].startswith("/ui")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if ui:
                    extra.append((b"content-security-policy", self.UI_POLICY.encode()))
                headers += [(k, v) for k, v in extra if k not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class Idempotency:
    """POSTs with an ``Idempotency-Key`` header run once per key: a repeat gets the stored answer.

    The key is bound to the caller's API key and to the request (method, path, query, body):
    the same key with another request is refused. Answers with 5xx are not stored, so the
    request can be retried with the same key.
    """

    def __init__(
        self, app: ASGIApp, store: Callable[[], IdempotencyService], active_caller: Callable[[str], bool]
    ) -> None:
        self.app = app
        self.store = store
        self.active_caller = active_caller  # nothing is kept for a key that gives no access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, IDEMPOTENCY_HEADER) if scope["type"] == "http" and scope["method"] == "POST" else None
        token = _caller_token(scope)
        if key is None or token is None:
            await self.app(scope, receive, send)
            return
        if not await run_in_threadpool(self.active_caller, token):
            await self.app(scope, receive, send)  # the route refuses it (401/403), and nothing is kept
            return
        if not 1 <= len(key) <= 128:
            await _error(send, 422, "invalid", "IdempotencyKeyInvalid", "Idempotency-Key must be 1 to 128 characters")
            return
        body = bytearray()
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        fingerprint = hashlib.sha256(
            scope["method"].encode()
            + b" "
            + scope["path"].encode()
            + b"?"
            + scope.get("query_string", b"")
            + b"\n"
            + bytes(body)
        ).hexdigest()
        stored_scope = idempotency_scope(token, key)
        claimed, stored = await run_in_threadpool(self.store().claim, stored_scope, fingerprint)
        if not claimed:
            if stored is None:
                why = "a request with this Idempotency-Key is still running; retry"
                await _error(send, 409, "conflict", "IdempotencyKeyInProgress", why)
            elif stored["request_hash"] != fingerprint:
                why = "this Idempotency-Key was used for a different request"
                await _error(send, 422, "invalid", "IdempotencyKeyReused", why)
            else:
                headers = [(k.encode(), v.encode()) for k, v in json.loads(stored["headers"])]
                await send(
                    {
                        "type": "http.response.start",
                        "status": stored["status_code"],
                        "headers": [*headers, (b"idempotent-replayed", b"true")],
                    }
                )
                await send({"type": "http.response.body", "body": bytes(stored["body"])})
            return

        replay_receive = replaying(bytes(body), receive)
        started: dict[str, Any] = {}
        chunks = bytearray()

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture)
        finally:
            status = int(started.get("status", 500))
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in started.get("headers", [])]
            await run_in_threadpool(self._finish, stored_scope, status, headers, bytes(chunks))

    def _finish(self, scope: str, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        kept = [(k, v) for k, v in headers if k.lower() in ("content-type", "location", "content-disposition")]
        self.store().finish(scope, status, kept, body)
