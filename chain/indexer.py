"""Reading the contracts' logs: consignments, entries and membership history.

What the service's index holds can be rebuilt from these logs plus the content store;
verification reads the membership history to know each actor's roles when it wrote.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from web3 import Web3
from web3.contract import Contract

from chain.abi import decode_jurisdiction
from chain.logs import EventLog, event_logs
from evidence.custody import MemberEvent
from evidence.eip712 import Domain, Entry, entry_hash, expand_signature
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.types import Address, Hash32, to_hex


@dataclass(frozen=True)
class CreatedConsignment:
    """A ConsignmentCreated log."""

    id: str
    reference: str
    exporter: str
    importer: str
    carrier: str
    origin: str
    destination: str
    transit: tuple[str, ...]
    tx_hash: str
    block_number: int


@dataclass(frozen=True)
class AppendedEntry:
    """An EventAppended log: every signed field of the entry, and where it landed."""

    consignment: str
    seq: int
    event_type: EventType
    entry_hash: str
    prev_hash: str
    payload_hash: str
    cid: str
    next_carrier: str
    actor: str
    signature: bytes
    tx_hash: str
    block_number: int
    log_index: int
    block_time: int


def _hex(value: bytes) -> str:
    return "0x" + bytes(value).hex()


class LogReader:
    """Logs of one deployment, from its deployment block on."""

    def __init__(
        self, w3: Web3, registry: Contract, ledger: Contract, from_block: int, to_block: int | None = None
    ) -> None:
        self.w3 = w3
        self.registry = registry
        self.ledger = ledger
        self.from_block = from_block
        self.to_block = to_block
        self._block_times: dict[int, int] = {}
        self._domain: Domain | None = None

    @property
    def domain(self) -> Domain:
        """The ledger's EIP-712 domain: entry hashes are recomputed from the logged fields."""
        if self._domain is None:
            self._domain = Domain(int(self.w3.eth.chain_id), Address(self.ledger.address))
        return self._domain

    def between(self, first: int, last: int) -> LogReader:
        """The same logs, of blocks ``first`` to ``last`` only (a follower's next window)."""
        window = LogReader(self.w3, self.registry, self.ledger, first, last)
        window._block_times = self._block_times
        window._domain = self._domain
        return window

    def _logs(self, contract: Contract, event: str, filters: dict[str, Any] | None = None) -> Iterator[EventLog]:
        latest = self.w3.eth.block_number if self.to_block is None else self.to_block
        return event_logs(contract, event, self.from_block, latest, filters)

    def block_time(self, number: int) -> int:
        """The timestamp of block ``number`` (cached)."""
        if number not in self._block_times:
            self._block_times[number] = int(self.w3.eth.get_block(number)["timestamp"])
        return self._block_times[number]

    def block_time_of(self, log: EventLog) -> int:
        """The timestamp of the block a log is in (see :meth:`EventLog.block_time`)."""
        return log.block_time(self.block_time)

    def consignments(self, consignment: bytes | None = None) -> list[CreatedConsignment]:
        """ConsignmentCreated logs (of one consignment, or all), oldest first."""
        filters = {"consignment": consignment} if consignment is not None else None
        out = []
        for log in self._logs(self.ledger, "ConsignmentCreated", filters):
            a = log.args
            out.append(
                CreatedConsignment(
                    _hex(a["consignment"]),
                    a["ref"],
                    a["exporter"],
                    a["importer"],
                    a["carrier"],
                    decode_jurisdiction(a["origin"]),
                    decode_jurisdiction(a["destination"]),
                    tuple(decode_jurisdiction(t) for t in a["transit"]),
                    _hex(log.tx_hash),
                    log.block_number,
                )
            )
        return out

    def entries(self, consignment: bytes | None = None) -> list[AppendedEntry]:
        """EventAppended logs (of one consignment, or all), in chain order."""
        filters = {"consignment": consignment} if consignment is not None else None
        out = []
        for log in self._logs(self.ledger, "EventAppended", filters):
            a = log.args
            entry = Entry(
                Hash32(bytes(a["consignment"])),
                int(a["seq"]),
                Hash32(bytes(a["prevHash"])),
                Hash32(bytes(a["eventType"])),
                Hash32(bytes(a["payloadHash"])),
                a["cid"],
                Address(a["nextCarrier"]),
                Address(a["actor"]),
            )
            out.append(
                AppendedEntry(
                    _hex(a["consignment"]),
                    int(a["seq"]),
                    EventType.from_id(a["eventType"]),
                    to_hex(entry_hash(entry, self.domain)),  # what the ledger stored as head
                    _hex(a["prevHash"]),
                    _hex(a["payloadHash"]),
                    a["cid"],
                    a["nextCarrier"],
                    a["actor"],
                    expand_signature(a["r"], a["vs"]),
                    _hex(log.tx_hash),
                    log.block_number,
                    log.log_index,
                    self.block_time_of(log),
                )
            )
        out.sort(key=lambda e: (e.block_number, e.log_index))
        return out

    def membership(self, accounts: list[str] | None = None) -> dict[str, list[MemberEvent]]:
        """Every admission, suspension, reinstatement and removal (of some accounts, or all)."""
        filters = {"account": [Web3.to_checksum_address(a) for a in accounts]} if accounts else None
        out: dict[str, list[MemberEvent]] = {}
        for log in self._logs(self.registry, "MemberAdmitted", filters):
            a = log.args
            roles = tuple(Role.from_id(r) for r in a["roles"])
            event = MemberEvent(
                log.block_number, log.log_index, "admitted", roles, decode_jurisdiction(a["jurisdiction"])
            )
            out.setdefault(a["account"], []).append(event)
        for kind, name in (
            ("suspended", "MemberSuspended"),
            ("reinstated", "MemberReinstated"),
            ("removed", "MemberRemoved"),
        ):
            for log in self._logs(self.registry, name, filters):
                out.setdefault(log.args["account"], []).append(MemberEvent(log.block_number, log.log_index, kind))
        for history in out.values():
            history.sort(key=lambda e: (e.block, e.log_index))
        return out
