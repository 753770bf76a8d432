"""The demo consortium on one machine: four geth Clique signers, three kubo daemons in a
private swarm, PostgreSQL, and one BorderLedger node per customs administration (CN, KZ,
DE), each with its own chain node, kubo node, database (KZ's on PostgreSQL), keystores and
API keys.

CN's node deploys once; KZ's and DE's administrations create their keys on their own
nodes first, and are admitted at deployment by address. The demo is then seeded through
the organisations' own nodes (each member registered at, and acting through, its
jurisdiction's node), and ``nodes.json`` says where everything is.
"""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from eth_account import Account
from eth_account.signers.local import LocalAccount

from api.demo import OPERATORS, seed_demo
from api.http.app import create_app
from api.runtime import Runtime, register_local_member, start_runtime
from api.settings import Settings
from chain.errors import ContractRevert
from chain.node import free_port
from consortium.clique import CliqueNetwork
from consortium.postgres import PostgresServer
from consortium.swarm import PrivateSwarm
from evidence.roles import Role

log = logging.getLogger("borderledger.consortium")

CUSTOMS = [
    ("CN", "General Administration of Customs of the PRC", "CN-GACC"),
    ("KZ", "State Revenue Committee of Kazakhstan", "KZ-SRC"),
    ("DE", "Generalzolldirektion", "DE-GZD"),
]
CONFIRMATIONS = 2  # Clique has no finality: index what others wrote two blocks deep


@dataclass
class Organisation:
    """One customs administration's node and where it is served."""

    jurisdiction: str
    runtime: Runtime
    rpc_url: str
    ipfs_api: str
    database: str
    api_port: int = field(default_factory=free_port)
    server: uvicorn.Server | None = None
    keys: dict[str, dict[str, str]] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        """Where the node's API answers."""
        return f"http://127.0.0.1:{self.api_port}"

    def serve(self) -> None:
        """Serve the node's API in a thread, on 127.0.0.1."""
        config = uvicorn.Config(
            create_app(runtime=self.runtime), host="127.0.0.1", port=self.api_port, log_level="warning"
        )
        self.server = uvicorn.Server(config)
        threading.Thread(target=self.server.run, name=f"api-{self.jurisdiction}", daemon=True).start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError(f"the API of {self.jurisdiction} did not start")
            time.sleep(0.05)


