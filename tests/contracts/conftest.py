"""brownie fixtures: a bootstrapped consortium with one operator of each kind.

Entries are signed with ``evidence.eip712`` so every test also checks that Python and
Solidity agree on the EIP-712 encoding.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import brownie
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evidence.eip712 import Domain, Entry, compact_signature, sign_entry
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.types import Address, Hash32

ZERO = "0x" + "00" * 20
ZERO32 = b"\x00" * 32


def reverts(error: str) -> brownie.test.managers.runner.RevertContextManager:
    """Expect a revert with the contract's custom error ``error`` (brownie decodes its name)."""
    return brownie.reverts(revert_pattern=rf"{error}\b.*")


@pytest.fixture(autouse=True)
def isolation(fn_isolation: Any) -> None:
    """Every test starts from the module's deployed state."""


def _member(accounts: Any) -> Any:
    account = accounts.add()
    accounts[0].transfer(account, "1 ether")
    return account


@pytest.fixture(scope="module")
def people(accounts: Any) -> Any:
    """Named local accounts (with private keys, for EIP-712 signatures)."""
    names = ["cn", "kz", "de", "fr", "exporter", "importer", "carrier", "carrier2", "auditor", "outsider", "exporter2"]
    return {name: _member(accounts) for name in names}


@pytest.fixture(scope="module")
def registry(ConsortiumRegistry: Any, accounts: Any, people: Any) -> Any:
    customs = [people["cn"], people["kz"], people["de"]]
    return ConsortiumRegistry.deploy(
        customs,
        [b"CN", b"KZ", b"DE"],
        ["CN-GACC", "KZ-SRC", "DE-GZD"],
        ["China Customs", "Kazakhstan Customs", "German Customs"],
        {"from": accounts[0]},
    )


@pytest.fixture(scope="module")
def ledger(ConsignmentLedger: Any, registry: Any, accounts: Any, people: Any) -> Any:
    p = people
    registry.admitOperator(p["exporter"], [Role.EXPORTER.role_id], b"CN", "CN-EXP", "Exporter", {"from": p["cn"]})
    registry.admitOperator(p["exporter2"], [Role.EXPORTER.role_id], b"CN", "CN-EXP2", "Exporter 2", {"from": p["cn"]})
    registry.admitOperator(p["carrier"], [Role.CARRIER.role_id], b"CN", "CN-RAIL", "Carrier", {"from": p["cn"]})
    registry.admitOperator(p["carrier2"], [Role.CARRIER.role_id], b"KZ", "KZ-RAIL", "Carrier 2", {"from": p["kz"]})
    registry.admitOperator(p["importer"], [Role.IMPORTER.role_id], b"DE", "DE-IMP", "Importer", {"from": p["de"]})
    # An auditor reads every consignment: the customs majority admits it.
    tx = registry.proposeMemberAdmission(
        p["auditor"], [Role.AUDITOR.role_id], b"DE", "DE-AUD", "Auditor", {"from": p["de"]}
    )
    registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": p["cn"]})
    return ConsignmentLedger.deploy(registry, {"from": accounts[0]})


@pytest.fixture(scope="module")
def consignment(ledger: Any, people: Any) -> Any:
    """A consignment CN → DE through KZ; returns its id."""
    p = people
    tx = ledger.createConsignment(
        "CQ-DUI-1", b"CN", b"DE", [b"KZ"], p["importer"], p["carrier"], {"from": p["exporter"]}
    )
    return tx.return_value


@pytest.fixture(scope="module")
def append(ledger: Any, consignment: Any, chain: Any) -> Any:
    """append(actor, event_type, relayer=None, next_carrier=None, seq=None, prev=None, signer=None)."""

    def _append(
        actor: Any,
        event_type: Any,
        relayer: Any = None,
        next_carrier: Any = None,
        seq: Any = None,
        prev: Any = None,
        signer: Any = None,
    ) -> Any:
        count, head = ledger.head(consignment)
        entry = Entry(
            consignment=Hash32(bytes(consignment)),
            seq=count if seq is None else seq,
            prev_hash=Hash32(bytes(head) if prev is None else prev),
            event_type=EventType(event_type).type_id,
            payload_hash=Hash32(b"\x11" * 32),
            cid="bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy",
            next_carrier=Address(next_carrier.address if next_carrier else ZERO),
            actor=actor.address,
        )
        domain = Domain(chain.id, ledger.address)
        r, vs = compact_signature(sign_entry(entry, domain, (signer or actor).private_key))
        return ledger.appendEvent(entry.as_tuple(), r, vs, {"from": relayer or actor})

    return _append


@pytest.fixture(scope="module")
def checkpoints(registry: Any, accounts: Any, people: Any) -> Any:
    """A CheckpointLog whose anchor is the "outsider" account, admitted by the customs majority."""
    tx = registry.proposeMemberAdmission(
        people["outsider"], [Role.ANCHOR.role_id], b"CN", "CN-NODE", "CN node", {"from": people["cn"]}
    )
    registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": people["kz"]})
    return brownie.CheckpointLog.deploy(registry, {"from": accounts[0]})
