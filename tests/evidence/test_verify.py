"""Verification of an evidence chain, offline and with on-chain records."""

import json
from dataclasses import replace

from eth_account import Account
from eth_utils.crypto import keccak

from api.verify_pool import PARALLEL_FROM, VerifyPool
from evidence.canonical import canonical_json, payload_hash
from evidence.cid import payload_cid
from evidence.eip712 import Domain, Entry, entry_hash, sign_entry
from evidence.shared_checks import SharedChecks
from evidence.types import ZERO_ADDRESS, ZERO_HASH, Address, Hash32
from evidence.verify import EntryEvidence, OnChainRecord, Report, verify_chain

DOMAIN = Domain(31337, Address("0x5FbDB2315678afecb367f032d93F642f64180aa3"))
CARRIER = Account.from_key("0x" + "07" * 32)
CUSTOMS = Account.from_key("0x" + "08" * 32)


def build_chain(n: int = 3) -> list[EntryEvidence]:
    out: list[EntryEvidence] = []
    previous = ZERO_HASH
    for seq in range(n):
        actor = CARRIER if seq % 2 == 0 else CUSTOMS
        payload = canonical_json({"type": "ObjectEvent", "seq": seq, "eventTime": "2026-11-28T10:00:00Z"})
        entry = Entry(
            consignment=Hash32(keccak(text="C-1")),
            seq=seq,
            prev_hash=previous,
            event_type=Hash32(keccak(text="LOADING")),
            payload_hash=payload_hash(payload),
            cid=payload_cid(payload),
            next_carrier=ZERO_ADDRESS,
            actor=Address(actor.address),
        )
        digest = entry_hash(entry, DOMAIN)
        record = OnChainRecord(digest, actor.address, 1_800_000_000 + seq, 10 + seq, "0x" + "ab" * 32)
        out.append(EntryEvidence(entry, sign_entry(entry, DOMAIN, actor.key), payload, digest, record))
        previous = digest
    return out


def failed(report: Report) -> list[str]:
    return report.failures()


def test_intact_chain_passes_every_check() -> None:
    evidence = build_chain()
    report = verify_chain("C-1", DOMAIN, evidence, (3, evidence[-1].recorded_hash))
    assert report.passed, report.failures()
    assert all(c.passed for e in report.entries for c in e.checks)


def test_offline_verification_is_incomplete_not_passed() -> None:
    evidence = [replace(e, on_chain=None) for e in build_chain()]
    report = verify_chain("C-1", DOMAIN, evidence)
    assert not report.passed and report.verdict == "incomplete" and report.failures() == []
    assert "chain: chain_head (not checked (offline))" in report.not_checked()
    assert report.to_dict()["verdict"] == "incomplete"
    skipped = {c.name for e in report.entries for c in e.checks if c.passed is None}
    assert skipped == {"on_chain"}


def test_edited_payload_fails_its_payload_check_only() -> None:
    evidence = build_chain()
    original = evidence[1].payload
    assert original is not None
    edited = original.replace(b'"seq":1', b'"seq":7')
    evidence[1] = replace(evidence[1], payload=edited)
    report = verify_chain("C-1", DOMAIN, evidence, (3, evidence[-1].recorded_hash))
    assert failed(report) == ["seq 1: payload_hash"]
    assert "payload hash mismatch" in report.entries[1].checks[0].detail


def test_non_canonical_payload_is_reported() -> None:
    evidence = build_chain(1)
    spaced = b'{"eventTime": "2026-11-28T10:00:00Z", "seq": 0, "type": "ObjectEvent"}'
    entry = replace(evidence[0].entry, payload_hash=payload_hash(spaced), cid=payload_cid(spaced))
    digest = entry_hash(entry, DOMAIN)
    item = EntryEvidence(entry, sign_entry(entry, DOMAIN, CARRIER.key), spaced, digest, None)
    report = verify_chain("C-1", DOMAIN, [item])
    assert failed(report) == ["seq 0: payload_hash"]
    assert "canonical" in report.entries[0].checks[0].detail


def test_signature_by_another_key_fails_signature_check() -> None:
    evidence = build_chain()
    forged = sign_entry(evidence[0].entry, DOMAIN, CUSTOMS.key)
    evidence[0] = replace(evidence[0], signature=forged)
    report = verify_chain("C-1", DOMAIN, evidence, (3, evidence[-1].recorded_hash))
    assert failed(report) == ["seq 0: signature"]


def test_dropped_entry_breaks_the_link_and_the_head() -> None:
    evidence = build_chain()
    del evidence[1]
    report = verify_chain("C-1", DOMAIN, evidence, (3, build_chain()[-1].recorded_hash))
    assert "seq 2: chain_link" in failed(report)
    assert "chain: chain_head" in failed(report)


def test_reordered_entries_fail_the_link_check() -> None:
    evidence = build_chain()
    evidence[1], evidence[2] = evidence[2], evidence[1]
    report = verify_chain("C-1", DOMAIN, evidence)
    assert {"seq 2: chain_link", "seq 1: chain_link"} <= set(failed(report))


def test_altered_field_fails_entry_hash_and_signature() -> None:
    evidence = build_chain()
    evidence[2] = replace(evidence[2], entry=replace(evidence[2].entry, event_type=Hash32(keccak(text="RELEASED"))))
    report = verify_chain("C-1", DOMAIN, evidence)
    assert {"seq 2: entry_hash", "seq 2: signature"} <= set(failed(report))


def test_entry_missing_on_chain_fails_on_chain_check() -> None:
    evidence = build_chain()
    evidence[2] = replace(evidence[2], on_chain=OnChainRecord(ZERO_HASH, ZERO_ADDRESS, 0, 0))
    report = verify_chain("C-1", DOMAIN, evidence, (2, evidence[1].recorded_hash))
    assert "seq 2: on_chain" in failed(report)
    assert "chain: chain_head" in failed(report)


def test_a_process_pool_gives_the_same_report() -> None:
    evidence = build_chain(12)
    tampered = replace(evidence[7], signature=evidence[6].signature)
    evidence[7] = tampered
    alone = verify_chain("C-1", DOMAIN, evidence, (12, evidence[-1].recorded_hash))
    pool = VerifyPool(2)
    try:
        executor = pool.for_entries(PARALLEL_FROM)
        assert executor is not None
        shared = SharedChecks(executor, DOMAIN, chunk=5)
        for item in evidence:
            shared.add((item.entry, item.signature, item.payload, item.recorded_hash, item.anchor is not None))
        results = list(shared.results(evidence, [json.loads(e.payload or b"null") for e in evidence]))
    finally:
        pool.close()
    pooled = verify_chain("C-1", DOMAIN, evidence, (12, evidence[-1].recorded_hash), results=results)
    assert pooled.to_dict() == alone.to_dict()
    assert "seq 7: signature" in pooled.failures()


def test_a_payload_never_published_is_named_as_such() -> None:
    evidence = build_chain()
    evidence[2] = replace(evidence[2], payload=None)
    report = verify_chain("C-1", DOMAIN, evidence, (3, evidence[-1].recorded_hash))
    assert failed(report) == ["seq 2: payload_hash"]
    assert "payload never published" in report.entries[2].checks[0].detail
    assert [c.passed for c in report.entries[2].checks[1:3]] == [True, True]  # entry hash and signature hold
