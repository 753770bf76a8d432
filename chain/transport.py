"""HTTP/1.1 POSTs to one JSON-RPC node over kept-alive connections, parsed by httptools.

Not urllib3 or requests: both parse every response's headers with the standard library's
email parser, which cost ~300 µs of CPU per JSON-RPC call here against ~60 µs for this,
and a single append makes about ten calls. httptools (llhttp, the parser uvicorn serves
with) does the parsing, chunked bodies included; this module only moves the bytes.

A request is retried once on a fresh connection only when a kept-alive connection the
node had already closed failed before a byte of the answer came back: the node never
read it, as urllib3 and requests also assume.
"""

from __future__ import annotations

import base64
import contextlib
import select
import socket
import ssl
import threading
import time
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

import httptools


class TransportError(Exception):
    """The node could not be reached, or its answer was not HTTP."""


@dataclass(frozen=True)
class Answer:
    """A node's HTTP answer."""

    status: int
    body: bytes


class _Parsed:
    """httptools' callbacks for one response."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.headers_done = False
        self.framed = False
        self.complete = False
        self.keep_alive = False
        self.parser: httptools.HttpResponseParser | None = None

    def on_header(self, name: bytes, _value: bytes) -> None:
        if name.lower() in (b"content-length", b"transfer-encoding"):
            self.framed = True  # the body has an end of its own, not the connection's close

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, data: bytes) -> None:
        self.chunks.append(data)

    def on_message_complete(self) -> None:
        self.complete = True
        assert self.parser is not None
        self.keep_alive = self.parser.should_keep_alive()  # llhttp forgets it right after


class _Connection:
    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reused = False

    def is_dropped(self) -> bool:
        """Whether the node closed this idle connection (it is readable: EOF or stray bytes)."""
        try:
            return bool(select.select([self.sock], [], [], 0)[0])
        except (OSError, ValueError):
            return True

    def exchange(self, request: bytes, deadline: float) -> tuple[Answer | None, bool]:
        """Send ``request`` and read the answer: (answer, keep-alive), or (None, _) when the
        connection turned out closed before any of the answer arrived."""
        parsed = _Parsed()
        parser = parsed.parser = httptools.HttpResponseParser(parsed)
        received = False
        try:
            self.sock.settimeout(_remaining(deadline))
            self.sock.sendall(request)
            while not parsed.complete:
                self.sock.settimeout(_remaining(deadline))
                data = self.sock.recv(262_144)
                if not data:
                    if parsed.headers_done and not parsed.framed:  # a body the close ends
                        break
                    if received:
                        raise TransportError("the node closed the connection mid-answer")
                    return None, False
                received = True
                parser.feed_data(data)
        except (ConnectionResetError, BrokenPipeError) as exc:
            if not received:
                return None, False
            raise TransportError(f"the connection broke mid-answer: {exc}") from exc
        except httptools.HttpParserError as exc:
            raise TransportError(f"the answer is not HTTP/1.1: {exc}") from exc
        return Answer(parser.get_status_code(), b"".join(parsed.chunks)), parsed.keep_alive

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


def _remaining(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("timed out")
    return left


class HttpTransport:
    """POSTs to one URL (``http://`` or ``https://``, credentials in it sent as Basic auth)
    from any number of threads, over a pool of kept-alive connections."""

    def __init__(self, url: str, timeout: float = 30.0, max_idle: int = 32, tls: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url}")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.timeout = timeout
        self.max_idle = max_idle
        self._tls = (tls or ssl.create_default_context()) if parts.scheme == "https" else None
        netloc = parts.netloc.rpartition("@")[2]
        head = [f"POST {parts.path or '/'}{'?' + parts.query if parts.query else ''} HTTP/1.1", f"Host: {netloc}"]
        head.append("Content-Type: application/json")
        if parts.username is not None:
            secret = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
            head.append("Authorization: Basic " + base64.b64encode(secret).decode("ascii"))
        self._head = ("\r\n".join(head) + "\r\nContent-Length: ").encode("latin-1")
        self._idle: list[_Connection] = []
        self._lock = threading.Lock()

    def post(self, body: bytes) -> Answer:
        """POST ``body``; TransportError when the node cannot be reached or does not answer
        HTTP within the timeout."""
        request = self._head + str(len(body)).encode() + b"\r\n\r\n" + body
        deadline = time.monotonic() + self.timeout
        for _attempt in range(2):
            connection = self._take(deadline)
            try:
                answer, keep_alive = connection.exchange(request, deadline)
            except (OSError, TransportError) as exc:
                connection.close()
                raise exc if isinstance(exc, TransportError) else TransportError(str(exc) or repr(exc)) from exc
            if answer is None:
                connection.close()
                if connection.reused:
                    continue  # the node had closed it while it sat idle: it never read the request
                raise TransportError("the node closed the connection without answering")
            if keep_alive:
                self._give_back(connection)
            else:
                connection.close()
            return answer
        raise TransportError("the node closed two connections without answering")

    def close(self) -> None:
        """Close the idle connections."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()

    def _take(self, deadline: float) -> _Connection:
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._connect(deadline)
            if not connection.is_dropped():
                connection.reused = True
                return connection
            connection.close()

    def _give_back(self, connection: _Connection) -> None:
        with self._lock:
            if len(self._idle) < self.max_idle:
                self._idle.append(connection)
                return
        connection.close()

    def _connect(self, deadline: float) -> _Connection:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_remaining(deadline))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._tls is not None:
                sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except OSError as exc:
            raise TransportError(f"cannot connect to {self.host}:{self.port}: {exc}") from exc
        return _Connection(sock)
