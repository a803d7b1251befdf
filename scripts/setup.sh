#!/usr/bin/env bash
# Installs everything a fresh machine of this kind lacks. Idempotent: each step checks first.
set -euo pipefail
cd "$(dirname "$0")/.."
log() { printf '\n[setup] %s\n' "$*" >&2; }

export PATH="$HOME/.cargo/bin:$PATH"
WASM_BINDGEN_VERSION=0.2.130
TRUNK_VERSION=0.21.14
want_web=${GPUPLAN_SETUP_WEB:-1}

if ! command -v cargo >/dev/null; then
  log "installing rustup + stable toolchain"
  curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi

# clippy: scripts/test.sh lints with it (the minimal rustup profile leaves it out).
if ! cargo clippy --version >/dev/null 2>&1; then
  log "rustup component add clippy"; rustup component add clippy
fi

for t in wasm32-unknown-unknown wasm32v1-none; do
  if ! rustup target list --installed | grep -qx "$t"; then
    log "rustup target add $t"; rustup target add "$t"
  fi
done

if [ "$want_web" = 1 ]; then
  need_apt=()
  command -v chromium >/dev/null || need_apt+=(chromium)
  command -v chromedriver >/dev/null || need_apt+=(chromium-driver)
  command -v node >/dev/null || need_apt+=(nodejs npm)
  command -v gzip >/dev/null || need_apt+=(gzip)
  # A CJK font, so the Chinese pages the end-to-end tests screenshot show characters, not boxes.
  fc-list :lang=zh 2>/dev/null | grep -q . || need_apt+=(fonts-wqy-zenhei)
  if [ ${#need_apt[@]} -gt 0 ]; then
    log "apt-get install ${need_apt[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${need_apt[@]}"
  fi

  if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
    # Not --locked: its lock file wants a crate version the registry here lacks.
    log "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (~4 min)"
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION" --force
  fi
  if ! trunk --version 2>/dev/null | grep -q "$TRUNK_VERSION"; then
    log "cargo install trunk $TRUNK_VERSION (~11 min)"
    cargo install --locked "trunk@$TRUNK_VERSION" --force
  fi

  if [ -f tests/e2e/package.json ] && [ ! -d tests/e2e/node_modules ]; then
    log "npm ci in tests/e2e (playwright-core, binaryen)"
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
fi
log "setup done"
