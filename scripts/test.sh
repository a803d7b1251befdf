#!/usr/bin/env bash
# Runs every test of gpuplan. Installs what a fresh machine lacks first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tests/e2e/node_modules/.bin:$PATH"
step() { printf '\n==== %s\n' "$*"; }

step "setup"
bash scripts/setup.sh

step "lint: clippy on every crate and target, warnings are errors"
cargo clippy --workspace --all-targets -- -D warnings

step "estimator, file parsers and CLI (unit, property and integration tests)"
cargo test --workspace --exclude gpuplan-web

step "calibration against measured H100 runs (data/calibration)"
cargo test -p gpuplan-cli --test calibration -- --nocapture

step "speed model vs published tuned-engine figures (NeMo, MLPerf; asserted within 30 %) and the articles' size-tier table"
cargo test -q -p gpuplan-core --lib -- published_tuned size_tiers --nocapture

step "no_std proof: build the estimator and parsers for wasm32v1-none (a target without std)"
cargo build -p gpuplan-core -p gpuplan-files --target wasm32v1-none

step "fuzz the file parsers and the header→model bridge: 1,000,000 inputs each"
cargo run --release -q -p gpuplan-files --example fuzz -- 1000000

step "benchmark: a safetensors index of DeepSeek-V3's size (92,000 tensors), duplicate keys refused (figure, not asserted)"
cargo run --release -q -p gpuplan-files --example index_bench

step "benchmark: estimates per second and planner time (figures, not asserted)"
cargo run --release -q -p gpuplan-core --example bench_plan
step "benchmark: llama.cpp offload search and largest context over the catalog (figure, not asserted; page budget 5 ms in wasm)"
cargo run --release -q -p gpuplan-core --example bench_llamacpp
step "benchmark: sizing to a latency target over the catalog (figure, not asserted; page budget 5 ms in wasm)"
cargo run --release -q -p gpuplan-core --example bench_serving

step "web app: host unit tests (scenario, URL, formatting, i18n, charts, files, speed and cost)"
cargo test -p gpuplan-web

step "web app: release build + single-file offline bundle + service worker"
bash scripts/build-web.sh

step "web app: end-to-end tests in headless Chromium"
(cd tests/e2e && node --test)

step "web app: size and speed benchmark (figures, not asserted)"
node scripts/bench-web.mjs
