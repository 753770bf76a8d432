"""chain/rpc.py: the JSON-RPC transport against a stand-in HTTP server that misbehaves as a
proxy or a node can (a real node's answers are tested everywhere else)."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import pytest
from web3.types import RPCEndpoint

from chain.errors import ChainError
from chain.rpc import NodeProvider


class _Node(BaseHTTPRequestHandler):
    seen: ClassVar[list[dict[str, Any]]] = []  # what the stand-in was sent

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        _Node.seen.append({"authorization": self.headers.get("Authorization"), "body": body})
        if self.path == "/broken":
            self._answer(502, b"<html>bad gateway</html>", "text/html")
        elif isinstance(body, list):  # a batch, answered out of order as a node may
            answers = [{"jsonrpc": "2.0", "id": r["id"], "result": r["method"]} for r in reversed(body)]
            self._answer(200, json.dumps(answers).encode())
        elif body["method"] == "eth_fails":  # an error with a 4xx status, as some nodes send it
            self._answer(400, json.dumps({"jsonrpc": "2.0", "id": body["id"], "error": {"code": -32602}}).encode())
        else:
            self._answer(200, json.dumps({"jsonrpc": "2.0", "id": body["id"], "result": body["method"]}).encode())

    def _answer(self, status: int, data: bytes, kind: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def node() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Node)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _Node.seen.clear()
    try:
        yield f"127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def test_answers_errors_batches_and_credentials(node: str) -> None:
    provider = NodeProvider(f"http://operator:s3cret@{node}/rpc")
    assert provider.make_request(RPCEndpoint("eth_blockNumber"), [])["result"] == "eth_blockNumber"
    assert dict(provider.make_request(RPCEndpoint("eth_fails"), [])["error"]) == {
        "code": -32602
    }  # not a transport error
    batch = provider.make_batch_request([(RPCEndpoint("a"), []), (RPCEndpoint("b"), []), (RPCEndpoint("c"), [])])
    assert isinstance(batch, list) and [r["result"] for r in batch] == ["a", "b", "c"]  # in the order asked
    expected = "Basic " + base64.b64encode(b"operator:s3cret").decode()
    assert {s["authorization"] for s in _Node.seen} == {expected}


def test_chain_id_is_asked_once(node: str) -> None:
    provider = NodeProvider(f"http://{node}/")
    for _ in range(3):
        assert provider.make_request(RPCEndpoint("eth_chainId"), [])["result"] == "eth_chainId"
    assert len(_Node.seen) == 1


def test_what_is_not_json_rpc_or_not_there_is_a_chain_error(node: str) -> None:
    with pytest.raises(ChainError, match="HTTP 502, not JSON-RPC"):
        NodeProvider(f"http://{node}/broken").make_request(RPCEndpoint("eth_blockNumber"), [])
    with pytest.raises(ChainError, match="does not answer"):
        NodeProvider("http://127.0.0.1:9/", timeout=2).make_request(RPCEndpoint("eth_blockNumber"), [])
