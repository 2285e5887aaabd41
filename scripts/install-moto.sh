#!/usr/bin/env bash
# moto (pinned, from PyPI): a local STS/IAM/S3 for the AWS backend's integration tests, and the
# AWS CLI (awscli, pinned; boto3 comes with moto): real clients of the embedded organisation's
# API. One virtualenv at $MOTO_VENV (default ~/.cache/switchyard/moto-venv), outside the work
# tree so that a fresh clone reuses it; skipped when those versions are already there.
set -euo pipefail
moto_version=5.2.5
awscli_version=1.46.2
moto_venv=${MOTO_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/switchyard/moto-venv}
version_of() {
  "$moto_venv/bin/python" -c "import importlib.metadata as m; print(m.version('$1'))" 2>/dev/null || true
}
if [ -x "$moto_venv/bin/moto_server" ] && [ "$(version_of moto)" = "$moto_version" ]; then
  if [ -x "$moto_venv/bin/aws" ] && [ "$(version_of awscli)" = "$awscli_version" ]; then
    exit 0
  fi
  printf '\033[1;34m==> %s\033[0m\n' "installing awscli==$awscli_version into $moto_venv"
  "$moto_venv/bin/pip" install --quiet --disable-pip-version-check "awscli==$awscli_version"
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
"$moto_venv/bin/pip" install --quiet --disable-pip-version-check \
  "moto[server]==$moto_version" "awscli==$awscli_version"
