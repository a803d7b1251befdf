#!/usr/bin/env bash
# The main job: installs what a fresh machine lacks, builds the web app (release + offline
# single file + service worker) and serves it on http://127.0.0.1:${PORT:-8080}/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PWD/tests/e2e/node_modules/.bin:$PATH"
bash scripts/setup.sh
bash scripts/build-web.sh
exec node scripts/static-server.mjs dist "${PORT:-8080}" "${HOST:-127.0.0.1}"
