"""Decoding custom errors from revert data, by the selectors in the compiled ABIs."""

from __future__ import annotations

from functools import cache
from typing import Any

from eth_abi.abi import decode
from eth_utils.abi import function_signature_to_4byte_selector
from eth_utils.address import to_checksum_address

from chain.compile import CONTRACT_NAMES, load_artifact
from chain.errors import ContractRevert

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)
_PANIC = bytes.fromhex("4e487b71")  # Panic(uint256)


def _abi_type(item: dict[str, Any]) -> str:
    if item["type"].startswith("tuple"):
        inner = ",".join(_abi_type(c) for c in item["components"])
        return f"({inner}){item['type'][5:]}"
    return str(item["type"])


@cache
def _error_table() -> dict[bytes, tuple[str, list[str], list[str]]]:
    table: dict[bytes, tuple[str, list[str], list[str]]] = {}
    for contract in CONTRACT_NAMES:
        for item in load_artifact(contract)["abi"]:
            if item["type"] != "error":
                continue
            types = [_abi_type(i) for i in item["inputs"]]
            selector = function_signature_to_4byte_selector(f"{item['name']}({','.join(types)})")
            table[selector] = (item["name"], [i["name"] or f"arg{n}" for n, i in enumerate(item["inputs"])], types)
    return table


def _display(value: Any) -> Any:
    if isinstance(value, bytes):
        if len(value) == 2 and value.isalpha():  # a bytes2 jurisdiction code
            return value.decode("ascii")
        return "0x" + value.hex()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return to_checksum_address(value)
    if isinstance(value, (list, tuple)):
        return [_display(v) for v in value]
    return value


def decode_revert(data: bytes) -> ContractRevert:
    """A ContractRevert naming the custom error encoded in ``data``."""
    selector, body = data[:4], data[4:]
    if selector == _ERROR_STRING:
        (message,) = decode(["string"], body)
        return ContractRevert("Error", {"message": message})
    if selector == _PANIC:
        (code,) = decode(["uint256"], body)
        return ContractRevert("Panic", {"code": hex(code)})
    known = _error_table().get(selector)
    if known is None:
        return ContractRevert("UnknownError", {"data": "0x" + data.hex()})
    name, names, types = known
    values = decode(types, body)
    return ContractRevert(name, {n: _display(v) for n, v in zip(names, values, strict=True)})
