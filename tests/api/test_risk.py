"""Explainable risk lanes on a real chain: a rule set the customs majority adopts, results as of
a block that two nodes reproduce byte for byte, a seal mismatch forcing red, a suspension
changing the lane from the block after it and not before, and the lane recorded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.demo import DEMO_RULES
from api.http.app import create_app
from api.runtime import Runtime
from chain.errors import ContractRevert
from tests.api.conftest import EVENT, auth
from tests.api.test_control_results import control_result, post
from tests.api.test_epcis import open_consignment
from tests.support import Keys, second_node

DEMO = "CQ-DUI-2026-0001"
# The demo's rules without the exporter's history (which other tests here add to).
RULES = {
    **DEMO_RULES,
    "name": "CN-KZ-DE corridor facilitation rules",
    "rules": [rule for rule in DEMO_RULES["rules"] if rule["id"] != "history"],
}


@pytest.fixture(scope="module")
def adopted(client: TestClient, keys: Keys) -> dict[str, Any]:
    proposed = client.post("/v1/rulesets", json=RULES, headers=auth(keys, "customs-CN"))
    assert proposed.status_code == 201, proposed.json()
    version = proposed.json()["version"]
    assert proposed.json()["adopted_block"] is None and proposed.json()["approvals"] == 1
    approved = client.post(f"/v1/rulesets/{version}/approve", headers=auth(keys, "customs-DE"))
    assert approved.status_code == 200 and approved.json()["adopted_block"] is not None
    return dict(approved.json())


def risk(client: TestClient, keys: Keys, reference: str, who: str = "customs-DE", **params: Any) -> Any:
    return client.get(f"/v1/consignments/{reference}/risk", params={"by": "DE"} | params, headers=auth(keys, who))


def test_the_demo_shows_a_green_lane_and_a_red_one(client: TestClient, keys: Keys) -> None:
    """Under the rule set the demo's customs majority adopted (version 1): AEO recognised
    under the CN–DE MRA and KZ's conformant seal check recognised by DE make the first
    consignment green; the seals KZ found replaced make the second red."""
    listed = client.get("/v1/rulesets", headers=auth(keys, "auditor")).json()
    assert listed["versions"][0]["adopted_block"] is not None
    green = risk(client, keys, DEMO, version=1).json()
    fired = {f["rule"]: f for f in green["fired"]}
    assert green["lane"] == "green" and set(fired) == {"aeo_recognised", "partner_control", "history"}, green
    red = risk(client, keys, "CQ-DUI-2026-R001", version=1).json()
    assert red["lane"] == "red" and any(f["rule"] == "seal_mismatch" for f in red["fired"]), red
    # The exporter's history counts the red consignment's non-conformant seal check.
    red_id = client.get("/v1/consignments/CQ-DUI-2026-R001", headers=auth(keys, "auditor")).json()["id"]
    assert fired["history"]["entries"] == [{"consignment": red_id, "seq": 2}] and fired["history"]["weight"] == 10


def test_only_customs_propose_rule_sets_at_api_and_contract(
    client: TestClient, keys: Keys, demo_runtime: Runtime, adopted: dict[str, Any]
) -> None:
    refused = client.post("/v1/rulesets", json=RULES, headers=auth(keys, "exporter"))
    assert refused.status_code == 403 and refused.json()["rule"] == "RiskRuleSetsNotCustoms"
    members, chain = demo_runtime.services.members, demo_runtime.services.node.chain
    exporter = members.account(members.participant(keys["exporter"]["address"]))
    assert chain.rule_sets is not None
    try:
        chain.rule_sets.propose(exporter, b"\x11" * 32, "bafy-forged")
    except ContractRevert as revert:
        assert revert.error == "RiskRuleSetsNotCustoms"
    else:
        raise AssertionError("the contract took a rule set from an exporter")
    read = client.get(f"/v1/rulesets/{adopted['version']}", headers=auth(keys, "exporter")).json()
    assert read["rules"]["name"] == RULES["name"] and read["text_hash"] == adopted["text_hash"]


def test_the_demo_consignment_is_green_and_says_why(client: TestClient, keys: Keys, adopted: dict[str, Any]) -> None:
    result = risk(client, keys, DEMO).json()
    assert result["lane"] == "green", result
    fired = {f["rule"]: f for f in result["fired"]}
    assert set(fired) == {"aeo_recognised", "partner_control"}
    assert result["score"] == 60 - 20 - 15
    assert fired["partner_control"]["entries"] == [{"seq": 5}]  # KZ's seal check, recognised by DE
    assert result["ruleset"]["version"] == adopted["version"]


def test_risk_results_are_for_customs_of_that_jurisdiction_and_auditors(client: TestClient, keys: Keys) -> None:
    for who in ("exporter", "importer", "carrier", "customs-CN"):
        refused = risk(client, keys, DEMO, who=who)
        assert refused.status_code == 403 and refused.json()["rule"] == "RiskAssessmentAccess", who
    assert risk(client, keys, DEMO, who="auditor").status_code == 200


def test_a_seal_mismatch_forces_red_whatever_the_score(client: TestClient, keys: Keys, adopted: dict[str, Any]) -> None:
    open_consignment(client, keys, "RISK-SEAL")
    mismatch = control_result(sealsFound=["KZ-REPLACED-1"], result="non_conformant", status7365="41")
    body = {**EVENT, "bizStep": "inspecting", "bl:controlResult": mismatch}
    assert post(client, keys, "RISK-SEAL", "customs-KZ", "CONTROL_RESULT", body).status_code == 201
    result = risk(client, keys, "RISK-SEAL").json()
    assert result["lane"] == "red" and result["score"] < RULES["red_from"], result
    assert any(f["rule"] == "seal_mismatch" and f["force"] == "red" for f in result["fired"])


def test_customs_record_the_lane_with_the_result_hash_or_an_override(
    client: TestClient, keys: Keys, adopted: dict[str, Any]
) -> None:
    recorded = client.post(f"/v1/consignments/{DEMO}/lane", json={}, headers=auth(keys, "customs-DE"))
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["lane"]["lane"] == "green"
    assert recorded.json()["lane"]["resultHash"] == recorded.json()["risk"]["result_hash"]
    override = {"override": {"lane": "red", "kind": "confidential", "reason": "intelligence report 2026/117"}}
    chosen = client.post(f"/v1/consignments/{DEMO}/lane", json=override, headers=auth(keys, "customs-DE")).json()
    assert chosen["lane"]["lane"] == "red" and "intelligence" not in json.dumps(chosen["lane"])
    events = client.get(f"/v1/consignments/{DEMO}/events", headers=auth(keys, "auditor")).json()
    assert events[-1]["event_type"] == "LANE_ASSIGNED" and "reasonHash" in events[-1]["payload"]["bl:lane"]["override"]
    # Not a trader's to write, at the API nor at the contract.
    refused = client.post(f"/v1/consignments/{DEMO}/lane", json=override, headers=auth(keys, "exporter"))
    assert refused.status_code == 403 and refused.json()["rule"] == "ConsignmentLedgerNotJurisdictionCustoms"


def test_a_suspension_changes_the_lane_from_its_block_on_and_two_nodes_agree(
    client: TestClient, keys: Keys, demo_runtime: Runtime, adopted: dict[str, Any], tmp_path: Path
) -> None:
    certificates = client.get("/v1/aeo/certificates", headers=auth(keys, "customs-CN")).json()
    number = certificates[0]["number"]
    suspended = client.post(
        f"/v1/aeo/certificates/{number}/suspend", json={"reason": "audit findings"}, headers=auth(keys, "customs-CN")
    )
    assert suspended.status_code == 200, suspended.json()
    history = client.get(f"/v1/aeo/certificates/{number}/history", headers=auth(keys, "customs-CN")).json()
    h = history[-1]["block_number"]
    open_consignment(client, keys, "RISK-AFTER")  # a later block exists
    before = risk(client, keys, DEMO, block=h - 1).json()
    after = risk(client, keys, DEMO, block=h + 1).json()
    assert before["lane"] == "green" and after["lane"] == "yellow", (before, after)
    assert {f["rule"] for f in after["fired"]} >= {"aeo_suspended"}
    # A second organisation's node: same chain and content, its own database rebuilt from them.
    first = risk(client, keys, DEMO, who="auditor", block=h + 1).content
    with second_node(demo_runtime, tmp_path / "second-node") as (second, _):
        key = second.services.members.issue_api_key(keys["auditor"]["address"])
        with TestClient(create_app(runtime=second)) as other:
            again = other.get(
                f"/v1/consignments/{DEMO}/risk", params={"by": "DE", "block": h + 1}, headers={"X-API-Key": key}
            )
    assert again.status_code == 200, again.json()
    assert again.content == first
