"""Adversarial tests: each tries to break a promise from outside — through the API, straight
at the contracts, with a tampered bundle, from a second node — as an attacker would."""

from __future__ import annotations

from tests.api.conftest import client, keys
from tests.support import demo_runtime

__all__ = ["client", "demo_runtime", "keys"]
