"""Connecting to any Ethereum JSON-RPC endpoint (anvil, Besu, ...)."""

from __future__ import annotations

from typing import Any

import requests
from web3 import HTTPProvider, Web3
from web3.exceptions import BlockNotFound
from web3.middleware import ExtraDataToPOAMiddleware
from web3.types import RPCEndpoint, RPCResponse

from chain.errors import ChainError
from evidence.trust import NodeIdentity


class NodeProvider(HTTPProvider):
    """JSON-RPC over HTTP whose transport failures are ChainError: a node that is down or
    unreachable is "the chain is unavailable" (503, nothing recorded), not a crash."""

    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        try:
            return super().make_request(method, params)
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise ChainError(f"the chain node at {self.endpoint_uri} does not answer ({method}): {exc}") from exc


def connect(url: str, timeout: float = 30.0) -> Web3:
    """A Web3 connected to ``url``; raises ChainError when the node does not answer.

    QBFT/Clique chains (Besu) carry long ``extraData``; the POA middleware accepts it.
    """
    # A private session that ignores proxy environment variables (looked up on every request
    # otherwise); the chain id asked once and cached (web3 asks it before every call).
    session = requests.Session()
    session.trust_env = False
    provider = NodeProvider(
        url,
        request_kwargs={"timeout": timeout},
        session=session,
        cache_allowed_requests=True,
        cacheable_requests={RPCEndpoint("eth_chainId")},
    )
    w3 = Web3(provider)
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
