#!/usr/bin/env python3
# hutchd's store and auth: SQLite file (mode 0600, WAL, versioned schema),
# tokens (created once, stored hashed, listed, revoked), roles, the two
# token headers, the first-start admin token, one server per database.
import os
import sqlite3
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hutchd_lib import Hutchd, Tap, need_root  # noqa: E402

need_root()
t = Tap()

# First start on an empty state dir: an admin token is made and shown once.
d = Hutchd(token=False)
boot = d.log_events("created the first admin token; it is shown only this once (more: hutchd token create)")
t.is_(len(boot), 1, "first start: one admin token is created and logged once")
tok = boot[0]["token"] if boot else ""
t.like(tok, r"^hutch_[0-9a-f]{64}$", "token format: hutch_ + 64 hex digits")
r = d.get("/whoami", token=tok)
t.is_((r.status, r.json and r.json.get("role")), (200, "admin"), "the bootstrap token is an admin token")
d.stop()
d.start()
t.is_(len(d.log_events("created the first admin token; it is shown only this once (more: hutchd token create)")), 1,
      "second start: no new token")

db = os.path.join(d.state_dir, "hutchd.db")
t.is_(stat.S_IMODE(os.stat(db).st_mode), 0o600, "database file is mode 0600")
con = sqlite3.connect(db)
t.is_(con.execute("PRAGMA journal_mode").fetchone()[0], "wal", "database is in WAL mode")
t.is_(con.execute("PRAGMA user_version").fetchone()[0], 1, "schema version 1")
hashes = [row[0] for row in con.execute("SELECT hash FROM tokens")]
t.ok(tok not in hashes and all(len(h) == 64 for h in hashes), "tokens are stored as SHA-256 hashes, never in clear")
con.close()

# Tokens from the command line.
client = d.make_token("client", "student-portal")
admin = d.make_token("admin", "ops")
t.like(client, r"^hutch_[0-9a-f]{64}$", "hutchd token create prints the token on stdout")
r = d.get("/whoami", token=None)
t.is_(r.status, 401, "no token: 401")
t.like(r.json and r.json.get("error"), r"Authorization: Bearer", "401 says how to authenticate")
r = d.get("/whoami", token=client)
t.is_((r.status, r.json and r.json.get("role")), (200, "client"), "Authorization: Bearer works")
r = d.get("/whoami", token=None, headers={"X-Auth-Token": client})
t.is_((r.status, r.json and r.json.get("role")), (200, "client"), "Judge0's X-Auth-Token works")
r = d.get("/whoami", token=None, headers={"X-Auth-User": admin})
t.is_((r.status, r.json and r.json.get("role")), (200, "admin"), "Judge0's X-Auth-User works")
r = d.get("/whoami", token=client[:-1] + ("0" if client[-1] != "0" else "1"))
t.is_(r.status, 401, "a token one digit off: 401")
r = d.get("/tokens", token=client)
t.is_(r.status, 403, "a client token on an admin endpoint: 403")
r = d.get("/tokens", token=admin)
t.ok(r.status == 200 and any(x["name"] == "student-portal" and x["role"] == "client" for x in r.json),
     "admin lists tokens (names and roles, no hashes)", r)
t.ok(r.status == 200 and all("hash" not in x for x in r.json), "no hash in the listing")

out = subprocess.run(d.args("token", "list"), stdout=subprocess.PIPE, stderr=subprocess.PIPE).stdout.decode()
t.like(out, r"student-portal", "hutchd token list shows the token's name")
cid = [line.split()[0] for line in out.splitlines() if "student-portal" in line][0]
p = subprocess.run(d.args("token", "revoke", cid), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
t.is_(p.returncode, 0, "hutchd token revoke ID")
r = d.get("/whoami", token=client)
t.is_(r.status, 401, "a revoked token is refused at once, without a restart")
p = subprocess.run(d.args("token", "create", "--role", "root"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
t.ok(p.returncode != 0 and b"--role" in p.stderr, "an unknown role is refused")

# One server per database.
second = subprocess.run(d.args("--set", "port=0", "serve"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                        timeout=20)
t.ok(second.returncode != 0 and b"another hutchd serves this database" in second.stderr,
     "a second hutchd on the same database is refused", second.stderr[-400:])
d.stop()

# A database from the future is refused, not guessed at.
con = sqlite3.connect(db)
con.execute("PRAGMA user_version = 99")
con.commit()
con.close()
p = subprocess.run(d.args("--set", "port=0", "serve"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20)
t.ok(p.returncode != 0 and b"schema version 99" in p.stderr, "a newer schema version is refused", p.stderr[-400:])
t.done()
