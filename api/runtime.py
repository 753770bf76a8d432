"""Booting a node: chain (embedded anvil or a URL), deployment, index, keys, service."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from sqlalchemy import Engine, delete
from web3 import Web3

from api.aeo_service import AEOService
from api.batch import BatchLog
from api.db import idempotency_keys, make_engine
from api.epcis.service import EpcisService
from api.keys import Keyring
from api.outbox import OutboxWorker
from api.service import LedgerService
from api.settings import Settings
from api.verify_pool import VerifyPool
from chain.aeo import AEOClient
from chain.deploy import CustomsBootstrap, deploy, deploy_missing, load_manifest, write_manifest
from chain.errors import DeploymentNotFound
from chain.ledger import LedgerClient
from chain.node import AnvilNode
from chain.rpc import connect
from chain.sender import TransactionSender
from content.store import open_store
from evidence.roles import Role

log = logging.getLogger("borderledger")


@dataclass
class Runtime:
    """A running node's parts; :meth:`close` stops what it started."""

    settings: Settings
    node: AnvilNode | None
    engine: Engine
    service: LedgerService
    aeo: AEOService
    epcis: EpcisService
    created_keys: dict[str, dict[str, str]]
    outbox: OutboxWorker | None = None
    batch: BatchLog | None = None

    def close(self) -> None:
        """Stop the workers, the embedded chain (it saves its state) and release the database."""
        if self.outbox is not None:
            self.outbox.stop()
        if self.batch is not None:
            self.batch.stop()
        self.service.verify_pool.close()
        self.engine.dispose()
        if self.node is not None:
            self.node.stop()


def _node_account(settings: Settings, keyring: Keyring, name: str) -> LocalAccount:
    """The node's own account ``name`` (deployer, relayer), kept encrypted in the data directory."""
    path = settings.data_dir / "keystore" / f"{name}.json"
    if path.exists():
        return keyring.unlock(name, path.read_text())
    account, keystore = keyring.create()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(keystore)
    path.chmod(0o600)
    return account


def _deployer(settings: Settings, keyring: Keyring) -> LocalAccount:
    if settings.deployer_key:
        account: LocalAccount = Account.from_key(settings.deployer_key)
        return account
    return _node_account(settings, keyring, "deployer")


def start_runtime(settings: Settings) -> Runtime:
    """Start (or connect to) the chain, deploy if needed, open the index and keys.

    On a fresh deployment it admits the bootstrap customs administrations, issues their
    API keys and, unless disabled, seeds the demo consortium.
    """
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    node: AnvilNode | None = None
    url = settings.rpc_url
    if url is None:
        node = AnvilNode(
            port=settings.anvil_port or None,
            state_path=(settings.data_dir / "chain" / "state.json").resolve(),
            log_path=settings.data_dir / "anvil.log",
        ).start()
        url = node.url
    try:
        w3 = connect(url)
        engine = make_engine(settings.resolved_database_url)
        keyring = Keyring(settings.keystore_password, settings.keystore_scrypt_n)
        sender = TransactionSender(w3)
        store = open_store(settings.data_dir, settings.ipfs_api)
        # Relays entries that clients signed themselves; on Besu it must be allowlisted.
        relayer = _node_account(settings, keyring, "relayer")
        pool = VerifyPool(settings.verify_workers)
        created: dict[str, dict[str, str]] = {}
        seeded = False
        try:
            manifest = load_manifest(settings.manifest_path, w3)
            upgraded = deploy_missing(w3, _deployer(settings, keyring), manifest, sender)
            if upgraded is not manifest:
                write_manifest(upgraded, settings.manifest_path)
                manifest = upgraded
            client = LedgerClient(w3, manifest, sender)
            service = LedgerService(engine, client, keyring, store, relayer, settings.max_document_bytes, pool)
        except DeploymentNotFound as missing:
            log.info("deploying: %s", missing)
            customs_accounts = [(keyring.create(), j, name, legal) for j, name, legal in settings.bootstrap_list()]
            bootstrap = [CustomsBootstrap(acc.address, j, legal, name) for (acc, _), j, name, legal in customs_accounts]
            manifest = deploy(w3, _deployer(settings, keyring), bootstrap, sender)
            client = LedgerClient(w3, manifest, sender)
            service = LedgerService(engine, client, keyring, store, relayer, settings.max_document_bytes, pool)
            for (account, keystore), j, name, legal in customs_accounts:
                service.add_participant(account.address, keystore, name, legal, j, [Role.CUSTOMS])
                created[f"customs-{j}"] = {
                    "address": account.address,
                    "api_key": service.issue_api_key(account.address),
                }
            # The node's relayer anchors Merkle log checkpoints: the first customs administration
            # admits it with the anchor role.
            (first, _), j, _, _ = customs_accounts[0]
            client.admit_operator(first, relayer.address, [Role.ANCHOR], j, f"{j}-NODE-RELAYER", "node relayer")
            write_manifest(manifest, settings.manifest_path)
            if settings.seed_demo:
                from api.demo import seed_demo

                created.update(seed_demo(service, _aeo(service), created))
                seeded = True
            _save_keys(settings.data_dir / "demo-keys.json", created)
    except BaseException:
        if node is not None:
            node.stop()
        raise
    # Requests in flight when the node last stopped never finished: let their keys be retried.
    with engine.begin() as conn:
        conn.execute(delete(idempotency_keys).where(idempotency_keys.c.state == "in_progress"))
    outbox = OutboxWorker(service, settings.outbox_interval).start() if settings.outbox_interval > 0 else None
    batch = None
    if "CheckpointLog" in service.client.manifest.contracts:
        address = Web3.to_checksum_address(service.client.manifest.contracts["CheckpointLog"].address)
        contract = service.client.w3.eth.contract(address=address, abi=service.client.abi("CheckpointLog"))
        batch = BatchLog(service, contract, settings.batch_size, settings.batch_max_delay).start()
        service.batch_log = batch
        if seeded:
            from api.demo import seed_batched_demo

            seed_batched_demo(service, batch, created)
    return Runtime(settings, node, engine, service, _aeo(service), EpcisService(service), created, outbox, batch)


def _aeo(service: LedgerService) -> AEOService:
    client = service.client
    contract = client.manifest.aeo
    return AEOService(service, AEOClient(client.w3, contract.address, contract.block, client.sender))


def _save_keys(path: Path, keys: dict[str, dict[str, str]]) -> None:
    path.write_text(json.dumps(keys, indent=2) + "\n")
    path.chmod(0o600)
