#!/usr/bin/env bash
set -euo pipefail
if ! command -v cargo-leptos >/dev/null 2>&1 || ! cargo-leptos --version 2>/dev/null | grep -q '0.3.10'; then
  CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
    cargo install cargo-leptos@0.3.10 --locked
fi
