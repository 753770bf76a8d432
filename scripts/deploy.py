"""brownie entry point: ``brownie run scripts/deploy.py [--network NAME]``.

Thin on purpose: it calls :func:`chain.deploy.deploy`, the one way BorderLedger deploys.
Configuration from the environment:

- ``DEPLOYER_KEY``: hex private key of the deployer (default: a fresh key, fine on a
  zero-gas chain such as the local anvil or a Besu network with free gas);
- ``BOOTSTRAP_CUSTOMS``: ``CC:0xADDRESS:name:legal id`` entries separated by ``;``
  (default on a development network: brownie's accounts 1-3 as CN, KZ and DE customs);
- ``MANIFEST``: where to write the manifest (default ``build/deployments/borderledger-<chain id>.json``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from brownie import accounts, network, web3
from eth_account import Account

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from chain.deploy import CustomsBootstrap, deploy, write_manifest


def _is_development() -> bool:
    return bool(network.show_active() == "development" or "fork" in network.show_active())


def _bootstrap() -> list[CustomsBootstrap]:
    spec = os.environ.get("BOOTSTRAP_CUSTOMS")
    if spec:
        out = []
        for item in filter(None, spec.split(";")):
            jurisdiction, address, name, legal_id = item.split(":", 3)
            out.append(CustomsBootstrap(address, jurisdiction, legal_id, name))
        return out
    if not _is_development():
        sys.exit("set BOOTSTRAP_CUSTOMS to deploy on a live network")
    names = [
        ("CN", "China Customs", "CN-GACC"),
        ("KZ", "Kazakhstan Customs", "KZ-SRC"),
        ("DE", "German Customs", "DE-GZD"),
    ]
    return [CustomsBootstrap(accounts[i + 1].address, j, legal, name) for i, (j, name, legal) in enumerate(names)]


def main() -> None:
    """Deploy registry and ledger and write the deployment manifest."""
    key = os.environ.get("DEPLOYER_KEY")
    deployer = Account.from_key(key) if key else Account.create()
    if _is_development() and web3.eth.get_balance(deployer.address) == 0:
        # brownie's anvil charges a priority fee; give the deployer gas money from a dev account.
        accounts[0].transfer(deployer.address, "10 ether")
    manifest = deploy(web3, deployer, _bootstrap())
    path = Path(os.environ.get("MANIFEST", f"build/deployments/borderledger-{manifest.chain_id}.json"))
    write_manifest(manifest, path)
    for name, contract in manifest.contracts.items():
        print(f"{name:<19} {contract.address} (block {contract.block})")
    print(f"manifest written to {path}")
