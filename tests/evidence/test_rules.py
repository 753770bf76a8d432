"""The append rules in Python, mirroring the contract (both paths of every rule)."""

import pytest

from evidence.errors import RuleViolation
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.rules import ConsignmentView, MemberView, check_append, may_read
from evidence.types import Address, Jurisdiction

EXP, IMP, CAR, CAR2, CN, KZ, DE, FR, AUD = (Address(f"0x{i:040x}") for i in range(1, 10))


def member(address: Address, role: Role, jurisdiction: str, active: bool = True) -> MemberView:
    return MemberView(address, frozenset({role}), Jurisdiction(jurisdiction), active)


M = {
    "exporter": member(EXP, Role.EXPORTER, "CN"),
    "importer": member(IMP, Role.IMPORTER, "DE"),
    "carrier": member(CAR, Role.CARRIER, "CN"),
    "carrier2": member(CAR2, Role.CARRIER, "KZ"),
    "cn": member(CN, Role.CUSTOMS, "CN"),
    "kz": member(KZ, Role.CUSTOMS, "KZ"),
    "de": member(DE, Role.CUSTOMS, "DE"),
    "fr": member(FR, Role.CUSTOMS, "FR"),
    "auditor": member(AUD, Role.AUDITOR, "DE"),
}
CONSIGNMENT = ConsignmentView(
    EXP, IMP, CAR, frozenset({EXP, IMP, CAR}), frozenset(Jurisdiction(j) for j in ("CN", "KZ", "DE"))
)


@pytest.mark.parametrize(
    ("actor", "event", "rule"),
    [
        ("carrier", EventType.LOADING, None),
        ("carrier2", EventType.LOADING, "ConsignmentLedgerNotCurrentCarrier"),
        ("exporter", EventType.DEPARTING, "ConsignmentLedgerNotCurrentCarrier"),
        ("cn", EventType.RELEASED, None),
        ("kz", EventType.SEAL_VERIFIED, None),
        ("de", EventType.HELD, None),
        ("fr", EventType.INSPECTED, "ConsignmentLedgerNotJurisdictionCustoms"),
        ("carrier", EventType.RELEASED, "ConsignmentLedgerNotJurisdictionCustoms"),
        ("exporter", EventType.DECLARATION, None),
        ("importer", EventType.DECLARATION, None),
        ("carrier", EventType.DECLARATION, "ConsignmentLedgerNotDeclarant"),
        ("cn", EventType.DECLARATION, "ConsignmentLedgerNotDeclarant"),
        ("importer", EventType.DOCUMENT_ATTACHED, None),
        ("kz", EventType.DOCUMENT_ATTACHED, None),
        ("fr", EventType.DOCUMENT_ATTACHED, "ConsignmentLedgerNotParty"),
        ("auditor", EventType.DOCUMENT_ATTACHED, "ConsignmentLedgerNotParty"),
    ],
)
def test_append_rules(actor: str, event: EventType, rule: str | None) -> None:
    if rule is None:
        check_append(event, M[actor], CONSIGNMENT, None)
    else:
        with pytest.raises(RuleViolation) as caught:
            check_append(event, M[actor], CONSIGNMENT, None)
        assert caught.value.rule == rule


def test_suspended_member_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        check_append(EventType.LOADING, member(CAR, Role.CARRIER, "CN", active=False), CONSIGNMENT, None)
    assert caught.value.rule == "ConsignmentLedgerInactiveActor"


def test_handover_names_an_active_other_carrier() -> None:
    check_append(EventType.HANDOVER, M["carrier"], CONSIGNMENT, M["carrier2"])
    for next_carrier in (None, M["carrier"], M["importer"], member(CAR2, Role.CARRIER, "KZ", active=False)):
        with pytest.raises(RuleViolation) as caught:
            check_append(EventType.HANDOVER, M["carrier"], CONSIGNMENT, next_carrier)
        assert caught.value.rule == "ConsignmentLedgerInvalidNextCarrier"
    with pytest.raises(RuleViolation):
        check_append(EventType.LOADING, M["carrier"], CONSIGNMENT, M["carrier2"])


def test_read_access() -> None:
    assert may_read(M["importer"], CONSIGNMENT)
    assert may_read(M["kz"], CONSIGNMENT)
    assert may_read(M["auditor"], CONSIGNMENT)
    assert not may_read(M["fr"], CONSIGNMENT)
    assert not may_read(M["carrier2"], CONSIGNMENT)
