#!/usr/bin/env python3
"""Server time of a role switch: one-click switches into UpdateAPP (POST /role/switch, each a
full AssumeRole: policy evaluation, credential record, audit event, role history, session id
cycle) and switch-backs (POST /role/switch-back), timed by N concurrent clients. Prints the
wall clock, the throughput and the median, p90, p99 and max latency.

By default it starts the release server on a free loopback port with a throw-away data
directory and stops it afterwards. With --instances it uses servers that are already running
instead (it neither starts nor stops them); client i sends every request, its sign-in
included, to instance i % len(instances).

Signing in: the trust policy of UpdateAPP wants aws:MultiFactorAuthPresent, so every client
needs a session signed in with MFA (enrolling a device is not an MFA), and each client needs
a session of its own (a switch cycles the session id). Authenticator-app codes cannot give N
sessions at once: a code is accepted within the current time step +-1 only, and the server
keeps the highest step it accepted per user, refusing that step and every earlier one
afterwards, so alice gets about one TOTP sign-in per 30 s. The demo directory has only two
users who may assume UpdateAPP (alice, and admin through "*"), too few as well. So the script
is its own security key: a software passkey (ES256, computed here in pure Python, attestation
"none", signature counter always 0 as many passkeys do, which the server accepts and which
makes concurrent assertions independent). It enrols that passkey for alice through the
console's endpoints (a first device needs no MFA), then each client signs alice in with
password + a passkey assertion of its own challenge, all at once. Afterwards it removes the
passkey again (with a fresh passkey sign-in, which removing a device requires), so a
persistent data store is left as it was; alice must have no other MFA device beforehand.

With --instances, the passkey is enrolled on the first instance, and on any further instance
where alice still has no device (instances that do not share a database); WebAuthn is bound
to the console's public URL, which the script takes to be the instance URL with a loopback IP
written as localhost (the server's default when no public URL is configured).

Usage: scripts/bench-switch.py [--count 1000] [--concurrency 1]
                               [--instances http://127.0.0.1:8001,http://127.0.0.1:8002]
                               [--database-url URL] [--binary PATH] [--site DIR]
(after `cargo leptos build --release`; --binary and --site, or $SWITCHYARD_BENCH_BINARY and
$SWITCHYARD_BENCH_SITE, point at another build)
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ACCOUNT, USER, PASSWORD = "development", "alice", "alice-demo-pass"
SWITCH_FORM = {"account": "123456789012", "role": "UpdateAPP",
               "display_name": "Prod app", "color": "green", "redirect_uri": "/"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# --- P-256 ECDSA (ES256), enough for a software authenticator -------------------------------

P = 0xFFFFFFFF00000001000000000000000000000000FFFFFFFFFFFFFFFFFFFFFFFF
A = P - 3
N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
G = (0x6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296,
     0x4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5)


def ec_add(p1, p2):
    if p1 is None:
        return p2
    if p2 is None:
        return p1
    (x1, y1), (x2, y2) = p1, p2
    if x1 == x2 and (y1 + y2) % P == 0:
        return None
    if p1 == p2:
        slope = (3 * x1 * x1 + A) * pow(2 * y1, -1, P) % P
    else:
        slope = (y2 - y1) * pow(x2 - x1, -1, P) % P
    x3 = (slope * slope - x1 - x2) % P
    return x3, (slope * (x1 - x3) - y1) % P


def ec_mul(k, point):
    result = None
    while k:
        if k & 1:
            result = ec_add(result, point)
        point = ec_add(point, point)
        k >>= 1
    return result


def der_int(value):
    data = value.to_bytes((value.bit_length() + 8) // 8, "big")  # a leading 0 keeps it positive
    return b"\x02" + bytes([len(data)]) + data


def es256_sign(private, message):
    z = int.from_bytes(hashlib.sha256(message).digest(), "big")
    while True:
        k = secrets.randbelow(N - 1) + 1
        r = ec_mul(k, G)[0] % N
        s = pow(k, -1, N) * (z + r * private) % N
        if r and s:
            body = der_int(r) + der_int(s)
            return b"\x30" + bytes([len(body)]) + body


def cbor(value):
    def head(major, n):
        if n < 24:
            return bytes([major << 5 | n])
        for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
            if n < 1 << (8 * size):
                return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
        raise ValueError(n)

    if isinstance(value, int):
        return head(0, value) if value >= 0 else head(1, -1 - value)
    if isinstance(value, bytes):
        return head(2, len(value)) + value
    if isinstance(value, str):
        return head(3, len(value.encode())) + value.encode()
    if isinstance(value, dict):
        return head(5, len(value)) + b"".join(cbor(k) + cbor(v) for k, v in value.items())
    raise TypeError(type(value))


class SoftPasskey:
    """A security key in software: one ES256 credential, user verification claimed, counter 0,
    not backup-eligible (so nothing about it changes between assertions)."""

    UP, UV, AT = 0x01, 0x04, 0x40

    def __init__(self):
        self.private = secrets.randbelow(N - 1) + 1
        self.public = ec_mul(self.private, G)
        self.credential_id = secrets.token_bytes(16)
        self.user_handle = None
        self.name = f"bench-key-{secrets.token_hex(4)}"

    @staticmethod
    def client_data(kind, challenge, origin):
        return json.dumps({"type": kind, "challenge": challenge, "origin": origin,
                           "crossOrigin": False}, separators=(",", ":")).encode()

    def create(self, options_json, origin):
        options = json.loads(options_json)["publicKey"]
        if not any(p.get("alg") == -7 for p in options.get("pubKeyCredParams", [])):
            raise RuntimeError("the server does not offer ES256 for security keys")
        self.user_handle = options["user"]["id"]
        cose_key = cbor({1: 2, 3: -7, -1: 1, -2: self.public[0].to_bytes(32, "big"),
                         -3: self.public[1].to_bytes(32, "big")})
        auth_data = (hashlib.sha256(options["rp"]["id"].encode()).digest()
                     + bytes([self.UP | self.UV | self.AT]) + (0).to_bytes(4, "big")
                     + bytes(16) + len(self.credential_id).to_bytes(2, "big")
                     + self.credential_id + cose_key)
        attestation = cbor({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self.client_data("webauthn.create", options["challenge"], origin)
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "extensions": {},
            "response": {"attestationObject": b64url(attestation),
                         "clientDataJSON": b64url(client_data)},
        })

    def offered(self, options_json):
        allowed = json.loads(options_json)["publicKey"].get("allowCredentials") or []
        return any(unb64url(c["id"]) == self.credential_id for c in allowed)

    def get(self, options_json, origin):
        options = json.loads(options_json)["publicKey"]
        auth_data = (hashlib.sha256(options["rpId"].encode()).digest()
                     + bytes([self.UP | self.UV]) + (0).to_bytes(4, "big"))
        client_data = self.client_data("webauthn.get", options["challenge"], origin)
        signature = es256_sign(self.private,
                               auth_data + hashlib.sha256(client_data).digest())
        return json.dumps({
            "id": b64url(self.credential_id), "rawId": b64url(self.credential_id),
            "type": "public-key", "extensions": {},
            "response": {"authenticatorData": b64url(auth_data),
                         "clientDataJSON": b64url(client_data),
                         "signature": b64url(signature), "userHandle": self.user_handle},
        })


# --- HTTP -------------------------------------------------------------------------------------

class Instance:
    """A server to talk to: where to connect, and the name (Host, Origin, WebAuthn origin) to
    use, which is the server's default public URL http://localhost:PORT for a loopback IP."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {url!r}")
        self.url = url.strip().rstrip("/")
        self.scheme = parts.scheme
        self.connect_host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        name = parts.hostname
        if name in ("127.0.0.1", "::1", "localhost"):
            name = "localhost"
        default_port = 443 if parts.scheme == "https" else 80
        self.host = name if self.port == default_port else f"{name}:{self.port}"
        self.origin = f"{self.scheme}://{self.host}"


