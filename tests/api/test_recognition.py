"""Does DE recognise KZ's control of this consignment? Answered from the chain, now or as of a
past block, through the API of a node on a real chain."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.api.conftest import EVENT, auth
from tests.api.test_control_results import control_result, post
from tests.api.test_epcis import open_consignment
from tests.support import Keys


def recognition(client: TestClient, keys: Keys, reference: str, block: int | None = None) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"by": "DE"} | ({"block": block} if block is not None else {})
    response = client.get(f"/v1/consignments/{reference}/controls", params=params, headers=auth(keys, "customs-DE"))
    assert response.status_code == 200, response.json()
    return list(response.json()["controls"])


def latest_block(client: TestClient, keys: Keys, reference: str) -> int:
    events = client.get(f"/v1/consignments/{reference}/events", headers=auth(keys, "auditor")).json()
    return int(events[-1]["block_number"])


def test_de_recognises_kz_seal_check_until_the_goods_are_unloaded_unsealed(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "RECOG-1")
    inspected = {**EVENT, "bizStep": "inspecting"}
    seal_check = {**inspected, "bl:controlResult": control_result()}
    physical = {
        **inspected,
        "bl:controlResult": control_result(
            controlId="KZ-KHG-2026-0043", controlType="physical", sealsExpected=[], sealsFound=[], status7365="4"
        ),
    }
    assert post(client, keys, "RECOG-1", "customs-KZ", "CONTROL_RESULT", seal_check).status_code == 201
    assert post(client, keys, "RECOG-1", "customs-KZ", "CONTROL_RESULT", physical).status_code == 201
    # The demo's DE–KZ MRA names documentary and seal checks.
    now = recognition(client, keys, "RECOG-1")
    assert [(c["recognised"], c["reason"]) for c in now] == [
        (True, "recognised_under_mra"),
        (False, "mra_out_of_scope"),
    ]
    assert now[0]["result"] == "conformant"
    recognised_at = latest_block(client, keys, "RECOG-1")

    # DE terminates that MRA: from then on KZ's control counts for nothing in DE...
    mras = client.get("/v1/mras", headers=auth(keys, "customs-DE")).json()
    (corridor,) = [m for m in mras if {m["proposer"], m["partner"]} == {"DE", "KZ"} and m["state"] == "active"]
    ended = client.post(
        f"/v1/mras/{corridor['id']}/terminate", json={"reason": "renegotiation"}, headers=auth(keys, "customs-DE")
    )
    assert ended.status_code == 200
    assert [c["reason"] for c in recognition(client, keys, "RECOG-1")] == ["mra_terminated", "mra_terminated"]
    # ...but as of a block before, the answer is what it was then.
    assert [c["reason"] for c in recognition(client, keys, "RECOG-1", recognised_at)] == [
        "recognised_under_mra",
        "mra_out_of_scope",
    ]
    until = str(date.today() + timedelta(days=400))
    body = {"partner": "KZ", "scope": ["AEO-S"], "controls": ["seal_check", "physical"], "valid_until": until}
    mra = client.post("/v1/mras", json=body, headers=auth(keys, "customs-DE")).json()
    assert mra["controls"] == ["physical", "seal_check"]
    assert client.post(f"/v1/mras/{mra['id']}/accept", headers=auth(keys, "customs-KZ")).status_code == 200
    assert [c["mra"] for c in recognition(client, keys, "RECOG-1")] == [mra["id"], mra["id"]]

    unloaded = {**EVENT, "bizStep": "unloading"}
    assert post(client, keys, "RECOG-1", "carrier", "UNLOADING", unloaded).status_code == 201
    after_unloading = recognition(client, keys, "RECOG-1")
    assert [(c["recognised"], c["reason"]) for c in after_unloading] == [
        (False, "unloaded_without_seal_verification"),
        (False, "unloaded_without_seal_verification"),
    ]
    # DE's own seal check finds the seals KZ left: KZ's control counts again.
    de_check = {
        **inspected,
        "bl:controlResult": control_result(controlId="DE-FRA-1", authority={"country": "DE", "office": "DEFRA"}),
    }
    assert post(client, keys, "RECOG-1", "customs-DE", "CONTROL_RESULT", de_check).status_code == 201
    cured = recognition(client, keys, "RECOG-1")
    assert [c["reason"] for c in cured] == ["recognised_under_mra", "unloaded_without_seal_verification", "own_control"]
    # (the physical inspection is not cured: it recorded no seals a later check could find)


def test_who_may_ask_and_what_is_refused(client: TestClient, keys: Keys) -> None:
    open_consignment(client, keys, "RECOG-2")
    outsider = client.get("/v1/consignments/RECOG-2/controls", params={"by": "DE"}, headers=auth(keys, "customs-CN"))
    assert outsider.status_code == 200  # CN is the origin: customs of its jurisdictions read it
    bad = client.get("/v1/consignments/RECOG-2/controls", params={"by": "Germany"}, headers=auth(keys, "customs-DE"))
    assert bad.status_code == 422 and "jurisdiction" in bad.json()["message"]
    future = client.get(
        "/v1/consignments/RECOG-2/controls", params={"by": "DE", "block": 10**9}, headers=auth(keys, "customs-DE")
    )
    assert future.status_code == 422 and "latest" in future.json()["message"]
