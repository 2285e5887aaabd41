#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests: Debian's postgresql (installed if missing),
# `initdb` in a temporary directory as the `postgres` user, listening on a free 127.0.0.1 port.
#
#   scripts/test-postgres.sh start DIR   prints the database URL (postgres://…/switchyard)
#   scripts/test-postgres.sh stop DIR    stops the cluster and removes DIR
#
# scripts/test.sh starts one unless SWITCHYARD_TEST_DATABASE_URL is already set, and stops it
# on exit, also when a test fails.
set -euo pipefail

command=${1:?usage: test-postgres.sh start|stop DIR}
dir=${2:?usage: test-postgres.sh start|stop DIR}

say() { printf '\033[1;34m==> %s\033[0m\n' "$*" >&2; }

bin_dir() {
  # The newest installed major version's binaries (not on PATH in Debian).
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && [ -x "$found/initdb" ] && echo "$found"
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

case "$command" in
  start)
    if [ -z "$(bin_dir)" ]; then
      say "installing Debian's postgresql"
      export DEBIAN_FRONTEND=noninteractive
      apt-get update -qq
      # Only the binaries: the package's own cluster is not started by it in a container,
      # and the tests never use it.
      apt-get install -y -qq postgresql >/dev/null
    fi
    bin=$(bin_dir)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    mkdir -p "$dir"
    # PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_postgres "$bin/initdb" -D "$dir/data" -A trust -U postgres --no-sync >"$dir/initdb.log" 2>&1 || {
      cat "$dir/initdb.log" >&2
      exit 1
    }
    # fsync off: a throwaway cluster needs no durability, and the tests run faster without.
    as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
      -o "-p $port -k $dir -h 127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null || {
      cat "$dir/server.log" >&2
      exit 1
    }
    as_postgres "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres switchyard
    echo "postgres://postgres@127.0.0.1:$port/switchyard"
    ;;
  stop)
    bin=$(bin_dir)
    if [ -n "$bin" ] && [ -d "$dir/data" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: test-postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
