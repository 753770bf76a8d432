"""The same RFC 9162 hashing in Solidity and Python: the contract accepts exactly the
inclusion proofs evidence/merkle.py produces, against anchored checkpoints."""

from __future__ import annotations

from eth_account import Account

from chain.deploy import CustomsBootstrap, deploy
from chain.ledger import LedgerClient
from chain.node import AnvilNode
from chain.rpc import connect
from evidence.merkle import inclusion_proof, leaf_hash, root
from evidence.roles import Role


def test_contract_verifies_python_inclusion_proofs(anvil: AnvilNode) -> None:
    w3 = connect(anvil.url)
    deployer, cn, node = Account.create(), Account.create(), Account.create()
    manifest = deploy(w3, deployer, [CustomsBootstrap(cn.address, "CN", "CN-GACC", "China Customs")])
    client = LedgerClient(w3, manifest)
    client.propose_member(cn, node.address, [Role.ANCHOR], "CN", "CN-NODE", "CN node")  # CN alone is the majority
    log = client.checkpoint_log
    assert log is not None
    leaves = [leaf_hash(f"entry {i}".encode()) for i in range(16)]
    stranger = leaf_hash(b"not in the log")
    gas = []
    for size in range(1, 17):
        anchored = log.submit(node, size, root(leaves[:size]), f"segment-{size}")
        assert (anchored.size, anchored.leaves_cid) == (size, f"segment-{size}")
        gas.append(anchored.gas_used)
        for index in range(size):
            proof = inclusion_proof(leaves[:size], index)
            assert log.verify_inclusion(leaves[index], index, size, proof)
            assert not log.verify_inclusion(stranger, index, size, proof)
        if size > 1:
            assert not log.verify_inclusion(leaves[0], 0, size, inclusion_proof(leaves[:size], 0)[:-1])
    assert [c.size for c in log.anchored()] == list(range(1, 17))
    assert max(gas) < 150_000  # one checkpoint anchors any number of entries
