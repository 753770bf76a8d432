"""AEORegistry: certificate lifecycle, MRAs, recognition now and at a past time."""

from typing import Any

import pytest
from brownie import AEORegistry, chain
from conftest import reverts

AEO_S, AEO_C = 1, 2
DAY = 86_400

# IAEORegistry.Reason
UNKNOWN, HOME, MRA, NOT_YET, SUSPENDED, REVOKED, EXPIRED = range(7)
NO_MRA, MRA_NOT_ACCEPTED, MRA_OUT_OF_SCOPE, MRA_TERMINATED, MRA_EXPIRED = range(7, 12)


@pytest.fixture(scope="module")
def aeo(registry: Any, ledger: Any, accounts: Any) -> Any:
    return AEORegistry.deploy(registry, {"from": accounts[0]})


@pytest.fixture(scope="module")
def certificate(aeo: Any, people: Any) -> Any:
    now = chain.time()
    request = ("CNAEO2026000001", people["exporter"], AEO_S | AEO_C, now - DAY, now + 365 * DAY,
               b"\x01" * 32, "QmCertificateDocument", b"\x02" * 32)  # fmt: skip
    return aeo.issueCertificate(request, {"from": people["cn"]}).return_value


def recognition(aeo: Any, certificate: Any, jurisdiction: Any, at: Any = None) -> Any:
    answer = (
        aeo.isRecognised(certificate, jurisdiction) if at is None else aeo.isRecognisedAt(certificate, jurisdiction, at)
    )
    return bool(answer[0]), int(answer[1]), int(answer[2])


def active_mra(
    aeo: Any, people: Any, partner: Any = b"DE", scope: Any = AEO_S | AEO_C, acceptor: Any = "de", controls: int = 0
) -> Any:
    tx = aeo.proposeMra(partner, scope, controls, chain.time() + 365 * DAY, {"from": people["cn"]})
    mra_id = tx.events["MraProposed"]["mraId"]
    if acceptor:
        aeo.acceptMra(mra_id, {"from": people[acceptor]})
    return mra_id


def test_issuing_customs_recognises_at_home(aeo: Any, certificate: Any) -> None:
    assert recognition(aeo, certificate, b"CN") == (True, HOME, AEO_S | AEO_C)


def test_only_customs_issue(aeo: Any, people: Any) -> None:
    with reverts("AEORegistryNotCustoms"):
        aeo.issueCertificate(("X-1", people["exporter"], 1, 0, 10**10, b"\x00" * 32, "", b"\x00" * 32),
                             {"from": people["exporter"]})  # fmt: skip


def test_holder_must_be_of_the_issuing_jurisdiction(aeo: Any, people: Any) -> None:
    with reverts("AEORegistryInvalidHolder"):
        aeo.issueCertificate(("X-2", people["importer"], 1, 0, 10**10, b"\x00" * 32, "", b"\x00" * 32),
                             {"from": people["cn"]})  # fmt: skip


def test_programmes_and_validity_are_checked(aeo: Any, people: Any) -> None:
    with reverts("AEORegistryInvalidProgrammes"):
        aeo.issueCertificate(
            ("X-3", people["exporter"], 4, 0, 10**10, b"\x00" * 32, "", b"\x00" * 32), {"from": people["cn"]}
        )
    with reverts("AEORegistryInvalidValidity"):
        aeo.issueCertificate(
            ("X-4", people["exporter"], 1, 10**10, 10, b"\x00" * 32, "", b"\x00" * 32), {"from": people["cn"]}
        )


def test_duplicate_number_is_refused(aeo: Any, certificate: Any, people: Any) -> None:
    with reverts("AEORegistryCertificateExists"):
        aeo.issueCertificate(("CNAEO2026000001", people["exporter"], 1, 0, 10**10, b"\x00" * 32, "", b"\x00" * 32),
                             {"from": people["cn"]})  # fmt: skip


