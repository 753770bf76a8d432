"""Where the pinned, offline toolchain lives: the solc shim, the anvil binary, and geth and
kubo built from the Go module proxy.

solc and anvil come from the npm packages pinned in ``package.json`` (``make setup``);
geth and kubo are built by ``make go-tools`` at pinned versions. Nothing here downloads
anything.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from chain.errors import ToolchainError

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = REPO_ROOT / "build"
CONTRACTS_DIR = REPO_ROOT / "contracts"
NODE_MODULES = REPO_ROOT / "node_modules"
SOLC_SHIM_SOURCE = REPO_ROOT / "tools" / "solc-shim.js"
# py-solc-x looks for compilers named ``solc-v<version>`` in SOLCX_BINARY_PATH.
SOLCX_DIR = BUILD_DIR / "solcx"

SOLC_VERSION = "0.8.30"
EVM_VERSION = "paris"  # no PUSH0: Clique (geth 1.13) never activates Shanghai
REMAPPINGS = ["@openzeppelin/=node_modules/@openzeppelin/"]


def solc_npm_version() -> str:
    """The version of the installed npm ``solc`` package."""
    import json

    package = NODE_MODULES / "solc" / "package.json"
    if not package.exists():
        raise ToolchainError("npm package 'solc' is not installed; run `make setup`.")
    return str(json.loads(package.read_text())["version"])


def ensure_solc_shim() -> Path:
    """Write the ``solc-v<version>`` launcher py-solc-x and brownie use, and return it."""
    installed = solc_npm_version()
    if installed != SOLC_VERSION:
        raise ToolchainError(f"npm solc is {installed}, expected {SOLC_VERSION}; run `make setup`.")
    node = shutil.which("node")
    if node is None:
        raise ToolchainError("node is not on PATH; install Node.js 20 or newer.")
    SOLCX_DIR.mkdir(parents=True, exist_ok=True)
    shim = SOLCX_DIR / f"solc-v{SOLC_VERSION}"
    script = f'#!/bin/sh\nexec "{node}" "{SOLC_SHIM_SOURCE}" "$@"\n'
    if not shim.exists() or shim.read_text() != script:
        shim.write_text(script)
        shim.chmod(shim.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    os.environ.setdefault("SOLCX_BINARY_PATH", str(SOLCX_DIR))
    return shim


def anvil_binary() -> Path:
    """The anvil binary shipped in the npm package ``@foundry-rs/anvil``."""
    for candidate in (NODE_MODULES / "@foundry-rs").glob("anvil-*/bin/anvil"):
        if os.access(candidate, os.X_OK):
            return candidate
    launcher = NODE_MODULES / ".bin" / "anvil"
    if launcher.exists():
        return launcher
    raise ToolchainError("anvil is not installed (npm @foundry-rs/anvil); run `make setup`.")


GO_BIN = REPO_ROOT / ".tools" / "go" / "bin"  # `make go-tools` builds the pinned versions here


def go_tool(name: str) -> Path:
    """A tool the project builds from the Go module proxy (``geth``, ``ipfs``)."""
    binary = GO_BIN / name
    if not os.access(binary, os.X_OK):
        raise ToolchainError(f"{name} is not built; run `make go-tools` (it builds {binary} with `go install`).")
    return binary
