"""The same RFC 9162 hashing in Solidity and Python: the contract accepts exactly the
inclusion proofs evidence/merkle.py produces, against anchored checkpoints."""

from __future__ import annotations

from eth_account import Account

from chain.deploy import CustomsBootstrap, deploy
from chain.ledger import LedgerClient
from chain.rpc import connect
from evidence.merkle import inclusion_proof, leaf_hash, root
from evidence.roles import Role


def test_contract_verifies_python_inclusion_proofs(anvil):
    w3 = connect(anvil.url)
    deployer, cn, node = Account.create(), Account.create(), Account.create()
    manifest = deploy(w3, deployer, [CustomsBootstrap(cn.address, "CN", "CN-GACC", "China Customs")])
    client = LedgerClient(w3, manifest)
    client.admit_operator(cn, node.address, [Role.ANCHOR], "CN", "CN-NODE", "CN node")
    log = w3.eth.contract(address=manifest.contracts["CheckpointLog"].address, abi=client.abi("CheckpointLog"))
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(16)]
    gas = []
    for size in range(1, 17):
        receipt = client.sender.transact(node, log.functions.submitCheckpoint(size, root(leaves[:size])))
        gas.append(receipt.gas_used)
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            assert log.functions.verifyInclusion(leaves[index], index, size, proof).call()
            assert not log.functions.verifyInclusion(leaves[(index + 1) % size], index, size, proof).call() or size == 1
        if size > 1:
            assert not log.functions.verifyInclusion(leaves[0], 0, size, inclusion_proof(leaves[:size], 0)[:-1]).call()
    assert max(gas) < 150_000  # one checkpoint anchors any number of entries