def test_active_mra_in_scope_recognises(aeo: Any, certificate: Any, people: Any) -> None:
    active_mra(aeo, people)
    assert recognition(aeo, certificate, b"DE") == (True, MRA, AEO_S | AEO_C)


def test_no_mra_recognises_nothing(aeo: Any, certificate: Any) -> None:
    assert recognition(aeo, certificate, b"DE") == (False, NO_MRA, 0)


def test_unaccepted_mra_recognises_nothing(aeo: Any, certificate: Any, people: Any) -> None:
    active_mra(aeo, people, partner=b"KZ", acceptor=None)
    assert recognition(aeo, certificate, b"KZ") == (False, MRA_NOT_ACCEPTED, 0)


def test_only_the_partner_accepts(aeo: Any, people: Any) -> None:
    mra_id = active_mra(aeo, people, acceptor=None)
    with reverts("AEORegistryNotMraPartner"):
        aeo.acceptMra(mra_id, {"from": people["kz"]})
    with reverts("AEORegistryNotMraPartner"):
        aeo.acceptMra(mra_id, {"from": people["cn"]})
    aeo.acceptMra(mra_id, {"from": people["de"]})
    with reverts("AEORegistryMraClosed"):
        aeo.acceptMra(mra_id, {"from": people["de"]})


def test_mra_out_of_scope(aeo: Any, people: Any, certificate: Any) -> None:
    # A certificate for AEO-C only, under an MRA that covers AEO-S only.
    now = chain.time()
    c_only = aeo.issueCertificate(("CNAEO-C-ONLY", people["exporter2"], AEO_C, now - DAY, now + DAY, b"\x00" * 32, "",
                                   b"\x00" * 32), {"from": people["cn"]}).return_value  # fmt: skip
    active_mra(aeo, people, scope=AEO_S)
    assert recognition(aeo, c_only, b"DE") == (False, MRA_OUT_OF_SCOPE, 0)
    assert recognition(aeo, certificate, b"DE") == (True, MRA, AEO_S)


def test_terminated_mra(aeo: Any, certificate: Any, people: Any) -> None:
    mra_id = active_mra(aeo, people)
    with reverts("AEORegistryNotMraParty"):
        aeo.terminateMra(mra_id, "not ours", {"from": people["kz"]})
    aeo.terminateMra(mra_id, "agreement ended", {"from": people["de"]})
    assert recognition(aeo, certificate, b"DE") == (False, MRA_TERMINATED, 0)


def test_expired_mra(aeo: Any, certificate: Any, people: Any) -> None:
    tx = aeo.proposeMra(b"DE", 3, 0, chain.time() + 10 * DAY, {"from": people["cn"]})
    aeo.acceptMra(tx.events["MraProposed"]["mraId"], {"from": people["de"]})
    chain.sleep(11 * DAY)
    chain.mine()
    assert recognition(aeo, certificate, b"DE") == (False, MRA_EXPIRED, 0)


def test_suspension_and_reinstatement(aeo: Any, certificate: Any, people: Any) -> None:
    active_mra(aeo, people)
    tx = aeo.suspendCertificate(certificate, "security audit findings", {"from": people["cn"]})
    assert tx.events["CertificateStatusChanged"]["reason"] == "security audit findings"
    assert recognition(aeo, certificate, b"DE") == (False, SUSPENDED, 0)
    assert recognition(aeo, certificate, b"CN") == (False, SUSPENDED, 0)
    aeo.reinstateCertificate(certificate, "findings remedied", {"from": people["cn"]})
    assert recognition(aeo, certificate, b"DE") == (True, MRA, 3)


def test_another_jurisdiction_cannot_suspend(aeo: Any, certificate: Any, people: Any) -> None:
    with reverts("AEORegistryNotIssuer"):
        aeo.suspendCertificate(certificate, "not my certificate", {"from": people["de"]})
    assert aeo.certificate(certificate)[3] == 1  # still Valid


