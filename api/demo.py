"""The demo consortium: customs of CN, KZ and DE; a CN exporter, a rail carrier, a DE
importer and a DE auditor; one consignment Chongqing → Duisburg through Kazakhstan."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from api.index.rows import Participant
from api.services import Services
from api.services.merkle_log import SignedItem
from chain.errors import ContractRevert
from client.http import sign_chain
from evidence.aeo import MraDataElements
from evidence.documents import DocumentType
from evidence.event_types import EventType
from evidence.models import EventPayload
from evidence.risk import RuleSet
from evidence.roles import Role

DEMO_REFERENCE = "CQ-DUI-2026-0001"
DEMO_BATCHED_REFERENCE = "CQ-DUI-2026-B001"  # its custody readings go through the Merkle log
DEMO_RED_REFERENCE = "CQ-DUI-2026-R001"  # its seals were found replaced in transit: a red lane
# The corridor's first risk rule set, adopted by the customs majority when the demo is seeded.
DEMO_RULES: dict[str, Any] = {
    "name": "CN-KZ-DE corridor facilitation rules, 2026",
    "base": 60,
    "yellow_from": 40,
    "red_from": 90,
    "rules": [
        {"id": "aeo_recognised", "kind": "aeo_recognised", "weight": -20},
        {"id": "aeo_suspended", "kind": "aeo_suspended_or_revoked", "weight": 25},
        {"id": "declared_late", "kind": "pre_arrival", "status": "late", "weight": 25},
        {"id": "declared_after_arrival", "kind": "pre_arrival", "status": "order_violation", "weight": 40},
        {"id": "no_declaration", "kind": "declaration_missing", "weight": 30},
        {"id": "seal_mismatch", "kind": "seal_mismatch", "force": "red"},
        {"id": "unsealed_handover", "kind": "handover_without_seal_check", "weight": 15},
        {"id": "partner_control", "kind": "partner_control_recognised", "weight": -15},
        {"id": "history", "kind": "trader_non_conformant_results", "months": 12, "weight": 10, "cap": 30},
    ],
}
DEMO_CERTIFICATE = "CNAEO2026000001"

OPERATORS = [
    # key, admitting customs, roles, name, legal id
    ("exporter", "CN", [Role.EXPORTER], "Chongqing Precision Machinery Co., Ltd.", "CN915000007000000001"),
    ("carrier", "CN", [Role.CARRIER], "Chongqing–Europe Rail Logistics (YXO)", "CN915000007000000002"),
    ("importer", "DE", [Role.IMPORTER], "Duisburg Industrie-Import GmbH", "DE123456789012345"),
    ("auditor", "DE", [Role.AUDITOR], "Rhein Audit Partners", "DE987654321000000"),
]


def _event(event_type: EventType, time: str, offset: str, location: str, **extra: Any) -> dict[str, Any]:
    payload = {
        "type": "ObjectEvent",
        "eventTime": time,
        "eventTimeZoneOffset": offset,
        "action": "OBSERVE",
        "bizStep": extra.pop("biz_step"),
        "readPoint": {"id": location},
        "epcList": ["urn:epc:id:sscc:0614141.1234567890"],
        "bizTransactionList": [{"type": "bol", "bizTransaction": "urn:epcglobal:cbv:bt:0614141000005:CIM-2026-77812"}],
        **extra,
    }
    return EventPayload.model_validate(payload).to_json()


def seed_demo(
    services: Services, customs_keys: dict[str, dict[str, str]], nodes: Mapping[str, Services] | None = None
) -> dict[str, dict[str, str]]:
    """Admit the demo operators, open the demo consignments (a green lane and a red one) and
    append their events; certify the exporter as an AEO; make CN–DE and DE–KZ MRAs active
    and propose a CN–KZ one; adopt a risk rule set; open a consignment anchored through the
    Merkle log.

    ``nodes`` (jurisdiction → that organisation's node) seeds a consortium through its
    organisations' own nodes: each member is registered at, and acts through, the node of
    its jurisdiction, which first follows the chain to what the others wrote."""

    def at(jurisdiction: str) -> Services:
        return nodes[jurisdiction] if nodes else services

    customs = {
        key.split("-", 1)[1]: at(key.split("-", 1)[1]).members.participant(v["address"])
        for key, v in customs_keys.items()
    }
    operators, keys = _admit_operators(at, customs)
    exporter, carrier = operators["exporter"], operators["carrier"]
    _seed_green_lane(at, customs, operators)
    _seed_aeo(at("CN"), customs, exporter, at("DE"), at("KZ"))
    _seed_red_lane(at, customs, operators)
    _adopt_rules(at("CN"), at("DE"), customs)
    if at("CN").checkpointer is not None:
        _seed_batched(at("CN"), exporter, carrier, operators["importer"])
    return keys


def _seed_green_lane(
    at: Callable[[str], Services], customs: dict[str, Participant], operators: dict[str, Participant]
) -> None:
    """The demo consignment: declared, loaded under CN's seal, released at Chongqing, departed,
    and its seal found intact by KZ at Khorgos (a control DE recognises)."""
    exporter, carrier = operators["exporter"], operators["carrier"]
    at("CN").consignments.create(
        exporter, DEMO_REFERENCE, "CN", "DE", ["KZ"], operators["importer"].address, carrier.address
    )
    chongqing = "urn:epc:id:sgln:0614141.00001.0"
    khorgos = "urn:epc:id:sgln:0614141.00002.0"
    steps = [
        (
            exporter,
            EventType.DECLARATION,
            _event(
                EventType.DECLARATION,
                "2026-11-02T09:00:00+08:00",
                "+08:00",
                chongqing,
                biz_step="other",
                disposition="in_progress",
                **{"bl:declaration": {"kind": "entry_summary", "mode": "rail", "declaredTo": "DE"}},
            ),
        ),
        (
            carrier,
            EventType.LOADING,
            _event(
                EventType.LOADING,
                "2026-11-03T08:30:00+08:00",
                "+08:00",
                chongqing,
                biz_step="loading",
                **{"bl:seals": DEMO_SEALS},
            ),
        ),
        (
            customs["CN"],
            EventType.SEAL_VERIFIED,
            _event(EventType.SEAL_VERIFIED, "2026-11-03T10:00:00+08:00", "+08:00", chongqing, biz_step="inspecting"),
        ),
        (
            customs["CN"],
            EventType.RELEASED,
            _event(EventType.RELEASED, "2026-11-03T11:00:00+08:00", "+08:00", chongqing, biz_step="accepting"),
        ),
        (
            carrier,
            EventType.DEPARTING,
            _event(
                EventType.DEPARTING,
                "2026-11-03T14:00:00+08:00",
                "+08:00",
                chongqing,
                biz_step="departing",
                disposition="in_transit",
            ),
        ),
        (
            customs["KZ"],
            EventType.CONTROL_RESULT,
            _event(
                EventType.CONTROL_RESULT,
                "2026-11-06T16:20:00+05:00",
                "+05:00",
                khorgos,
                biz_step="inspecting",
                **{"bl:controlResult": _seal_check("KZ", "KZKHG", "2026-11-06T16:00:00+05:00")},
            ),
        ),
    ]
    for actor, event_type, payload in steps:
        node = at(actor.jurisdiction)
        _await_consignment(node, DEMO_REFERENCE)
        node.appends.append_event(actor, DEMO_REFERENCE, event_type, payload, None)


DEMO_SEALS = ["CN-CQ-2026-778812"]


def _seed_red_lane(
    at: Callable[[str], Services], customs: dict[str, Participant], operators: dict[str, Participant]
) -> None:
    """A second consignment on the corridor whose seal KZ finds replaced at Khorgos."""
    exporter, carrier = operators["exporter"], operators["carrier"]
    at("CN").consignments.create(
        exporter, DEMO_RED_REFERENCE, "CN", "DE", ["KZ"], operators["importer"].address, carrier.address
    )
    chongqing, khorgos = "urn:epc:id:sgln:0614141.00001.0", "urn:epc:id:sgln:0614141.00002.0"
    found = _seal_check("KZ", "KZKHG", "2026-11-14T11:00:00+05:00") | {
        "controlId": "KZ-KHG-2026-0077",
        "sealsFound": ["KZ-UNKNOWN-00913"],
        "result": "non_conformant",
        "status7365": "41",
    }
    declared = {"bl:declaration": {"kind": "entry_summary", "mode": "rail", "declaredTo": "DE"}}
    steps: list[tuple[Participant, EventType, str, str, str, str, dict[str, Any]]] = [
        (exporter, EventType.DECLARATION, "2026-11-10T09:00:00+08:00", "+08:00", chongqing, "other", declared),
        (
            carrier,
            EventType.LOADING,
            "2026-11-11T08:30:00+08:00",
            "+08:00",
            chongqing,
            "loading",
            {"bl:seals": DEMO_SEALS},
        ),
        (
            customs["KZ"],
            EventType.CONTROL_RESULT,
            "2026-11-14T11:20:00+05:00",
            "+05:00",
            khorgos,
            "inspecting",
            {"bl:controlResult": found},
        ),
    ]
    for actor, event_type, when, offset, where, step, extra in steps:
        node = at(actor.jurisdiction)
        _await_consignment(node, DEMO_RED_REFERENCE)
        payload = _event(event_type, when, offset, where, biz_step=step, **extra)
        node.appends.append_event(actor, DEMO_RED_REFERENCE, event_type, payload, None)


def _adopt_rules(cn_node: Services, de_node: Services, customs: dict[str, Participant]) -> None:
    """CN proposes the corridor's rule set; DE's approval makes the majority of three."""
    if cn_node.node.chain.rule_sets is None:
        return

    proposed = cn_node.risk.propose(customs["CN"], RuleSet.model_validate(DEMO_RULES))
    version = proposed["version"]
    _wait_for(lambda: de_node.risk.rule_sets.count() >= version, f"proposed rule set {version}")
    de_node.risk.approve(customs["DE"], proposed["version"])


def _seal_check(country: str, office: str, start: str) -> dict[str, Any]:
    """A conformant seal check of the demo container: the seals CN customs put on at loading."""
    begun = datetime.fromisoformat(start)
    return {
        "controlId": f"{country}-{office[2:]}-2026-0042",
        "authority": {"country": country, "office": office},
        "controlType": "seal_check",
        "scope": "container MSKU 123456-5, seals and doors",
        "result": "conformant",
        "status7365": "40",
        "sealsExpected": DEMO_SEALS,
        "sealsFound": DEMO_SEALS,
        "officer": "0x" + hashlib.sha256(f"{country} officer 7".encode()).hexdigest(),
        "location": office,
        "startTime": start,
        "endTime": (begun + timedelta(minutes=20)).isoformat(),
        "validUntil": (begun + timedelta(days=30)).isoformat(),
    }


def _admit_operators(
    at: Callable[[str], Services], customs: dict[str, Participant]
) -> tuple[dict[str, Participant], dict[str, dict[str, str]]]:
    """Each demo operator registered at its jurisdiction's node; the auditor, a
    consortium-wide role, approved by the customs majority, each through its own node."""
    keys: dict[str, dict[str, str]] = {}
    operators = {}
    for key, jurisdiction, roles, name, legal_id in OPERATORS:
        members = at(jurisdiction).members
        created = members.register(customs[jurisdiction], name, legal_id, jurisdiction, roles)
        address = created["participant"]["address"]
        if created["proposal"] is not None:
            for other in customs.values():
                if members.proposal(created["proposal"]["id"])["executed"]:
                    break
                if other.address not in created["proposal"]["approvers"]:
                    at(other.jurisdiction).members.approve_proposal(other, created["proposal"]["id"])
        operators[key] = members.participant(address)
        keys[key] = {"address": address, "api_key": created["api_key"]}
    return operators, keys


def _wait_for(ready: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    """Wait until ``ready()`` holds: a node of a network may be a block behind the one that
    wrote (on that one it holds at once)."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            raise TimeoutError(f"the node did not see {what} within {timeout}s")
        time.sleep(0.2)


def _await_consignment(services: Services, reference: str) -> None:
    """Wait until the node has followed the chain to the consignment."""
    _wait_for(lambda: bool(services.node.index.consignments_named(reference)), f"consignment {reference}")


def _await_mra(services: Services, mra_id: int) -> None:
    """Wait until the node's chain node has the block that proposed the MRA."""
    aeo = services.aeo
    assert aeo is not None

    def proposed() -> bool:
        try:
            aeo.mra(mra_id)
        except ContractRevert:
            return False
        return True

    _wait_for(proposed, f"MRA {mra_id}")


def _seed_aeo(
    services: Services, customs: dict[str, Participant], exporter: Participant, de_node: Services, kz_node: Services
) -> None:
    aeo = services.aeo
    if aeo is None or de_node.aeo is None or kz_node.aeo is None:
        return
    today = date.today()
    certificate = (
        f"AEO certificate {DEMO_CERTIFICATE}\nIssued by the General Administration of Customs of the PRC\n"
        f"Holder: Chongqing Precision Machinery Co., Ltd. (CN915000007000000001)\nProgrammes: AEO-S, AEO-C\n"
    ).encode()
    ref = services.documents.store(
        customs["CN"], certificate, DocumentType.AEO_CERTIFICATE, "aeo-certificate.txt", "text/plain"
    )
    record = MraDataElements(
        operator_name="Chongqing Precision Machinery Co., Ltd.",
        operator_address="88 Jinyu Avenue, Liangjiang New Area, Chongqing, China",
        identification_number="CN915000007000000001",
        validation_date=today - timedelta(days=30),
    )
    aeo.issue(
        customs["CN"],
        DEMO_CERTIFICATE,
        exporter.address,
        ["AEO-S", "AEO-C"],
        today - timedelta(days=30),
        today + timedelta(days=3 * 365),
        ref.cid,
        record,
    )
    controls = ["documentary", "seal_check", "non_intrusive_scan"]
    mra = aeo.propose_mra(customs["CN"], "DE", ["AEO-S", "AEO-C"], today + timedelta(days=5 * 365), controls)
    _await_mra(de_node, mra["id"])
    de_node.aeo.accept_mra(customs["DE"], mra["id"])
    # DE and KZ recognise each other's documentary and seal checks on the corridor.
    corridor = de_node.aeo.propose_mra(customs["DE"], "KZ", ["AEO-S"], today + timedelta(days=5 * 365), controls[:2])
    _await_mra(kz_node, corridor["id"])
    kz_node.aeo.accept_mra(customs["KZ"], corridor["id"])
    aeo.propose_mra(customs["CN"], "KZ", ["AEO-S", "AEO-C"], today + timedelta(days=5 * 365))
    # The holder lets its name be shown; CN customs issues the certificate's status credential,
    # which anyone can check on /ui/verify without joining the consortium.
    services.credentials.set_consent(exporter, DEMO_CERTIFICATE, ["operator_name"])
    services.credentials.issue_aeo_status(customs["CN"], DEMO_CERTIFICATE, ["operator_name"])


def _seed_batched(services: Services, exporter: Participant, carrier: Participant, importer: Participant) -> None:
    """A second consignment whose carrier reports its position every six hours through the
    Merkle log (one bulk request, then a checkpoint), as a busy corridor would."""
    services.consignments.create(
        exporter, DEMO_BATCHED_REFERENCE, "CN", "DE", ["KZ"], importer.address, carrier.address, batched=True
    )
    start = datetime(2026, 11, 10, 8, 0, tzinfo=UTC)
    readings = []
    for n in range(12):
        event_type, step = (EventType.LOADING, "loading") if n == 0 else (EventType.ARRIVING, "arriving")
        when = (start + timedelta(hours=6 * n)).isoformat().replace("+00:00", "Z")
        location = f"urn:epc:id:sgln:0614141.00100.{n}"
        readings.append((event_type, _event(event_type, when, "+00:00", location, biz_step=step)))
    head = services.consignments.head(carrier, DEMO_BATCHED_REFERENCE)
    signed = sign_chain(head, services.members.account(carrier), DEMO_BATCHED_REFERENCE, readings)
    items = [
        SignedItem(
            i["reference"],
            EventType(i["event_type"]),
            i["payload"],
            None,
            i["seq"],
            i["prev_hash"],
            i["actor"],
            bytes.fromhex(i["signature"][2:]),
        )
        for i in signed
    ]
    services.merkle_log.ingest(carrier, items)
    assert services.checkpointer is not None
    services.checkpointer.checkpoint()
