"""The web UI in a real headless Chromium (Debian's chromium and chromium-driver)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_account import Account
from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import update

from api.index.tables import entries
from api.runtime import Runtime
from client.http import LedgerClientHTTP
from evidence.event_types import EventType
from evidence.roles import Role
from tests.api.conftest import EVENT
from tests.support import LiveServer, anchor_now, demo_runtime

__all__ = ["demo_runtime"]

DEMO = "CQ-DUI-2026-0001"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def server(demo_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(demo_runtime) as live:
        yield live


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[webdriver.Chrome]:
    if not Path(CHROMIUM).exists() or not Path(CHROMEDRIVER).exists():
        pytest.fail("Debian's chromium and chromium-driver are needed (make test installs them)")
    options = Options()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1400,1100",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.implicitly_wait(5)
    try:
        yield driver
    finally:
        driver.quit()


def sign_in(browser: webdriver.Chrome, server: LiveServer, api_key: str) -> None:
    browser.get(f"{server.url}/ui/signin")
    browser.find_element(By.ID, "api_key").send_keys(api_key)
    submit_and_wait(browser, By.ID, "signin")


def submit_and_wait(browser: webdriver.Chrome, by: str, value: str) -> None:
    """Click, then wait until the next page has replaced this one."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(by, value).click()
    WebDriverWait(browser, 60).until(lambda _: _replaced(old_page))


def _replaced(element: WebElement) -> bool:
    """Whether the page holding ``element`` is gone. Chromium may answer a look at a node of a
    page being replaced with an inspector error instead of a stale reference: gone as well."""
    try:
        element.is_enabled()
    except WebDriverException:  # StaleElementReferenceException among them
        return True
    return False


def test_wrong_key_is_refused(browser: webdriver.Chrome, server: LiveServer) -> None:
    sign_in(browser, server, "blk_wrong")
    assert "not valid" in browser.find_element(By.ID, "signin-error").text


def test_sign_in_open_demo_every_badge_green(
    browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime
) -> None:
    sign_in(browser, server, demo_runtime.created_keys["customs-DE"]["api_key"])
    assert browser.current_url.endswith("/ui/consignments")
    submit_and_wait(browser, By.LINK_TEXT, DEMO)
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.entry")
    assert len(rows) == 6
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.entry .badge.ok")) == 6
    assert not browser.find_elements(By.CSS_SELECTOR, "tr.entry .badge.fail")
    assert "Verified" in browser.find_element(By.ID, "verdict").text
    assert "Seal verified by customs" in browser.find_element(By.ID, "timeline").text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(SCREENSHOTS / "timeline.png"))


def test_tampered_entry_is_marked(browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime) -> None:
    sign_in(browser, server, demo_runtime.created_keys["customs-DE"]["api_key"])
    members = demo_runtime.services.members
    auditor = members.participant(demo_runtime.created_keys["auditor"]["address"])
    consignment_id = demo_runtime.services.consignments.get(auditor, DEMO)["id"]
    with demo_runtime.services.node.index.engine.begin() as conn:
        row = conn.execute(
            entries.select().where(entries.c.consignment_id == consignment_id, entries.c.seq == 4)
        ).first()
        assert row is not None
        conn.execute(
            update(entries)
            .where(entries.c.consignment_id == consignment_id, entries.c.seq == 4)
            .values(payload=row.payload.replace("departing", "returning"))
        )
    try:
        browser.get(f"{server.url}/ui/consignments/{DEMO}")
        failed = browser.find_elements(By.CSS_SELECTOR, "tr.entry .badge.fail")
        assert len(failed) == 1 and "payload_hash" in failed[0].text
        marked = failed[0].find_element(By.XPATH, "./ancestor::tr[1]")
        assert marked.get_attribute("data-seq") == "4"
        assert len(browser.find_elements(By.CSS_SELECTOR, "tr.entry .badge.ok")) == 5
        assert "failed" in browser.find_element(By.ID, "verdict").text
        browser.save_screenshot(str(SCREENSHOTS / "timeline-tampered.png"))
    finally:
        with demo_runtime.services.node.index.engine.begin() as conn:
            conn.execute(
                update(entries)
                .where(entries.c.consignment_id == consignment_id, entries.c.seq == 4)
                .values(payload=row.payload)
            )


def test_aeo_recognition_lookup(browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime) -> None:
    sign_in(browser, server, demo_runtime.created_keys["customs-DE"]["api_key"])
    browser.get(f"{server.url}/ui/aeo")
    browser.find_element(By.ID, "certificate").send_keys("CNAEO2026000001")
    browser.find_element(By.ID, "by").send_keys("DE")
    submit_and_wait(browser, By.ID, "check")
    result = browser.find_element(By.ID, "result")
    assert "Recognised by DE" in result.text and "ok" in (result.get_attribute("class") or "")
    browser.find_element(By.ID, "by").clear()
    browser.find_element(By.ID, "by").send_keys("KZ")
    submit_and_wait(browser, By.ID, "check")
    assert "not accepted" in browser.find_element(By.ID, "result").text


def test_signed_out_pages_redirect_to_sign_in(browser: webdriver.Chrome, server: LiveServer) -> None:
    submit_and_wait(browser, By.CSS_SELECTOR, "header form button")
    browser.get(f"{server.url}/ui/consignments/{DEMO}")
    assert browser.current_url.endswith("/ui/signin")


def test_batched_entries_show_their_log_leaf_and_verify(
    browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime
) -> None:
    services, keys = demo_runtime.services, demo_runtime.created_keys
    account = Account.create()
    registered = services.members.register(
        services.members.participant(keys["customs-CN"]["address"]),
        "UI Rail",
        "CN-UI-RAIL",
        "CN",
        [Role.CARRIER],
        account.address,
    )
    services.consignments.create(
        services.members.participant(keys["exporter"]["address"]),
        "UI-BATCH-1",
        "CN",
        "DE",
        [],
        keys["importer"]["address"],
        account.address,
        batched=True,
    )
    carrier = LedgerClientHTTP(
        server.url, registered["api_key"], account.key, trusted=demo_runtime.services.node.chain.domain
    )
    carrier.submit_batch(carrier.sign_batch("UI-BATCH-1", [(EventType.ARRIVING, EVENT)] * 3))
    anchor_now(demo_runtime)

    sign_in(browser, server, keys["customs-DE"]["api_key"])
    browser.get(f"{server.url}/ui/consignments/UI-BATCH-1")
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.entry")
    assert len(rows) == 3
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.entry .badge.ok")) == 3
    assert "log leaf" in rows[0].text
    assert "Verified" in browser.find_element(By.ID, "verdict").text
