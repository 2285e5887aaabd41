#!/usr/bin/env bash
# moto (pinned, from PyPI): a local STS/IAM/S3 for the AWS backend's integration tests, in its
# own virtualenv at $MOTO_VENV (default ~/.cache/switchyard/moto-venv). Outside the work tree so
# that a fresh clone reuses it; skipped when that version is already there.
set -euo pipefail
moto_version=5.2.5
moto_venv=${MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/moto-venv}
installed=$("$moto_venv/bin/python" -c 'import importlib.metadata as m; print(m.version("moto"))' 2>/dev/null || true)
if [ -x "$moto_venv/bin/moto_server" ] && [ "$installed" = "$moto_version" ]; then
  exit 0
fi
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
  printf '\033[1;34m==> %s\033[0m\n' "installing python3-venv"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq python3-venv >/dev/null
fi
printf '\033[1;34m==> %s\033[0m\n' "installing moto[server]==$moto_version into $moto_venv"
rm -rf "$moto_venv"
mkdir -p "$(dirname "$moto_venv")"
python3 -m venv "$moto_venv"
"$moto_venv/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$moto_version"
