"""One rule book: every custom error of the compiled contracts has an HTTP status, every rule
the Python rule book raises is a contract's custom error (or one of the API's own rules),
and every error answer, 5xx included, is the same JSON shape."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.errors import RULE_STATUS
from api.runtime import Runtime
from chain.compile import CONTRACT_NAMES, load_artifact
from tests.api.conftest import auth
from tests.support import Keys

ROOT = Path(__file__).resolve().parents[2]
API_RULES = {
    "ConsignmentReadAccess",
    "MemberNotActive",
    "DocumentReadAccess",
    "CustodialKeyRequired",
    "RateLimit",
    "IdempotencyKeyInProgress",
    "IdempotencyKeyReused",
    "IdempotencyKeyInvalid",
    "BodyTooLarge",
    "ConsignmentReferenceAmbiguous",
    # A payload's content (evidence/payload_rules.py): the ledger holds only its hash.
    "DeclarationFacts",
    "ControlResultFacts",
    "LaneFacts",
    "DocumentsRequestedFacts",
    "HoldFacts",
    "RiskAssessmentAccess",  # who may read a risk result: no contract holds one
    # Credentials are signed off chain with the issuer's DID key: no contract sees them.
    "CredentialNotCertificateIssuer",
    "CredentialCertificateNotValid",
    "CredentialDisclosureNotConsented",
    "CredentialConsentNotHolder",
    "CredentialNotConsignmentCustoms",
    "CredentialEvidenceNotVerified",
    "CredentialNotControlResult",
    "CredentialNotControlAuthor",
    "CredentialRevokeNotIssuer",
    "TradeDataAccess",  # who may read mirror comparisons and benchmarks: computed, not stored on chain
}


def contract_errors() -> set[str]:
    return {item["name"] for name in CONTRACT_NAMES for item in load_artifact(name)["abi"] if item["type"] == "error"}


def raised_rules(*folders: str) -> set[str]:
    """Every rule name written as RuleViolation("Name", ...) in the given source folders."""
    found = set()
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "RuleViolation"
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                ):
                    found.add(str(node.args[0].value))
    return found


def test_every_custom_error_of_every_contract_has_a_status() -> None:
    errors = contract_errors()
    assert len(errors) >= 50  # the four contracts' errors were read
    assert {e for e in errors if e not in RULE_STATUS} == set()


def test_the_table_names_only_contract_errors_and_the_apis_own_rules() -> None:
    assert set(RULE_STATUS) - contract_errors() == API_RULES


def test_every_rule_the_python_rule_book_raises_is_a_contract_error_or_an_api_rule() -> None:
    rules = raised_rules("evidence", "api")
    assert len(rules) >= 30
    assert rules - contract_errors() - API_RULES == set()
    # The rule book mirrors the contracts; reading is what no contract rules on (chains hold
    # only hashes; who may read a payload, and which consignment a bare reference names to a
    # reader, is each node's to enforce: the chain addresses consignments by id).
    assert raised_rules("evidence/rules") - contract_errors() == {
        "ConsignmentReadAccess",
        "ConsignmentReferenceAmbiguous",
    }


@pytest.mark.parametrize(
    ("path", "status"),
    [("/v1/consignments/NO-SUCH-REF", 404), ("/v1/proposals/999999", 404), ("/v1/nowhere", 404)],
)
def test_errors_are_json_with_error_and_message(client: TestClient, keys: Keys, path: str, status: int) -> None:
    response = client.get(path, headers=auth(keys, "auditor"))
    assert response.status_code == status
    body = response.json()
    assert set(body) >= {"error", "message"} and body["message"]


def test_an_unexpected_error_is_a_json_500(demo_runtime: Runtime, keys: Keys, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug the handlers never heard of")

    monkeypatch.setattr(demo_runtime.services.consignments, "visible", broken)
    with TestClient(create_app(runtime=demo_runtime), raise_server_exceptions=False) as client:
        response = client.get("/v1/consignments", headers=auth(keys, "auditor"))
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "internal_error"
    assert "a bug" not in response.json()["message"]  # internals stay in the node's log
