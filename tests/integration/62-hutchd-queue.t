#!/usr/bin/env python3
# hutchd's durable queue: backpressure (503 + Retry-After), /workers and
# /metrics while busy, ?wait= with a timeout, graceful SIGTERM (a running
# job finishes within the grace period, or is cancelled and requeued), and
# kill -9 with 50 jobs queued and running: after a restart all 50 finish,
# none lost or stuck, and nothing is left behind (work dirs, cgroups).
import glob
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from hutchd_lib import Hutchd, Tap, need_root  # noqa: E402

need_root()
t = Tap()
PY = 71


def sleeper(seconds, out="done"):
    return {"language_id": PY, "source_code": f"import time\ntime.sleep({seconds})\nprint('{out}')",
            "expected_output": out}


def stale_cgroups():
    n = 0
    for d in glob.glob("/sys/fs/cgroup/**/hutch/r*", recursive=True):
        pid = os.path.basename(d)[1:].split(".")[0]
        if pid.isdigit() and not os.path.exists(f"/proc/{pid}"):
            n += 1
    return n


# ---- backpressure, /workers, /metrics, wait timeout ----
d = Hutchd(workers=1, sets={"max_queue": "3", "wait_timeout": "1", "shutdown_grace": "0.5"})
running = d.post("/submissions", sleeper(4)).json["token"]
deadline = time.monotonic() + 10
while time.monotonic() < deadline and d.get(f"/submissions/{running}?fields=status").json["status"]["id"] != 2:
    time.sleep(0.05)
t.is_(d.get(f"/submissions/{running}?fields=status").json["status"]["id"], 2, "a running job is Processing (2)")
queued = [d.post("/submissions", sleeper(0, f"q{i}")).json.get("token") for i in range(3)]
t.ok(all(queued), "three more jobs queued (max_queue = 3)")
t.is_(d.get(f"/submissions/{queued[0]}?fields=status").json["status"]["id"], 1, "a waiting job is In Queue (1)")
r = d.post("/submissions", sleeper(0))
t.is_(r.status, 503, "a fourth waiting job: 503")
t.like(r.json and r.json.get("error"), r"queue is full", "503 says the queue is full")
t.ok(r.headers.get("retry-after", "").isdigit() and int(r.headers["retry-after"]) >= 1, "503 carries Retry-After",
     r.headers)
r = d.post("/submissions/batch", {"submissions": [sleeper(0), sleeper(0)]})
t.is_(r.status, 503, "a batch that does not fit: 503, none of it stored")
w = d.get("/workers")
t.ok(w.status == 200 and w.json[0]["size"] == 3 and w.json[0]["working"] == 1, "/workers: queue size 3, one working",
     w.json)
busy = [x for x in (w.json[0]["workers"] if w.status == 200 else []) if x["state"] == "busy"]
t.ok(busy and busy[0]["job"] == running and busy[0]["running_for"] > 0, "/workers names the running job and its age",
     w.json)
m = d.get("/metrics")
t.like(m.body, r"(?m)^hutchd_queue_depth 3$", "/metrics: queue depth 3")
t.like(m.body, r'(?m)^hutchd_jobs_rejected_total\{reason="queue_full"\} [1-9]', "/metrics counts 503s")
t.like(m.headers.get("content-type"), r"^text/plain; version=0\.0\.4", "Prometheus text format")
t0 = time.monotonic()
r = d.get(f"/submissions/{running}?fields=status", token="default")
w = d.post("/submissions?wait=true", sleeper(0, "late"))
t.is_(w.status, 503, "full queue refuses wait=true too")
r = d.request("POST", "/submissions?wait=true", body={"language_id": PY, "source_code": "print(1)"},
              headers={"Authorization": f"Bearer {d.token}"})
t.is_(r.status, 503, "(queue still full)")

