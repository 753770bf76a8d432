"""The ``borderledger`` command line (typer + rich)."""

from __future__ import annotations

import json
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import TaskID
from rich.table import Table

from api.settings import Settings
from client import cli as client_cli
from evidence.errors import LedgerValueError
from evidence.verify import Report

if TYPE_CHECKING:
    from chain.deploy import Manifest
    from evidence.bundle import Bundle, OnlineFacts
    from evidence.checks import Check

app = typer.Typer(help="BorderLedger: a permissioned evidence ledger for cross-border trade.", no_args_is_help=True)
app.add_typer(client_cli.app, name="client")
console = Console(soft_wrap=True)
# Exit codes of the verify commands: every check ran and passed / one failed / the input is
# unreadable / nothing failed but some checks could not be made.
EXIT_PASSED, EXIT_FAILED, EXIT_UNREADABLE, EXIT_INCOMPLETE = (
    0,
    1,
    2,
    3,
)  # long hashes and keys stay on one line, copyable

DataDir = Annotated[
    Path | None, typer.Option("--data-dir", help="data directory (default: BORDERLEDGER_DATA_DIR or ./data)")
]


def _settings(data_dir: Path | None, **overrides: object) -> Settings:
    values = {k: v for k, v in overrides.items() if v is not None}
    if data_dir is not None:
        values["data_dir"] = data_dir
    return Settings(**values)  # type: ignore[arg-type]


def _print_keys(keys: dict[str, dict[str, str]], path: Path) -> None:
    if not keys:
        return
    # Plain lines, never truncated: these are meant to be copied.
    console.print(f"[bold]Demo participants[/bold] (saved to {path}):")
    for name, item in keys.items():
        console.print(f"  {name:<11} {item['address']}  X-API-Key: {item['api_key']}", soft_wrap=True)


