"""Mirror comparison of an export and an import declaration: the issue's figures, and each
rule's edges."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from evidence.mirror import Severity, compare
from evidence.wco import GoodsDeclaration, normalised_name

CONSIGNOR = {
    "name": "Chongqing Precision Machinery Co., Ltd.",
    "country": "CN",
    "ids": [{"scheme": "USCC", "value": "91500000700000001X"}],
}
CONSIGNEE = {
    "name": "Duisburg Antriebstechnik GmbH",
    "country": "DE",
    "ids": [{"scheme": "EORI", "value": "DE123456789012345"}],
}


def item(**overrides: Any) -> dict[str, Any]:
    base = {
        "sequence": 1,
        "hsCode": "850440",
        "hsEdition": "HS2022",
        "description": "static converters for industrial drives",
        "quantity": 120,
        "unit": "C62",
        "netMassKg": 1000,
        "grossMassKg": 1100,
        "value": {"value": 100000, "currency": "EUR"},
        "valuationBasis": "FOB",
        "originCountry": "CN",
    }
    return base | overrides


def declaration(*items: dict[str, Any], **parties: Any) -> GoodsDeclaration:
    return GoodsDeclaration.model_validate(
        {
            "consignor": parties.get("consignor", CONSIGNOR),
            "consignee": parties.get("consignee", CONSIGNEE),
            "items": list(items),
        }
    )


def codes(export: GoodsDeclaration, imported: GoodsDeclaration, **kwargs: Any) -> dict[str, Severity]:
    return {d.code: d.severity for d in compare(export, imported, **kwargs)}


EXPORT = declaration(item())


def test_fob_100000_against_cif_105000_is_not_flagged_and_against_80000_is_undervaluation() -> None:
    cif = {"valuationBasis": "CIF"}
    assert codes(EXPORT, declaration(item(value={"value": 105000, "currency": "EUR"}, **cif))) == {}
    flagged = codes(EXPORT, declaration(item(value={"value": 80000, "currency": "EUR"}, **cif)))
    assert flagged == {"UNDERVALUATION": Severity.CRITICAL}


def test_values_are_compared_in_one_currency_at_the_snapshot() -> None:
    in_cny = item(value={"value": 867769, "currency": "CNY"}, valuationBasis="CIF")  # 105,000 EUR at 0.121
    assert codes(EXPORT, declaration(in_cny)) == {}
    assert codes(EXPORT, declaration(item(value={"value": 130000, "currency": "EUR"}, valuationBasis="CIF"))) == {
        "VALUE_ABOVE_RANGE": Severity.MINOR
    }
    fob_plus = item(
        valuationBasis="FOB",
        value={"value": 99000, "currency": "EUR"},
        freight={"value": 5000, "currency": "EUR"},
        insurance={"value": 400, "currency": "EUR"},
    )
    assert codes(EXPORT, declaration(fob_plus)) == {}  # FOB + freight + insurance is a CIF value


@pytest.mark.parametrize(
    ("hs", "expected"),
    [
        ("850440", {}),
        ("850450", {"HS_SUBHEADING": Severity.MINOR}),
        ("853710", {"HS_HEADING": Severity.MAJOR}),
        ("940540", {"HS_CHAPTER": Severity.CRITICAL}),
    ],
)
def test_classification(hs: str, expected: dict[str, Severity]) -> None:
    assert (
        codes(EXPORT, declaration(item(hsCode=hs, valuationBasis="CIF", value={"value": 106000, "currency": "EUR"})))
        == expected
    )


def test_a_different_hs_edition_is_informational() -> None:
    other = item(hsEdition="HS2017", valuationBasis="CIF", value={"value": 106000, "currency": "EUR"})
    assert codes(EXPORT, declaration(other)) == {"HS_EDITION": Severity.INFORMATIONAL}


@pytest.mark.parametrize(("mass", "flagged"), [(1008, False), (990, False), (1010, False), (1030, True), (1011, True)])
def test_net_mass_within_one_percent_or_one_kilogram(mass: int, flagged: bool) -> None:
    imported = declaration(
        item(netMassKg=mass, grossMassKg=1200, valuationBasis="CIF", value={"value": 106000, "currency": "EUR"})
    )
    assert ("NET_MASS" in codes(EXPORT, imported)) is flagged


def test_one_kilogram_floor_for_small_consignments() -> None:
    small_export = declaration(item(netMassKg=20, grossMassKg=25))
    assert "NET_MASS" not in codes(small_export, declaration(item(netMassKg=Decimal("20.9"), grossMassKg=25)))
    assert "NET_MASS" in codes(small_export, declaration(item(netMassKg=Decimal("21.5"), grossMassKg=25)))


def test_counted_quantities_must_match_exactly() -> None:
    assert codes(EXPORT, declaration(item(quantity=119)))["QUANTITY"] == Severity.MAJOR


def test_origin_mismatch_is_critical_when_a_preference_is_claimed() -> None:
    assert codes(EXPORT, declaration(item(originCountry="VN")))["ORIGIN"] == Severity.MAJOR
    assert codes(EXPORT, declaration(item(originCountry="VN", preferenceClaimed=True)))["ORIGIN"] == Severity.CRITICAL


def test_parties_match_by_identifier_then_by_normalised_name() -> None:
    renamed = {**CONSIGNOR, "name": "CQ Precision Machinery"}  # same USCC: the same party
    assert "CONSIGNOR" not in codes(EXPORT, declaration(item(), consignor=renamed))
    other_id = {**CONSIGNOR, "ids": [{"scheme": "USCC", "value": "91500000799999999X"}]}
    assert codes(EXPORT, declaration(item(), consignor=other_id))["CONSIGNOR"] == Severity.MAJOR
    no_ids = {"name": "CHONGQING PRECISION MACHINERY CO LTD", "country": "CN"}
    export_no_ids = declaration(item(), consignor={**CONSIGNOR, "ids": []})
    assert "CONSIGNOR" not in codes(export_no_ids, declaration(item(), consignor=no_ids))
    assert normalised_name("Duisburg Antriebstechnik GmbH") == normalised_name("DUISBURG ANTRIEBSTECHNIK")


def test_missing_and_extra_items_and_transit_time() -> None:
    two = declaration(item(), item(sequence=2, hsCode="731815"))
    result = codes(two, declaration(item(sequence=1), item(sequence=3, hsCode="731815")))
    assert result["ITEM_MISSING"] == Severity.MAJOR and result["ITEM_EXTRA"] == Severity.MAJOR
    assert "TRANSIT_TIME" not in codes(EXPORT, EXPORT, transit_seconds=16 * 86400, mode="rail")
    assert codes(EXPORT, EXPORT, transit_seconds=40 * 86400, mode="rail")["TRANSIT_TIME"] == Severity.MINOR


def test_malformed_declarations_are_refused() -> None:
    with pytest.raises(ValidationError):
        declaration(item(hsCode="8504"))  # fewer than 6 digits
    with pytest.raises(ValidationError):
        declaration(item(grossMassKg=900))  # gross below net
    with pytest.raises(ValidationError):
        declaration(item(), item())  # repeated sequence


def test_a_critical_mirror_discrepancy_feeds_the_risk_rules() -> None:
    from evidence.event_types import EventType
    from evidence.recognition import LedgerEvent
    from evidence.risk import RiskFacts, RuleSet, evaluate

    def declared(seq: int, kind: str, to: str, goods: GoodsDeclaration) -> LedgerEvent:
        facts = {"kind": kind, "mode": "rail", "declaredTo": to, "goods": goods.model_dump(mode="json")}
        return LedgerEvent(seq, EventType.DECLARATION, {"bl:declaration": facts}, 10 + seq, 0)

    rules = RuleSet.model_validate(
        {
            "name": "mirror",
            "base": 0,
            "yellow_from": 10,
            "red_from": 50,
            "rules": [{"id": "undervalued", "kind": "mirror_discrepancy", "severity": "critical", "weight": 60}],
        }
    )
    undervalued = declaration(item(valuationBasis="CIF", value={"value": 80000, "currency": "EUR"}))
    fair = declaration(item(valuationBasis="CIF", value={"value": 105000, "currency": "EUR"}))
    for imported, lane in ((undervalued, "red"), (fair, "green")):
        entries = [declared(1, "export", "CN", EXPORT), declared(2, "import", "DE", imported)]
        facts = RiskFacts("DE", 20, 0, entries, [], [], [], [])
        assert evaluate(rules, 1, facts)["lane"] == lane
