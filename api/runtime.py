"""Booting a node: chain (embedded anvil or a URL), deployment, index, keys, services and
their workers."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from eth_account import Account
from eth_account.signers.local import LocalAccount
from web3 import Web3

from api.gc_tuning import tune_collector
from api.index import Index, make_engine
from api.index.rows import Participant
from api.services import Services, build_services
from api.services.keys import Keyring, hash_api_key, new_api_key
from api.services.node import Node
from api.settings import Settings
from api.verify_pool import VerifyPool
from chain.deploy import CustomsBootstrap, Manifest, deploy, deploy_missing, load_manifest, write_manifest
from chain.errors import ChainError, DeploymentNotFound
from chain.ledger import LedgerClient
from chain.node import AnvilNode
from chain.rpc import connect
from chain.sender import TransactionSender
from content.open import open_store
from evidence.errors import LedgerError
from evidence.roles import Role
from evidence.types import Address

log = logging.getLogger("borderledger")


@dataclass
class Runtime:
    """A running node's parts; :meth:`close` stops what it started."""

    settings: Settings
    node: AnvilNode | None
    services: Services
    verify_pool: VerifyPool
    created_keys: dict[str, dict[str, str]]
    rpc_url: str

    def close(self) -> None:
        """Stop the workers, the embedded chain (it saves its state) and release the database."""
        self.services.outbox.stop()
        self.services.follower.stop()
        self.services.status_lists.stop()
        if self.services.checkpointer is not None:
            self.services.checkpointer.stop()
        self.verify_pool.close()
        self.services.node.index.close()
        if self.node is not None:
            self.node.stop()
            _embedded_record(self.settings).unlink(missing_ok=True)


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


def start_embedded_chain(settings: Settings) -> AnvilNode:
    """The embedded anvil node, its state kept in the data directory."""
    return AnvilNode(
        port=settings.anvil_port or None,
        state_path=(settings.data_dir / "chain" / "state.json").resolve(),
        log_path=settings.data_dir / "anvil.log",
        persisted_states=settings.anvil_persisted_states,
    ).start()


class DataDirectoryInUse(LedgerError):
    """Raised when a command needs a data directory to itself and a running node holds it."""


def _embedded_record(settings: Settings) -> Path:
    return settings.data_dir / "embedded-chain.json"


def _running_embedded_chain(settings: Settings) -> tuple[str, int] | None:
    """(RPC URL, owner pid) of the embedded chain a running node of this data directory
    started, if that node and its chain are still alive."""
    try:
        record = json.loads(_embedded_record(settings).read_text())
        for pid in (int(record["anvil_pid"]), int(record["owner_pid"])):
            os.kill(pid, 0)  # raises if the process is gone
        connect(str(record["url"]), timeout=2)
    except (OSError, ValueError, KeyError, ChainError):
        return None
    return str(record["url"]), int(record["owner_pid"])


def start_runtime(settings: Settings, start_workers: bool = True, exclusive: bool = False) -> Runtime:
    """Start (or connect to) the chain, deploy if needed, open the index and keys.

    With the embedded default, a second process on the same data directory (``borderledger
    verify`` or ``issue-key`` while ``serve`` runs) connects to the chain the running node
    started instead of starting another on the same state; with ``exclusive`` (``reindex``)
    it refuses while that node runs. On a fresh deployment it admits the bootstrap customs
    administrations, issues their API keys and, unless disabled, seeds the demo consortium.
    """
    tune_collector()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    anvil: AnvilNode | None = None
    url = settings.rpc_url
    if url is None:
        running = _running_embedded_chain(settings)
        if running is not None and exclusive:
            raise DataDirectoryInUse(
                f"a node (pid {running[1]}) is running on {settings.data_dir}: stop it first, this command "
                "rewrites what it serves"
            )
        if running is not None:
            url = running[0]
        else:
            anvil = start_embedded_chain(settings)
            url = anvil.url
            (settings.data_dir / "rpc-url").write_text(url + "\n")
            record = {"url": url, "anvil_pid": anvil.pid, "owner_pid": os.getpid()}
            _embedded_record(settings).write_text(json.dumps(record) + "\n")
    try:
        runtime = _boot(settings, anvil, url)
    except BaseException:
        if anvil is not None:
            anvil.stop()
        raise
    if start_workers:
        if settings.outbox_interval > 0:
            runtime.services.outbox.start()
        if runtime.services.checkpointer is not None:
            runtime.services.checkpointer.start()
        if settings.follow_interval > 0:
            runtime.services.follower.start()
        if settings.status_list_interval > 0:
            runtime.services.status_lists.start()
    return runtime


