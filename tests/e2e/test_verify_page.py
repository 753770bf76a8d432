"""The public credential verification page in a real headless Chromium, signed out: a
valid, a tampered and a revoked credential, each check's verdict shown; a QR code's link."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from api.demo import DEMO_CERTIFICATE
from api.http.app import create_app
from api.runtime import Runtime
from tests.api.test_credentials import tamper, wait_for_verdict
from tests.e2e.test_web_ui import SCREENSHOTS, browser, server
from tests.support import LiveServer, demo_runtime

__all__ = ["browser", "demo_runtime", "server"]


def submit(browser: webdriver.Chrome, server: LiveServer, token: str) -> dict[str, str]:
    browser.delete_all_cookies()
    browser.get(f"{server.url}/ui/verify")
    box = browser.find_element(By.ID, "credential")
    box.clear()
    browser.execute_script("arguments[0].value = arguments[1];", box, token)  # typing 1 KiB is slow
    browser.find_element(By.ID, "verify").click()
    WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "verdict"))
    return shown_checks(browser)


def shown_checks(browser: webdriver.Chrome) -> dict[str, str]:
    rows = browser.find_elements(By.CSS_SELECTOR, "#checks tr[data-check]")
    checks = {r.get_attribute("data-check") or "": r.get_attribute("data-outcome") or "" for r in rows}
    checks["verdict"] = browser.find_element(By.ID, "verdict").get_attribute("data-verdict") or ""
    return checks


def test_valid_tampered_and_revoked_credentials_on_the_public_page(
    browser: webdriver.Chrome, server: LiveServer, demo_runtime: Runtime, tmp_path: Path
) -> None:
    keys = demo_runtime.created_keys
    customs = {"X-API-Key": keys["customs-CN"]["api_key"]}
    with TestClient(create_app(runtime=demo_runtime)) as api:
        issued = api.post(f"/v1/aeo/certificates/{DEMO_CERTIFICATE}/credentials", json={}, headers=customs)
        assert issued.status_code == 201, issued.text
        token, credential_id = issued.json()["jwt"], issued.json()["id"]

        valid = submit(browser, server, token)
        assert valid["verdict"] == "valid" and set(valid.values()) == {"valid", "passed"}, valid
        assert DEMO_CERTIFICATE in browser.find_element(By.ID, "subject").text
        assert browser.find_element(By.ID, "issuer").text.startswith("did:web:")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        browser.save_screenshot(str(SCREENSHOTS / "verify-valid.png"))

        tampered = submit(browser, server, tamper(token))
        assert tampered["verdict"] == "invalid" and tampered["signature"] == "failed", tampered
        browser.save_screenshot(str(SCREENSHOTS / "verify-tampered.png"))

        # Uploading the file works the same as pasting it.
        upload = tmp_path / "credential.jwt"
        upload.write_text(token)
        browser.get(f"{server.url}/ui/verify")
        browser.find_element(By.ID, "upload").send_keys(str(upload))
        browser.find_element(By.ID, "verify").click()
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "verdict"))
        assert shown_checks(browser)["verdict"] == "valid"

        revoked = api.post(
            f"/v1/credentials/{credential_id}/revoke", json={"reason": "issued in error"}, headers=customs
        )
        assert revoked.status_code == 200
        assert wait_for_verdict(api, token, "revoked")["verdict"] == "revoked"
        shown = submit(browser, server, token)
        assert shown["verdict"] == "revoked" and shown["revocation"] == "failed" and shown["signature"] == "passed"
        browser.save_screenshot(str(SCREENSHOTS / "verify-revoked.png"))

        # The link a QR code carries opens the same verdict; the QR code is an SVG of it.
        browser.get(f"{server.url}/ui/verify?id={credential_id}")
        WebDriverWait(browser, 30).until(lambda b: b.find_elements(By.ID, "verdict"))
        assert shown_checks(browser)["verdict"] == "revoked"
        qr = api.get("/ui/verify/qr.svg", params={"id": credential_id})
        assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")
        assert api.get("/ui/verify/qr.svg", params={"id": "urn:uuid:unknown"}).status_code == 404
