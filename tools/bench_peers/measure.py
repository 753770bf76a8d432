"""The peers `make bench` compares BorderLedger with, run in the same bench on the same chain.

- TradeTrust's DocumentStore (npm ``@govtechsg/document-store``, its shipped compiled
  contract): one ``issue(bytes32)`` transaction per document — the one-transaction-per-document
  path — and one ``issue`` of an OpenAttestation Merkle root — the batched path's anchor.
  Sent through BorderLedger's own TransactionSender, so both sides pay the same client costs.
- OpenAttestation's ``wrapDocuments`` (npm ``@govtechsg/open-attestation``): documents wrapped
  into one Merkle tree, in memory, unsigned — the batched path's peer.

Nothing here is hard-coded: every figure is measured when the bench runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from chain.sender import TransactionSender

PEERS_SCRIPT = Path(__file__).with_name("peers.mjs")


def _node(*args: str) -> Any:
    out = subprocess.run(
        ["node", str(PEERS_SCRIPT), *args], check=True, capture_output=True, text=True, cwd=PEERS_SCRIPT.parents[2]
    )
    return json.loads(out.stdout)


def deploy_document_store(w3: Web3, sender: TransactionSender, owner: LocalAccount) -> Any:
    """Deploy the DocumentStore its npm package ships (constructor: name, owner)."""
    artifact = _node("document-store")
    factory = w3.eth.contract(abi=artifact["abi"], bytecode=artifact["bytecode"])
    receipt = sender.transact(owner, factory.constructor("BorderLedger bench", owner.address))
    address = w3.eth.get_transaction_receipt(receipt.tx_hash)["contractAddress"]  # type: ignore[arg-type]
    return w3.eth.contract(address=address, abi=artifact["abi"])


def document_store_issue(w3: Web3, documents: int, workers: int) -> dict[str, Any]:
    """``issue`` one document per transaction from ``workers`` threads (one issuer account, as a
    TradeTrust issuer has), and the gas of each."""
    sender = TransactionSender(w3)
    owner = Account.create()
    store = deploy_document_store(w3, sender, owner)
    digests = [os.urandom(32) for _ in range(documents)]
    gas: list[int] = []

    def issue(digest: bytes) -> None:
        gas.append(sender.transact(owner, store.functions.issue(digest)).gas_used)

    start = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(issue, digests))
    elapsed = time.perf_counter() - start
    assert all(store.functions.isIssued(d).call() for d in digests[:: max(1, documents // 20)])
    return {
        "documents": documents,
        "documents_per_s": round(documents / elapsed, 1),
        "gas_per_issue": round(statistics.mean(gas)),
    }


def oa_wrap(documents: int) -> dict[str, Any]:
    """OpenAttestation's wrapDocuments over ``documents`` documents, timed inside Node."""
    result = _node("wrap", str(documents))
    return {"documents": documents, "documents_per_s": round(documents / result["seconds"], 1)}
