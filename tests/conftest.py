"""Collection rules for the whole tree.

tests/contracts run under brownie, from its own environment with its own fixtures
(`make test-contracts`); everything else runs under the service's pytest. Each side
collects only its own tests, so this file must import nothing but the standard library.
"""

import importlib.util

collect_ignore = [] if importlib.util.find_spec("brownie") else ["contracts"]
