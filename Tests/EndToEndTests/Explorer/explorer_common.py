"""Starts `coopsim serve` on a free loopback port and talks to it (used by the explorer tests)."""
import csv
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


class Server:
    def __init__(self, binary, scenarios, out, extra=()):
        self.binary = binary
        self.err = tempfile.NamedTemporaryFile(prefix="coopsim-serve-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([binary, "serve", *scenarios, "--port", "0", "--out", out, *extra],
                                     cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=self.err)
        deadline = time.time() + 60
        self.port = None
        while time.time() < deadline:
            text = open(self.err.name, encoding="utf-8").read()
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", text)
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                raise SystemExit(f"coopsim serve exited with {self.proc.returncode}: {text}")
            time.sleep(0.05)
        if self.port is None:
            self.stop()
            raise SystemExit("coopsim serve did not print its address within 60 s")

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/"

    def request(self, method, path, body=None, headers=None, timeout=60):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        c.close()
        return r.status, data

    def post(self, path, body, **kw):
        status, data = self.request("POST", path, body, **kw)
        return status, json.loads(data) if data else None

    def rss_kib(self):
        for line in open(f"/proc/{self.proc.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        return 0

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def rows(table):
    return [dict(zip(table["columns"], r)) for r in table["rows"]]


def cli_targets(binary, scenario_file, out):
    """`coopsim run FILE --out OUT` and its targets.csv as dicts."""
    r = subprocess.run([binary, "run", scenario_file, "--out", out], cwd=ROOT, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"coopsim run {scenario_file} failed ({r.returncode}): {r.stderr}")
    with open(os.path.join(out, "targets.csv"), encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def key(r):
    return (r["metric"], r["year"], r["op"], r["value"])


def check(cond, message):
    if not cond:
        print("FAIL:", message, file=sys.stderr)
        raise SystemExit(1)
    print("ok:", message)
