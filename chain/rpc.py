"""Connecting to any Ethereum JSON-RPC endpoint (anvil, Besu, ...)."""

from __future__ import annotations

from web3 import Web3
from web3.middleware import ExtraDataToPOAMiddleware

from chain.errors import ChainError
from evidence.trust import NodeIdentity


def connect(url: str, timeout: float = 30.0) -> Web3:
    """A Web3 connected to ``url``; raises ChainError when the node does not answer.

    QBFT/Clique chains (Besu) carry long ``extraData``; the POA middleware accepts it.
    """
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": timeout}))
    w3.middleware_onion.inject(ExtraDataToPOAMiddleware, layer=0)
    try:
        _ = w3.eth.chain_id
    except Exception as exc:
        raise ChainError(f"no Ethereum JSON-RPC node answers at {url}: {exc}") from exc
    return w3


def node_identity(w3: Web3) -> NodeIdentity:
    """Which chain the node serves: its chain id and the hash of its genesis block."""
    try:
        genesis = w3.eth.get_block(0)
        return NodeIdentity(int(w3.eth.chain_id), "0x" + bytes(genesis["hash"]).hex())
    except Exception as exc:
        raise ChainError(f"the node does not say which chain it serves: {exc}") from exc
