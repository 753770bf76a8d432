"""Reading a contract's event logs as raw ``eth_getLogs`` answers, decoded with eth-abi.

Not web3's ``ContractEvent.get_logs``: its formatters and attribute dictionaries cost more
CPU than the round trip to the node (a follower reads one log per appended entry), and its
decoded logs drop ``blockTimestamp``, which anvil, Besu and newer geth put in each log so
that no block has to be fetched for an entry's time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from eth_abi.abi import decode, encode

from chain.abi import abi_type, checksummed, event_topic, rpc_result

# Providers limit eth_getLogs ranges (Besu: by configuration); ask in slices.
LOG_SLICE = 5_000


@dataclass(frozen=True)
class EventLog:
    """One decoded log: its arguments (addresses checksummed, as web3 gives them) and where
    it is. ``block_timestamp`` is None where the node does not put it in logs."""

    args: dict[str, Any]
    block_number: int
    log_index: int
    tx_hash: bytes
    block_timestamp: int | None

    def block_time(self, of_block: Callable[[int], int]) -> int:
        """The time of the block the log is in: as the log says it, where the node says it
        (anvil, Besu, newer geth), else ``of_block(number)``."""
        return self.block_timestamp if self.block_timestamp is not None else of_block(self.block_number)


@dataclass(frozen=True)
class _Shape:
    topic: bytes
    indexed: tuple[tuple[str, str], ...]  # (name, type) of the arguments in topics 1..3
    data: tuple[tuple[str, str], ...]  # (name, type) of those ABI-encoded in the data


def event_logs(
    contract: Any, name: str, first: int, last: int, filters: Mapping[str, Any] | None = None
) -> Iterator[EventLog]:
    """Logs of event ``name`` emitted by ``contract`` in blocks ``first`` to ``last``, in
    chain order; ``filters`` match indexed arguments (a list: any of its values)."""
    shape = _shape_of(contract.abi, name)
    topics: list[Any] = [_hex(shape.topic)]
    if filters:
        types = dict(shape.indexed)
        position = {arg: i for i, (arg, _) in enumerate(shape.indexed)}
        topics += [None] * len(shape.indexed)
        for arg, value in filters.items():
            values = value if isinstance(value, list) else [value]
            topics[1 + position[arg]] = [_hex(encode([types[arg]], [v])) for v in values]
        while topics[-1] is None:
            topics.pop()
    start = first
    while start <= last:
        end = min(start + LOG_SLICE - 1, last)
        query = {"address": contract.address, "fromBlock": hex(start), "toBlock": hex(end), "topics": topics}
        for raw in rpc_result(contract.w3, "eth_getLogs", [query], f"{name} logs"):
            yield _decoded(shape, raw)
        start = end + 1


def receipt_events(contract: Any, name: str, logs: list[Mapping[str, Any]]) -> list[EventLog]:
    """The logs of event ``name`` that ``contract`` emitted among a receipt's raw ``logs``."""
    shape = _shape_of(contract.abi, name)
    address, topic = str(contract.address).lower(), _hex(shape.topic)
    return [
        _decoded(shape, log)
        for log in logs
        if str(log["address"]).lower() == address and log["topics"] and str(log["topics"][0]).lower() == topic
    ]


def _decoded(shape: _Shape, raw: Mapping[str, Any]) -> EventLog:
    args: dict[str, Any] = {}
    for (arg, kind), topic in zip(shape.indexed, raw["topics"][1:], strict=True):
        word = bytes.fromhex(topic[2:])
        # An indexed array or string is logged as its hash: the word is all there is.
        args[arg] = word if abi_type(kind).is_dynamic else checksummed(kind, decode([kind], word)[0])
    if shape.data:
        values = decode([kind for _, kind in shape.data], bytes.fromhex(raw["data"][2:]))
        for (arg, kind), value in zip(shape.data, values, strict=True):
            args[arg] = checksummed(kind, value)
    stamp = raw.get("blockTimestamp")
    return EventLog(
        args,
        int(raw["blockNumber"], 16),
        int(raw["logIndex"], 16),
        bytes.fromhex(raw["transactionHash"][2:]),
        int(stamp, 16) if isinstance(stamp, str) else stamp,
    )


# By the ABI's identity (a contract's ABI never changes); the ABI is held with its shape, so
# its id cannot be reused by another while the entry exists.
_shapes: dict[tuple[int, str], tuple[Any, _Shape]] = {}


def _shape_of(abi: Any, name: str) -> _Shape:
    key = (id(abi), name)
    held = _shapes.get(key)
    if held is not None and held[0] is abi:
        return held[1]
    (event,) = [e for e in abi if e.get("type") == "event" and e["name"] == name]
    inputs = [(i["name"], _type_of(i), bool(i["indexed"])) for i in event["inputs"]]
    shape = _Shape(
        event_topic(abi, name),
        tuple((arg, kind) for arg, kind, indexed in inputs if indexed),
        tuple((arg, kind) for arg, kind, indexed in inputs if not indexed),
    )
    _shapes[key] = (abi, shape)
    return shape


def _type_of(argument: Mapping[str, Any]) -> str:
    kind = str(argument["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(_type_of(c) for c in argument["components"]) + ")" + kind[len("tuple") :]
    return kind


def _hex(value: bytes) -> str:
    return "0x" + value.hex()
