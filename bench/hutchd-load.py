#!/usr/bin/env python3
"""hutchd load test: submissions per second, and that none is lost.

Starts a real hutchd (loopback, temporary state dir, N workers), submits
Python `print(input())` and C hello-world submissions through the Judge0
API (batches of 20, several client threads, then polling GET
/submissions/batch), and checks that every one finished Accepted with its
own output. In the same run it measures the same programs
  - bare: python3 / gcc + ./a.out as plain subprocesses, same parallelism;
  - hutch run: one `hutch run` per program (the sandbox without hutchd).
The rates go to stdout (and --json FILE); nothing is asserted on speed.

Usage: bench/hutchd-load.py [--python N] [--c N] [--workers W] [--clients K]
                            [--json FILE] [--quick]
Exit status 1 if a submission was lost or wrong.
"""
import argparse
import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from hutchd_lib import Hutchd  # noqa: E402

PY_SRC = "print(input())"
C_SRC = '#include <stdio.h>\nint main(void){puts("hello, world");return 0;}\n'


def submit_all(d, bodies, clients):
    """POST in batches of 20 from `clients` threads; returns tokens in order."""
    batches = [bodies[i:i + 20] for i in range(0, len(bodies), 20)]
    tokens = [None] * len(batches)

    def post(i):
        for attempt in range(200):
            r = d.post("/submissions/batch", {"submissions": batches[i]})
            if r.status == 201:
                tokens[i] = [x.get("token") for x in r.json]
                return
            if r.status == 503:  # queue full: back off as told
                time.sleep(min(float(r.headers.get("retry-after", "1")), 2.0) / 4)
                continue
            raise RuntimeError(f"batch {i}: {r.status} {r.body[:300]}")
        raise RuntimeError(f"batch {i}: queue stayed full")

    with cf.ThreadPoolExecutor(clients) as ex:
        list(ex.map(post, range(len(batches))))
    return [t for b in tokens for t in b]


def wait_all(d, tokens, timeout):
    """Poll until every token is done; returns {token: submission}."""
    done = {}
    pending = list(tokens)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        still = []
        for i in range(0, len(pending), 20):
            chunk = pending[i:i + 20]
            r = d.get("/submissions/batch?fields=token,status,stdout&tokens=" + ",".join(chunk))
            for tok, s in zip(chunk, r.json["submissions"] if r.status == 200 else [None] * len(chunk)):
                if s and s["status"]["id"] >= 3:
                    done[tok] = s
                else:
                    still.append(tok)
        pending = still
        if pending:
            time.sleep(0.05)
    return done


def served_rate(d, n, body, want_stdout, clients, timeout):
    bodies = [dict(body, stdin=f"line {i}") if body.get("language_id") == 71 else dict(body) for i in range(n)]
    t0 = time.monotonic()
    tokens = submit_all(d, bodies, clients)
    t_sub = time.monotonic() - t0
    done = wait_all(d, tokens, timeout)
    el = time.monotonic() - t0
    lost = [t for t in tokens if t not in done]
    wrong = []
    for i, t in enumerate(tokens):
        s = done.get(t)
        want = f"line {i}\n" if want_stdout is None else want_stdout
        if s and (s["status"]["id"] != 3 or s["stdout"] != want):
            wrong.append((t, s["status"], s["stdout"]))
    return {"n": n, "seconds": round(el, 3), "per_second": round(n / el, 1), "submit_seconds": round(t_sub, 3),
            "lost": len(lost), "wrong": len(wrong), "wrong_sample": wrong[:3]}


