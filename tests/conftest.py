"""Collection rules for the whole tree.

tests/contracts run under brownie, from its own environment with its own fixtures
(`make test-contracts`); everything else runs under the service's pytest. Each side
collects only its own tests, so this file must import nothing but the standard library.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("brownie") else ["contracts"]


def pytest_collection_modifyitems(config: object, items: list[object]) -> None:
    """BORDERLEDGER_TEST_ORDER=reverse runs every module's tests in reverse order: a check
    that no test depends on another having run first."""
    import os

    if os.environ.get("BORDERLEDGER_TEST_ORDER") == "reverse":
        items.reverse()
