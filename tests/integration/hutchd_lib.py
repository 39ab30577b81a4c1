"""Helpers for the hutchd integration tests (tests/integration/6x-hutchd-*.t).

Start a real hutchd on a free loopback port (port 0 + port_file) with a
temporary state directory, talk to it over HTTP with the standard library
only, and print TAP. Nothing here leaves the loopback interface.
"""
import atexit
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
HUTCHD = os.environ.get("HUTCHD", os.path.join(REPO, "hutchd"))


class Tap:
    """ok/is_/like with a plan printed at the end; exit status 1 on failure."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if not cond:
            self.failed += 1
        print(("ok" if cond else "not ok") + f" {self.n} - {desc}", flush=True)
        if not cond and diag is not None:
            for line in str(diag)[:2000].splitlines():
                print(f"#   {line}")
        return cond

    def is_(self, got, want, desc):
        return self.ok(got == want, desc, f"got {got!r}, want {want!r}")

    def like(self, got, regex, desc):
        return self.ok(got is not None and re.search(regex, str(got)) is not None, desc,
                       f"got {str(got)[:600]!r}, want /{regex}/")

    def skip(self, desc):
        self.n += 1
        print(f"ok {self.n} # SKIP {desc}", flush=True)

    def diag(self, msg):
        for line in str(msg).splitlines():
            print(f"# {line}", flush=True)

    def done(self):
        print(f"1..{self.n}", flush=True)
        sys.exit(1 if self.failed else 0)


def need_root():
    if os.geteuid() != 0:
        print("1..0 # SKIP needs root")
        sys.exit(77)
    if not os.access(HUTCHD, os.X_OK):
        print(f"1..0 # SKIP {HUTCHD} not built (make)")
        sys.exit(77)


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


class Hutchd:
    """One hutchd process. sets: extra --set KEY=VALUE pairs."""

    def __init__(self, sets=None, state_dir=None, workers=2, token=True):
        self.tmp = tempfile.mkdtemp(prefix="hutchd-test.")
        os.chmod(self.tmp, 0o755)
        self.state_dir = state_dir or os.path.join(self.tmp, "state")
        self.sets = dict(sets or {})
        self.sets.setdefault("workers", str(workers))
        self.proc = None
        self.port = None
        self.log_path = os.path.join(self.tmp, "hutchd.log")
        self.token = None
        atexit.register(self.cleanup)
        if token:
            self.token = self.make_token("admin")
        self.start()

    def args(self, *extra):
        a = [HUTCHD, "--config", "/dev/null", "--state-dir", self.state_dir]
        for k, v in self.sets.items():
            a += ["--set", f"{k}={v}"]
        return a + list(extra)

    def make_token(self, role, name="test"):
        out = subprocess.run(self.args("token", "create", "--role", role, "--name", name),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=True)
        return out.stdout.decode().strip().splitlines()[-1]

    def start(self, wait=True):
        port_file = os.path.join(self.tmp, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        self.sets["port"] = "0"
        self.sets["port_file"] = port_file
        self.logf = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.args("serve"), stdout=self.logf, stderr=self.logf,
                                     stdin=subprocess.DEVNULL)
        if not wait:
            return
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if os.path.exists(port_file):
                self.port = int(open(port_file).read().strip())
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        raise RuntimeError("hutchd did not start:\n" + self.log())

    def log(self):
        try:
            return open(self.log_path, errors="replace").read()
        except OSError:
            return ""

    def log_events(self, msg=None):
        out = []
        for line in self.log().splitlines():
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if msg is None or e.get("msg") == msg:
                out.append(e)
        return out

    def request(self, method, path, body=None, headers=None, token="default", raw=None, timeout=60):
        h = {}
        if token == "default":
            token = self.token
        if token:
            h["Authorization"] = f"Bearer {token}"
        if body is not None:
            raw = json.dumps(body).encode()
            h["Content-Type"] = "application/json"
        h.update(headers or {})
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            c.request(method, path, body=raw, headers=h)
            r = c.getresponse()
            data = r.read().decode("utf-8", "replace")
            return Reply(r.status, {k.lower(): v for k, v in r.getheaders()}, data)
        finally:
            c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    def wait_done(self, token, timeout=60, query=""):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            r = self.get(f"/submissions/{token}?fields=*{query}")
            if r.status == 200 and r.json["status"]["id"] >= 3:
                return r.json
            time.sleep(0.05)
        return None

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if not self.proc or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else None
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            return self.proc.wait()

    def cleanup(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)
