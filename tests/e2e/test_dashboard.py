"""The simulation drives a small trade through a served node; the customs dashboard then
renders in headless Chromium with every chart drawn from data, each chart's CSV non-empty."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.http.charts import CHARTS
from api.runtime import Runtime
from scripts.simulate import main as simulate
from scripts.simulate import plan
from tests.e2e.test_web_ui import SCREENSHOTS, browser, server, sign_in
from tests.support import LiveServer, demo_runtime

__all__ = ["browser", "demo_runtime", "server"]


def test_the_simulation_is_deterministic_from_its_seed() -> None:
    assert plan(7, 12, 12, 4) == plan(7, 12, 12, 4)
    assert plan(7, 12, 12, 4) != plan(8, 12, 12, 4)
    lanes = {plan(7, n, 12, 4).lane.mode for n in range(40)}
    assert lanes == {"rail", "sea_container"}


def test_a_simulated_trade_fills_every_chart_of_the_dashboard(
    browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime, tmp_path: Path
) -> None:
    keys_file = tmp_path / "keys.json"
    keys_file.write_text(json.dumps(demo_runtime.created_keys))
    args = ["--url", server.url, "--keys", str(keys_file), "--count", "30", "--workers", "4", "--exporters", "4"]
    assert simulate([*args, "--aeo-exporters", "2", "--seed", "11"]) == 0

    key = demo_runtime.created_keys["customs-DE"]["api_key"]
    sign_in(browser, server, key)
    browser.get(f"{server.url}/ui/dashboard")
    WebDriverWait(browser, 60).until(lambda b: b.find_elements(By.ID, "figures"))
    assert int(browser.find_element(By.ID, "consignments").text) >= 30
    WebDriverWait(browser, 60).until(
        lambda b: all(
            b.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", img)
            for img in b.find_elements(By.CSS_SELECTOR, ".chart img")
        )
    )
    charts = browser.find_elements(By.CSS_SELECTOR, ".chart")
    assert sorted(c.get_attribute("data-chart") or "" for c in charts) == sorted(CHARTS)
    cookies = {"bl_api_key": key}
    for chart in charts:
        link = chart.find_element(By.TAG_NAME, "a").get_attribute("href") or ""
        rows = list(csv.reader(io.StringIO(requests.get(link, cookies=cookies, timeout=60).text)))
        assert len(rows) >= 2, (chart.get_attribute("data-chart"), rows)  # a header and data
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.set_window_size(1400, 2200)
    browser.save_screenshot(str(SCREENSHOTS / "dashboard.png"))

    exporter = demo_runtime.created_keys["exporter"]["api_key"]
    refused = requests.get(
        f"{server.url}/ui/dashboard/charts/time-per-segment.csv", cookies={"bl_api_key": exporter}, timeout=60
    )
    assert refused.status_code == 403 and refused.json()["rule"] == "TradeDataAccess"
