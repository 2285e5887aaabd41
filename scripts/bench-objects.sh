#!/usr/bin/env bash
# Object throughput through the console, against the disk itself (a benchmark, not a test).
#
#   cargo build --release -p switchyard      # or: cargo leptos build --release
#   scripts/bench-objects.sh [SIZE_MIB]      # default 1024 (1 GiB)
#
# Starts the release server on a free loopback port with a throw-away data directory and a
# small directory file (user `bench`, allowed s3:* on the buckets `bench` and `many`; `many`
# is seeded with 10 000 objects under `many/`), signs in with curl, then measures:
#   - writing the file directly (dd, fsync at the end) vs uploading it (POST, raw body);
#   - reading it directly (dd) vs downloading it (GET), from the page cache and, when the
#     script may drop caches (root), from the disk;
#   - the server's peak resident memory (VmHWM of /proc/PID/status);
#   - the time to the first page (1000 keys) of the 10 000-object prefix: the server
#     function the page calls, and the whole server-rendered page.
# Everything stays on 127.0.0.1 and in a temporary directory that is removed at the end.
set -euo pipefail

SIZE_MIB="${1:-1024}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BIN="$ROOT/target/release/switchyard"
[[ -x "$BIN" ]] || { echo "build first: cargo build --release -p switchyard" >&2; exit 1; }
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/switchyard-bench.XXXXXX")"
SERVER_PID=""
cleanup() {
  if [[ -n "$SERVER_PID" ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')"
BASE="http://127.0.0.1:$PORT"
HASH="$(printf 'bench-pass' | "$BIN" hash-password)"

# The directory: one account, one user allowed everything on two buckets.
{
  cat <<EOF
[[accounts]]
id = "111122223333"
alias = "bench"

  [[accounts.users]]
  name = "bench"
  password_hash = "$HASH"
    [[accounts.users.inline_policies]]
    name = "BenchBuckets"
    document = '''
{ "Version": "2012-10-17", "Statement": [
  { "Effect": "Allow", "Action": "s3:*", "Resource": [
    "arn:aws:s3:::bench", "arn:aws:s3:::bench/*", "arn:aws:s3:::many", "arn:aws:s3:::many/*" ] } ] }
'''

  [[accounts.buckets]]
  name = "bench"

  [[accounts.buckets]]
  name = "many"
EOF
  for i in $(seq -w 1 10000); do
    printf '    [[accounts.buckets.sample_objects]]\n    key = "many/object-%s.txt"\n    content_type = "text/plain"\n    content = "%s"\n' "$i" "$i"
  done
} >"$WORK/directory.toml"

echo "starting the server (seeding 10 000 objects takes a while)…"
start=$(date +%s.%N)
SWITCHYARD_DATA_DIR="$WORK/data" SWITCHYARD_DIRECTORY="$WORK/directory.toml" \
  LEPTOS_SITE_ADDR="127.0.0.1:$PORT" LEPTOS_SITE_ROOT="$ROOT/target/site" SWITCHYARD_LOG=warn \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
until curl -fsS "$BASE/healthz" >/dev/null 2>&1; do
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.2
done
echo "server up after $(echo "$(date +%s.%N) - $start" | bc) s (pid $SERVER_PID)"

JAR="$WORK/cookies"
curl -fsS -o /dev/null -c "$JAR" -H "Origin: $BASE" \
  --data-urlencode account=bench --data-urlencode username=bench \
  --data-urlencode password=bench-pass --data-urlencode next=/ "$BASE/auth/sign-in"

# Start-up (parsing the 10 000-entry directory, seeding) has its own peak: report it, then
# reset the high-water mark (clear_refs 5) so the transfers are measured alone.
startup_hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")
idle_rss=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER_PID/status")
echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || echo "(cannot reset VmHWM: the peak below includes start-up)"

echo "writing a ${SIZE_MIB} MiB test file…"
SRC="$WORK/source.bin"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$SRC"
BYTES=$(stat -c %s "$SRC")

mibps() { echo "scale=1; $BYTES / 1048576 / $1" | bc; }
seconds() { # command… → wall seconds
  local t0 t1
  t0=$(date +%s.%N); "$@" >/dev/null; t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}

sync
direct_write=$(seconds dd if="$SRC" of="$WORK/direct.bin" bs=1M conv=fsync status=none)
direct_read=$(seconds dd if="$WORK/direct.bin" of=/dev/null bs=1M status=none)
rm -f "$WORK/direct.bin"

upload=$(curl -fsS -o /dev/null -w '%{time_total}' -b "$JAR" -X POST -T "$SRC" \
  -H "Origin: $BASE" -H "Content-Type: application/octet-stream" \
  "$BASE/s3/upload/bench?key=big.bin")
download=$(curl -fsS -o "$WORK/downloaded.bin" -w '%{time_total}' -b "$JAR" \
  "$BASE/s3/download/bench?key=big.bin")
cmp -s "$SRC" "$WORK/downloaded.bin" && same=yes || same=NO
rm -f "$WORK/downloaded.bin"
# Again to /dev/null: the download alone, without this script's own disk write.
download_null=$(curl -fsS -o /dev/null -w '%{time_total}' -b "$JAR" \
  "$BASE/s3/download/bench?key=big.bin")

# Cold caches (root only): both reads come from the disk.
cold_read="" cold_download=""
if [[ -w /proc/sys/vm/drop_caches ]]; then
  cp "$SRC" "$WORK/direct.bin"
  sync; echo 1 >/proc/sys/vm/drop_caches
  cold_read=$(seconds dd if="$WORK/direct.bin" of=/dev/null bs=1M status=none)
  rm -f "$WORK/direct.bin"
  sync; echo 1 >/proc/sys/vm/drop_caches
  cold_download=$(curl -fsS -o /dev/null -w '%{time_total}' -b "$JAR" \
    "$BASE/s3/download/bench?key=big.bin")
fi

hwm=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER_PID/status")

first_page_fn=$(curl -fsS -o "$WORK/page.json" -w '%{time_total}' -b "$JAR" -H "Origin: $BASE" \
  --data-urlencode bucket=many --data-urlencode prefix=many/ "$BASE/api/s3_list_objects")
keys=$(grep -o '"key"' "$WORK/page.json" | wc -l)
first_page_html=$(curl -fsS -o /dev/null -w '%{time_total}' -b "$JAR" "$BASE/s3/buckets/many?prefix=many%2F")


echo
echo "object of $BYTES bytes; downloaded bytes identical: $same"
printf '%-34s %8s s  %8s MiB/s\n' "direct write (dd, fsync)" "$direct_write" "$(mibps "$direct_write")"
printf '%-34s %8s s  %8s MiB/s\n' "upload through the server" "$upload" "$(mibps "$upload")"
printf '%-34s %8s s  %8s MiB/s\n' "direct read (dd, page cache)" "$direct_read" "$(mibps "$direct_read")"
printf '%-34s %8s s  %8s MiB/s\n' "download to a file" "$download" "$(mibps "$download")"
printf '%-34s %8s s  %8s MiB/s\n' "download to /dev/null" "$download_null" "$(mibps "$download_null")"
if [[ -n "$cold_read" ]]; then
  printf '%-34s %8s s  %8s MiB/s\n' "direct read, cold cache" "$cold_read" "$(mibps "$cold_read")"
  printf '%-34s %8s s  %8s MiB/s\n' "download, cold cache, /dev/null" "$cold_download" "$(mibps "$cold_download")"
  echo "cold download / cold read ratio:  $(echo "scale=2; $cold_read / $cold_download" | bc)"
fi
echo "upload / direct write ratio:      $(echo "scale=2; $direct_write / $upload" | bc)"
echo "download / direct read ratio:     $(echo "scale=2; $direct_read / $download_null" | bc)"
echo "server RSS idle after start-up:    $((idle_rss / 1024)) MiB (start-up peak $((startup_hwm / 1024)) MiB)"
echo "server peak RSS during transfers:  $((hwm / 1024)) MiB ($hwm kB, VmHWM)"
echo "first page of 10 000 keys:        server function ${first_page_fn} s ($keys keys), whole page ${first_page_html} s"
