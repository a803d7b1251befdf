#!/usr/bin/env bash
# Release build of the web app into dist/: Trunk (wasm-bindgen + wasm-opt from PATH, offline),
# then scripts/pack-offline.mjs writes dist/gpuplan-offline.html (one self-contained file that
# works from file://) and dist/sw.js (the service worker of the hosted page).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tests/e2e/node_modules/.bin:$PATH"
test "$(wasm-bindgen --version | cut -d' ' -f2)" = "$(grep -A1 '^name = "wasm-bindgen"$' Cargo.lock | sed -n 's/^version = "\(.*\)"/\1/p')" \
  || { echo "wasm-bindgen CLI and crate versions differ; run scripts/setup.sh" >&2; exit 1; }
command -v wasm-opt >/dev/null || { echo "wasm-opt (npm binaryen) missing; run scripts/setup.sh" >&2; exit 1; }
rm -rf dist
TRUNK_OFFLINE=true trunk build --release --offline
node scripts/pack-offline.mjs dist
