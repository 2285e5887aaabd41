#!/usr/bin/env bash
# The several-instances benchmarks (after `cargo leptos build --release`; loopback only):
# 1000 switches with 50 concurrent clients on SQLite, on PostgreSQL, on one and on two
# instances sharing PostgreSQL, then argon2-bound sign-ins per second.
#   PG=postgres://postgres@127.0.0.1:PORT scripts/bench-instances.sh
# PG is a PostgreSQL server whose `switchyard` database the script may create databases from
# (scripts/test-postgres.sh start DIR gives one).
set -euo pipefail
cd "$(dirname "$0")/.."
PG=${PG:?set PG to a PostgreSQL server URL without a database, e.g. postgres://postgres@127.0.0.1:5432}
BIN=target/release/switchyard
KEY=MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=
newdb() { local n="bench_$RANDOM$RANDOM"; psql "$PG/switchyard" -qAtc "CREATE DATABASE $n"; echo "$PG/$n"; }
echo "== SQLite, one instance, 50 concurrent"
scripts/bench-switch.py --count 1000 --concurrency 50
echo "== PostgreSQL, one instance, 50 concurrent"
scripts/bench-switch.py --count 1000 --concurrency 50 --database-url "$(newdb)"
echo "== PostgreSQL, two instances, 50 concurrent"
DB=$(newdb); pids=()
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
P1=$(free_port); P2=$(free_port)
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for port in $P1 $P2; do
  d=$(mktemp -d); SWITCHYARD_LOG=warn LEPTOS_SITE_ADDR=127.0.0.1:$port LEPTOS_SITE_ROOT=target/site SWITCHYARD_DATA_DIR=$d \
    SWITCHYARD_DATABASE_URL=$DB SWITCHYARD_MFA_ENCRYPTION_KEY=$KEY $BIN serve >/tmp/inst-$port.log 2>&1 & pids+=($!)
done
for port in $P1 $P2; do for i in $(seq 100); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done; done
echo "-- one of them alone"
scripts/bench-switch.py --count 1000 --concurrency 50 --instances http://127.0.0.1:$P1
echo "-- both"
scripts/bench-switch.py --count 1000 --concurrency 50 --instances http://127.0.0.1:$P1,http://127.0.0.1:$P2
echo "== sign-ins per second (bob, password: argon2-bound), 8 concurrent, 200 sign-ins"
PORT=$P1 python3 - <<'PY'
import http.client, os, threading, time
PORT = int(os.environ["PORT"])
N, T = 200, 8
def worker(n, out):
    c = http.client.HTTPConnection("127.0.0.1", PORT)
    for _ in range(n):
        body = "account=development&username=bob&password=bob-demo-pass&next="
        c.request("POST", "/auth/sign-in", body, {"Host": f"localhost:{PORT}", "Origin": f"http://localhost:{PORT}",
                  "Content-Type": "application/x-www-form-urlencoded"})
        r = c.getresponse(); r.read()
        out.append(r.status == 303 and r.getheader("Location") == "/")
out = []; ts = [threading.Thread(target=worker, args=(N // T, out)) for _ in range(T)]
t0 = time.time(); [t.start() for t in ts]; [t.join() for t in ts]; dt = time.time() - t0
print(f"{len(out)} sign-ins ({sum(out)} succeeded) in {dt:.2f} s: {len(out)/dt:.1f}/s, {len(out)/dt/2:.1f}/s per core (2 cores)")
PY
