#!/usr/bin/env python3
"""Server time of a role switch: starts the release server on a free loopback port with a
throw-away data directory, signs alice in with an authenticator app it enrols through the
console's own endpoints, then times N one-click switches into UpdateAPP (POST /role/switch,
each a full AssumeRole: policy evaluation, credential record, audit event, role history,
session id cycle) and N switch-backs. Prints median, p90, p99 and max.

Usage: scripts/bench-switch.py [--count 1000]   (after `cargo leptos build --release`)
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def totp(secret_base32, step):
    key = base64.b32decode(secret_base32 + "=" * (-len(secret_base32) % 8))
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    code = (struct.unpack(">I", digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000
    return f"{code:06d}"


class Client:
    """One browser: a keep-alive connection and the session cookie."""

    def __init__(self, port):
        self.host = f"localhost:{port}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.cookie = None

    def request(self, method, path, form=None, accept="text/html"):
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Host": self.host, "Accept": accept}
        if method == "POST":
            headers["Origin"] = f"http://{self.host}"
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


def percentile(sorted_values, p):
    index = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def report(name, samples_ns):
    ms = sorted(s / 1e6 for s in samples_ns)
    print(
        f"{name:<12} n={len(ms)}  median {statistics.median(ms):.2f} ms  "
        f"p90 {percentile(ms, 90):.2f} ms  p99 {percentile(ms, 99):.2f} ms  max {ms[-1]:.2f} ms"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    binary = os.path.join(ROOT, "target", "release", "switchyard")
    site = os.path.join(ROOT, "target", "site")
    if not os.path.exists(binary) or not os.path.isdir(site):
        sys.exit("build first: cargo leptos build --release")
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="switchyard-bench-")
    env = dict(os.environ, LEPTOS_SITE_ADDR=f"127.0.0.1:{port}", LEPTOS_SITE_ROOT=site,
               SWITCHYARD_DATA_DIR=data_dir, SWITCHYARD_LOG="warn")
    env = {k: v for k, v in env.items() if not k.startswith("SWITCHYARD_") or k in (
        "SWITCHYARD_DATA_DIR", "SWITCHYARD_LOG")}
    server = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                if Client(port).request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                time.sleep(0.05)
        else:
            sys.exit("the server did not start")

        alice = Client(port)
        status, location, _ = alice.request("POST", "/auth/sign-in", {
            "account": "development", "username": "alice", "password": "alice-demo-pass", "next": ""})
        assert location == "/", (status, location)
        _, _, data = alice.request("POST", "/api/mfa/totp/start", {"name": "bench-phone"},
                                   accept="application/json")
        secret = json.loads(data)["secret_base32"]
        step = int(time.time()) // 30
        _, _, data = alice.request("POST", "/api/mfa/totp/finish", {
            "code1": totp(secret, step - 1), "code2": totp(secret, step)}, accept="application/json")

        switch_form = {"account": "123456789012", "role": "UpdateAPP",
                       "display_name": "Prod app", "color": "green", "redirect_uri": "/"}
        switches, backs = [], []
        for _ in range(args.count):
            started = time.perf_counter_ns()
            status, location, _ = alice.request("POST", "/role/switch", switch_form)
            switches.append(time.perf_counter_ns() - started)
            assert status == 303 and location == "/", (status, location)
            started = time.perf_counter_ns()
            status, location, _ = alice.request("POST", "/role/switch-back", {})
            backs.append(time.perf_counter_ns() - started)
            assert status == 303 and location == "/", (status, location)
        print(f"{args.count} switches into UpdateAPP through the release server on loopback "
              "(client-side time of each request; no redirect followed)")
        report("switch", switches)
        report("switch back", backs)
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
