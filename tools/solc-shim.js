#!/usr/bin/env node
// The native `solc` command line (the subset py-solc-x and brownie use), served by the
// pinned npm `solc` package (the official compiler built to WebAssembly), so nothing
// is downloaded: `--version`, and `--standard-json` reading the input on stdin.
// Imports are read from disk, resolved against --base-path / --include-path and
// limited to --allow-paths, like the native compiler does.
"use strict";
const fs = require("fs");
const path = require("path");
const solc = require("solc");

function parseArgs(argv) {
  const opts = { standardJson: false, version: false, basePath: process.cwd(), includePaths: [], allowPaths: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes("=") ? arg.split(/=(.*)/s) : [arg, undefined];
    const value = () => (inline !== undefined ? inline : argv[++i]);
    if (flag === "--standard-json") opts.standardJson = true;
    else if (flag === "--version" || flag === "-v") opts.version = true;
    else if (flag === "--base-path") opts.basePath = path.resolve(value());
    else if (flag === "--include-path") opts.includePaths.push(path.resolve(value()));
    else if (flag === "--allow-paths") opts.allowPaths.push(...value().split(",").filter(Boolean).map((p) => path.resolve(p)));
    else if (flag === "--combined-json" || flag === "--output-dir") {
      process.stderr.write(`solc-shim: ${flag} is not supported; use --standard-json\n`);
      process.exit(2);
    }
    // Other flags (optimizer, evm version) travel inside the standard JSON input.
  }
  return opts;
}

function makeImportCallback(opts) {
  const roots = [opts.basePath, ...opts.includePaths];
  const allowed = [opts.basePath, ...opts.includePaths, ...opts.allowPaths];
  return (importPath) => {
    const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.join(r, importPath));
    for (const candidate of candidates) {
      const resolved = path.resolve(candidate);
      if (!allowed.some((a) => resolved === a || resolved.startsWith(a + path.sep))) continue;
      if (fs.existsSync(resolved) && fs.statSync(resolved).isFile()) {
        return { contents: fs.readFileSync(resolved, "utf8") };
      }
    }
    return { error: `File not found inside the allowed paths: ${importPath}` };
  };
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (opts.version) {
    // Same shape as the native binary, which py-solc-x parses.
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return;
  }
  if (!opts.standardJson) {
    process.stderr.write("solc-shim: only --version and --standard-json are supported\n");
    process.exit(2);
  }
  const input = fs.readFileSync(0, "utf8");
  process.stdout.write(solc.compile(input, { import: makeImportCallback(opts) }));
}

main();
