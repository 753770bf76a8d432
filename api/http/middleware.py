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
    """A token bucket per API key: ``rate`` requests a second, ``burst`` at once; 429 beyond."""

    def __init__(self, app: ASGIApp, rate: float, burst: int) -> None:
        self.app = app
        self.rate = rate
        self.burst = burst
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def _take(self, token: str) -> float:
        """0 if a request may go now, else the seconds until it may."""
        key = hashlib.sha256(token.encode()).hexdigest()
        now = time.monotonic()
        with self._lock:
            tokens, since = self._buckets.get(key, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - since) * self.rate)
            if tokens >= 1:
                self._buckets[key] = (tokens - 1, now)
                return 0.0
            self._buckets[key] = (tokens, now)
            return (1 - tokens) / self.rate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = _caller_token(scope) if scope["type"] == "http" else None
        if token and self.rate > 0:
            wait = self._take(token)
            if wait > 0:
                retry = str(max(1, int(wait + 0.999)))
                message = f"more than {self.rate:g} requests a second for this API key; retry in {retry} s"
                await _error(send, 429, "rate_limited", "RateLimit", message, [(b"retry-after", retry.encode())])
                return
        await self.app(scope, receive, send)


class Idempotency:
    """POSTs with an ``Idempotency-Key`` header run once per key: a repeat gets the stored answer.

    The key is bound to the caller's API key and to the request (method, path, query, body):
    the same key with another request is refused. Answers with 5xx are not stored, so the
    request can be retried with the same key.
    """

    def __init__(self, app: ASGIApp, store: Callable[[], IdempotencyService]) -> None:
        self.app = app
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, IDEMPOTENCY_HEADER) if scope["type"] == "http" and scope["method"] == "POST" else None
        token = _caller_token(scope)
        if key is None or token is None:
            await self.app(scope, receive, send)
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

        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

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