@app.command()
def serve(
    data_dir: DataDir = None,
    host: Annotated[str | None, typer.Option(help="interface to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
    demo: Annotated[bool, typer.Option("--demo/--no-demo", help="seed the demo consortium on a fresh chain")] = True,
) -> None:
    """Run the API (and, unless BORDERLEDGER_RPC_URL is set, an embedded anvil chain)."""
    import uvicorn

    from api.http.app import create_app
    from api.runtime import start_runtime

    settings = _settings(data_dir, host=host, port=port, seed_demo=demo)
    runtime = start_runtime(settings)
    runtime.verify_pool.warm()
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into an exception so
    # the `finally` below still stops the embedded chain (which then saves its state).
    signal.signal(signal.SIGTERM, _raise_system_exit)
    try:
        _print_keys(_load_keys(settings), settings.data_dir / "demo-keys.json")
        domain = runtime.services.node.chain.domain
        where = " (embedded anvil; also in " + str(settings.data_dir / "rpc-url") + ")" if runtime.node else ""
        console.print(f"chain {domain.chain_id} at {runtime.rpc_url}{where}, ledger {domain.verifying_contract}")
        tls = settings.tls_certfile is not None
        console.print(f"API on {'https' if tls else 'http'}://{settings.host}:{settings.port}  (docs: /docs)")
        if not tls:
            console.print(
                f"credential issuers are did:web under {settings.resolved_public_url}: outsiders resolve them "
                "over HTTPS only (set BORDERLEDGER_TLS_CERTFILE/KEYFILE, or serve behind a TLS proxy)"
            )
        uvicorn.run(
            create_app(runtime=runtime),
            host=settings.host,
            port=settings.port,
            log_level="info",
            ssl_certfile=str(settings.tls_certfile) if tls else None,
            ssl_keyfile=str(settings.tls_keyfile) if settings.tls_keyfile else None,
        )
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        runtime.close()


def _raise_system_exit(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def _load_keys(settings: Settings) -> dict[str, dict[str, str]]:
    path = settings.data_dir / "demo-keys.json"
    return json.loads(path.read_text()) if path.exists() else {}


@app.command()
def demo(data_dir: DataDir = None) -> None:
    """Set up the embedded chain with the demo consortium (if not yet), print the demo keys, and stop."""
    from api.runtime import start_runtime

    settings = _settings(data_dir, seed_demo=True)
    runtime = start_runtime(settings)
    try:
        _print_keys(_load_keys(settings), settings.data_dir / "demo-keys.json")
        console.print("demo consignment: [bold]CQ-DUI-2026-0001[/bold]")
    finally:
        runtime.close()


@app.command()
def verify(
    consignment: Annotated[str, typer.Argument(help="consignment reference, e.g. CQ-DUI-2026-0001, or its id")],
    data_dir: DataDir = None,
    api_key: Annotated[str | None, typer.Option(envvar="BORDERLEDGER_API_KEY", help="the caller's API key")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify a consignment's evidence chain against the node's chain; exit 1 if any check fails."""
    from api.runtime import start_runtime

    settings = _settings(data_dir, seed_demo=False)
    runtime = start_runtime(settings, start_workers=False)
    try:
        services = runtime.services
        key = api_key or next(iter(_load_keys(settings).values()), {}).get("api_key")
        caller = services.members.authenticate(key)
        report = services.evidence.verify(caller, consignment)
    finally:
        runtime.close()
    _print_report(report, as_json)
    raise typer.Exit({"passed": EXIT_PASSED, "failed": EXIT_FAILED}.get(report.verdict, EXIT_INCOMPLETE))


def _print_report(report: Report, as_json: bool) -> None:
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
        return
    marks = {True: "[green]passed[/]", False: "[red]FAILED[/]", None: "[yellow]not checked[/]"}
    table = Table(title=f"Verification of {report.consignment} (chain {report.chain_id}, ledger {report.ledger})")
    for column in ("seq", "event", "actor", "check", "result", "evidence"):
        table.add_column(column, overflow="fold")
    for check in report.checks:
        table.add_row("", "", "", check.name, marks[check.passed], check.detail)
    for entry in report.entries:
        for check in entry.checks:
            table.add_row(str(entry.seq), entry.event_type, entry.actor, check.name, marks[check.passed], check.detail)
    console.print(table)
    custody = report.custody or {}
    if custody:
        console.print("[bold]Chain of custody[/bold]")
        for holder in custody["holders"]:
            since = (
                f"from entry {holder['from_seq']} ({holder['since']})"
                if holder["from_seq"] is not None
                else "from opening"
            )
            console.print(f"  carrier {holder['carrier']} {since}")
        for control in custody["controls"]:
            where = f"entry {control['seq']} ({control['event_time']})"
            console.print(f"  customs {control['jurisdiction']} {control['result']} at {where}")
    if report.pre_arrival:
        console.print("[bold]Pre-arrival declarations[/bold]")
        for proof in report.pre_arrival:
            source = "" if proof.get("times_from_chain", True) else " (times as the bundle states them)"
            console.print(f"  entry {proof['seq']}: {proof['status']} — {proof['reason']}{source}")
    if report.verdict == "passed":
        console.print("[green]every check passed[/]")
    elif report.verdict == "failed":
        console.print("[red]verification FAILED: " + "; ".join(report.failures()))
    else:
        console.print("[yellow]verification INCOMPLETE: nothing failed, but these checks could not be made: ")
        for item in report.not_checked():
            console.print(f"[yellow]  {item}[/]")


@app.command(name="verify-bundle")
def verify_bundle_command(
    file: Annotated[Path, typer.Argument(help="an evidence bundle (GET /v1/consignments/{ref}/bundle)")],
    rpc: Annotated[str | None, typer.Option(help="also check on-chain presence against this JSON-RPC node")] = None,
    trust: Annotated[
        Path | None, typer.Option(help="the consortium's deployment manifest: the chain and contracts to trust")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify an evidence bundle: offline, or with --rpc against any node of the network, the
    chain and contracts pinned by --trust (the bundle's own are never believed).

    Exits 0 when every check ran and passed, 1 when any failed (naming them), 2 when the
    file is not a bundle or the trust root not a manifest, 3 when nothing failed but some
    checks could not be made (offline, nothing pinned), saying which and why."""
    from api.verify_pool import VerifyPool, default_workers
    from evidence.bundle import parse_bundle, verify_bundle

    try:
        bundle = parse_bundle(json.loads(file.read_text()))
        trusted = _trust_manifest(trust) if trust else None
    except (ValueError, RecursionError, LedgerValueError) as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(EXIT_UNREADABLE) from exc
    online, trust_check = _online(bundle, rpc, trusted)
    pool = VerifyPool(default_workers())
    try:
        report = verify_bundle(bundle, online, executor=pool.for_entries(len(bundle.entries)), trust=trust_check)
    finally:
        pool.close()
    _print_report(report, as_json)
    raise typer.Exit({"passed": EXIT_PASSED, "failed": EXIT_FAILED}.get(report.verdict, EXIT_INCOMPLETE))


def _trust_manifest(path: Path) -> Manifest:
    from chain.deploy import Manifest
    from evidence.trust import TrustRoot

    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise LedgerValueError(f"{path}: not a readable deployment manifest ({exc})") from exc
    TrustRoot.from_manifest(data)  # refuses what is not a manifest, naming what is missing
    return Manifest.from_json(data)


def _online(bundle: Bundle, rpc: str | None, trusted: Manifest | None) -> tuple[OnlineFacts | None, Check]:
    """The chain's facts about the bundle, read at the trusted contracts (the bundle's own
    without a trust root), and the trust-root check; a node that cannot answer, or serves
    another chain, fails the check instead of being asked."""
    from chain.errors import ChainError
    from chain.ledger import LedgerClient, manifest_of_bundle, trust_root_of
    from chain.rpc import connect, node_identity
    from evidence.checks import Check
    from evidence.trust import check_trust_root

    contracts = {name: c.address for name, c in bundle.chain.contracts.items()}
    pinned = trust_root_of(trusted) if trusted else None
    if rpc is None:
        return None, check_trust_root(pinned, bundle.chain.chain_id, contracts, None)
    try:
        w3 = connect(rpc)
        anchor = pinned.deployment_block if pinned else bundle.chain.contracts["ConsortiumRegistry"].block
        check = check_trust_root(pinned, bundle.chain.chain_id, contracts, node_identity(w3, anchor))
        if check.passed is False:
            return None, check
        return LedgerClient(w3, trusted or manifest_of_bundle(bundle)).online_facts(bundle), check
    except ChainError as exc:
        return None, Check("trust_root", False, f"the node at {rpc} could not be asked: {exc}")


@app.command(name="verify-credential")
def verify_credential_command(
    file: Annotated[Path, typer.Argument(help="a credential as its vc+jwt text (compact JWS)")],
    trust: Annotated[
        list[str] | None, typer.Option(help="a DID of an issuer to trust (repeatable): the verifier's trust root")
    ] = None,
    ca_bundle: Annotated[
        Path | None, typer.Option(help="CA certificates (PEM) for the issuer's HTTPS host; default the system's")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify a verifiable credential as an outsider: resolve its issuer's did:web over HTTPS,
    fetch its status lists, check signature, schema, validity, revocation and suspension.

    Exits 0 when the credential is valid (every check ran and passed), 1 when a check failed
    (invalid, revoked, suspended, expired, untrusted issuer), 3 when nothing failed but some
    checks could not be made (e.g. no --trust given, a host unreachable)."""
    from client.credentials import https_fetch, verify_online

    report = verify_online(file.read_text(), https_fetch(ca_bundle), frozenset(trust) if trust else None)
    if as_json:
        console.print_json(json.dumps(report.to_json()))
    else:
        marks = {"passed": "[green]passed[/]", "failed": "[red]FAILED[/]", "not_checked": "[yellow]not checked[/]"}
        table = Table(title=f"Credential from {report.issuer or 'an unknown issuer'}: {report.verdict}")
        for column in ("check", "result", "detail"):
            table.add_column(column, overflow="fold")
        for check in report.checks:
            table.add_row(check.name, marks[check.outcome.value], check.detail)
        console.print(table)
    raise typer.Exit({"valid": EXIT_PASSED, "incomplete": EXIT_INCOMPLETE}.get(report.verdict, EXIT_FAILED))


@app.command(name="verify-log")
def verify_log_command(
    url: Annotated[str, typer.Option(envvar="BORDERLEDGER_URL", help="a node's API, to serve consistency proofs")],
    api_key: Annotated[str, typer.Option(envvar="BORDERLEDGER_API_KEY", help="an API key on that node")],
    rpc: Annotated[str, typer.Option(help="a JSON-RPC node of the network: where the checkpoints are read")],
    contract: Annotated[str, typer.Option(help="the CheckpointLog address (from the deployment manifest)")],
) -> None:
    """Monitor the Merkle log: read every checkpoint anchored on chain and check, with the
    node's consistency proofs, that each tree extends the one before it (the log never
    forked or rewrote history). Exits 1 naming the first pair that is not consistent."""
    from chain.checkpoints import CheckpointLogClient
    from chain.rpc import connect
    from client.http import ClientError, NodeReader
    from evidence.anchoring import CheckpointClaim, check_consistency

    heads = [(c.size, bytes(c.root), c.block_number) for c in CheckpointLogClient(connect(rpc), contract, 0).anchored()]
    if not heads:
        console.print("no checkpoint anchored yet")
        raise typer.Exit(0)
    node = NodeReader(url, api_key)
    claims = []
    for previous, (size, root, block) in zip([None, *heads[:-1]], heads, strict=True):
        try:
            proof = node.consistency(previous[0], size) if previous else []
        except ClientError as exc:
            console.print(f"[red]the node gives no consistency proof from {previous} to size {size}: {exc}[/]")
            raise typer.Exit(1) from exc
        claims.append(CheckpointClaim(size, root, block, tuple(proof)))
    check = check_consistency(claims)
    if check.passed:
        console.print(
            f"[green]{len(claims)} checkpoints, tree sizes {claims[0].size}..{claims[-1].size}: "
            "each extends the one before[/]"
        )
    else:
        console.print(f"[red]log NOT consistent: {check.detail}[/]")
    raise typer.Exit(0 if check.passed else 1)


@app.command()
def reindex(data_dir: DataDir = None) -> None:
    """Rebuild the index (consignments, entries, documents, member directory) from the chain's
    logs and the content store. API keys and custodial keystores are kept."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from api.runtime import DataDirectoryInUse, start_runtime
    from api.services.reindex import reindex as rebuild

    try:
        runtime = start_runtime(_settings(data_dir, seed_demo=False), start_workers=False, exclusive=True)
    except DataDirectoryInUse as busy:
        console.print(f"[red]{busy}[/]")
        raise typer.Exit(1) from busy
    try:
        with Progress(TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn(), console=console) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(stage: str, done: int, total: int) -> None:
                if stage not in tasks:
                    tasks[stage] = bar.add_task(stage, total=total)
                bar.update(tasks[stage], completed=done)

            services = runtime.services
            stats = rebuild(services.node, services.members, progress, services.merkle_log)
    finally:
        runtime.close()
    console.print(
        f"rebuilt {stats.consignments} consignments, {stats.entries} entries ({stats.batched_entries} batched "
        f"under {stats.checkpoints} checkpoints), {stats.documents} documents; "
        f"{stats.participants_added} members added to the directory"
    )


@app.command(name="issue-key")
def issue_key(
    address: Annotated[str, typer.Argument(help="a member's address")],
    data_dir: DataDir = None,
    label: Annotated[str, typer.Option(help="what the key is for")] = "default",
) -> None:
    """Issue an API key for a member (node operator's command: it needs the node's database)."""
    from web3 import Web3

    from api.runtime import start_runtime

    runtime = start_runtime(_settings(data_dir, seed_demo=False), start_workers=False)
    try:
        key = runtime.services.members.issue_api_key(Web3.to_checksum_address(address), label)
    finally:
        runtime.close()
    console.print(f"X-API-Key: {key}", soft_wrap=True)


@app.command(name="register-member")
def register_member(
    name: Annotated[str, typer.Option(help="the member's name")],
    legal_id: Annotated[str, typer.Option(help="its legal identifier")],
    jurisdiction: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 code")],
    role: Annotated[list[str], typer.Option(help="a role it is to hold (repeat for several)")],
    data_dir: DataDir = None,
) -> None:
    """Create, on this node, the key and API key of a member it will serve, before the
    consortium admits it: its address then goes in BOOTSTRAP_CUSTOMS of the deploying node,
    or in an admission proposal. Touches no chain."""
    from api.runtime import register_local_member
    from evidence.roles import Role

    roles = [Role(r.upper()) for r in role]
    created = register_local_member(_settings(data_dir), name, legal_id, jurisdiction.upper(), roles)
    console.print(f"address {created['address']}  X-API-Key: {created['api_key']}", soft_wrap=True)


def main() -> None:
    """Entry point of the ``borderledger`` script."""
    from api.gc_tuning import tune_collector
    from api.http.app import SAFE_RECURSION_LIMIT

    tune_collector()  # every command but the smallest handles thousands of entries
    # Bundles and manifests come from outside: keep the JSON parser from recursing past the C
    # stack (see SAFE_RECURSION_LIMIT).
    sys.setrecursionlimit(SAFE_RECURSION_LIMIT)
    app()


if __name__ == "__main__":
    main()
