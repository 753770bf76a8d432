"""chain/transport.py: kept-alive HTTP/1.1 to a node, against a stand-in server that answers
byte by byte as the test says (keep-alive, chunked, closing, silent, TLS)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import trustme
from web3.types import RPCEndpoint

from chain.errors import ChainError
from chain.rpc import NodeProvider
from chain.transport import HttpTransport, TransportError

Reply = Callable[[int, bytes], bytes | None]  # (request number, body) -> raw answer, None: close


class StandIn:
    """A node that reads each request and answers with ``reply``; it counts connections and
    records every request body it read."""

    def __init__(self, reply: Reply, tls: ssl.SSLContext | None = None, close_after: bool = False) -> None:
        self.reply = reply
        self.tls = tls
        self.close_after = close_after  # close each connection once it has answered
        self.connections = 0
        self.bodies: list[bytes] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        if self.tls is not None:
            try:
                conn = self.tls.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                return
        stream = conn.makefile("rb")
        with conn:
            while True:
                length = None
                line = stream.readline()
                if not line:
                    return
                while line not in (b"\r\n", b""):
                    name, _, value = line.partition(b":")
                    if name.lower() == b"content-length":
                        length = int(value)
                    line = stream.readline()
                body = stream.read(length or 0)
                self.bodies.append(body)
                answer = self.reply(len(self.bodies), body)
                if answer is None:
                    return
                conn.sendall(answer)
                if self.close_after:
                    return

    def close(self) -> None:
        self._listener.close()


def ok(body: bytes, extra: str = "") -> bytes:
    head = f"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n{extra}Content-Length: {len(body)}\r\n\r\n"
    return head.encode() + body


@pytest.fixture()
def stand_in() -> Iterator[Callable[..., StandIn]]:
    started: list[StandIn] = []

    def start(reply: Reply, tls: ssl.SSLContext | None = None, close_after: bool = False) -> StandIn:
        started.append(StandIn(reply, tls, close_after))
        return started[-1]

    yield start
    for server in started:
        server.close()


def test_one_kept_alive_connection_carries_every_request(stand_in: Callable[..., StandIn]) -> None:
    node = stand_in(lambda n, body: ok(body))
    transport = HttpTransport(f"http://127.0.0.1:{node.port}/rpc")
    answers = [transport.post(b'{"n": %d}' % i) for i in range(5)]
    assert [(a.status, a.body) for a in answers] == [(200, b'{"n": %d}' % i) for i in range(5)]
    assert node.connections == 1


def test_a_chunked_answer_is_joined(stand_in: Callable[..., StandIn]) -> None:
    chunked = b'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n4\r\n: 1}\r\n0\r\n\r\n'
    node = stand_in(lambda n, body: chunked)
    transport = HttpTransport(f"http://127.0.0.1:{node.port}/")
    assert transport.post(b"{}").body == b'{"a": 1}'
    assert transport.post(b"{}").body == b'{"a": 1}'
    assert node.connections == 1


def test_a_body_ended_by_the_close_and_connection_close_are_not_reused(stand_in: Callable[..., StandIn]) -> None:
    # HTTP/1.0 without a length: the body is what comes before the node closes.
    node = stand_in(lambda n, body: b"HTTP/1.0 200 OK\r\n\r\n" + body, close_after=True)
    transport = HttpTransport(f"http://127.0.0.1:{node.port}/")
    assert [transport.post(b"first").body, transport.post(b"second").body] == [b"first", b"second"]
    assert node.connections == 2
    closer = stand_in(lambda n, body: ok(body, "Connection: close\r\n"))
    transport = HttpTransport(f"http://127.0.0.1:{closer.port}/")
    assert [transport.post(b"x").body for _ in range(3)] == [b"x"] * 3
    assert closer.connections == 3


def test_a_connection_the_node_closed_while_idle_is_replaced_and_nothing_is_sent_twice(
    stand_in: Callable[..., StandIn],
) -> None:
    node = stand_in(lambda n, body: ok(body))
    transport = HttpTransport(f"http://127.0.0.1:{node.port}/")
    assert transport.post(b"one").body == b"one"
    # The node drops the idle connection without a word (its keep-alive timeout).
    (idle,) = transport._idle
    idle.sock.shutdown(socket.SHUT_RDWR)  # as seen from the client: the peer is gone
    assert transport.post(b"two").body == b"two"
    assert node.bodies == [b"one", b"two"] and node.connections == 2


def test_an_answer_cut_short_is_an_error_and_is_not_retried(stand_in: Callable[..., StandIn]) -> None:
    for cut in (b"HTTP/1.1 200 OK\r\nContent-Le", b'HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"partial'):
        node = stand_in(lambda n, body, cut=cut: cut, close_after=True)
        transport = HttpTransport(f"http://127.0.0.1:{node.port}/", timeout=5)
        with pytest.raises(TransportError):
            transport.post(b"send-once")
        assert node.bodies == [b"send-once"]


def test_a_silent_node_times_out(stand_in: Callable[..., StandIn]) -> None:
    silent = threading.Event()
    node = stand_in(lambda n, body: (silent.wait(10), None)[1])
    transport = HttpTransport(f"http://127.0.0.1:{node.port}/", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(TransportError):
        transport.post(b"{}")
    assert time.monotonic() - started < 5
    silent.set()


def test_garbage_is_not_http(stand_in: Callable[..., StandIn]) -> None:
    node = stand_in(lambda n, body: b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    with pytest.raises(TransportError, match="not HTTP"):
        HttpTransport(f"http://127.0.0.1:{node.port}/").post(b"{}")


def test_https_is_verified_against_the_trusted_authority(stand_in: Callable[..., StandIn]) -> None:
    ca = trustme.CA()
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("localhost").configure_cert(server_tls)
    node = stand_in(lambda n, body: ok(b'{"jsonrpc": "2.0", "id": 0, "result": "0x1"}'), server_tls)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    provider = NodeProvider(f"https://operator:pw@localhost:{node.port}/", tls=trusted)
    assert provider.make_request(RPCEndpoint("eth_blockNumber"), [])["result"] == "0x1"
    assert provider.make_request(RPCEndpoint("eth_blockNumber"), [])["result"] == "0x1"
    assert node.connections == 1
    # A client that does not trust that authority refuses the node's certificate.
    with pytest.raises(ChainError, match="does not answer"):
        NodeProvider(f"https://localhost:{node.port}/", timeout=5).make_request(RPCEndpoint("eth_blockNumber"), [])
