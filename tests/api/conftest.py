"""API fixtures: the demo node behind a TestClient, and its demo keys."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.runtime import Runtime
from tests.support import demo_runtime

__all__ = ["demo_runtime"]


@pytest.fixture(scope="module")
def client(demo_runtime: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(runtime=demo_runtime)) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def keys(demo_runtime: Runtime) -> dict[str, dict[str, str]]:
    return demo_runtime.created_keys


def auth(keys: dict[str, dict[str, str]], who: str) -> dict[str, str]:
    return {"X-API-Key": keys[who]["api_key"]}


EVENT = {
    "type": "ObjectEvent",
    "eventTime": "2026-11-07T10:00:00+01:00",
    "eventTimeZoneOffset": "+01:00",
    "action": "OBSERVE",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00001.0"},
}
