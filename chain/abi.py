"""Small helpers shared by the contract bindings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ContractCall:
    """A contract function bound to its arguments: what :func:`call_view` and the sender
    read of web3's bound functions (``w3``, ``address``, ``abi``, ``args``), built for the
    price of a tuple."""

    w3: Any
    address: str
    abi: dict[str, Any]
    args: tuple[Any, ...]

    def call(self, transaction: dict[str, Any] | None = None, block_identifier: int | None = None) -> Any:
        """The call's result as ``transaction["from"]`` would get it (a revert raises)."""
        params = _call_params(self, block_identifier)
        if transaction and "from" in transaction:
            params[0]["from"] = transaction["from"]
        return _decoded(self, rpc_result(self.w3, "eth_call", params, self.abi["name"]))


class ContractCalls:
    """``contract.functions`` without web3's binding, argument normalisers and ABI
    validation on every call, which cost more CPU than encoding the call: ``calls.head(x)``
    is ``contract.functions.head(x)`` for :func:`call_view` and the sender. eth-abi still
    refuses an argument of the wrong type when it encodes the call."""

    def __init__(self, contract: Any) -> None:
        self._w3, self._address = contract.w3, contract.address
        functions = [f for f in contract.abi if f.get("type") == "function"]
        names = [f["name"] for f in functions]
        # An overloaded name would need web3's resolution by arguments: left out, not guessed.
        self._abis = {f["name"]: f for f in functions if names.count(f["name"]) == 1}

    def __getattr__(self, name: str) -> Any:
        abi = self.__dict__.get("_abis", {}).get(name)  # not self._abis: no recursion before __init__
        if abi is None:
            where = self.__dict__.get("_address")
            raise AttributeError(f"no function {name} (or it is overloaded) in the contract at {where}")
        return lambda *args: ContractCall(self._w3, self._address, abi, args)


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
