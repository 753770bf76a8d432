"""Fixtures of the fault, load and fuzz suite."""

from tests.support import demo_runtime

__all__ = ["demo_runtime"]
