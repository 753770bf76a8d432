"""The ``borderledger`` command line (typer + rich)."""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.settings import Settings
from client import cli as client_cli

app = typer.Typer(help="BorderLedger: a permissioned evidence ledger for cross-border trade.", no_args_is_help=True)
app.add_typer(client_cli.app, name="client")
console = Console()

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

    from api.main import create_app
    from api.runtime import start_runtime

    settings = _settings(data_dir, host=host, port=port, seed_demo=demo)
    runtime = start_runtime(settings)
    # uvicorn re-raises SIGTERM after its graceful shutdown; turn it into an exception so
    # the `finally` below still stops the embedded chain (which then saves its state).
    signal.signal(signal.SIGTERM, _raise_system_exit)
    try:
        _print_keys(_load_keys(settings), settings.data_dir / "demo-keys.json")
        domain = runtime.service.client.domain
        console.print(f"chain {domain.chain_id}, ledger {domain.verifying_contract}")
        console.print(f"API on http://{settings.host}:{settings.port}  (docs: /docs)")
        uvicorn.run(create_app(runtime=runtime), host=settings.host, port=settings.port, log_level="info")
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
    consignment: Annotated[str, typer.Argument(help="consignment reference, e.g. CQ-DUI-2026-0001")],
    data_dir: DataDir = None,
    api_key: Annotated[str | None, typer.Option(envvar="BORDERLEDGER_API_KEY", help="the caller's API key")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
) -> None:
    """Verify a consignment's evidence chain against the node's chain; exit 1 if any check fails."""
    from api.runtime import start_runtime

    settings = _settings(data_dir, seed_demo=False)
    runtime = start_runtime(settings)
    try:
        service = runtime.service
        key = api_key or next(iter(_load_keys(settings).values()), {}).get("api_key")
        caller = service.authenticate(key)
        report = service.verify(caller, consignment)
    finally:
        runtime.close()
    if as_json:
        console.print_json(json.dumps(report.to_dict()))
    else:
        table = Table(title=f"Verification of {consignment} (chain {report.chain_id}, ledger {report.ledger})")
        for column in ("seq", "event", "actor", "check", "result", "evidence"):
            table.add_column(column, overflow="fold")
        for entry in report.entries:
            for check in entry.checks:
                mark = {True: "[green]passed[/]", False: "[red]FAILED[/]", None: "[yellow]skipped[/]"}[check.passed]
                table.add_row(str(entry.seq), entry.event_type, entry.actor, check.name, mark, check.detail)
        for check in report.checks:
            mark = {True: "[green]passed[/]", False: "[red]FAILED[/]", None: "[yellow]skipped[/]"}[check.passed]
            table.add_row("", "", "", check.name, mark, check.detail)
        console.print(table)
        verdict = (
            "[green]every check passed[/]"
            if report.passed
            else "[red]verification FAILED: " + "; ".join(report.failures())
        )
        console.print(verdict)
    raise typer.Exit(0 if report.passed else 1)


def main() -> None:
    """Entry point of the ``borderledger`` script."""
    app()


if __name__ == "__main__":
    main()
