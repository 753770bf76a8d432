"""ConsignmentLedger: who may append what, the hash chain, signatures and handovers."""

from typing import Any

import pytest
from conftest import reverts

from evidence.consignment_id import consignment_id
from evidence.eip712 import Domain, Entry, compact_signature, entry_hash, sign_entry
from evidence.event_types import EventType
from evidence.roles import Role
from evidence.types import ZERO_ADDRESS, Hash32, to_hex

ZERO32 = b"\x00" * 32


def test_exporter_creates_consignment(ledger: Any, consignment: Any, people: Any) -> None:
    c = ledger.consignment(consignment)
    assert c[0] == people["exporter"] and c[1] == people["importer"] and c[2] == people["carrier"]
    count, head = ledger.head(consignment)
    assert count == 0 and head == "0x" + "00" * 32


def test_non_exporter_cannot_create_consignment(ledger: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerMissingRole"):
        ledger.createConsignment(
            "X-1", b"CN", b"DE", [], people["importer"], people["carrier"], {"from": people["carrier"]}
        )


def test_an_exporter_opens_a_reference_once(ledger: Any, consignment: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerAlreadyExists"):
        ledger.createConsignment(
            "CQ-DUI-1", b"CN", b"DE", [], people["importer"], people["carrier"], {"from": people["exporter"]}
        )


def test_references_are_each_exporters_own_namespace(ledger: Any, consignment: Any, people: Any) -> None:
    """Finding 14: a second exporter's "CQ-DUI-1" is its own consignment; it neither takes
    nor touches the first exporter's."""
    assert consignment == to_hex(consignment_id(people["exporter"].address, "CQ-DUI-1"))
    before = ledger.consignment(consignment)
    tx = ledger.createConsignment(
        "CQ-DUI-1", b"CN", b"FR", [], people["importer"], people["carrier"], {"from": people["exporter2"]}
    )
    theirs = tx.return_value
    assert theirs == ledger.consignmentId(people["exporter2"], "CQ-DUI-1")
    assert theirs == to_hex(consignment_id(people["exporter2"].address, "CQ-DUI-1")) != consignment
    assert ledger.consignment(theirs)[0] == people["exporter2"]
    assert ledger.consignment(consignment) == before


def test_carrier_appends_custody_event(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    tx = append(people["carrier"], "LOADING")
    logged = tx.events["EventAppended"]
    assert logged["seq"] == 0 and logged["actor"] == people["carrier"]
    count, head = ledger.head(consignment)
    assert count == 1 and head == tx.return_value  # the head is the entry hash


def test_carrier_cannot_append_customs_release(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerNotJurisdictionCustoms"):
        append(people["carrier"], "RELEASED")
    assert ledger.head(consignment)[0] == 0


def test_origin_and_transit_customs_append_controls(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    append(people["cn"], "SEAL_VERIFIED")
    append(people["kz"], "INSPECTED")
    append(people["de"], "RELEASED")
    assert ledger.head(consignment)[0] == 3


def test_customs_of_other_jurisdiction_cannot_append_controls(
    append: Any, registry: Any, ledger: Any, consignment: Any, people: Any
) -> None:
    tx = registry.proposeCustomsAdmission(people["fr"], b"FR", "FR", "French Customs", {"from": people["cn"]})
    registry.approveProposal(tx.events["CustomsProposalCreated"]["proposalId"], {"from": people["de"]})
    with reverts("ConsignmentLedgerNotJurisdictionCustoms"):
        append(people["fr"], "HELD")
    assert ledger.head(consignment)[0] == 0


def test_declarant_rules(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    append(people["exporter"], "DECLARATION")
    append(people["importer"], "DECLARATION")
    with reverts("ConsignmentLedgerNotDeclarant"):
        append(people["carrier"], "DECLARATION")
    assert ledger.head(consignment)[0] == 2


@pytest.mark.parametrize("event_type", ["CONTROL_RESULT", "LANE_ASSIGNED", "DOCUMENTS_REQUESTED"])
def test_control_results_lanes_and_document_requests_are_customs_own(
    append: Any, ledger: Any, consignment: Any, people: Any, event_type: str
) -> None:
    append(people["kz"], event_type)
    for outsider in ("carrier", "exporter", "importer"):
        with reverts("ConsignmentLedgerNotJurisdictionCustoms"):
            append(people[outsider], event_type)
    assert ledger.head(consignment)[0] == 1


def test_only_the_importer_confirms_receipt(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    for outsider in ("exporter", "carrier", "de"):
        with reverts("ConsignmentLedgerNotConsignee"):
            append(people[outsider], "RECEIPT_CONFIRMED")
    append(people["importer"], "RECEIPT_CONFIRMED")
    assert ledger.head(consignment)[0] == 1


def test_customs_cannot_declare_on_behalf_of_traders(append: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerNotDeclarant"):
        append(people["cn"], "DECLARATION")


def test_parties_attach_documents_outsiders_cannot(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    append(people["importer"], "DOCUMENT_ATTACHED")
    append(people["kz"], "DOCUMENT_ATTACHED")
    with reverts("ConsignmentLedgerNotParty"):
        append(people["exporter2"], "DOCUMENT_ATTACHED")
    assert ledger.head(consignment)[0] == 2


def test_auditor_cannot_append(append: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerNotParty"):
        append(people["auditor"], "DOCUMENT_ATTACHED")


def test_stale_seq_is_refused(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    append(people["carrier"], "LOADING")
    with reverts("ConsignmentLedgerStaleHead"):
        append(people["carrier"], "DEPARTING", seq=0, prev=ZERO32)
    assert ledger.head(consignment)[0] == 1


def test_forked_prev_hash_is_refused(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    append(people["carrier"], "LOADING")
    with reverts("ConsignmentLedgerStaleHead"):
        append(people["carrier"], "DEPARTING", prev=b"\x22" * 32)
    assert ledger.head(consignment)[0] == 1


def test_signature_of_someone_else_is_refused(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerInvalidSigner"):
        append(people["carrier"], "LOADING", signer=people["exporter"])
    assert ledger.head(consignment)[0] == 0


def test_member_may_relay_anothers_signed_entry(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    tx = append(people["carrier"], "LOADING", relayer=people["exporter"])
    assert tx.events["EventAppended"]["actor"] == people["carrier"]


def test_anyone_may_relay_but_only_the_signers_rights_count(
    append: Any, ledger: Any, consignment: Any, people: Any
) -> None:
    tx = append(people["carrier"], "LOADING", relayer=people["outsider"])
    assert tx.events["EventAppended"]["actor"] == people["carrier"]
    with reverts("ConsignmentLedgerNotJurisdictionCustoms"):
        append(people["carrier"], "RELEASED", relayer=people["cn"])
    assert ledger.head(consignment)[0] == 1


def test_malleable_high_s_signature_is_refused(ledger: Any, consignment: Any, people: Any, chain: Any) -> None:
    count, head = ledger.head(consignment)
    entry = Entry(
        Hash32(bytes(consignment)),
        count,
        Hash32(bytes(head)),
        EventType.LOADING.type_id,
        Hash32(b"\x11" * 32),
        "cid",
        ZERO_ADDRESS,
        people["carrier"].address,
    )
    signature = sign_entry(entry, Domain(chain.id, ledger.address), people["carrier"].private_key)
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(signature[32:64], "big")
    # The compact form has no room for a high s (its top bit is the parity): the twin
    # signature (n - s, flipped parity) either loses its top bit and recovers someone else, or
    # keeps it and reads as an s in the upper half; the ledger refuses both.
    high_s = n - s
    parity = 1 - (signature[64] - 27)
    vs = ((parity << 255) | (high_s & ((1 << 255) - 1))).to_bytes(32, "big")
    with reverts("ConsignmentLedgerInvalidSigner" if high_s >= 1 << 255 else "ECDSAInvalidSignatureS"):
        ledger.appendEvent(entry.as_tuple(), signature[:32], vs, {"from": people["carrier"]})
    assert ledger.head(consignment)[0] == 0


def test_handover_moves_custody(append: Any, ledger: Any, consignment: Any, people: Any) -> None:
    tx = append(people["carrier"], "HANDOVER", next_carrier=people["carrier2"])
    assert tx.events["CustodyTransferred"]["to"] == people["carrier2"]
    append(people["carrier2"], "ARRIVING")
    with reverts("ConsignmentLedgerNotCurrentCarrier"):
        append(people["carrier"], "UNLOADING")
    assert ledger.isParty(consignment, people["carrier2"])
    assert ledger.head(consignment)[0] == 2


def test_handover_must_name_an_active_carrier(append: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerInvalidNextCarrier"):
        append(people["carrier"], "HANDOVER")
    with reverts("ConsignmentLedgerInvalidNextCarrier"):
        append(people["carrier"], "HANDOVER", next_carrier=people["importer"])


def test_only_handover_names_a_next_carrier(append: Any, people: Any) -> None:
    with reverts("ConsignmentLedgerInvalidNextCarrier"):
        append(people["carrier"], "LOADING", next_carrier=people["carrier2"])


def test_suspended_carrier_cannot_append(
    append: Any, registry: Any, ledger: Any, consignment: Any, people: Any
) -> None:
    registry.suspendMember(people["carrier"], {"from": people["cn"]})
    with reverts("ConsignmentLedgerInactiveActor"):
        append(people["carrier"], "LOADING", relayer=people["exporter"])
    registry.reinstateMember(people["carrier"], {"from": people["cn"]})
    append(people["carrier"], "LOADING")
    assert ledger.head(consignment)[0] == 1


def test_contract_and_python_compute_the_same_entry_hash(
    ledger: Any, consignment: Any, people: Any, chain: Any
) -> None:
    entry = Entry(
        consignment=Hash32(bytes(consignment)),
        seq=7,
        prev_hash=Hash32(b"\x01" * 32),
        event_type=Hash32(b"\x02" * 32),
        payload_hash=Hash32(b"\x03" * 32),
        cid="bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq",
        next_carrier=people["carrier2"].address,
        actor=people["carrier"].address,
    )
    assert bytes(ledger.hashEntry(entry.as_tuple())) == entry_hash(entry, Domain(chain.id, ledger.address))


def test_roles_constant_matches_python(registry: Any, people: Any) -> None:
    assert registry.rolesOf(people["cn"])[0] == "0x" + Role.CUSTOMS.role_id.hex()


def test_a_batched_consignment_takes_no_ledger_entries(ledger: Any, people: Any, chain: Any) -> None:
    p = people
    tx = ledger.createBatchedConsignment(
        "CQ-BATCHED-1", b"CN", b"DE", [], p["importer"], p["carrier"], {"from": p["exporter"]}
    )
    consignment = tx.events["ConsignmentCreated"]["consignment"]
    assert ledger.isBatched(consignment) and tx.events["ConsignmentBatched"]["consignment"] == consignment
    entry = Entry(
        Hash32(bytes(consignment)),
        0,
        Hash32(b"\x00" * 32),
        EventType.LOADING.type_id,
        Hash32(b"\x11" * 32),
        "cid",
        ZERO_ADDRESS,
        p["carrier"].address,
    )
    r, vs = compact_signature(sign_entry(entry, Domain(chain.id, ledger.address), p["carrier"].private_key))
    with reverts("ConsignmentLedgerBatchedConsignment"):
        ledger.appendEvent(entry.as_tuple(), r, vs, {"from": p["carrier"]})
    assert ledger.head(consignment)[0] == 0
