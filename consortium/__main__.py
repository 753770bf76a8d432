"""`make consortium`: the demo consortium on this machine, until Ctrl-C."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from consortium.network import LocalConsortium


def main() -> None:
    """Start everything, print where it is, and stop it all on Ctrl-C (or SIGTERM)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "data/consortium").resolve()
    consortium = LocalConsortium(root)
    # Ctrl-C and SIGTERM stop everything alike, while starting or running (also when started
    # in the background, where SIGINT arrives ignored).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        consortium.start()
        for jurisdiction, node in consortium.nodes_file()["nodes"].items():
            where = f"API {node['api_url']}  RPC {node['rpc_url']}  kubo {node['ipfs_api']}"
            print(f"{jurisdiction}: {where}  ({node['database']})")
        print(f"keys and addresses: {root / 'nodes.json'}; Ctrl-C stops everything", flush=True)
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping the consortium", flush=True)
    finally:
        consortium.stop()


if __name__ == "__main__":
    main()