class Client:
    """One browser: a keep-alive connection and the session cookie."""

    def __init__(self, instance):
        self.instance = instance
        connection = (http.client.HTTPSConnection if instance.scheme == "https"
                      else http.client.HTTPConnection)
        self.conn = connection(instance.connect_host, instance.port, timeout=30)
        self.cookie = None

    def request(self, method, path, form=None, accept="text/html"):
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Host": self.instance.host, "Accept": accept}
        if method == "POST":
            headers["Origin"] = self.instance.origin
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if self.cookie:
            headers["Cookie"] = self.cookie
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read()
        set_cookie = response.getheader("Set-Cookie")
        if set_cookie:
            self.cookie = set_cookie.split(";", 1)[0]
        return response.status, response.getheader("Location"), data

    def api(self, endpoint, form):
        """A server function: form in, JSON out."""
        status, _, data = self.request("POST", f"/api/{endpoint}", form, accept="application/json")
        if status != 200:
            raise RuntimeError(f"{self.instance.url} /api/{endpoint}: HTTP {status} "
                               f"{data[:300].decode(errors='replace')}")
        return json.loads(data) if data else None

    def sign_in_password(self):
        status, location, _ = self.request("POST", "/auth/sign-in", {
            "account": ACCOUNT, "username": USER, "password": PASSWORD, "next": ""})
        if status != 303 or location not in ("/", "/mfa", "/security-credentials"):
            raise RuntimeError(f"{self.instance.url}: sign-in answered {status} {location}")
        return location