class LocalConsortium:
    """Starts everything under ``root``; :meth:`stop` stops all it started."""

    def __init__(self, root: Path, keystore_scrypt_n: int = 2**14) -> None:
        self.root = root
        # A fresh demo each time: the chain, content and nodes of a previous run are removed.
        if root.exists():
            shutil.rmtree(root)
        root.mkdir(parents=True)
        self.scrypt_n = keystore_scrypt_n
        self.deployers: dict[str, LocalAccount] = {cc: Account.create() for cc, _, _ in CUSTOMS}
        self.clique = CliqueNetwork(root / "chain", signers=4, funded=[a.address for a in self.deployers.values()])
        self.swarm = PrivateSwarm(root / "content", size=len(CUSTOMS))
        self.postgres = PostgresServer()
        self.organisations: dict[str, Organisation] = {}

    def _settings(self, index: int, jurisdiction: str, database_url: str | None, **extra: Any) -> Settings:
        return Settings(
            data_dir=self.root / jurisdiction.lower(),
            rpc_url=self.clique.nodes[index].url,
            ipfs_api=self.swarm.daemons[index].api,
            database_url=database_url,
            deployer_key=self.deployers[jurisdiction].key.hex(),
            keystore_scrypt_n=self.scrypt_n,
            confirmations=CONFIRMATIONS,
            follow_interval=0.5,
            batch_max_delay=0.5,
            seed_demo=False,
            **extra,
        )

    def start(self) -> LocalConsortium:
        """Start the engines, deploy through CN's node, start KZ's and DE's, seed the demo."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        log.info("starting four Clique signers, three kubo daemons and PostgreSQL")
        self.clique.start()
        self.swarm.start()
        self.postgres.start()
        databases = {"CN": None, "KZ": self.postgres.create_database("borderledger_kz"), "DE": None}
        settings = {cc: self._settings(i, cc, databases[cc]) for i, (cc, _, _) in enumerate(CUSTOMS)}
        # KZ's and DE's administrations create their keys on their own nodes...
        held: dict[str, dict[str, str]] = {}
        for cc, name, legal_id in CUSTOMS[1:]:
            held[cc] = register_local_member(settings[cc], name, legal_id, cc, [Role.CUSTOMS])
        # ...and CN's node deploys, admitting them by address.
        bootstrap = [f"{CUSTOMS[0][0]}:{CUSTOMS[0][1]}:{CUSTOMS[0][2]}"]
        bootstrap += [f"{cc}:{name}:{legal_id}:{held[cc]['address']}" for cc, name, legal_id in CUSTOMS[1:]]
        settings["CN"] = settings["CN"].model_copy(update={"bootstrap_customs": ",".join(bootstrap)})
        log.info("deploying through CN's node")
        cn = start_runtime(settings["CN"])
        self._add("CN", cn, settings["CN"], cn.created_keys)
        for cc, _, _ in CUSTOMS[1:]:
            data_dir = settings[cc].data_dir
            shutil.copy(cn.settings.manifest_path, data_dir / "deployment.json")  # the consortium's trust root
            runtime = start_runtime(settings[cc])
            self._add(cc, runtime, settings[cc], {f"customs-{cc}": held[cc]})
        self._approve_relayer_anchor()
        log.info("seeding the demo through the organisations' own nodes")
        customs_keys = {f"customs-{cc}": self.organisations[cc].keys[f"customs-{cc}"] for cc, _, _ in CUSTOMS}
        nodes = {cc: org.runtime.services for cc, org in self.organisations.items()}
        operators = seed_demo(cn.services, customs_keys, nodes)
        served_by = {key: jurisdiction for key, jurisdiction, *_ in OPERATORS}
        for key, created in operators.items():
            self.organisations[served_by[key]].keys[key] = created
        for org in self.organisations.values():
            org.serve()
        self.write_nodes_file()

    def _add(self, jurisdiction: str, runtime: Runtime, settings: Settings, keys: dict[str, dict[str, str]]) -> None:
        index = [cc for cc, _, _ in CUSTOMS].index(jurisdiction)
        self.organisations[jurisdiction] = Organisation(
            jurisdiction,
            runtime,
            self.clique.nodes[index].url,
            self.swarm.daemons[index].api,
            "postgresql" if settings.database_url else "sqlite",
            keys=dict(keys),
        )

    def _approve_relayer_anchor(self) -> None:
        """CN proposed its relayer as the log's anchor; KZ approves through its own node."""
        cn = self.organisations["CN"].runtime.services
        kz = self.organisations["KZ"].runtime.services
        relayer = cn.node.relayer.address
        chain = kz.node.chain
        for proposal_id in range(64):
            try:
                proposal = chain.proposal(proposal_id)
            except ContractRevert:
                continue
            if proposal.get("account") == relayer and not proposal["executed"]:
                kz_customs = kz.members.participant(self.organisations["KZ"].keys["customs-KZ"]["address"])
                kz.members.approve_proposal(kz_customs, proposal_id)
                return
        raise RuntimeError("no pending anchor proposal for CN's relayer")

    def nodes_file(self) -> dict[str, Any]:
        """What ``nodes.json`` holds: each node's API, RPC and kubo API, and its members' keys."""
        return {
            "chain_id": self.clique.chain_id,
            "signers": self.clique.urls,
            "nodes": {
                cc: {
                    "api_url": org.api_url,
                    "rpc_url": org.rpc_url,
                    "ipfs_api": org.ipfs_api,
                    "database": org.database,
                    "manifest": str(org.runtime.settings.manifest_path),
                    "keys": org.keys,
                }
                for cc, org in self.organisations.items()
            },
        }

    def write_nodes_file(self) -> Path:
        """Write ``nodes.json`` (private: it holds API keys)."""
        path = self.root / "nodes.json"
        path.write_text(json.dumps(self.nodes_file(), indent=2) + "\n")
        path.chmod(0o600)
        return path

    def stop(self) -> None:
        """Stop every node, server and engine started."""
        for org in self.organisations.values():
            if org.server is not None:
                org.server.should_exit = True
            org.runtime.close()
        self.organisations.clear()
        self.swarm.stop()
        self.clique.stop()
        self.postgres.stop()
