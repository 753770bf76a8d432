"""schemathesis against the OpenAPI schema, over HTTP, as a demo participant: no 5xx, and
every response conforms to the schema (status code, content type, body)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api.runtime import Runtime
from tests.support import LiveServer

MIN_OPERATIONS = 35  # the API documents this many operations; fewer means the schema lost routes
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture(scope="module")
def live(demo_runtime: Runtime) -> Iterator[LiveServer]:
    with LiveServer(demo_runtime) as server:
        yield server


def _fuzzer(operation: Any, headers: dict[str, str], calls: Counter[str]) -> Callable[[], None]:
    """Generated requests for one operation, each counted under its label."""

    @given(case=operation.as_strategy())
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None)
    def run(case: Any) -> None:
        calls[operation.label] += 1
        case.call_and_validate(headers=headers, checks=CHECKS)

    return run


def _streams(operation: Any) -> bool:
    """An operation whose answer is an endless event stream."""
    ok = operation.definition.raw.get("responses", {}).get("200", {})
    return "text/event-stream" in ok.get("content", {})


def test_api_conforms(live: LiveServer, demo_runtime: Runtime) -> None:
    # As the importer (a party to the demo consignment), so requests reach past authentication.
    headers = {"X-API-Key": demo_runtime.created_keys["importer"]["api_key"]}
    schema = schemathesis.openapi.from_url(f"{live.url}/openapi.json")
    failures: dict[str, str] = {}
    calls: Counter[str] = Counter()
    operations: list[str] = []
    streams: list[str] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operation = result.ok()
        operations.append(operation.label)
        if _streams(operation):
            streams.append(operation.label)  # never ends by design: tests/api/test_status.py reads it
            continue
        run = _fuzzer(operation, headers, calls)
        try:
            run()
        except Exception as exc:
            failures[operation.label] = str(exc)[:600]
    print(f"schemathesis: {len(operations)} operations, {sum(calls.values())} calls, {len(failures)} failing")
    for label, failure in failures.items():
        print(f"--- {label}\n{failure}")
    # The run must have exercised the API: every documented operation (one without parameters
    # has a single case), and many cases in all.
    assert len(operations) >= MIN_OPERATIONS, operations
    assert streams == ["GET /v1/status/feed"], streams
    assert {label for label in operations if calls[label] == 0} == set(streams), calls
    assert sum(calls.values()) >= 8 * (len(operations) - len(streams)), calls
    assert not failures, sorted(failures)