# ---- SIGTERM: the running job is cancelled after the grace and requeued ----
t0 = time.monotonic()
rc = d.stop()
el = time.monotonic() - t0
t.is_(rc, 0, "SIGTERM: exit 0")
t.ok(el < 5, f"stopped within the grace period plus teardown ({el:.1f} s)")
t.ok(any(e.get("msg") == "job cancelled by shutdown; requeued" and e.get("token") == running
         for e in d.log_events()), "the running job was cancelled and requeued, not failed")
d.start()
res = d.wait_done(running, timeout=30)
t.ok(res and res["status"]["id"] == 3 and res["stdout"] == "done\n", "after restart the requeued job runs to Accepted",
     res)
t.ok(all((d.wait_done(q, timeout=30) or {}).get("status", {}).get("id") == 3 for q in queued),
     "the queued jobs ran after the restart")

# ?wait=true held at most wait_timeout, then the current state.
t0 = time.monotonic()
r = d.post("/submissions?wait=true", sleeper(3))
el = time.monotonic() - t0
t.ok(r.status == 201 and r.json["status"]["id"] in (1, 2) and 0.8 < el < 3,
     f"wait=true past wait_timeout answers with the state so far ({el:.1f} s)", r)
r = d.post("/submissions?wait=true", {"language_id": PY, "source_code": "print(6*7)"})
t.ok(r.status == 201 and r.json["stdout"] == "42\n" and r.json["status"]["id"] == 3, "wait=true returns the result", r)

# SIGTERM with enough grace: the running job finishes before the exit.
d.stop()
d.sets["shutdown_grace"] = "20"
d.start()
tok = d.post("/submissions", sleeper(1.5, "graceful")).json["token"]
while d.get(f"/submissions/{tok}?fields=status").json["status"]["id"] == 1:
    time.sleep(0.05)
d.stop()
d.sets["shutdown_grace"] = "0.5"
d.start()
r = d.get(f"/submissions/{tok}?fields=status,stdout,finished_at")
t.ok(r.json["status"]["id"] == 3 and r.json["stdout"] == "graceful\n",
     "with enough grace, a running job finishes before hutchd exits", r)
d.stop()

# ---- kill -9 with 50 jobs queued and running ----
d = Hutchd(workers=2, sets={"max_queue": "100"})
tokens = []
for i in range(50):
    r = d.post("/submissions", {"language_id": PY, "stdin": f"job{i}", "expected_output": f"job{i}",
                                "source_code": "import time\ntime.sleep(0.1)\nprint(input())"})
    tokens.append(r.json and r.json.get("token"))
t.ok(all(tokens), "50 submissions accepted")
deadline = time.monotonic() + 20
while time.monotonic() < deadline:
    done = sum(1 for e in d.log_events("job finished"))
    if done >= 6:
        break
    time.sleep(0.05)
d.proc.send_signal(signal.SIGKILL)
d.proc.wait()
finished_before = sum(1 for e in d.log_events("job finished"))
t.ok(0 < finished_before < 50, f"killed with -9 mid-way ({finished_before} of 50 finished)")
d.start()
rec = d.log_events("jobs left running by a previous hutchd were queued again")
t.ok(rec and rec[0]["jobs"] >= 1, "restart: the jobs that were running are queued again", rec)
results = [d.wait_done(tok, timeout=60) for tok in tokens]
t.ok(all(r is not None for r in results), "all 50 jobs finish after the restart")
t.ok(all(r and r["status"]["id"] == 3 for r in results), "all 50 are Accepted (none lost, none stuck)",
     [r for r in results if not r or r["status"]["id"] != 3][:2])
t.ok(all(r and r["stdout"] == f"job{i}\n" for i, r in enumerate(results)), "each with its own output")
w = d.get("/workers").json[0]
t.ok(w["size"] == 0 and w["running"] == 0, "nothing queued or running afterwards", w)
t.is_(sorted(os.listdir(os.path.join(d.state_dir, "work"))), [], "no work directory left behind")
t.ok(not any(d.state_dir in line for line in open("/proc/self/mountinfo")), "no work dir mount left behind")
t.is_(stale_cgroups(), 0, "no cgroup of a dead supervisor left behind")
d.stop()
t.done()
