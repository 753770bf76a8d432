"""A node serving HTTPS (a local CA made at test time by trustme) issues credentials that
tools BorderLedger did not write verify: Node's jose against the key of the issuer's did:web
document fetched over HTTPS, ajv against the JSON Schema, jsonld expanding in safe mode
against the W3C context from its npm package, and the status lists decoded per the W3C
specification; and the same through ``borderledger verify-credential`` as an outsider."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
import trustme

from api.demo import DEMO_CERTIFICATE
from api.runtime import Runtime, start_runtime
from chain.node import free_port
from evidence.vc import read_unverified
from tests.support import LiveServer, make_settings

ROOT = Path(__file__).resolve().parents[2]
VERIFIER = Path(__file__).parent / "interop" / "verify_vc.mjs"
VOCAB = ROOT / "evidence" / "vocab"


@dataclass
class HttpsNode:
    runtime: Runtime
    url: str
    ca_file: Path
    keys: dict[str, dict[str, str]]

    def post(self, path: str, who: str, body: dict[str, Any] | None = None) -> requests.Response:
        return requests.post(
            self.url + path, json=body or {}, headers={"X-API-Key": self.keys[who]["api_key"]}, verify=str(self.ca_file)
        )


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[HttpsNode]:
    folder = tmp_path_factory.mktemp("https-node")
    ca = trustme.CA()
    leaf = ca.issue_cert("127.0.0.1")
    ca_file, chain_file, key_file = folder / "ca.pem", folder / "chain.pem", folder / "key.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    leaf.private_key_pem.write_to_path(str(key_file))
    chain_file.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    port = free_port()
    settings = make_settings(
        folder / "data",
        port=port,
        public_url=f"https://127.0.0.1:{port}",
        tls_ca_bundle=ca_file,
        status_list_interval=0.5,
    )
    runtime = start_runtime(settings)
    try:
        with LiveServer(runtime, port=port, tls=(chain_file, key_file)) as server:
            yield HttpsNode(runtime, server.url, ca_file, runtime.created_keys)
    finally:
        runtime.close()


def outside_tools(node: HttpsNode, token: str, folder: Path) -> dict[str, Any]:
    credential = folder / "credential.jwt"
    credential.write_text(token)
    run = subprocess.run(
        [
            "node",
            str(VERIFIER),
            str(credential),
            str(VOCAB / "customs-credential-v1.schema.json"),
            str(VOCAB / "customs-v1.jsonld"),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(node.ca_file)},
        cwd=ROOT,
    )
    assert run.returncode == 0, run.stderr
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def cli(node: HttpsNode, token: str, folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    credential = folder / "cli.jwt"
    credential.write_text(token)
    command = [sys.executable, "-m", "api.cli", "verify-credential", str(credential), "--ca-bundle", str(node.ca_file)]
    return subprocess.run([*command, *options], capture_output=True, text=True, timeout=120, cwd=ROOT)


def until(check: Any, seconds: float = 20) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.3)


def test_the_w3c_context_shipped_is_the_npm_package_s_byte_for_byte() -> None:
    shipped = (VOCAB / "credentials-v2.jsonld").read_bytes()
    packaged = (ROOT / "node_modules/@digitalbazaar/credentials-context/contexts/v2.jsonld").read_bytes()
    assert shipped == packaged


def test_independent_tools_verify_an_aeo_credential_and_follow_its_status(node: HttpsNode, tmp_path: Path) -> None:
    issued = node.post(f"/v1/aeo/certificates/{DEMO_CERTIFICATE}/credentials", "customs-CN")
    assert issued.status_code == 201, issued.text
    token = issued.json()["jwt"]
    issuer = read_unverified(token)[1]["issuer"]["id"]
    assert issuer.startswith(f"did:web:127.0.0.1%3A{node.url.rsplit(':', 1)[1]}:issuers:")

    fresh = outside_tools(node, token, tmp_path)
    assert fresh == {
        "signature": "passed",
        "schema": "passed",
        "jsonld": "passed",
        "status": {"revocation": False, "suspension": False},
        "kid": read_unverified(token)[0]["kid"],
    }, fresh
    valid = cli(node, token, tmp_path, "--trust", issuer, "--json")
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert json.loads(valid.stdout)["verdict"] == "valid"
    untrusted_root = cli(node, token, tmp_path)
    assert untrusted_root.returncode == 3 and "not checked" in untrusted_root.stdout  # no issuer pinned

    header, payload, signature = token.split(".")
    flipped = payload[:10] + ("A" if payload[10] != "A" else "B") + payload[11:]
    tampered = outside_tools(node, ".".join([header, flipped, signature]), tmp_path)
    assert tampered["signature"] == "failed" and "error" in tampered
    assert cli(node, ".".join([header, flipped, signature]), tmp_path, "--trust", issuer).returncode == 1

    reason = {"reason": "audit findings"}
    assert node.post(f"/v1/aeo/certificates/{DEMO_CERTIFICATE}/suspend", "customs-CN", reason).status_code == 200
    suspended = until(
        lambda: outside_tools(node, token, tmp_path)["status"] == {"revocation": False, "suspension": True}
    )
    assert suspended, outside_tools(node, token, tmp_path)
    assert node.post(f"/v1/aeo/certificates/{DEMO_CERTIFICATE}/reinstate", "customs-CN", reason).status_code == 200
    assert until(lambda: outside_tools(node, token, tmp_path)["status"] == {"revocation": False, "suspension": False})
    assert node.post(f"/v1/aeo/certificates/{DEMO_CERTIFICATE}/revoke", "customs-CN", reason).status_code == 200
    assert until(lambda: outside_tools(node, token, tmp_path)["status"]["revocation"] is True)
    revoked = cli(node, token, tmp_path, "--trust", issuer, "--json")
    assert revoked.returncode == 1 and json.loads(revoked.stdout)["verdict"] == "revoked"


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_the_public_verifier_does_not_fetch_from_hosts_it_was_not_given(node: HttpsNode) -> None:
    """A credential naming an issuer on another host: the node's public endpoint does not
    become a fetcher of URLs an outsider chose; the check is reported as not made."""
    issuer = "did:web:127.0.0.1%3A1"
    header = _b64({"alg": "ES256", "kid": f"{issuer}#k", "typ": "vc+jwt"})
    payload = _b64(
        {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": issuer}
    )
    report = requests.post(
        node.url + "/v1/credentials/verify", json={"credential": f"{header}.{payload}.c2ln"}, verify=str(node.ca_file)
    ).json()
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["issuer_key"]["outcome"] == "not_checked"
    assert "not a host this verifier fetches from" in checks["issuer_key"]["detail"]
    assert checks["signature"]["outcome"] == "not_checked"
    assert checks["trusted_issuer"]["outcome"] == "failed" and report["verdict"] == "untrusted_issuer"


def test_after_a_key_rotation_outside_tools_verify_old_and_new_credentials(node: HttpsNode, tmp_path: Path) -> None:
    from api.demo import DEMO_RED_REFERENCE, DEMO_REFERENCE

    before = node.post(f"/v1/consignments/{DEMO_REFERENCE}/credentials", "customs-DE")
    assert before.status_code == 201, before.text
    rotated = node.post("/v1/issuers/me/keys", "customs-DE")
    assert rotated.status_code == 201
    after = node.post(f"/v1/consignments/{DEMO_RED_REFERENCE}/credentials", "customs-DE")
    assert after.status_code == 201, after.text
    old, new = outside_tools(node, before.json()["jwt"], tmp_path), outside_tools(node, after.json()["jwt"], tmp_path)
    clear = {"revocation": False, "suspension": False}
    assert old["signature"] == new["signature"] == "passed" and old["status"] == new["status"] == clear, (old, new)
    assert old["kid"] != new["kid"] and rotated.json()["assertionMethod"][-2:] == [old["kid"], new["kid"]]
