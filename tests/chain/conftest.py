"""Fixtures of the chain suite."""

from tests.support import anvil

__all__ = ["anvil"]
