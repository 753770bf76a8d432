"""``borderledger client …``: sign entries with your own key and send them to a node."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer
from eth_account import Account
from rich.console import Console

from client.http import ClientError, LedgerClientHTTP
from evidence.documents import DocumentType
from evidence.eip712 import Domain
from evidence.errors import LedgerValueError
from evidence.event_types import EventType
from evidence.trust import TrustRoot

app = typer.Typer(help="Sign entries with your own key (non-custodial) and have a node relay them.")
console = Console()

Url = Annotated[str, typer.Option(envvar="BORDERLEDGER_URL", help="the node's API")]
ApiKey = Annotated[str, typer.Option(envvar="BORDERLEDGER_API_KEY", help="your API key")]
Trust = Annotated[
    Path,
    typer.Option(
        envvar="BORDERLEDGER_TRUST", help="the consortium's deployment manifest: the chain and ledger to sign for"
    ),
]
Keystore = Annotated[
    Path | None, typer.Option(help="your encrypted keystore (password in BORDERLEDGER_CLIENT_PASSWORD)")
]


def _key(keystore: Path | None) -> bytes:
    if keystore is not None:
        password = os.environ.get("BORDERLEDGER_CLIENT_PASSWORD") or typer.prompt("keystore password", hide_input=True)
        return bytes(Account.decrypt(json.loads(keystore.read_text()), password))
    hex_key = os.environ.get("BORDERLEDGER_CLIENT_KEY")
    if not hex_key:
        raise typer.BadParameter("give --keystore FILE or set BORDERLEDGER_CLIENT_KEY")
    return bytes.fromhex(hex_key.removeprefix("0x"))


def _domain(manifest: Path) -> Domain:
    """The signing domain the consortium's manifest pins."""
    try:
        return TrustRoot.from_manifest(json.loads(manifest.read_text())).signing_domain
    except (OSError, ValueError, LedgerValueError) as exc:
        raise typer.BadParameter(f"--trust {manifest}: {exc}") from exc


def _run(action: object) -> None:
    try:
        result = action() if callable(action) else action
    except (ClientError, LedgerValueError) as exc:
        console.print(f"[red]refused:[/red] {exc}")
        raise typer.Exit(1) from exc
    console.print_json(json.dumps(result))


@app.command()
def keygen(
    out: Annotated[Path, typer.Argument(help="where to write the encrypted keystore")],
) -> None:
    """Create a key pair; give the printed address to your customs administration to register."""
    password = os.environ.get("BORDERLEDGER_CLIENT_PASSWORD") or typer.prompt(
        "new keystore password", hide_input=True, confirmation_prompt=True
    )
    account = Account.create()
    out.write_text(json.dumps(Account.encrypt(account.key, password)))
    out.chmod(0o600)
    console.print(f"address {account.address}, keystore {out}")


@app.command()
def append(
    reference: Annotated[str, typer.Argument(help="consignment reference (yours, or the only one you may read) or id")],
    event_type: Annotated[EventType, typer.Argument(help="event type")],
    payload: Annotated[Path, typer.Option(help="EPCIS 2.0 event JSON file")],
    url: Url = "http://127.0.0.1:8000",
    api_key: ApiKey = "",
    keystore: Keystore = None,
    next_carrier: Annotated[str | None, typer.Option(help="HANDOVER only: the next carrier")] = None,
    trust: Trust = Path("deployment.json"),
) -> None:
    """Sign an event with your key and send it to the node."""
    client = LedgerClientHTTP(url, api_key, _key(keystore), trusted=_domain(trust))
    _run(lambda: client.append(reference, event_type, json.loads(payload.read_text()), next_carrier))


@app.command()
def attach(
    reference: Annotated[str, typer.Argument(help="consignment reference (yours, or the only one you may read) or id")],
    file: Annotated[Path, typer.Argument(help="the document")],
    document_type: Annotated[DocumentType, typer.Option("--type", help="document type")],
    url: Url = "http://127.0.0.1:8000",
    api_key: ApiKey = "",
    keystore: Keystore = None,
    trust: Trust = Path("deployment.json"),
) -> None:
    """Upload a document and anchor it with an entry signed by your key."""
    client = LedgerClientHTTP(url, api_key, _key(keystore), trusted=_domain(trust))
    _run(lambda: client.attach_document(reference, file, document_type))
