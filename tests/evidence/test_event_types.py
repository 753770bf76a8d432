"""Event types and roles hash the same way as the Solidity constants."""

import re
from pathlib import Path

from eth_utils.crypto import keccak

from evidence.event_types import CATEGORIES, Category, EventType
from evidence.roles import Role

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"


def test_every_event_type_has_a_category() -> None:
    assert set(CATEGORIES) == set(EventType)


def test_solidity_event_types_and_categories_match_python() -> None:
    source = (CONTRACTS / "EventTypes.sol").read_text()
    declared = set(re.findall(r'bytes32 internal constant (\w+) = keccak256\("(\w+)"\)', source))
    assert declared == {(e.value, e.value) for e in EventType}
    found = re.search(r"if \(\s*(eventType == LOADING.*?)\) return Category.Custody", source, re.S)
    assert found is not None, "EventTypes.sol no longer has the custody clause this test reads"
    custody = found.group(1)
    assert set(re.findall(r"eventType == (\w+)", custody)) == {
        e.value for e, c in CATEGORIES.items() if c is Category.CUSTODY
    }


def test_role_ids_match_solidity() -> None:
    source = (CONTRACTS / "Roles.sol").read_text()
    declared = dict(re.findall(r'bytes32 internal constant (\w+) = keccak256\("(\w+)"\)', source))
    assert declared == {r.value: f"{r.value}_ROLE" for r in Role}
    assert Role.CUSTOMS.role_id == keccak(text="CUSTOMS_ROLE")
