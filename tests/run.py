#!/usr/bin/env python3
"""Run hutch's test layers and summarise.

Each test is an executable that prints TAP: build/tests/unit/* (C, from
tests/unit/*.c), tests/integration/*.t, tests/security/*.t. Exit 77 (or a
"1..0 # SKIP" plan) marks a whole file skipped, with its reason. A file
fails when it prints "not ok", exits non-zero, or its plan does not match.

Usage: tests/run.py [LAYER...] [-k SUBSTRING] [--timeout SEC]
The last line is "N passed, N failed, N skipped" (CI reads it).
"""
import argparse
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LAYERS = ["unit", "integration", "security"]
EXTRA_LAYERS = ["v2"]  # run only when named: tests/v2/*.t (the cgroup v2 VM)


def collect(layer):
    if layer == "unit":
        # HUTCH_BUILD: another build dir's unit tests (make asan: build-asan)
        d = os.path.join(ROOT, os.environ.get("HUTCH_BUILD", "build"), "tests", "unit")
        files = [os.path.join(d, f) for f in sorted(os.listdir(d))] if os.path.isdir(d) else []
    else:
        d = os.path.join(ROOT, "tests", layer)
        files = [os.path.join(d, f) for f in sorted(os.listdir(d)) if f.endswith(".t")] if os.path.isdir(d) else []
    return [f for f in files if os.access(f, os.X_OK) and os.path.isfile(f)]


def run_one(path, timeout):
    start = time.monotonic()
    try:
        p = subprocess.run([path], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, timeout=timeout)
        out, rc = p.stdout.decode("utf-8", "replace"), p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") + f"\nnot ok - timed out after {timeout}s\n"
        rc = -1
    return out, rc, time.monotonic() - start


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("layers", nargs="*", default=LAYERS)
    ap.add_argument("-k", dest="filter", default=None)
    ap.add_argument("--timeout", type=int, default=600)
    a = ap.parse_args()
    passed = failed = skipped = 0
    bad_files = []
    todos = []
    for layer in a.layers:
        if layer not in LAYERS + EXTRA_LAYERS:
            sys.exit(f"unknown layer {layer}; expected one of {LAYERS + EXTRA_LAYERS}")
        for path in collect(layer):
            name = os.path.relpath(path, ROOT)
            if a.filter and a.filter not in name:
                continue
            out, rc, dt = run_one(path, a.timeout)
            f_pass = f_fail = f_skip = f_todo = 0
            plan = None
            for line in out.splitlines():
                m = re.match(r"^(not )?ok\b", line)
                if m:
                    if re.search(r"#\s*TODO", line, re.I):
                        f_todo += 1
                        todos.append(f"{name}: {line}")
                    elif re.search(r"#\s*SKIP", line, re.I):
                        f_skip += 1
                    elif m.group(1):
                        f_fail += 1
                    else:
                        f_pass += 1
                mp = re.match(r"^1\.\.(\d+)", line)
                if mp:
                    plan = int(mp.group(1))
            whole_skip = rc == 77 or (plan == 0 and re.search(r"^1\.\.0\s*#\s*SKIP", out, re.M | re.I))
            problem = None
            if whole_skip:
                reason = re.search(r"#\s*SKIP\s*(.*)", out, re.I)
                f_skip += 1
                print(f"--- {name}: SKIPPED ({reason.group(1) if reason else 'no reason given'})")
            else:
                if rc != 0:
                    problem = f"exit status {rc}"
                elif plan is None:
                    problem = "no plan printed"
                elif plan != f_pass + f_fail + f_skip + f_todo:
                    problem = f"planned {plan} tests, ran {f_pass + f_fail + f_skip + f_todo}"
                if f_pass + f_fail + f_skip + f_todo == 0 and not problem:
                    problem = "ran no test"
            for line in out.splitlines():
                print(f"    {line}")
            if problem and f_fail == 0:
                f_fail += 1
            status = "FAIL" if (f_fail or problem) else "ok"
            print(f"--- {name}: {status} ({f_pass} passed, {f_fail} failed, {f_skip} skipped, {dt:.1f}s)"
                  + (f" [{problem}]" if problem else ""))
            if status == "FAIL":
                bad_files.append(name)
            passed += f_pass
            failed += f_fail
            skipped += f_skip
    if todos:
        print(f"known holes (TAP TODO, not counted as passed): {len(todos)}")
        for t in todos:
            print("    " + t)
    if bad_files:
        print("failed files: " + ", ".join(bad_files))
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed or passed == 0 else 0)


if __name__ == "__main__":
    main()
