"""Finding 15 of the trust review at the API: a proposal expires; a stale one is refused by
name (the contract-level property test is tests/contracts/test_governance_invariants.py)."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web3.types import RPCEndpoint

from api.runtime import Runtime
from evidence.roles import Role
from tests.api.conftest import auth
from tests.support import Keys

DAY = 86_400


def test_an_expired_proposal_is_refused_at_both_layers(client: TestClient, keys: Keys, demo_runtime: Runtime) -> None:
    body = {"name": "Agenzia delle Dogane", "legal_id": "IT-ADM", "jurisdiction": "IT", "roles": ["CUSTOMS"]}
    created = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
    assert created.status_code == 201, created.json()
    proposal = created.json()["proposal"]
    assert proposal["counting_approvals"] == 1 and proposal["expires_at"] > 0
    w3 = demo_runtime.services.node.chain.w3
    w3.provider.make_request(RPCEndpoint("evm_increaseTime"), [31 * DAY])
    w3.provider.make_request(RPCEndpoint("evm_mine"), [])
    refused = client.post(f"/v1/proposals/{proposal['id']}/approve", headers=auth(keys, "customs-KZ"))
    assert refused.status_code == 409 and refused.json()["rule"] == "ConsortiumRegistryProposalExpired"
    # The contract refuses it too, sent straight from KZ customs' own account.
    members = demo_runtime.services.members
    kz = members.account(members.participant(keys["customs-KZ"]["address"]))
    try:
        demo_runtime.services.node.chain.approve_proposal(kz, proposal["id"])
    except Exception as revert:
        assert "ConsortiumRegistryProposalExpired" in str(getattr(revert, "error", revert))
    else:
        raise AssertionError("the contract approved an expired proposal")


def test_one_customs_administration_cannot_mint_an_auditor_or_an_anchor(
    client: TestClient, keys: Keys, demo_runtime: Runtime
) -> None:
    """Finding 5 and 6: consortium-wide roles need the customs majority, at both layers."""
    for role in ("AUDITOR", "ANCHOR"):
        body = {"name": f"Lone {role}", "legal_id": f"CN-LONE-{role}", "jurisdiction": "CN", "roles": [role]}
        created = client.post("/v1/participants", json=body, headers=auth(keys, "customs-CN"))
        assert created.status_code == 201, created.json()
        assert created.json()["proposal"]["kind"] == "admit_member" and not created.json()["proposal"]["executed"]
        assert created.json()["participant"]["status"] == "none"  # nothing granted by CN alone
    # Straight at the contract, CN alone is refused by name.
    members, chain = demo_runtime.services.members, demo_runtime.services.node.chain
    cn = members.account(members.participant(keys["customs-CN"]["address"]))
    try:
        chain.admit_operator(cn, "0x" + "12" * 20, [Role.ANCHOR], "CN", "CN-X", "x")
    except Exception as revert:
        assert getattr(revert, "error", "") == "ConsortiumRegistryNeedsMajority"
    else:
        raise AssertionError("one customs administration admitted an anchor")