def _boot(settings: Settings, anvil: AnvilNode | None, url: str) -> Runtime:
    w3 = connect(url)
    index = Index(make_engine(settings.resolved_database_url))
    keyring = Keyring(settings.keystore_password, settings.keystore_scrypt_n)
    sender = TransactionSender(w3, receipt_timeout=settings.receipt_timeout, funder=_deployer(settings, keyring))
    relayer = _node_account(settings, keyring, "relayer")  # relays client-signed entries, anchors checkpoints
    pool = VerifyPool(settings.verify_workers)
    created: dict[str, dict[str, str]] = {}
    fresh = not settings.manifest_path.exists()
    if fresh:
        log.info("deploying: no deployment manifest at %s", settings.manifest_path)
        manifest, customs = _deploy(settings, keyring, w3, sender)
    else:
        # A manifest that does not match the chain is never answered by deploying anew: that
        # would orphan every entry the index holds. The operator decides.
        try:
            manifest = load_manifest(settings.manifest_path, w3)
        except DeploymentNotFound as mismatch:
            raise DeploymentNotFound(
                f"{mismatch}. Refusing to start: point the node at its own chain, or move "
                f"{settings.manifest_path} and the index aside to deploy a new consortium"
            ) from mismatch
        upgraded = deploy_missing(w3, _deployer(settings, keyring), manifest, sender)
        if upgraded is not manifest:
            write_manifest(upgraded, settings.manifest_path)
            manifest = upgraded
    node = Node(
        index,
        LedgerClient(w3, manifest, sender),
        keyring,
        open_store(settings.data_dir, settings.ipfs_api),
        relayer,
        settings.max_document_bytes,
    )
    services = build_services(
        node,
        pool,
        settings.outbox_interval,
        settings.batch_size,
        settings.batch_max_delay,
        settings.confirmations,
        settings.follow_interval,
        settings.resolved_public_url,
        settings.status_list_interval,
        settings.verifier_settings(),
    )
    if fresh:
        created = _bootstrap(settings, services, customs, relayer)
        write_manifest(manifest, settings.manifest_path)
        _save_keys(settings.data_dir / "demo-keys.json", created)
    index.release_unfinished_requests()
    return Runtime(settings, anvil, services, pool, created, url)


@dataclass(frozen=True)
class BootstrapCustoms:
    """A customs administration admitted at deployment; ``account`` and ``keystore`` when
    this node holds its key, None when another organisation's node does."""

    address: str
    jurisdiction: str
    name: str
    legal_id: str
    account: LocalAccount | None = None
    keystore: str | None = None


def _deploy(
    settings: Settings, keyring: Keyring, w3: Web3, sender: TransactionSender
) -> tuple[Manifest, list[BootstrapCustoms]]:
    customs = []
    for jurisdiction, name, legal_id, held_elsewhere in settings.bootstrap_list():
        if held_elsewhere is not None:
            customs.append(BootstrapCustoms(Web3.to_checksum_address(held_elsewhere), jurisdiction, name, legal_id))
            continue
        account, keystore = keyring.create()
        customs.append(BootstrapCustoms(account.address, jurisdiction, name, legal_id, account, keystore))
    bootstrap = [CustomsBootstrap(c.address, c.jurisdiction, c.legal_id, c.name) for c in customs]
    manifest = deploy(w3, _deployer(settings, keyring), bootstrap, sender)
    return manifest, customs


def _bootstrap(
    settings: Settings, services: Services, customs: list[BootstrapCustoms], relayer: LocalAccount
) -> dict[str, dict[str, str]]:
    """Record the bootstrap customs administrations this node holds, with their API keys;
    propose the node's relayer as an anchor and approve with the administrations it holds
    (others approve through their own nodes); if asked, seed the demo."""
    created: dict[str, dict[str, str]] = {}
    local = [c for c in customs if c.account is not None]
    for c in local:
        services.members.add_participant(c.address, c.keystore, c.name, c.legal_id, c.jurisdiction, [Role.CUSTOMS])
        created[f"customs-{c.jurisdiction}"] = {
            "address": c.address,
            "api_key": services.members.issue_api_key(c.address),
        }
    if not local:
        log.warning("this node holds no bootstrap customs key: its relayer's anchor role is proposed elsewhere")
        return created
    # The node's relayer anchors Merkle log checkpoints: a consortium-wide role, so a customs
    # administration proposes it and the bootstrap administrations approve until the majority
    # is reached.
    chain = services.node.chain
    proposer = local[0]
    assert proposer.account is not None
    legal_id = f"{proposer.jurisdiction}-NODE-RELAYER"
    proposal_id, _ = chain.propose_member(
        proposer.account, relayer.address, [Role.ANCHOR], proposer.jurisdiction, legal_id, "node relayer"
    )
    for approver in local[1:]:
        if chain.proposal(proposal_id)["executed"]:
            break
        assert approver.account is not None
        chain.approve_proposal(approver.account, proposal_id)
    if chain.proposal(proposal_id)["executed"]:  # a member like any other (the chain follower would add it)
        services.members.add_participant(
            relayer.address, None, "node relayer", legal_id, proposer.jurisdiction, [Role.ANCHOR]
        )
    else:
        log.warning("the relayer's anchor role awaits approvals from other nodes: proposal %s", proposal_id)
    if settings.seed_demo:
        from api.demo import seed_demo

        created.update(seed_demo(services, created))
    return created


def register_local_member(
    settings: Settings, name: str, legal_id: str, jurisdiction: str, roles: list[Role]
) -> dict[str, str]:
    """A custodial key and an API key for a member this node will serve, before the
    consortium admits it (at deployment, by BOOTSTRAP_CUSTOMS with its address, or by
    governance). Touches no chain; the key works once the member is admitted."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    index = Index(make_engine(settings.resolved_database_url))
    try:
        account, keystore = Keyring(settings.keystore_password, settings.keystore_scrypt_n).create()
        index.add_participant(
            Participant(Address(account.address), name, legal_id, jurisdiction, frozenset(roles), keystore)
        )
        api_key = new_api_key()
        index.add_api_key(account.address, hash_api_key(api_key), "default")
    finally:
        index.close()
    return {"address": account.address, "api_key": api_key}


def _save_keys(path: Path, keys: dict[str, dict[str, str]]) -> None:
    path.write_text(json.dumps(keys, indent=2) + "\n")
    path.chmod(0o600)
