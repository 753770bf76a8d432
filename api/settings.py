"""Service settings, from environment variables prefixed ``BORDERLEDGER_`` (or a .env file)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from api.services.verifier import VerifierSettings
from api.verify_pool import default_workers
from chain.node import DEFAULT_PERSISTED_STATES

DEV_KEYSTORE_PASSWORD = "development-only-keystore-password"


class Settings(BaseSettings):
    """Everything the service can be configured with; defaults give the embedded mode."""

    model_config = SettingsConfigDict(env_prefix="BORDERLEDGER_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("data")
    host: str = "127.0.0.1"
    port: int = 8000

    rpc_url: str | None = Field(default=None, description="JSON-RPC URL; unset starts an embedded anvil node")
    anvil_port: int = Field(default=0, description="port of the embedded anvil; 0 lets the OS choose")
    anvil_persisted_states: int = Field(
        default=DEFAULT_PERSISTED_STATES,
        ge=0,
        description="past blocks' states the embedded anvil keeps on disk for reads at a past block "
        "(anvil is no archive node); bounds its disk use",
    )
    database_url: str | None = Field(default=None, description="SQLAlchemy URL; unset uses SQLite in data_dir")
    deployment_file: Path | None = Field(
        default=None, description="deployment manifest; default data_dir/deployment.json"
    )
    deployer_key: str | None = Field(default=None, description="hex private key that deploys on a fresh chain")

    keystore_password: str = DEV_KEYSTORE_PASSWORD
    keystore_scrypt_n: int = Field(default=2**18, description="scrypt cost of new keystores")

    bootstrap_customs: str = Field(
        default="CN:General Administration of Customs of the PRC:CN-GACC,"
        "KZ:State Revenue Committee of Kazakhstan:KZ-SRC,"
        "DE:Generalzolldirektion:DE-GZD",
        description="customs administrations admitted at deployment, 'CC:name:legal id' comma separated; "
        "'CC:name:legal id:0xADDRESS' admits an administration whose key another organisation's node holds",
    )
    ipfs_api: str | None = Field(
        default=None, description="kubo RPC API multiaddr, e.g. /ip4/127.0.0.1/tcp/5001; unset uses the local store"
    )
    seed_demo: bool = True
    max_request_bytes: int = 1_048_576
    max_document_bytes: int = 50 * 1024 * 1024
    batch_size: int = Field(default=1000, description="anchor the Merkle log when this many entries wait")
    batch_max_delay: float = Field(default=2.0, description="... or when the oldest has waited this many seconds")
    max_batch_request_bytes: int = Field(default=64 * 1024 * 1024, description="size limit of a bulk request")
    verify_workers: int = Field(
        default_factory=default_workers,
        description="processes that share out the checks of long evidence chains (1: verify in the server)",
    )
    receipt_timeout: float = Field(
        default=120.0,
        description="seconds to wait for a transaction to be mined; then the entry stays pending in the outbox",
    )
    confirmations: int = Field(
        default=0,
        ge=0,
        description="blocks a block must be buried under before the node indexes what others wrote in it "
        "(0 on a chain with immediate finality: anvil, Besu QBFT; a few on geth Clique)",
    )
    follow_interval: float = Field(
        default=1.0, description="seconds between passes that follow the chain into the index; 0 disables"
    )
    outbox_interval: float = Field(default=0.5, description="seconds between outbox passes; 0 disables the worker")
    public_url: str | None = Field(
        default=None,
        description="the HTTPS origin outsiders reach this node at, e.g. https://customs.example; issuers' "
        "did:web identifiers and status list URLs are minted from it (default https://host:port)",
    )
    tls_certfile: Path | None = Field(default=None, description="certificate chain (PEM) to serve HTTPS with")
    tls_keyfile: Path | None = Field(default=None, description="private key (PEM) of tls_certfile")
    tls_ca_bundle: Path | None = Field(
        default=None, description="CA certificates (PEM) trusted when resolving did:web issuers; unset: the system's"
    )
    trusted_issuers: str = Field(
        default="",
        description="DIDs of credential issuers this node's verifier trusts besides its own, comma separated",
    )
    resolvable_hosts: str = Field(
        default="",
        description="hosts (host:port) whose did:web documents and status lists the public verifier may fetch "
        "besides this node's own, comma separated; no others are fetched",
    )
    status_list_interval: float = Field(
        default=1.0, description="seconds between passes that republish changed credential status lists; 0 disables"
    )
    rate_limit_per_second: float = Field(default=100.0, description="sustained requests per second per API key")
    rate_limit_burst: int = Field(default=300, description="requests an API key may make at once")

    @model_validator(mode="after")
    def _no_default_secrets_in_production(self) -> Settings:
        if self.environment != "development" and self.keystore_password == DEV_KEYSTORE_PASSWORD:
            raise ValueError("BORDERLEDGER_KEYSTORE_PASSWORD must be set outside development")
        return self

    def verifier_settings(self) -> VerifierSettings:
        """What the public credential verifier trusts and may fetch from."""
        return VerifierSettings(
            self.tls_ca_bundle,
            frozenset(d.strip() for d in self.trusted_issuers.split(",") if d.strip()),
            frozenset(h.strip().lower() for h in self.resolvable_hosts.split(",") if h.strip()),
        )

    @property
    def resolved_public_url(self) -> str:
        """The node's public HTTPS origin."""
        return (self.public_url or f"https://{self.host}:{self.port}").rstrip("/")

    @property
    def resolved_database_url(self) -> str:
        """The database URL, SQLite in the data directory by default."""
        return self.database_url or f"sqlite:///{(self.data_dir / 'borderledger.db').resolve()}"

    @property
    def manifest_path(self) -> Path:
        """Where the deployment manifest is read and written."""
        return self.deployment_file or self.data_dir / "deployment.json"

    def bootstrap_list(self) -> list[tuple[str, str, str, str | None]]:
        """(jurisdiction, name, legal id, address or None) of each bootstrap customs
        administration; None: this node creates and holds its key."""
        out = []
        for item in filter(None, (s.strip() for s in self.bootstrap_customs.split(","))):
            jurisdiction, name, legal_id, *address = item.split(":", 3)
            held_elsewhere = address[0].strip() if address else None
            out.append((jurisdiction.strip().upper(), name.strip(), legal_id.strip(), held_elsewhere))
        return out
