#!/usr/bin/env bash
# Runs every test: formatting, the Rust tests of all crates, then the end-to-end suite in
# Debian's Chromium against the release binary.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --for-tests

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

# PostgreSQL for the storage contract tests and the several-instances tests: the one named by
# SWITCHYARD_TEST_DATABASE_URL, or else a throwaway cluster started here and removed on exit
# (also when a test fails).
if [ -z "${SWITCHYARD_TEST_DATABASE_URL:-}" ]; then
  pg_dir=$(mktemp -d /tmp/switchyard-test-pg.XXXXXX)
  # The end-to-end step runs in end2end/: the path is absolute.
  trap "'$PWD/scripts/test-postgres.sh' stop '$pg_dir'" EXIT
  say "starting a throwaway PostgreSQL"
  SWITCHYARD_TEST_DATABASE_URL=$(scripts/test-postgres.sh start "$pg_dir")
  export SWITCHYARD_TEST_DATABASE_URL
fi

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
