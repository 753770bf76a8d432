"""Small helpers shared by the contract bindings."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from eth_abi.abi import decode, encode
from eth_abi.grammar import ABIType, BasicType, TupleType, parse
from eth_utils.abi import function_signature_to_4byte_selector, get_abi_input_types, get_abi_output_types
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3.types import RPCEndpoint

from chain.errors import ChainError
from chain.reverts import decode_revert


def call_view(fn: Any, block: int | None = None) -> Any:
    """Call a view function (as of ``block``, default the latest) and decode what it returns
    as web3 would (one value, or a tuple; addresses checksummed); a revert surfaces as
    ContractRevert naming the custom error.

    The call is encoded and decoded here with eth-abi and sent as one raw ``eth_call``: web3's
    contract-call machinery (argument binding, normalisers, formatters) cost several times
    the round trip to the node, and the API makes several such calls per request."""
    return _decoded(fn, rpc_result(fn.w3, "eth_call", _call_params(fn, block), fn.abi["name"]))


def call_views(fns: Sequence[Any], block: int | None = None) -> list[Any]:
    """:func:`call_view` of each of ``fns`` (of one node), sent as one JSON-RPC batch: one
    round trip, and one request's client overhead, for what a check reads together."""
    w3 = fns[0].w3
    responses = w3.provider.make_batch_request([(RPCEndpoint("eth_call"), _call_params(fn, block)) for fn in fns])
    if not isinstance(responses, list):  # the node refused the batch as a whole
        raise ChainError(f"eth_call batch failed: {responses.get('error')}")
    return [
        _decoded(fn, response_result(response, "eth_call", fn.abi["name"]))
        for fn, response in zip(fns, responses, strict=True)
    ]


def _call_params(fn: Any, block: int | None) -> list[Any]:
    return [{"to": fn.address, "data": "0x" + encode_call(fn).hex()}, "latest" if block is None else hex(block)]


def _decoded(fn: Any, result: Any) -> Any:
    _, _, outputs = _shape(_key(fn.abi))
    raw = bytes.fromhex(str(result)[2:])
    if not raw and outputs:
        raise ChainError(f"{fn.abi['name']} returned no data: is a contract deployed at {fn.address}?")
    values = tuple(checksummed(t, v) for t, v in zip(outputs, decode(outputs, raw), strict=True))
    return values[0] if len(values) == 1 else values


def encode_call(fn: Any) -> bytes:
    """The calldata of a bound contract function (selector and ABI-encoded arguments)."""
    selector, inputs, _ = _shape(_key(fn.abi))
    return selector + encode(inputs, list(fn.args))


def rpc_result(w3: Any, method: str, params: list[Any], what: str) -> Any:
    """The result of one raw JSON-RPC request; a revert raises ContractRevert naming the
    custom error, any other error ChainError."""
    return response_result(w3.provider.make_request(RPCEndpoint(method), params), method, what)


def response_result(response: Any, method: str, what: str) -> Any:
    """The result of a JSON-RPC response; its error raised as :func:`rpc_result` raises it."""
    error = response.get("error")
    if error:
        revert = error.get("data") if isinstance(error, dict) else None
        if isinstance(revert, dict):  # some nodes nest it: {"data": {"data": "0x…"}}
            revert = revert.get("data")
        if isinstance(revert, str) and revert.startswith("0x") and len(revert) >= 10:
            raise decode_revert(bytes.fromhex(revert[2:]))
        raise ChainError(f"{method} ({what}) failed: {error}")
    return response["result"]


def event_topic(abi: Any, name: str) -> bytes:
    """topic0 of event ``name`` in a contract's ABI."""
    return _topic(tuple((e["name"], tuple(get_abi_input_types(e))) for e in abi if e.get("type") == "event"), name)


@lru_cache(maxsize=64)
def _topic(events: tuple[tuple[str, tuple[str, ...]], ...], name: str) -> bytes:
    (inputs,) = [types for event, types in events if event == name]
    return keccak(text=f"{name}({','.join(inputs)})")


def _key(abi: Any) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    return abi["name"], tuple(get_abi_input_types(abi)), tuple(get_abi_output_types(abi))


@lru_cache(maxsize=256)
def _shape(key: tuple[str, tuple[str, ...], tuple[str, ...]]) -> tuple[bytes, list[str], list[str]]:
    name, inputs, outputs = key
    return function_signature_to_4byte_selector(f"{name}({','.join(inputs)})"), list(inputs), list(outputs)


def checksummed(kind: str, value: Any) -> Any:
    """``value``, decoded as ABI type ``kind``, with every address in it checksummed, as web3
    returns them."""
    return _checksummed(abi_type(kind), value)


@lru_cache(maxsize=256)
def abi_type(kind: str) -> ABIType:
    """An ABI type string, parsed (once)."""
    parsed: ABIType = parse(kind)
    return parsed


# A node's logs and calls name the same few accounts over and over; EIP-55 costs a keccak.
_checksum = lru_cache(maxsize=4096)(to_checksum_address)


def _checksummed(kind: ABIType, value: Any) -> Any:
    if kind.is_array:
        return [_checksummed(kind.item_type, v) for v in value]
    if isinstance(kind, TupleType):
        return tuple(_checksummed(k, v) for k, v in zip(kind.components, value, strict=True))
    if isinstance(kind, BasicType) and kind.base == "address":
        return _checksum(value)
    return value


def decode_jurisdiction(code: bytes) -> str:
    """A bytes2 ISO code as text ("CN")."""
    return bytes(code).decode("ascii")