def test_operators_cannot_change_certificates(aeo: Any, certificate: Any, people: Any) -> None:
    with reverts("AEORegistryNotCustoms"):
        aeo.suspendCertificate(certificate, "self-suspension", {"from": people["exporter"]})


def test_status_changes_need_a_reason(aeo: Any, certificate: Any, people: Any) -> None:
    with reverts("AEORegistryReasonRequired"):
        aeo.suspendCertificate(certificate, "", {"from": people["cn"]})


def test_wrong_transitions_are_refused(aeo: Any, certificate: Any, people: Any) -> None:
    with reverts("AEORegistryWrongStatus"):
        aeo.reinstateCertificate(certificate, "not suspended", {"from": people["cn"]})
    aeo.suspendCertificate(certificate, "audit", {"from": people["cn"]})
    with reverts("AEORegistryWrongStatus"):
        aeo.suspendCertificate(certificate, "again", {"from": people["cn"]})


def test_revoked_certificate_cannot_be_reinstated(aeo: Any, certificate: Any, people: Any) -> None:
    aeo.revokeCertificate(certificate, "fraud", {"from": people["cn"]})
    assert recognition(aeo, certificate, b"CN") == (False, REVOKED, 0)
    with reverts("AEORegistryWrongStatus"):
        aeo.reinstateCertificate(certificate, "appeal", {"from": people["cn"]})
    with reverts("AEORegistryWrongStatus"):
        aeo.revokeCertificate(certificate, "twice", {"from": people["cn"]})


def test_expired_certificate_is_not_recognised(aeo: Any, people: Any) -> None:
    now = chain.time()
    short = aeo.issueCertificate(("CNAEO-SHORT", people["exporter"], 1, now - DAY, now + DAY, b"\x00" * 32, "",
                                  b"\x00" * 32), {"from": people["cn"]}).return_value  # fmt: skip
    chain.sleep(2 * DAY)
    chain.mine()
    assert recognition(aeo, short, b"CN") == (False, EXPIRED, 0)


def test_recognition_at_a_past_time(aeo: Any, certificate: Any, people: Any) -> None:
    before_mra = chain.time()
    chain.sleep(60)
    active_mra(aeo, people)
    chain.sleep(60)
    chain.mine()
    while_recognised = chain.time()
    chain.sleep(60)
    aeo.suspendCertificate(certificate, "audit", {"from": people["cn"]})
    chain.sleep(60)
    chain.mine()
    assert recognition(aeo, certificate, b"DE") == (False, SUSPENDED, 0)
    assert recognition(aeo, certificate, b"DE", while_recognised) == (True, MRA, 3)
    assert recognition(aeo, certificate, b"DE", before_mra) == (False, NO_MRA, 0)
    assert recognition(aeo, certificate, b"DE", 1) == (False, UNKNOWN, 0)


def test_unknown_certificate(aeo: Any) -> None:
    assert recognition(aeo, b"\x09" * 32, b"CN") == (False, UNKNOWN, 0)


def test_numbers_are_the_issuers_namespace(aeo: Any, people: Any) -> None:
    with reverts("AEORegistryNumberOutsideNamespace"):
        aeo.issueCertificate(("DEAEO-TAKEN", people["exporter"], 1, 0, 10**10, b"\x00" * 32, "", b"\x00" * 32),
                             {"from": people["cn"]})  # fmt: skip


def test_an_mra_names_the_control_types_each_side_recognises(aeo: Any, people: Any) -> None:
    mra_id = active_mra(aeo, people, controls=1 | 8)  # documentary, seal check
    assert aeo.mra(mra_id)[3] == 9
    with reverts("AEORegistryInvalidControls"):
        aeo.proposeMra(b"DE", AEO_S, 32, chain.time() + DAY, {"from": people["cn"]})
    with reverts("AEORegistryNotCustoms"):
        aeo.proposeMra(b"DE", AEO_S, 8, chain.time() + DAY, {"from": people["exporter"]})
