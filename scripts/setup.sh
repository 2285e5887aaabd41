#!/usr/bin/env bash
# Installs what building and testing Switchyard needs, skipping whatever is already there.
# Safe to run again. Usage: scripts/setup.sh [--for-tests]
#   always:       libssl-dev and pkg-config (apt, for webauthn-rs), the wasm32 target, cargo-leptos, the wasm-bindgen-cli matching Cargo.lock,
#                 sass and wasm-opt (npm, into ./node_modules)
#   --for-tests:  also Debian's chromium, the end-to-end suite's npm packages, and moto (PyPI,
#                 pinned, in a virtualenv at $MOTO_VENV, default ~/.cache/switchyard/moto-venv)
#                 for the AWS backend's integration tests
set -euo pipefail
cd "$(dirname "$0")/.."

for_tests=false
[ "${1:-}" = "--for-tests" ] && for_tests=true

say() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

# webauthn-rs links OpenSSL: its headers and pkg-config must be there to build the server.
if ! command -v pkg-config >/dev/null 2>&1 || ! pkg-config --exists openssl; then
  say "installing libssl-dev and pkg-config"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq libssl-dev pkg-config >/dev/null
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

scripts/install-cargo-leptos.sh

# wasm-bindgen-cli must be exactly the wasm-bindgen version in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$wb_version" ]; then
  echo "cannot find the wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if ! command -v wasm-bindgen >/dev/null 2>&1 || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$wb_version" ]; then
  say "installing wasm-bindgen-cli $wb_version"
  # Not --locked: the crate's own lock file names a webpki-roots the registry mirror lacks.
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install wasm-bindgen-cli --version "$wb_version" --force
fi

# sass and wasm-opt from npm (cargo-leptos puts node_modules/.bin first on PATH; Debian's
# binaryen is too old and breaks hydration).
npm_install() {
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "installing npm packages in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund)
  fi
}
npm_install .

if $for_tests; then
  if ! command -v chromium >/dev/null 2>&1; then
    say "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  fi
  npm_install end2end

  scripts/install-moto.sh
fi
