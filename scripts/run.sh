#!/usr/bin/env bash
# Builds Switchyard and serves the console on the embedded demo organisation at
# http://127.0.0.1:3000 (change with LEPTOS_SITE_ADDR). State is kept in ./data
# (SWITCHYARD_DATA_DIR). Extra arguments go to `switchyard serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo leptos build --release
export LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}"
export LEPTOS_SITE_ADDR="${LEPTOS_SITE_ADDR:-127.0.0.1:3000}"
exec target/release/switchyard serve "$@"
