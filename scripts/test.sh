#!/usr/bin/env bash
# Runs every test: formatting, the Rust tests of all crates, then the end-to-end suite in
# Debian's Chromium against the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

say "cargo fmt --check"
cargo fmt --all --check

say "Rust tests"
# The frontend crate is left out: it only holds the WASM entry point, and building it on the
# host would switch the `app` crate into hydrate mode next to ssr.
cargo test --workspace --exclude frontend

# Only that they build, without instrumentation (fast); scripts/fuzz.sh TARGET SECONDS runs one
# on stable (see iam/README.md).
say "fuzz targets build (iam/fuzz)"
cargo build --quiet --manifest-path iam/fuzz/Cargo.toml --target-dir target/fuzz

say "release build (server binary and WASM bundle)"
cargo leptos build --release

say "end-to-end tests (Playwright, Debian's Chromium)"
cd end2end
npx playwright test