def bare_rate(n, parallel, fn):
    t0 = time.monotonic()
    with cf.ThreadPoolExecutor(parallel) as ex:
        results = list(ex.map(fn, range(n)))
    el = time.monotonic() - t0
    return {"n": n, "seconds": round(el, 3), "per_second": round(n / el, 1), "failed": sum(1 for r in results if not r)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--python", type=int, default=2000, help="Python submissions (default 2000)")
    ap.add_argument("--c", type=int, default=200, help="C submissions (default 200)")
    ap.add_argument("--bare", type=int, default=400, help="Python programs run bare and under hutch run (400)")
    ap.add_argument("--rounds", type=int, default=4,
                    help="interleave served and bare measurements in this many rounds (load drifts)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--json", help="write the results here too")
    ap.add_argument("--quick", action="store_true", help="200 Python, 20 C, 40 bare, 2 rounds")
    a = ap.parse_args()
    if a.quick:
        a.python, a.c, a.bare, a.rounds = 200, 20, 40, 2
    if os.geteuid() != 0:
        sys.exit("hutchd-load: must run as root (hutchd makes sandboxes)")

    tmp = tempfile.mkdtemp(prefix="hutchd-bare.")
    os.chmod(tmp, 0o755)
    hutch = os.path.join(ROOT, "hutch")

    def py_bare(i):
        p = subprocess.run(["/usr/bin/python3", "-c", PY_SRC], input=f"line {i}\n".encode(), stdout=subprocess.PIPE)
        return p.returncode == 0 and p.stdout == f"line {i}\n".encode()

    def c_bare(i):
        wd = os.path.join(tmp, f"c{i}")
        os.makedirs(wd)
        with open(os.path.join(wd, "main.c"), "w") as f:
            f.write(C_SRC)
        ok = subprocess.run(["/usr/bin/gcc", "-O2", "-o", "main", "main.c"], cwd=wd).returncode == 0
        ok = ok and subprocess.run(["./main"], cwd=wd, stdout=subprocess.PIPE).stdout == b"hello, world\n"
        shutil.rmtree(wd)
        return ok

    def py_hutch(i):
        p = subprocess.run([hutch, "run", "--profile", "grade-python", "--", "/usr/bin/python3", "-c", PY_SRC],
                           input=f"line {i}\n".encode(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return p.returncode == 0 and p.stdout == f"line {i}\n".encode()

    def add(acc, r):
        for k in ("n", "seconds", "lost", "wrong", "failed"):
            if k in r:
                acc[k] = acc.get(k, 0) + r[k]
        acc.setdefault("wrong_sample", []).extend(r.get("wrong_sample", []))
        acc["per_second"] = round(acc["n"] / acc["seconds"], 1) if acc.get("seconds") else 0.0

    out = {"workers": a.workers, "clients": a.clients, "host_cpus": os.cpu_count(), "rounds": a.rounds,
           "load_before": os.getloadavg()}
    keys = ("served_python", "served_c", "bare_python", "bare_c", "hutch_run_python")
    for k in keys:
        out[k] = {}
    d = Hutchd(workers=a.workers, sets={"max_queue": str(max(2 * (a.python + a.c), 1000)), "log_level": "warn",
                                        "max_batch": "20"})
    try:
        for rnd in range(a.rounds):
            add(out["served_python"], served_rate(d, a.python // a.rounds, {"language_id": 71, "source_code": PY_SRC},
                                                  None, a.clients, 600))
            add(out["bare_python"], bare_rate(a.bare // a.rounds, a.workers, py_bare))
            add(out["hutch_run_python"], bare_rate(a.bare // a.rounds, a.workers, py_hutch))
            if a.c:
                add(out["served_c"], served_rate(d, a.c // a.rounds, {"language_id": 50, "source_code": C_SRC},
                                                 "hello, world\n", a.clients, 900))
                add(out["bare_c"], bare_rate(max(a.c // a.rounds // 2, 5), a.workers, c_bare))
            print(f"round {rnd + 1}/{a.rounds}: hutchd python {out['served_python']['per_second']}/s, "
                  f"bare {out['bare_python']['per_second']}/s", file=sys.stderr, flush=True)
    finally:
        d.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    out["load_after"] = os.getloadavg()
    sp, sc = out["served_python"], out.get("served_c") or {}
    print(f"hutchd  python print(input()): {sp['per_second']:7.1f} /s ({sp['n']} submissions, lost {sp['lost']}, "
          f"wrong {sp['wrong']})")
    if a.c:
        print(f"hutchd  C hello (compile+run):  {sc['per_second']:7.1f} /s ({sc['n']} submissions, lost {sc['lost']}, "
              f"wrong {sc['wrong']})")
    print(f"bare    python print(input()): {out['bare_python']['per_second']:7.1f} /s")
    if a.c:
        print(f"bare    C hello (gcc + run):    {out['bare_c']['per_second']:7.1f} /s")
    print(f"hutch run python (no server):  {out['hutch_run_python']['per_second']:7.1f} /s")
    print(f"ratio   hutchd/bare python {sp['per_second'] / out['bare_python']['per_second']:.2f}" +
          (f", C {sc['per_second'] / out['bare_c']['per_second']:.2f}" if a.c else "") +
          f"; load average {out['load_before'][0]:.1f} -> {out['load_after'][0]:.1f} on {os.cpu_count()} CPUs")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=1)
    bad = sp["lost"] + sp["wrong"] + (sc["lost"] + sc["wrong"] if a.c else 0)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
