"""Write brownie's data folder for this checkout: one `development` network, the npm anvil.

brownie keeps its network list in ``$HOME/.brownie``; the Makefile points HOME at
``.tools/brownie-home`` so the user's own brownie set-up is neither needed nor touched.
A free port is chosen on every run so parallel runs never collide.
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from chain.process import free_port  # noqa: E402


def main() -> None:
    home = Path(sys.argv[1]) if len(sys.argv) > 1 else REPO / ".tools" / "brownie-home"
    anvil = next((REPO / "node_modules" / "@foundry-rs").glob("anvil-*/bin/anvil"), None)
    if anvil is None:
        sys.exit("anvil is not installed (npm @foundry-rs/anvil); run `make setup`")
    folder = home / ".brownie"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "network-config.yaml").write_text(
        "development:\n"
        "  - name: anvil (npm @foundry-rs/anvil)\n"
        "    id: development\n"
        "    cmd: anvil\n"  # brownie picks its anvil backend by this name; the Makefile puts it on PATH
        "    host: http://127.0.0.1\n"
        "    cmd_settings:\n"
        f"      port: {free_port()}\n"
        "      accounts: 10\n"
        "      base_fee: 0\n"
        "      gas_price: 0\n"
        "      chain_id: 31337\n"
        "live: []\n"
    )


if __name__ == "__main__":
    main()
