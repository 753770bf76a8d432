"""RiskRuleSets: only customs propose and approve; the majority of the active customs adopts;
an older proposal cannot be adopted once a later version is in force."""

from typing import Any

import pytest
from conftest import reverts

HASH = b"\x11" * 32


@pytest.fixture(scope="module")
def rule_sets(RiskRuleSets: Any, registry: Any, ledger: Any, accounts: Any) -> Any:
    return RiskRuleSets.deploy(registry, {"from": accounts[0]})


def propose(rule_sets: Any, who: Any, text_hash: bytes = HASH) -> int:
    tx = rule_sets.propose(text_hash, "bafy-rules", {"from": who})
    return int(tx.events["RuleSetProposed"]["version"])


def test_the_customs_majority_adopts_a_rule_set(rule_sets: Any, people: Any) -> None:
    version = propose(rule_sets, people["cn"])
    assert rule_sets.current() == 0 and rule_sets.countingApprovals(version) == 1  # 1 of 3 customs
    tx = rule_sets.approve(version, {"from": people["de"]})
    assert tx.events["RuleSetAdopted"]["version"] == version
    assert rule_sets.current() == version
    stored = rule_sets.ruleSet(version)
    assert stored[0] == "0x" + HASH.hex() and stored[5] > 0 and stored[6] == tx.block_number


def test_only_customs_propose_and_approve(rule_sets: Any, people: Any) -> None:
    for outsider in ("exporter", "auditor", "outsider"):
        with reverts("RiskRuleSetsNotCustoms"):
            rule_sets.propose(HASH, "bafy-rules", {"from": people[outsider]})
    version = propose(rule_sets, people["cn"])
    with reverts("RiskRuleSetsNotCustoms"):
        rule_sets.approve(version, {"from": people["exporter"]})
    with reverts("RiskRuleSetsAlreadyApproved"):
        rule_sets.approve(version, {"from": people["cn"]})
    with reverts("RiskRuleSetsEmptyText"):
        rule_sets.propose(b"\x00" * 32, "bafy-rules", {"from": people["cn"]})
    with reverts("RiskRuleSetsUnknownVersion"):
        rule_sets.approve(99, {"from": people["cn"]})


def test_an_older_proposal_is_superseded_by_a_later_adoption(rule_sets: Any, people: Any) -> None:
    older = propose(rule_sets, people["cn"])
    newer = propose(rule_sets, people["kz"], b"\x22" * 32)
    rule_sets.approve(newer, {"from": people["de"]})
    assert rule_sets.current() == newer
    with reverts("RiskRuleSetsSuperseded"):
        rule_sets.approve(older, {"from": people["de"]})
    with reverts("RiskRuleSetsAlreadyAdopted"):
        rule_sets.approve(newer, {"from": people["cn"]})
