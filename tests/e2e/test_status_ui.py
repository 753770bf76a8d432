"""The trader's customs status page in a real headless Chromium: a hold and a release by
customs appear on the exporter's open page within seconds, pushed by the live feed."""

from __future__ import annotations

from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.http.app import create_app
from api.runtime import Runtime
from tests.api.conftest import EVENT
from tests.e2e.test_web_ui import SCREENSHOTS, browser, server, sign_in
from tests.support import LiveServer, demo_runtime

__all__ = ["browser", "demo_runtime", "server"]

DEMO = "CQ-DUI-2026-0001"


def state_of(browser: webdriver.Chrome, consignment_id: str, border: str) -> str:
    cells = browser.find_elements(
        By.CSS_SELECTOR, f'tr[data-consignment="{consignment_id}"][data-border="{border}"] td.state'
    )
    return cells[0].get_attribute("data-state") or cells[0].text if cells else ""


def test_a_hold_and_a_release_reach_the_exporters_open_page(
    browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime
) -> None:
    keys = demo_runtime.created_keys
    sign_in(browser, server, keys["exporter"]["api_key"])
    browser.get(f"{server.url}/ui/status")
    WebDriverWait(browser, 20).until(lambda b: "Live" in b.find_element(By.ID, "feed-state").text)
    with TestClient(create_app(runtime=demo_runtime)) as api:
        customs = {"X-API-Key": keys["customs-KZ"]["api_key"]}
        consignment_id = api.get(f"/v1/consignments/{DEMO}", headers=customs).json()["id"]
        held = {**EVENT, "bl:hold": {"reasonCategory": "examination"}}
        response = api.post(
            f"/v1/consignments/{DEMO}/events", json={"event_type": "HELD", "payload": held}, headers=customs
        )
        assert response.status_code == 201, response.json()
        WebDriverWait(browser, 15).until(lambda b: state_of(b, consignment_id, "KZ") == "held")
        details = browser.find_element(
            By.CSS_SELECTOR, f'tr[data-consignment="{consignment_id}"][data-border="KZ"] td.details'
        ).text
        assert "examination" in details
        released = {"event_type": "RELEASED", "payload": EVENT}
        assert api.post(f"/v1/consignments/{DEMO}/events", json=released, headers=customs).status_code == 201
        WebDriverWait(browser, 15).until(lambda b: state_of(b, consignment_id, "KZ") == "released")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "status.png"))
