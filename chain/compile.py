"""Compile the contracts offline with the pinned solc (through py-solc-x and the shim)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import solcx

from chain.errors import CompileError
from chain.toolchain import (
    BUILD_DIR,
    CONTRACTS_DIR,
    EVM_VERSION,
    REMAPPINGS,
    REPO_ROOT,
    SOLC_VERSION,
    ensure_solc_shim,
)

ARTIFACTS_DIR = BUILD_DIR / "artifacts"
CONTRACT_NAMES = (
    "ConsortiumRegistry",
    "ConsignmentLedger",
    "AEORegistry",
    "CheckpointLog",
    "RiskRuleSets",
    "StatusListAnchors",
    "ReportAnchors",
)


def _sources() -> dict[str, Path]:
    return {str(p.relative_to(REPO_ROOT)): p for p in sorted(CONTRACTS_DIR.rglob("*.sol"))}


def _fingerprint(sources: dict[str, Path]) -> str:
    digest = hashlib.sha256(f"{SOLC_VERSION}/{EVM_VERSION}".encode())
    for name, path in sources.items():
        digest.update(name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _error_messages(stdout: str) -> str:
    try:
        errors = json.loads(stdout).get("errors", [])
    except ValueError:
        return ""
    return "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors if e.get("severity") == "error")


def compile_contracts(force: bool = False) -> dict[str, dict[str, Any]]:
    """Compile ``contracts/`` into ``build/artifacts/<Name>.json`` (abi, bytecode).

    Skips the compiler when the sources are unchanged since the last build.
    """
    sources = _sources()
    fingerprint = _fingerprint(sources)
    stamp = ARTIFACTS_DIR / ".fingerprint"
    if not force and stamp.exists() and stamp.read_text() == fingerprint:
        return {name: load_artifact(name) for name in CONTRACT_NAMES}

    shim = ensure_solc_shim()
    standard_input = {
        "language": "Solidity",
        "sources": {name: {"urls": [name]} for name in sources},
        "settings": {
            "remappings": REMAPPINGS,
            "optimizer": {"enabled": True, "runs": 200},
            "evmVersion": EVM_VERSION,
            "outputSelection": {"*": {"*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"]}},
        },
    }
    try:
        output = solcx.compile_standard(
            standard_input, solc_binary=shim, base_path=str(REPO_ROOT), allow_paths=[str(REPO_ROOT)]
        )
    except solcx.exceptions.SolcError as exc:
        raise CompileError(f"solc failed:\n{_error_messages(exc.stdout_data or '') or exc.message}") from exc
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise CompileError("\n".join(e.get("formattedMessage", e["message"]) for e in errors))

    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    artifacts: dict[str, dict[str, Any]] = {}
    for source_name, contracts in output["contracts"].items():
        for name, data in contracts.items():
            if name not in CONTRACT_NAMES:
                continue
            artifact = {
                "contractName": name,
                "sourceName": source_name,
                "compiler": f"solc {SOLC_VERSION} (npm solc)",
                "abi": data["abi"],
                "bytecode": "0x" + data["evm"]["bytecode"]["object"],
                "deployedBytecode": "0x" + data["evm"]["deployedBytecode"]["object"],
            }
            (ARTIFACTS_DIR / f"{name}.json").write_text(json.dumps(artifact, indent=1))
            artifacts[name] = artifact
    stamp.write_text(fingerprint)
    return artifacts


def load_artifact(name: str) -> dict[str, Any]:
    """Read a compiled artifact, compiling first if it is missing."""
    path = ARTIFACTS_DIR / f"{name}.json"
    if not path.exists():
        return compile_contracts(force=True)[name]
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def main() -> None:
    """Entry point for ``python -m chain.compile``."""
    artifacts = compile_contracts(force=True)
    for name, artifact in artifacts.items():
        print(f"compiled {name}: {len(artifact['bytecode']) // 2 - 1} bytes")


if __name__ == "__main__":
    main()
