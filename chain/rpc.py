"""Connecting to any Ethereum JSON-RPC endpoint (anvil, Besu, ...)."""

from __future__ import annotations

import json
import ssl
from typing import Any

from web3 import Web3
from web3.exceptions import BlockNotFound
from web3.middleware import ExtraDataToPOAMiddleware
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from chain.errors import ChainError
from chain.transport import HttpTransport, TransportError
from evidence.trust import NodeIdentity


class NodeProvider(JSONBaseProvider):
    """JSON-RPC over HTTP(S) on kept-alive connections (:mod:`chain.transport`), whose
    transport failures are ChainError: a node that is down or unreachable is "the chain is
    unavailable" (503, nothing recorded), not a crash.

    Not web3's HTTPProvider: its requests session cost ~750 µs of CPU per call here, against
    ~60 µs for the transport, and a single append makes about ten calls. The chain id is
    asked once (web3 asks it before every transaction)."""

    def __init__(self, url: str, timeout: float = 30.0, tls: ssl.SSLContext | None = None) -> None:
        super().__init__()
        self.endpoint_uri = url
        self._transport = HttpTransport(url, timeout, tls=tls)
        self._chain_id: RPCResponse | None = None

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        if method == "eth_chainId" and self._chain_id is not None:
            return self._chain_id
        response: RPCResponse = self._post(self.encode_rpc_request(method, params), method)
        if method == "eth_chainId" and "result" in response:
            self._chain_id = response
        return response

    def make_batch_request(self, batch_requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse] | RPCResponse:
        body = self.encode_batch_rpc_request(batch_requests)
        responses: list[RPCResponse] | RPCResponse = self._post(body, "a batch")
        if isinstance(responses, list):
            responses.sort(key=lambda r: int(r.get("id") or 0))  # a node may answer in any order
        return responses

    def is_connected(self, show_traceback: bool = False) -> bool:
        try:
            return "result" in self.make_request(RPCEndpoint("web3_clientVersion"), [])
        except ChainError:
            if show_traceback:
                raise
            return False

    def _post(self, body: bytes, what: str) -> Any:
        try:
            answer = self._transport.post(body)
        except TransportError as exc:
            raise ChainError(f"the chain node at {self.endpoint_uri} does not answer ({what}): {exc}") from exc
        try:
            # A JSON-RPC answer whatever the HTTP status (some nodes send errors with 4xx/5xx).
            return json.loads(answer.body)
        except ValueError as exc:
            raise ChainError(
                f"the chain node at {self.endpoint_uri} answered {what} with HTTP {answer.status}, "
                f"not JSON-RPC: {answer.body[:200]!r}"
            ) from exc


def connect(url: str, timeout: float = 30.0) -> Web3:
    """A Web3 connected to ``url``; raises ChainError when the node does not answer.

    QBFT/Clique chains (Besu) carry long ``extraData``; the POA middleware accepts it.
    """
    w3 = Web3(NodeProvider(url, timeout))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    # What these would check or fill in, the chain layer sets itself (chain id, gas, plain
    # addresses); each costs CPU, and the validator a chain id lookup, on every request.
    for name in ("validation", "ens_name_to_address", "gas_estimate"):
        w3.middleware_onion.remove(name)
    try:
        _ = w3.eth.chain_id
    except Exception as exc:
        raise ChainError(f"no Ethereum JSON-RPC node answers at {url}: {exc}") from exc
    return w3


def block_hash(w3: Web3, number: int) -> str | None:
    """The hash of block ``number`` on the node, None if it has no such block."""
    try:
        return "0x" + bytes(w3.eth.get_block(number)["hash"]).hex()
    except BlockNotFound:
        return None


def node_identity(w3: Web3, deployment_block: int) -> NodeIdentity:
    """Which chain the node serves: its chain id and its hash of ``deployment_block``."""
    try:
        return NodeIdentity(int(w3.eth.chain_id), block_hash(w3, deployment_block))
    except Exception as exc:
        raise ChainError(f"the node does not say which chain it serves: {exc}") from exc
