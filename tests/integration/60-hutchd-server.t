#!/usr/bin/env python3
# hutchd's server skeleton: configuration (file, --set, errors), loopback
# listening on a free port, /health, bounded requests with JSON errors,
# structured logs, clean exit on SIGTERM.
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hutchd_lib import HUTCHD, Hutchd, Tap, need_root  # noqa: E402

need_root()
t = Tap()


def run(*args):
    p = subprocess.run([HUTCHD, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


# ---- configuration ----
rc, out, err = run("--help")
t.is_(rc, 0, "--help exits 0")
t.like(out, r"token create", "--help lists the token command")
rc, out, err = run("--config", "/dev/null", "--set", "max_batch=7", "config")
t.is_(rc, 0, "hutchd config prints the configuration")
t.like(out, r"(?m)^max_batch = 7$", "--set overrides a key")
t.like(out, r"(?m)^listen = \"127\.0\.0\.1\"$", "listens on loopback by default")
rc, out, err = run("--config", "/dev/null", "--set", "no_such_key=1", "config")
t.ok(rc != 0 and "unknown key 'no_such_key'" in err, "an unknown key is refused, by name", err)
rc, out, err = run("--config", "/dev/null", "--set", "max_batch=0", "config")
t.ok(rc != 0 and "between 1 and" in err, "a value out of bounds is refused with the bounds", err)
# not next to HUTCHD: make asan's lives in build-asan/
tmpconf = os.path.join(tempfile.mkdtemp(prefix="hutchd-conf."), "hutchd-test.conf")
with open(tmpconf, "w") as f:
    f.write("# comment\n\nworkers = 3\nmax_body = 2M\nlog_level = \"debug\"\nbogus line\n")
rc, out, err = run("--config", tmpconf, "config")
t.ok(rc != 0 and "hutchd-test.conf:6" in err, "a bad line is reported as file:line", err)
with open(tmpconf, "w") as f:
    f.write("workers = 3\nmax_body = 2M # not a comment\n")
rc, out, err = run("--config", tmpconf, "config")
t.ok(rc != 0 and "max_body" in err, "a bad size is refused", err)
with open(tmpconf, "w") as f:
    f.write("workers = 3\n  max_body = 2M\n")
rc, out, err = run("--config", tmpconf, "--workers", "5", "config")
t.ok(rc == 0 and "workers = 5" in out and "max_body = 2M" in out,
     "file then command line: --workers wins over the file", out + err)
os.unlink(tmpconf)
os.rmdir(os.path.dirname(tmpconf))
rc, out, err = run("--config", "/nonexistent/hutchd.conf", "config")
t.ok(rc != 0 and "/nonexistent/hutchd.conf" in err, "a missing --config file is an error", err)

# ---- serving ----
d = Hutchd(sets={"max_headers": "20", "max_body": "64K"}, token=False)
t.ok(d.port > 0, f"listening on a free port ({d.port}), written to port_file")
r = d.get("/health", token=None)
t.is_(r.status, 200, "GET /health without a token: 200")
t.is_(r.json and r.json.get("status"), "ok", "health says ok")
t.like(r.headers.get("content-type"), r"^application/json", "JSON content type")
r = d.get("/no/such/thing")
t.is_(r.status, 404, "unknown path: 404")
t.like(r.json and r.json.get("error"), r"no such endpoint", "404 has a JSON error")
r = d.post("/health", body={})
t.is_(r.status, 405, "wrong method: 405")
t.like(r.headers.get("allow"), r"GET", "405 carries Allow")
r = d.get("/health", headers={f"X-Pad-{i}": "x" for i in range(40)})
t.is_(r.status, 431, "more headers than max_headers: 431")
t.like(r.json and r.json.get("error"), r"too many headers", "431 names the bound")
r = d.request("GET", "/health", raw=b"x" * 10, headers={"Content-Type": "text/plain"})
t.is_(r.status, 413, "a body on an endpoint that takes none: 413")
r = d.get("/health", token="hutch_not_a_real_token")
t.is_(r.status, 401, "an unknown token is refused even where none is needed")

# A huge header block: MHD's connection pool bounds it (HTTP 431 or close).
s = socket.create_connection(("127.0.0.1", d.port), timeout=10)
s.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200000 + b"\r\n\r\n")
try:
    head = s.recv(200)
except OSError:
    head = b""
s.close()
t.ok(head == b"" or head.startswith(b"HTTP/1.1 4"), "a 200 KB header is refused", head)
t.is_(d.get("/health", token=None).status, 200, "the server is still fine afterwards")

# Logs: one JSON object per line, with an access line per request.
events = d.log_events()
t.ok(len(events) > 0 and all("ts" in e and "level" in e and "msg" in e for e in events),
     "stderr carries structured JSON log lines")
acc = [e for e in d.log_events("http") if e.get("path") == "/no/such/thing"]
t.ok(acc and acc[0]["status"] == 404 and acc[0]["method"] == "GET", "access log line with method, path, status", acc)
r = d.get("/health%22%7D%0A%7B%22forged%22:1")
forged = [e for e in d.log_events() if "forged" in e]
t.ok(not forged, "a path with quotes and newlines cannot forge a log field")

rc = d.stop()
t.is_(rc, 0, "SIGTERM: exit 0")
t.ok(any(e.get("msg") == "stopped" for e in d.log_events()), "logged its stop")
t.done()
