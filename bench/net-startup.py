#!/usr/bin/env python3
"""Start-up cost of each network mode, next to `unshare -n`, in one loop.

    bench/net-startup.py [--runs 200] [--profile FILE] [--extra NAME=CMD ...]
    bench/net-startup.py --throughput [--size-mb 256]

Start-up: every iteration runs each command once (`/bin/true` under it),
in a freshly shuffled order, so that drift of the machine hits all alike;
median and p95 wall time per command, and each hutch mode minus `hutch
run --net none` (what the mode itself costs). A profile allowing every
mode is made from profiles/default.json unless --profile is given.

Throughput: an HTTP server in a network namespace made here (a veth pair
to the host, like tests/integration/40-network.t) serves a file; curl
downloads it from the host, then from a sandbox in egress mode (through
NAT and the run's nftables table). Both are printed in MiB/s.

Needs root. Leaves nothing behind (namespace, veth, files).
"""
import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUTCH = os.path.join(ROOT, "hutch")


def make_profile(tmp):
    with open(os.path.join(ROOT, "profiles", "default.json")) as f:
        p = json.load(f)
    p["network"] = {"mode": "none", "allowed": ["none", "loopback", "egress", "publish"]}
    path = os.path.join(tmp, "net.json")
    with open(path, "w") as f:
        json.dump(p, f)
    return path


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def startup(a, profile):
    cmds = {
        "true": ["/bin/true"],
        "unshare -n": [shutil.which("unshare") or "/usr/bin/unshare", "-n", "/bin/true"],
    }
    for mode in ("none", "loopback", "egress"):
        cmds[f"hutch {mode}"] = [HUTCH, "run", "--profile", profile, "--net", mode, "--", "/bin/true"]
    for e in a.extra:
        name, _, cmd = e.partition("=")
        cmds[name] = cmd.split()
    times = {k: [] for k in cmds}
    for _ in range(a.runs):
        order = list(cmds)
        random.shuffle(order)
        for k in order:
            t0 = time.perf_counter_ns()
            r = subprocess.run(cmds[k], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
            t1 = time.perf_counter_ns()
            if r.returncode != 0:
                sys.exit(f"{k}: exit {r.returncode}: {r.stderr.decode(errors='replace')[:300]}")
            times[k].append((t1 - t0) / 1e6)
    base = statistics.median(times["hutch none"])
    print(f"start-up of /bin/true, {a.runs} runs each, interleaved (ms)")
    print(f"{'':14} {'median':>8} {'p95':>8} {'median - hutch none':>20}")
    for k, v in times.items():
        extra = f"{statistics.median(v) - base:+20.2f}" if k.startswith("hutch") else ""
        print(f"{k:14} {statistics.median(v):8.2f} {pct(v, 0.95):8.2f} {extra}")
    u, t = times["unshare -n"], times["true"]
    print(f"unshare -n minus true: median {statistics.median(u) - statistics.median(t):+.2f}, "
          f"p95 {pct(u, 0.95) - pct(t, 0.95):+.2f}")


def sh(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def throughput(a, profile, tmp):
    ns, hif, oif = f"hutch-bench-{os.getpid()}", f"hbn{os.getpid() % 100000}h", f"hbn{os.getpid() % 100000}o"
    host, out = "198.19.254.1", "198.19.254.2"
    www = os.path.join(tmp, "www")
    os.makedirs(www)
    blob = os.path.join(www, "blob")
    with open(blob, "wb") as f:
        f.truncate(a.size_mb << 20)
    os.chmod(tmp, 0o755)
    os.chmod(www, 0o755)
    os.chmod(blob, 0o644)
    srv = None
    try:
        sh("ip", "netns", "add", ns)
        sh("ip", "link", "add", hif, "type", "veth", "peer", "name", oif, "netns", ns)
        sh("ip", "addr", "add", host + "/30", "dev", hif)
        sh("ip", "link", "set", hif, "up")
        sh("ip", "-n", ns, "addr", "add", out + "/30", "dev", oif)
        sh("ip", "-n", ns, "link", "set", oif, "up")
        srv = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-m", "http.server", "8000",
                                "--bind", out, "--directory", www],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://{out}:8000/blob"
        for _ in range(100):
            if sh("curl", "-s", "-o", "/dev/null", "-m", "1", "-r", "0-0", url, check=False).returncode == 0:
                break
            time.sleep(0.1)
        fmt = ["-sS", "-o", "/dev/null", "-w", "%{speed_download}"]
        res = {"host": [], "sandbox (egress)": []}
        for _ in range(a.rounds):
            r = sh("curl", *fmt, url)
            res["host"].append(float(r.stdout) / 2**20)
            r = sh(HUTCH, "run", "--profile", profile, "--net", "egress", "--wall-time", "120",
                   "--", "/usr/bin/curl", *fmt, url)
            res["sandbox (egress)"].append(float(r.stdout) / 2**20)
        print(f"download of {a.size_mb} MiB over HTTP from a namespace on this host, "
              f"median of {a.rounds} (MiB/s)")
        for k, v in res.items():
            print(f"{k:18} {statistics.median(v):10.1f}")
        print(f"ratio sandbox/host: {statistics.median(res['sandbox (egress)']) / statistics.median(res['host']):.2f}")
    finally:
        if srv:
            srv.kill()
            srv.wait()
        sh("ip", "netns", "del", ns, check=False)
        sh("ip", "link", "del", hif, check=False)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--hutch", default=HUTCH, help="the hutch binary (default: the repository's)")
    ap.add_argument("--profile")
    ap.add_argument("--extra", action="append", default=[], help="NAME=COMMAND to time too")
    ap.add_argument("--throughput", action="store_true")
    ap.add_argument("--size-mb", type=int, default=256)
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    globals()["HUTCH"] = a.hutch
    if os.geteuid() != 0:
        sys.exit("needs root")
    tmp = tempfile.mkdtemp(prefix="hutch-netbench.")
    try:
        profile = a.profile or make_profile(tmp)
        if a.throughput:
            throughput(a, profile, tmp)
        else:
            startup(a, profile)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
