"""Sending transactions signed locally with eth-account (never node-unlocked accounts).

Nonces are assigned here, per account, under a lock, from the node's pending count, so
concurrent requests never reuse or skip one, and a restarted node never leaves a gap; gas
is estimated first, so a call that would revert fails before it takes a nonce, with the
contract's custom error decoded. A call its caller has checked already (a relayed entry) is
sent at once under a gas ceiling instead, and a revert is named from the mined transaction.

Fees are what the node asks (``eth_gasPrice``), in legacy transactions every engine takes:
zero on a free-gas network (anvil here, Besu or GoQuorum with a zero minimum gas price), at
least 1 wei on geth, whose peers refuse cheaper transactions. Where gas costs something, a
``funder`` account (the node's deployer, funded in the genesis) tops up the accounts it
sends for before their balance runs out.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

from chain.abi import encode_call, rpc_result
from chain.errors import ContractRevert, TransactionFailed
from chain.reverts import decode_revert

log = logging.getLogger(__name__)

RECEIPT_POLLS = (0.002, 0.004, 0.008, 0.016, 0.032, 0.05)  # seconds between asks; the last repeats


@dataclass(frozen=True)
class Receipt:
    """Where a transaction landed."""

    tx_hash: str
    block_number: int
    block_hash: str
    status: int
    gas_used: int
    logs: list[Any]  # as the node sent them (chain.logs.receipt_events decodes them)


def _revert_data(exc: Exception) -> bytes | None:
    data: Any = getattr(exc, "data", None)
    if isinstance(exc, Web3RPCError) and data is None and isinstance(exc.rpc_response, dict):
        data = exc.rpc_response.get("error", {}).get("data")
    if isinstance(data, dict):
        data = data.get("data")
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, (bytes, HexBytes)):
        return bytes(data)
    return None


def _as_plain(call: Any) -> dict[str, Any] | None:
    """``{"to", "data"}`` of a bound contract function call; None for anything else."""
    abi = getattr(call, "abi", None)
    if isinstance(call, dict) or not isinstance(abi, dict) or abi.get("type") != "function":
        return None
    return {"to": call.address, "data": "0x" + encode_call(call).hex(), "value": 0}


def as_revert(exc: Exception) -> ContractRevert | None:
    """The decoded custom error behind a web3 exception, if it is a revert."""
    if isinstance(exc, (ContractCustomError, ContractLogicError, Web3RPCError)):
        data = _revert_data(exc)
        if data:
            return decode_revert(data)
        if isinstance(exc, ContractLogicError):
            return ContractRevert("Error", {"message": str(exc)})
    return None


class TransactionSender:
    """Signs and sends transactions for any number of local accounts."""

    TOP_UP_WEI = 10**18  # a few million transactions at geth's usual price on a private network

    def __init__(
        self, w3: Web3, receipt_timeout: float = 120.0, retries: int = 3, funder: LocalAccount | None = None
    ) -> None:
        self.w3 = w3
        self.receipt_timeout = receipt_timeout
        self.retries = retries
        self.funder = funder
        self._nonces: dict[str, int] = {}
        self._last_sent: dict[str, str] = {}  # each account's last transaction hash
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()
        self._chain_id = w3.eth.chain_id
        self._price: tuple[float, int] | None = None

    def _lock(self, address: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(address, threading.Lock())

    def forget_nonces(self) -> None:
        """Re-read every nonce from the node next time (after a node restart or a lost block)."""
        with self._locks_guard:
            self._nonces.clear()

    def transact(
        self, account: LocalAccount, call: Any, gas_margin: float = 1.25, checked_within: int | None = None
    ) -> Receipt:
        """Estimate, sign, send and wait for ``call`` (a web3 contract function call).

        ``checked_within``: a gas ceiling for a call its caller has already checked against the
        contract's rules (a relayed entry, checked under its consignment's lock). It is sent at
        once, without the node's estimate, which runs the call several times; a revert is then
        named from the mined transaction. A ceiling that proves short is not a refusal: the call
        is estimated and sent again.

        Raises ContractRevert (naming the custom error) when the call reverts, and
        TransactionFailed when it cannot be sent or mined after retries.
        """
        # A function call is encoded once, here, and estimated and sent as plain calldata;
        # only a deployment (a constructor) goes through web3's transaction builder.
        plain = _as_plain(call)
        if checked_within is not None:
            receipt = self._mined(account, call, plain, checked_within)
            if receipt.status == 1:
                return receipt
            failure = self._explain_failure(account, call, receipt)
            if isinstance(failure, ContractRevert):
                raise failure
            log.warning(
                "transaction %s failed within %d gas without a revert: estimating", receipt.tx_hash, checked_within
            )
        receipt = self._mined(account, call, plain, self._estimate(account, call, plain, gas_margin))
        if receipt.status != 1:
            raise self._explain_failure(account, call, receipt)
        return receipt

    def _estimate(self, account: LocalAccount, call: Any, plain: dict[str, Any] | None, gas_margin: float) -> int:
        """The gas to send ``call`` with: the node's estimate and a margin; a revert is raised."""
        try:
            if plain is None:
                estimate = call.estimate_gas({"from": account.address})
            else:
                # JSON-RPC quantities are hex strings (geth refuses a number); no value is sent.
                request = {"from": account.address, "to": plain["to"], "data": plain["data"]}
                estimate = int(rpc_result(self.w3, "eth_estimateGas", [request], "gas estimate"), 16)
        except ContractRevert:
            raise
        except Exception as exc:
            revert = as_revert(exc)
            if revert is not None:
                raise revert from exc
            raise TransactionFailed(f"gas estimation failed: {exc}") from exc
        return int(estimate * gas_margin) + 10_000

    def _mined(self, account: LocalAccount, call: Any, plain: dict[str, Any] | None, gas: int) -> Receipt:
        """Send ``call`` with ``gas`` and wait for its receipt, whatever its status."""
        gas_price = self._gas_price()
        if gas_price:
            self._fund(account, gas * gas_price)
        return self._wait(self._send(account, call if plain is None else {**plain, "gas": gas}, gas_price, gas))

    def _gas_price(self) -> int:
        """The node's gas price, asked at most once a second (it moves with blocks, not calls)."""
        now = time.monotonic()
        if self._price is None or now - self._price[0] > 1.0:
            self._price = (now, int(self.w3.eth.gas_price))
        return self._price[1]

    def _fund(self, account: LocalAccount, cost: int) -> None:
        """Top ``account`` up from the funder when it cannot pay ``cost`` (a fee-taking chain)."""
        if self.funder is None or account.address == self.funder.address:
            return
        if self.w3.eth.get_balance(account.address) >= cost:
            return
        transfer = {"to": account.address, "value": self.TOP_UP_WEI, "gas": 21_000}
        receipt = self._wait(self._send(self.funder, transfer, self.w3.eth.gas_price))
        if receipt.status != 1:
            raise TransactionFailed(f"could not fund {account.address} from {self.funder.address}")

    def _send(self, account: LocalAccount, call: Any, gas_price: int, gas: int | None = None) -> str:
        """Sign and send ``call`` (a contract call, or a plain transfer as a dict) with the next nonce."""
        address = account.address
        last_error: Exception | None = None
        for _attempt in range(self.retries):
            with self._lock(address):
                on_node = int(rpc_result(self.w3, "eth_getTransactionCount", [address, "pending"], "nonce"), 16)
                cached = self._nonces.get(address)
                # A cached nonce ahead of the node's pending count: either the node has not
                # counted our last transaction yet (anvil, with blocks not mined at once), or
                # it lost transactions (restart, dropped blocks) and must not be left a gap.
                # Only the node knowing our last transaction tells the two apart; taking its
                # count in the first case would replace that transaction.
                if cached is not None and cached > on_node and not self._is_known(self._last_sent.get(address)):
                    cached = None
                nonce = on_node if cached is None else max(cached, on_node)
                fields = {"from": address, "nonce": nonce, "gasPrice": gas_price, "chainId": self._chain_id}
                # A plain transfer (a dict) has its gas; a contract call is built with the estimate.
                tx = {**call, **fields} if isinstance(call, dict) else call.build_transaction({**fields, "gas": gas})
                signed = account.sign_transaction(tx)
                try:
                    # Raw JSON-RPC, as the nonce above: web3's method machinery costs more CPU than the call.
                    raw = "0x" + bytes(signed.raw_transaction).hex()
                    tx_hash = rpc_result(self.w3, "eth_sendRawTransaction", [raw], "transaction")
                except Exception as exc:
                    sent = "0x" + bytes(signed.hash).hex()
                    if self._is_known(sent):
                        # It reached the node though its answer did not reach us (a connection
                        # lost mid-answer): signing it again would send the call twice.
                        self._nonces[address], self._last_sent[address] = nonce + 1, sent
                        return sent
                    last_error = exc
                    # The node disagrees about our nonce (restart, another sender): resync.
                    self._nonces.pop(address, None)
                    continue
                self._nonces[address], self._last_sent[address] = nonce + 1, str(tx_hash)
                return str(tx_hash)
            time.sleep(0.2)
        raise TransactionFailed(f"could not send transaction from {address}: {last_error}")

    def _is_known(self, tx_hash: str | None) -> bool:
        if tx_hash is None:
            return False
        try:
            return rpc_result(self.w3, "eth_getTransactionByHash", [tx_hash], "transaction") is not None
        except Exception:
            return False

    def _wait(self, tx_hash: str) -> Receipt:
        """The transaction's receipt, asked until it is mined: soon at first (anvil mines a
        transaction a millisecond or two after it accepts it), then every 50 ms (a network
        that seals a block a second)."""
        deadline = time.monotonic() + self.receipt_timeout
        pauses = iter(RECEIPT_POLLS)
        while True:
            r = rpc_result(self.w3, "eth_getTransactionReceipt", [tx_hash], "receipt")
            if r is not None:
                break
            if time.monotonic() > deadline:
                raise TransactionFailed(f"transaction {tx_hash} was not mined within {self.receipt_timeout}s")
            time.sleep(next(pauses, RECEIPT_POLLS[-1]))
        return Receipt(
            tx_hash=tx_hash,
            block_number=int(r["blockNumber"], 16),
            block_hash=str(r["blockHash"]),
            status=int(r["status"], 16),
            gas_used=int(r["gasUsed"], 16),
            logs=list(r["logs"]),
        )

    def _explain_failure(self, account: LocalAccount, call: Any, receipt: Receipt) -> Exception:
        """Why a mined transaction reverted: the call replayed on the state its block left.
        Not the block before: what made it revert is most often a rival transaction mined
        ahead of it in the same block (a head another append moved)."""
        try:
            call.call({"from": account.address}, block_identifier=receipt.block_number)
        except ContractRevert as refused:
            return refused
        except Exception as exc:
            revert = as_revert(exc)
            if revert is not None:
                return revert
        return TransactionFailed(f"transaction {receipt.tx_hash} reverted in block {receipt.block_number}")
