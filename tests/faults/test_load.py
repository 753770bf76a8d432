"""1,000 concurrent appends from 20 participants, over HTTP: no nonce errors, nothing lost
or duplicated, every per-consignment chain intact."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import requests

from api.runtime import Runtime
from evidence.roles import Role
from tests.support import LiveServer

PARTICIPANTS = 20
PER_PARTICIPANT = 50


def test_thousand_concurrent_appends(demo_runtime: Runtime) -> None:
    services = demo_runtime.services
    keys = demo_runtime.created_keys
    cn = services.members.participant(keys["customs-CN"]["address"])
    exporter = services.members.participant(keys["exporter"]["address"])
    carriers = []
    for i in range(PARTICIPANTS):
        created = services.members.register(cn, f"Load carrier {i}", f"CN-LOAD-{i}", "CN", [Role.CARRIER])
        reference = f"LOAD-{i:02d}"
        services.consignments.create(
            exporter, reference, "CN", "DE", [], keys["importer"]["address"], created["participant"]["address"]
        )
        carriers.append((reference, created["api_key"]))

    with LiveServer(demo_runtime) as server:

        def append(job: tuple[int, int]) -> tuple[str, int, str]:
            who, n = job
            reference, api_key = carriers[who]
            body = {
                "event_type": "ARRIVING",
                "payload": {
                    "type": "ObjectEvent",
                    "eventTime": f"2026-11-21T{n // 60:02d}:{n % 60:02d}:00Z",
                    "eventTimeZoneOffset": "+00:00",
                    "action": "OBSERVE",
                    "readPoint": {"id": f"urn:x:{who}:{n}"},
                },
            }
            headers = {"X-API-Key": api_key, "Idempotency-Key": str(uuid.uuid4())}
            response = requests.post(
                f"{server.url}/v1/consignments/{reference}/events", json=body, headers=headers, timeout=300
            )
            return reference, response.status_code, response.text

        jobs = [(who, n) for n in range(PER_PARTICIPANT) for who in range(PARTICIPANTS)]
        with ThreadPoolExecutor(max_workers=40) as pool:
            results = list(pool.map(append, jobs))

    statuses = Counter(status for _, status, _ in results)
    print(f"1000 appends: {dict(statuses)}")
    assert sum(statuses.values()) == PARTICIPANTS * PER_PARTICIPANT
    assert set(statuses) <= {201, 202}, [text for _, status, text in results if status not in (201, 202)][:3]
    assert not any("nonce" in text.lower() for _, _, text in results)
    assert wait_drained(demo_runtime), "the outbox did not drain"
    auditor = services.members.authenticate(services.members.issue_api_key(keys["auditor"]["address"]))
    hashes = set()
    for reference, _ in carriers:
        events = services.consignments.events(auditor, reference)
        assert [e["seq"] for e in events] == list(range(PER_PARTICIPANT))
        assert all(e["status"] == "anchored" for e in events)
        report = services.evidence.verify(auditor, reference)
        assert report.passed, report.failures()
        hashes |= {e["entry_hash"] for e in events}
    assert len(hashes) == PARTICIPANTS * PER_PARTICIPANT


def wait_drained(runtime: Runtime, timeout: float = 120) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if runtime.services.outbox.pending_count() == 0:
            return True
        time.sleep(0.3)
    return False