def sign_in(instance, passkey):
    """A new session of alice, signed in with password and passkey."""
    client = Client(instance)
    if client.sign_in_password() != "/mfa":
        raise RuntimeError(f"{instance.url}: alice has no MFA device there (not enrolled?)")
    options = client.api("mfa/sign-in/webauthn/start", {})
    if not passkey.offered(options):
        raise RuntimeError(f"{instance.url}: alice's MFA devices there do not include this "
                           "script's passkey")
    client.api("mfa/sign-in/webauthn/finish", {"credential": passkey.get(options, instance.origin)})
    return client


def enrol(instances, passkey, enrolled):
    """Enrols the passkey on every instance where alice has no MFA device yet (instances that
    share a database see the first enrolment), adding those instances to `enrolled`."""
    seen = set()
    for instance in instances:
        if instance.url in seen:
            continue
        seen.add(instance.url)
        client = Client(instance)
        if client.sign_in_password() == "/mfa":
            options = client.api("mfa/sign-in/webauthn/start", {}) if enrolled else None
            if options is not None and passkey.offered(options):
                continue  # sharing a database with an instance it was enrolled on
            sys.exit(f"{instance.url}: alice already has an MFA device this script cannot use "
                     "(left from an earlier run?); the benchmark needs alice without MFA "
                     "devices, e.g. a fresh data directory or database")
        options = client.api("mfa/webauthn/register/start", {"name": passkey.name})
        client.api("mfa/webauthn/register/finish",
                   {"credential": passkey.create(options, instance.origin)})
        enrolled.append(instance)


def remove(instances, passkey):
    """Removes the passkey again (best effort; a fresh MFA sign-in allows removing a device)."""
    for instance in instances:
        try:
            client = sign_in(instance, passkey)
            devices = client.api("mfa/devices", {})["devices"]
            for device in devices:
                if device["name"] == passkey.name:
                    client.api("mfa/remove", {"device_id": device["id"]})
        except (OSError, RuntimeError, KeyError, ValueError) as e:
            print(f"warning: could not remove the benchmark passkey {passkey.name} of alice on "
                  f"{instance.url}: {e}", file=sys.stderr)


# --- the benchmark ----------------------------------------------------------------------------

class Worker(threading.Thread):
    def __init__(self, instance, passkey, count, barrier):
        super().__init__(daemon=True)
        self.instance, self.passkey, self.count, self.barrier = instance, passkey, count, barrier
        self.switches, self.backs, self.errors, self.failure = [], [], [], None

    def run(self):
        try:
            client = sign_in(self.instance, self.passkey)
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.failure = f"sign-in: {e}"
            self.barrier.abort()
            return
        try:
            self.barrier.wait()
        except threading.BrokenBarrierError:
            return
        try:
            for _ in range(self.count):
                started = time.perf_counter_ns()
                status, location, _ = client.request("POST", "/role/switch", SWITCH_FORM)
                elapsed = time.perf_counter_ns() - started
                if status == 303 and location == "/":
                    self.switches.append(elapsed)
                else:
                    self.errors.append(("switch", status, location))
                started = time.perf_counter_ns()
                status, location, _ = client.request("POST", "/role/switch-back", {})
                elapsed = time.perf_counter_ns() - started
                if status == 303 and location == "/":
                    self.backs.append(elapsed)
                else:
                    self.errors.append(("switch back", status, location))
        except Exception as e:  # noqa: BLE001 - the client stops; reported by the main thread
            self.failure = f"{type(e).__name__}: {e}"


def percentile(sorted_values, p):
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def report(name, samples_ns):
    if not samples_ns:
        print(f"{name:<12} n=0")
        return
    ms = sorted(s / 1e6 for s in samples_ns)
    print(
        f"{name:<12} n={len(ms)}  median {statistics.median(ms):.2f} ms  "
        f"p90 {percentile(ms, 90):.2f} ms  p99 {percentile(ms, 99):.2f} ms  max {ms[-1]:.2f} ms"
    )


