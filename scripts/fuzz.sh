#!/usr/bin/env bash
# Runs one fuzz target of iam/fuzz for SECONDS on the stable toolchain:
#
#   scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#   scripts/fuzz.sh --list
#
# libFuzzer through cargo-fuzz with `--sanitizer none`: no sanitizer needs nightly, and Rust
# code needs none to catch what matters here (panics, failed assertions, overflow: the build
# keeps debug assertions). New inputs go to iam/fuzz/corpus/TARGET (not committed); the
# committed seeds in iam/fuzz/seeds/TARGET are only read. A crash leaves its input in
# iam/fuzz/artifacts/TARGET; replay it with `scripts/fuzz.sh TARGET 0 FILE`, then keep it
# as a regression test in the crate that owns the parser.
set -euo pipefail
# File arguments are inputs to replay, named from where the script was called.
args=()
files=()
for arg in "${@:3}"; do
    if [[ -f "$arg" ]]; then
        files+=("$(realpath -- "$arg")")
    else
        args+=("$arg")
    fi
done
cd "$(dirname "$0")/../iam"

usage() {
    echo "usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer flags...] | --list" >&2
    exit 2
}

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "==> installing cargo-fuzz" >&2
    cargo install cargo-fuzz --locked
fi
if [[ "${1:-}" == "--list" ]]; then
    exec cargo fuzz list
fi
[[ $# -ge 2 ]] || usage
target=$1
seconds=$2
[[ "$seconds" =~ ^[0-9]+$ ]] || usage
targets=$(cargo fuzz list)
if ! grep -qx -- "$target" <<<"$targets"; then
    echo "unknown target $target; targets:" $targets >&2
    exit 2
fi

corpus="fuzz/corpus/$target"
seeds="fuzz/seeds/$target"
mkdir -p "$corpus"
inputs=("$corpus")
[[ -d "$seeds" ]] && inputs+=("$seeds")
# Given files instead of directories, libFuzzer runs each once.
[[ ${#files[@]} -gt 0 ]] && inputs=("${files[@]}")

exec cargo fuzz run --sanitizer none "$target" "${inputs[@]}" -- \
    -max_total_time="$seconds" -print_final_stats=1 "${args[@]}"
