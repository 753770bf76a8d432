# BorderLedger: `make run` and `make test` set up everything they need (idempotent).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
BROWNIE_VENV := .tools/brownie
STAMPS := build/.stamps

# brownie runs from its own tool environment, with its data folder inside .tools, the
# solc shim as its compiler and the npm anvil on PATH (see brownie-config.yaml).
ANVIL_BIN_DIR = $(abspath $(dir $(firstword $(wildcard node_modules/@foundry-rs/anvil-*/bin/anvil))))
BROWNIE = PATH="$(ANVIL_BIN_DIR):$$PATH" HOME="$(CURDIR)/.tools/brownie-home" \
	SOLCX_BINARY_PATH="$(CURDIR)/build/solcx" $(BROWNIE_VENV)/bin/brownie

# The consortium's engines, built from the Go module proxy into the project (chain/toolchain.py).
# geth v1.13.15 is the last release that seals Clique blocks; its fjl/memsize dependency
# links against Go runtime internals that Go 1.23+ refuses without -checklinkname=0.
GETH_VERSION := v1.13.15
KUBO_VERSION := v0.43.1
GO_BIN := $(CURDIR)/.tools/go/bin

.PHONY: setup setup-dev go-tools run demo consortium bench test test-tools test-contracts test-python lint brownie-compile brownie-deploy clean

# What serving needs; brownie's tool environment is only for the contract tests (setup-dev).
setup: $(STAMPS)/venv $(STAMPS)/npm $(STAMPS)/compiled
setup-dev: setup $(STAMPS)/brownie go-tools

go-tools: $(STAMPS)/geth-$(GETH_VERSION) $(STAMPS)/kubo-$(KUBO_VERSION)

$(STAMPS)/geth-$(GETH_VERSION):
	GOBIN=$(GO_BIN) GOFLAGS=-mod=mod go install -ldflags=-checklinkname=0 github.com/ethereum/go-ethereum/cmd/geth@$(GETH_VERSION)
	@mkdir -p $(STAMPS) && touch $@

# kubo's own go.mod has a replace directive, which `go install module@version` refuses: its
# version is pinned in tools/kubo/go.mod (with go.sum), whose `tool` directive builds it.
$(STAMPS)/kubo-$(KUBO_VERSION): tools/kubo/go.mod tools/kubo/go.sum
	@grep -q "github.com/ipfs/kubo $(KUBO_VERSION)" tools/kubo/go.mod || (echo "tools/kubo/go.mod does not pin kubo $(KUBO_VERSION)" && exit 1)
	cd tools/kubo && GOBIN=$(GO_BIN) go install tool
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/venv: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/npm: package.json package-lock.json
	@node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' || (echo "Node.js 20+ is required" && exit 1)
	npm ci --no-audit --no-fund --loglevel=error
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/brownie: requirements-brownie.lock
	$(PYTHON) -m venv $(BROWNIE_VENV)
	$(BROWNIE_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-brownie.lock
	@mkdir -p $(STAMPS) && touch $@

$(STAMPS)/compiled: $(STAMPS)/venv $(STAMPS)/npm $(wildcard contracts/*.sol contracts/interfaces/*.sol) tools/solc-shim.js
	$(PY) -m chain.compile
	@mkdir -p $(STAMPS) && touch $@

run: setup
	$(VENV)/bin/borderledger serve

# A benchmark, not a test: starts its own chain and service (and, for the consortium
# figures, the demo consortium: BENCH_CONSORTIUM=0 skips it) and prints a JSON summary.
bench: setup go-tools test-tools
	$(PY) tools/bench.py

demo: setup
	$(VENV)/bin/borderledger demo

# The demo consortium on this machine: four geth Clique signers, three kubo daemons, three
# organisation nodes (one on PostgreSQL); writes data/consortium/nodes.json. Ctrl-C stops it.
consortium: setup go-tools
	$(PY) -m consortium data/consortium

test: setup-dev test-tools lint test-contracts test-python

# From Debian: ipfs_cid (the CIDs `ipfs add` gives a file, a test oracle), a real
# headless Chromium with its driver for the web UI tests, and PostgreSQL for the index.
test-tools:
	@missing=""; command -v ipfs_cid >/dev/null || missing="$$missing ipfs-cid"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null || missing="$$missing chromium-driver"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else echo "install Debian's$$missing: sudo apt-get install$$missing" && exit 1; fi; fi

test-contracts: setup-dev
	@$(PY) tools/brownie_home.py
	$(BROWNIE) test -W ignore::FutureWarning

test-python: setup test-tools
	$(PY) -m pytest

PY_SOURCES := evidence chain content api client tests scripts tools
lint: setup
	$(VENV)/bin/ruff check $(PY_SOURCES)
	$(VENV)/bin/ruff format --check $(PY_SOURCES)
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy
	$(PY) tools/check_sizes.py
	npx --no-install solhint --max-warnings 0 'contracts/**/*.sol'

brownie-compile: setup-dev
	@$(PY) tools/brownie_home.py
	$(BROWNIE) compile

brownie-deploy: setup-dev
	@$(PY) tools/brownie_home.py
	$(BROWNIE) run scripts/deploy.py

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