def bench(instances, count, concurrency, where):
    passkey = SoftPasskey()
    enrolled = []
    try:
        enrol(instances, passkey, enrolled)
        barrier = threading.Barrier(concurrency + 1)
        workers = [Worker(instances[i % len(instances)], passkey,
                          count // concurrency + (1 if i < count % concurrency else 0), barrier)
                   for i in range(concurrency)]
        for worker in workers:
            worker.start()
        try:
            barrier.wait()
        except threading.BrokenBarrierError:
            for worker in workers:
                worker.join()
            failures = [w.failure for w in workers if w.failure]
            sys.exit(f"signing the clients in failed: {failures[0] if failures else '?'}")
        started = time.perf_counter()
        for worker in workers:
            worker.join()
        wall = time.perf_counter() - started
    finally:
        remove(enrolled, passkey)

    switches = [s for w in workers for s in w.switches]
    backs = [s for w in workers for s in w.backs]
    errors = [e for w in workers for e in w.errors]
    failures = [w.failure for w in workers if w.failure]
    clients = f"{concurrency} client{'s' if concurrency != 1 else ''}"
    print(f"{count} switches into UpdateAPP and back by {clients} through {where} "
          "(client-side time of each request; no redirect followed)")
    print(f"wall clock {wall:.2f} s: {len(switches) / wall:.1f} switches/s, "
          f"{(len(switches) + len(backs)) / wall:.1f} requests/s")
    report("switch", switches)
    report("switch back", backs)
    report("all", switches + backs)
    if errors or failures:
        print(f"{len(errors)} requests refused, {len(failures)} clients stopped early", file=sys.stderr)
        for what, status, location in errors[:5]:
            print(f"  {what}: {status} {location}", file=sys.stderr)
        for failure in failures[:5]:
            print(f"  {failure}", file=sys.stderr)
        sys.exit(1)


def wait_for(instance, server):
    for _ in range(200):
        if server.poll() is not None:
            return False
        try:
            if Client(instance).request("GET", "/healthz")[0] == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000,
                        help="switches (and as many switch-backs) in all (default 1000)")
    parser.add_argument("--concurrency", type=int, default=1,
                        help="concurrent clients, each with its own connection and session "
                             "(default 1)")
    parser.add_argument("--instances", metavar="URL,URL",
                        help="use these running servers instead of starting one")
    parser.add_argument("--database-url", metavar="URL",
                        help="SWITCHYARD_DATABASE_URL for the server the script starts")
    parser.add_argument("--binary", default=os.environ.get(
        "SWITCHYARD_BENCH_BINARY", os.path.join(ROOT, "target", "release", "switchyard")),
        help="the server binary (default $SWITCHYARD_BENCH_BINARY or target/release/switchyard)")
    parser.add_argument("--site", default=os.environ.get(
        "SWITCHYARD_BENCH_SITE", os.path.join(ROOT, "target", "site")),
        help="its site directory (default $SWITCHYARD_BENCH_SITE or target/site)")
    args = parser.parse_args()
    if args.count < 1 or args.concurrency < 1:
        parser.error("--count and --concurrency must be at least 1")
    if args.concurrency > args.count:
        parser.error("--concurrency cannot exceed --count (each client switches at least once)")

    if args.instances:
        if args.database_url:
            parser.error("--database-url is for the server the script starts, not --instances")
        try:
            instances = [Instance(url) for url in args.instances.split(",") if url.strip()]
        except ValueError as e:
            parser.error(str(e))
        if not instances:
            parser.error("--instances needs at least one URL")
        names = ", ".join(i.url for i in instances)
        bench(instances, args.count, args.concurrency,
              f"{len(instances)} running instance{'s' if len(instances) != 1 else ''} ({names})")
        return

    if not os.path.exists(args.binary) or not os.path.isdir(args.site):
        sys.exit(f"no server binary {args.binary} or site {args.site}: build first "
                 "(cargo leptos build --release) or give --binary and --site")
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="switchyard-bench-")
    env = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{port}", LEPTOS_SITE_ROOT=args.site,
               SWITCHYARD_DATA_DIR=data_dir, SWITCHYARD_LOG="warn")
    # Today's server refuses to start with a SWITCHYARD_* variable it does not know: only
    # these are passed on.
    env = {k: v for k, v in env.items() if not k.startswith("SWITCHYARD_") or k in (
        "SWITCHYARD_DATA_DIR", "SWITCHYARD_LOG")}
    if args.database_url:
        env["SWITCHYARD_DATABASE_URL"] = args.database_url
    log = tempfile.TemporaryFile()
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=log, stderr=log)
    try:
        instance = Instance(f"http://127.0.0.1:{port}")
        if not wait_for(instance, server):
            log.seek(0)
            sys.exit("the server did not start:\n" + log.read()[-2000:].decode(errors="replace"))
        store = "PostgreSQL" if args.database_url else "SQLite"
        bench([instance], args.count, args.concurrency,
              f"the release server on loopback ({store})")
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
