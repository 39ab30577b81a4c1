#!/usr/bin/env python3
"""hutch against its peers, on this machine, in one run.

    make bench                 full run (installs the peers from Debian)
    make bench BENCH_QUICK=1   short run for CI (< 1 min, peers only if present)
    bench/bench.py [--quick] [--no-install] [--tools hutch,bwrap,...] [--iterations N]

What is measured (every figure is a median or a ratio against bare
fork+exec measured in the same run, never a lone time):

  start-up    `/bin/true` under each tool. Each iteration runs every tool
              once, in a freshly shuffled order, so that drift of the
              machine (frequency, caches, a noisy neighbour) hits all of
              them alike. Median, p95 and median / bare.
  runs/s      `sh -c 'echo hi'` run back to back by 2 parallel workers, in
              shuffled rounds of short bursts per tool.
  CPU-bound   a fixed shell loop (~2 s bare): user time of the whole tree
              under the tool / bare, and wall time likewise.
  memory      peak RSS (VmHWM) of the tool's own top process while the
              program sleeps: for hutch, the supervisor.
  steps       `hutch run --timings`: what each step of a start costs, so
              that the slowest one is always on view.

Every launch goes through bench/hb-spawn.c (fork + execve + wait4, the
same path for every tool and for the bare baseline); this script only
decides the order and does the statistics. Results are printed as a table
and written to bench/results/bench-<time>.json (and latest.json).
"""
import argparse
import datetime
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HUTCH = os.path.join(ROOT, "hutch")
SPAWN = os.path.join(ROOT, "build", "bench", "hb-spawn")
RESULTS = os.path.join(ROOT, "bench", "results")

TRUE = ["/bin/true"]
ECHO = ["/bin/sh", "-c", "echo hi"]
SLEEP = ["/bin/sleep", "0.4"]

# Reference figures of issue 7 (same machine type, 2 vCPU): start-up as a
# multiple of bare fork+exec. isolate cannot be built by `make bench`, so its
# runs/s is estimated from bubblewrap's, measured here, scaled by the ratio
# of the two start-up figures.
ISOLATE_X_BARE = 5.8
BWRAP_X_BARE_REF = 8.9

# Debian package of each peer, installed when missing (full mode).
PACKAGES = {"bwrap": "bubblewrap", "firejail": "firejail", "crun": "crun", "unshare": "util-linux"}

NOTES = {
    "bare": "fork+exec of the program, no isolation: the baseline",
    "hutch": "default profile: user/pid/mnt/ipc/uts/net/cgroup ns, overlay root on tmpfs, "
             "ro host /usr /etc, masked /proc, own /dev, seccomp, no caps, cgroup limits",
    "hutch-warm": "hutch serve (2 warm sandboxes, same profile, isolation and limits; fresh mnt+ipc "
                  "ns and tmpfs /tmp /var/tmp /box /dev/shm per run, root read-only, every "
                  "process of a run killed before the next); launched over its unix socket",
    "unshare": "floor: user/pid/mnt/ipc/uts/net/cgroup ns only; no new root, no seccomp, "
               "no cgroup, no limits",
    "bwrap": "--unshare-all (user ns maps uid 1000 to host root), ro /usr /etc, /proc, /dev, "
             "tmpfs /tmp, caps dropped; no seccomp, no cgroup limits, no overlay",
    "firejail": "--noprofile, net none, ipc ns, caps dropped, nonewprivs, seccomp, private "
                "/dev and /tmp; runs as root (no user ns), host root visible, no limits",
    "crun": "OCI bundle: all 7 ns, uid map like hutch, ro root of /usr /etc, /proc, /dev, "
            "tmpfs /tmp, no caps, masked /proc paths; --cgroup-manager=disabled (no limits), "
            "no seccomp",
}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def which(name, *extra):
    for d in ("/usr/bin", "/usr/sbin", "/bin", "/sbin", *extra):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name)


def install_peers(tools):
    missing = [PACKAGES[t] for t in tools if t in PACKAGES and not which(t)]
    if not missing:
        return
    log(f"bench: installing {' '.join(missing)} from Debian")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    cmd = ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *missing]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=False)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False)


def version_of(tool):
    cmds = {
        "bare": None,
        "hutch": [HUTCH, "--version"],
        "unshare": ["unshare", "--version"],
        "bwrap": ["bwrap", "--version"],
        "firejail": ["firejail", "--version"],
        "crun": ["crun", "--version"],
    }
    if not cmds.get(tool):
        return platform.release()
    try:
        out = subprocess.run(cmds[tool], capture_output=True, text=True, timeout=10).stdout
    except OSError:
        return "?"
    words = out.split("\n")[0].split()
    return words[-1] if words else "?"


class Setup:
    """Peer configuration that needs files or processes: crun's bundles and
    the mount namespace in which /sys/fs/cgroup/unified is hidden from it."""

    def __init__(self, tools):
        self.tmp = tempfile.mkdtemp(prefix="hutch-bench.")
        os.chmod(self.tmp, 0o755)
        self.holder = None
        self.crun_ns = "-"
        self.bundles = {}
        self.server = None
        if "crun" in tools:
            self._crun_rootfs()
        if "hutch-warm" in tools:
            self._serve()

    def _serve(self):
        self.serve_sock = os.path.join(self.tmp, "hutch.sock")
        # CPU and wall limits as bench gives `hutch run` for the CPU-bound loop.
        self.server = subprocess.Popen([HUTCH, "serve", "--socket", self.serve_sock, "--workers", "2",
                                        "--time", "30", "--wall-time", "90"],
                                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE, text=True)
        # Ready once it says it listens (its warm sandboxes are made then).
        line = self.server.stderr.readline()
        if "listening" not in line:
            raise SystemExit(f"bench: hutch serve did not start: {line.strip()}")
        time.sleep(0.2)

    def _crun_rootfs(self):
        rootfs = os.path.join(self.tmp, "rootfs")
        for d in ("usr", "etc", "proc", "dev", "tmp", "box"):
            os.makedirs(os.path.join(rootfs, d))
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = os.path.join("/", name)
            if os.path.islink(p):
                os.symlink(os.readlink(p), os.path.join(rootfs, name))
        self.rootfs = rootfs
        # crun 1.8 refuses a hybrid host ("cgroupv2 not supported in hybrid
        # mode" paths) unless it sees no cgroup2 at /sys/fs/cgroup/unified:
        # keep one private mount namespace where a tmpfs covers it, and have
        # hb-spawn setns() into it before exec'ing crun.
        if os.path.ismount("/sys/fs/cgroup/unified"):
            self.holder = subprocess.Popen(
                ["unshare", "-m", "--propagation", "private", "/bin/sh", "-c",
                 "mount -t tmpfs -o size=4k,mode=0555 hb-hide /sys/fs/cgroup/unified && "
                 "echo ready && exec sleep 100000"],
                stdout=subprocess.PIPE, text=True)
            if self.holder.stdout.readline().strip() != "ready":
                raise SystemExit("bench: could not make the mount namespace for crun")
            self.crun_ns = f"/proc/{self.holder.pid}/ns/mnt"

    def crun_bundle(self, key, args):
        if key in self.bundles:
            return self.bundles[key]
        bundle = os.path.join(self.tmp, f"bundle-{key}")
        os.makedirs(bundle)
        ro = ["rbind", "ro", "nosuid", "nodev"]
        idmap = [{"containerID": 0, "hostID": 2000000000, "size": 65536}]
        config = {
            "ociVersion": "1.0.2",
            "process": {
                "terminal": False,
                "user": {"uid": 1000, "gid": 1000},
                "args": args,
                "env": ["PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8"],
                "cwd": "/",
                "capabilities": {k: [] for k in ("bounding", "effective", "permitted",
                                                 "inheritable", "ambient")},
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 64, "soft": 64},
                            {"type": "RLIMIT_CORE", "hard": 0, "soft": 0}],
                "noNewPrivileges": True,
            },
            "root": {"path": self.rootfs, "readonly": True},
            "hostname": "hutch",
            "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc",
                 "options": ["nosuid", "noexec", "nodev"]},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "strictatime", "mode=755", "size=64k"]},
                {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs",
                 "options": ["nosuid", "nodev", "size=64m"]},
                {"destination": "/usr", "type": "bind", "source": "/usr", "options": ro},
                {"destination": "/etc", "type": "bind", "source": "/etc", "options": ro},
            ],
            "linux": {
                "namespaces": [{"type": t} for t in
                               ("pid", "network", "ipc", "uts", "mount", "user", "cgroup")],
                "uidMappings": idmap,
                "gidMappings": idmap,
                "maskedPaths": ["/proc/kcore", "/proc/keys", "/proc/timer_list",
                                "/proc/sched_debug", "/proc/acpi", "/proc/scsi"],
                "readonlyPaths": ["/proc/sys", "/proc/irq", "/proc/bus", "/proc/fs",
                                  "/proc/sysrq-trigger"],
            },
        }
        with open(os.path.join(bundle, "config.json"), "w") as f:
            json.dump(config, f)
        os.makedirs(os.path.join(self.tmp, "crun-state"), exist_ok=True)
        self.bundles[key] = bundle
        return bundle

    def close(self):
        if self.server:
            self.server.terminate()
            try:
                self.server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.server.kill()
        if self.holder:
            self.holder.kill()
            self.holder.wait()
        shutil.rmtree(self.tmp, ignore_errors=True)


def command(tool, key, prog, setup, hutch_opts=()):
    """(mount namespace, argv) of prog under tool."""
    if tool == "bare":
        return "-", prog
    if tool == "hutch":
        return "-", [HUTCH, "run", *hutch_opts, "--", *prog]
    if tool == "hutch-warm":
        # Limits are fixed per server: started with --time 30 (Setup._serve).
        return "@serve=" + setup.serve_sock, prog
    if tool == "unshare":
        return "-", [which("unshare"), "-U", "-p", "-f", "-m", "-i", "-u", "-n", "-C", "--", *prog]
    if tool == "bwrap":
        view = ["--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            p = os.path.join("/", name)
            if os.path.islink(p):
                view += ["--symlink", os.readlink(p), p]
            elif os.path.isdir(p):
                view += ["--ro-bind", p, p]
        return "-", [which("bwrap"), "--unshare-all", "--die-with-parent", "--new-session",
                     "--cap-drop", "ALL", *view, "--proc", "/proc", "--dev", "/dev",
                     "--tmpfs", "/tmp", "--hostname", "hutch", "--uid", "1000", "--gid", "1000",
                     "--", *prog]
    if tool == "firejail":
        return "-", [which("firejail"), "--noprofile", "--quiet", "--net=none", "--ipc-namespace",
                     "--caps.drop=all", "--nonewprivs", "--seccomp", "--private-dev",
                     "--private-tmp", "--", *prog]
    if tool == "crun":
        bundle = setup.crun_bundle(key, prog)
        return setup.crun_ns, [which("crun"), "--root", os.path.join(setup.tmp, "crun-state"),
                               "--cgroup-manager=disabled", "run", "--bundle", bundle, "@ID@"]
    raise ValueError(tool)


class Spawner:
    """Drives one hb-spawn process over its stdin/stdout."""

    def __init__(self, cmds, tmp):
        path = os.path.join(tmp, "cmds")
        with open(path, "wb") as f:
            for ns, argv in cmds:
                for w in [ns, *argv]:
                    f.write(w.encode() + b"\0")
                f.write(b"\0")
        self.p = subprocess.Popen([SPAWN, path], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True, bufsize=1)

    def ask(self, line):
        self.p.stdin.write(line + "\n")
        self.p.stdin.flush()
        reply = self.p.stdout.readline().rstrip("\n")
        nums, _, self.output = reply.partition(" | ")
        if not nums or nums.startswith("ERR"):
            raise SystemExit(f"bench: hb-spawn: {line}: {reply!r}")
        return [int(x) for x in nums.split()]

    def once(self, i, capture=False):
        ns, ut, st, rss, ws = self.ask(f"{'C' if capture else 'L'} {i}")
        return {"ms": ns / 1e6, "user_s": ut / 1e6, "sys_s": st / 1e6, "ok": ws == 0,
                "output": self.output}

    def burst(self, i, workers, ms):
        runs, elapsed, fails = self.ask(f"T {i} {workers} {ms}")
        return runs, elapsed / 1e9, fails

    def close(self):
        self.p.stdin.close()
        self.p.wait()


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, max(0, int(round(p / 100 * len(v) + 0.5)) - 1))]


def startup(tools, setup, iters, warmup):
    cmds = [command(t, "true", TRUE, setup) for t in tools]
    sp = Spawner(cmds, setup.tmp)
    times = {t: [] for t in tools}
    fails = {t: 0 for t in tools}
    order = list(range(len(tools)))
    for it in range(warmup + iters):
        random.shuffle(order)
        for i in order:
            r = sp.once(i)
            if not r["ok"]:
                fails[tools[i]] += 1
            elif it >= warmup:
                times[tools[i]].append(r["ms"])
    sp.close()
    return times, fails


def throughput(tools, setup, rounds, burst_ms, workers=2):
    cmds = [command(t, "echo", ECHO, setup) for t in tools]
    sp = Spawner(cmds, setup.tmp)
    tot = {t: [0, 0.0, 0] for t in tools}
    order = list(range(len(tools)))
    for i in order:
        sp.burst(i, workers, max(50, burst_ms // 4))  # warm-up, not counted
    for _ in range(rounds):
        random.shuffle(order)
        for i in order:
            runs, secs, fails = sp.burst(i, workers, burst_ms)
            t = tot[tools[i]]
            t[0] += runs
            t[1] += secs
            t[2] += fails
    sp.close()
    return {t: {"runs": v[0], "seconds": v[1], "failures": v[2],
                "runs_per_s": v[0] / v[1] if v[1] else 0.0} for t, v in tot.items()}


def cpu_loop(n):
    # The shell's `times` prints its own user and system time first
    # ("0m1.98s 0m0.00s"): the program's CPU time as the kernel counted it
    # inside the sandbox, whichever tool started it and whether or not the
    # tool's rusage covers its descendants (bwrap's outer process does not).
    return ["/bin/sh", "-c", f"i=0; while [ $i -lt {n} ]; do i=$((i+1)); done; times"]


def parse_times(text):
    try:
        m, s = text.split()[0].rstrip("s").split("m")
        return int(m) * 60 + float(s)
    except (IndexError, ValueError):
        return None


def cpu_bound(tools, setup, target_s, rounds):
    # Calibrate a fixed amount of work that takes about target_s bare.
    n = 20000
    while True:
        sp = Spawner([("-", cpu_loop(n))], setup.tmp)
        r = sp.once(0, capture=True)
        sp.close()
        if r["ms"] > 100 or n > 1e8:
            break
        n *= 4
    n = int(n * target_s * 1000 / r["ms"])
    prog = cpu_loop(n)
    # A time limit above the loop's, within the default profile's ceiling.
    lim = str(min(60, int(target_s * 5) + 5))
    cmds = [command(t, "cpu", prog, setup, ("--time", lim, "--wall-time", str(int(lim) * 3)))
            for t in tools]
    sp = Spawner(cmds, setup.tmp)
    res = {t: {"user_s": [], "wall_s": [], "tree_user_s": [], "failures": 0} for t in tools}
    order = list(range(len(tools)))
    for _ in range(rounds):
        random.shuffle(order)
        for i in order:
            r = sp.once(i, capture=True)
            d = res[tools[i]]
            user = parse_times(r["output"])
            if not r["ok"] or user is None:
                d["failures"] += 1
                continue
            d["user_s"].append(user)
            d["tree_user_s"].append(r["user_s"])
            d["wall_s"].append(r["ms"] / 1000)
    sp.close()
    out = {}
    for t, d in res.items():
        out[t] = {"iterations": n, "failures": d["failures"],
                  "user_s": statistics.median(d["user_s"]) if d["user_s"] else None,
                  "tree_user_s": statistics.median(d["tree_user_s"]) if d["tree_user_s"] else None,
                  "wall_s": statistics.median(d["wall_s"]) if d["wall_s"] else None}
    return out


def memory(tools, setup, tries):
    """VmHWM of the tool's top process, read while the program sleeps."""
    out = {}
    for t in tools:
        if t == "bare":
            continue
        if t == "hutch-warm":
            try:
                with open(f"/proc/{setup.server.pid}/status") as f:
                    out[t] = next(int(l.split()[1]) for l in f if l.startswith("VmHWM:"))
            except (OSError, StopIteration):
                out[t] = None
            continue
        ns, argv = command(t, "sleep", SLEEP, setup)
        argv = [a.replace("@ID@", f"hbm{os.getpid()}") for a in argv]
        if ns != "-":
            argv = [which("nsenter"), f"--mount={ns}", "--", *argv]
        best = 0
        for _ in range(tries):
            p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
            hwm = 0
            deadline = time.monotonic() + 0.3
            while time.monotonic() < deadline and p.poll() is None:
                try:
                    with open(f"/proc/{p.pid}/status") as f:
                        for line in f:
                            if line.startswith("VmHWM:"):
                                hwm = max(hwm, int(line.split()[1]))
                except OSError:
                    pass
                time.sleep(0.02)
            p.wait()
            best = max(best, hwm)
        out[t] = best
    return out


STEPS = ["cgroup", "clone", "idmap", "mounts", "pivot", "seccomp", "exec", "exit", "done"]
STEP_DESC = {
    "cgroup": "cgroup create (mkdir + limits)",
    "clone": "mount plan + pipes + clone3 with namespaces",
    "idmap": "uid/gid maps + cgroup attach + release init",
    "mounts": "init: root in userns, cgroup ns, tmpfs, overlay, binds, /dev, /proc, pivot_root",
    "pivot": "(reported with mounts)",
    "seccomp": "program: fork, fds, rlimits, drop privileges, chdir",
    "exec": "seccomp filter load",
    "exit": "execve + program + exits seen by the supervisor",
    "done": "teardown: kill, reap, accounting, cgroup rmdir",
}


def steps(setup, runs):
    """Per-step cost of hutch run from its --timings, and the front end:
    hutch's total minus hutch_run()'s own time minus a bare fork+exec, both
    launched by hb-spawn in alternation."""
    out_path = os.path.join(setup.tmp, "timings.json")
    sp = Spawner([("-", TRUE), ("-", [HUTCH, "run", "--timings", "--result", out_path, "--", *TRUE])],
                 setup.tmp)
    deltas = {s: [] for s in STEPS}
    totals, bare, done = [], [], []
    for _ in range(runs):
        bare.append(sp.once(0)["ms"] * 1000)
        r = sp.once(1)
        if not r["ok"]:
            continue
        with open(out_path) as f:
            tm = json.load(f).get("timings_us", {})
        prev = 0
        for s in STEPS:
            if s in tm:
                deltas[s].append(tm[s] - prev)
                prev = tm[s]
        if "done" in tm:
            totals.append(r["ms"] * 1000)
            done.append(tm["done"])
    sp.close()
    res = {s: statistics.median(v) for s, v in deltas.items() if v}
    if totals:
        res["outside"] = max(0.0, statistics.median(totals) - statistics.median(done) -
                             statistics.median(bare))
    return res


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="short run for CI (no install)")
    ap.add_argument("--no-install", action="store_true", help="do not install missing peers")
    ap.add_argument("--tools", default="bare,hutch,hutch-warm,unshare,bwrap,crun,firejail")
    ap.add_argument("--iterations", type=int, default=None)
    ap.add_argument("--out", default=RESULTS)
    a = ap.parse_args()

    if os.geteuid() != 0:
        raise SystemExit("bench: must run as root (hutch and the peers make namespaces)")
    for p in (HUTCH, SPAWN):
        if not os.access(p, os.X_OK):
            raise SystemExit(f"bench: {p} is missing: run make first")
    wanted = [t for t in a.tools.split(",") if t]
    if "bare" not in wanted:
        wanted.insert(0, "bare")
    if not a.quick and not a.no_install:
        install_peers(wanted)
    tools = [t for t in wanted if t in ("bare", "hutch", "hutch-warm") or which(t)]
    skipped = [t for t in wanted if t not in tools]
    for t in skipped:
        log(f"bench: {t} is not installed: left out")

    quick = a.quick
    iters = a.iterations or (20 if quick else 300)
    setup = Setup(tools)
    try:
        t_start = time.time()
        log(f"bench: start-up, {iters} interleaved iterations of {len(tools)} tools")
        times, start_fail = startup(tools, setup, iters, 2 if quick else 10)
        log("bench: runs/s, 2 workers")
        tput = throughput(tools, setup, 1 if quick else 6, 150 if quick else 700)
        log("bench: CPU-bound loop")
        cpu = cpu_bound(tools, setup, 0.2 if quick else 2.0, 1 if quick else 3)
        log("bench: memory")
        mem = memory(tools, setup, 1 if quick else 3)
        log("bench: hutch steps")
        stp = steps(setup, 10 if quick else 60)
        versions = {t: version_of(t) for t in tools}
    finally:
        setup.close()

    bare_med = statistics.median(times["bare"]) if times["bare"] else None
    bare_rps = tput["bare"]["runs_per_s"]
    bare_cpu = cpu["bare"]["user_s"]
    rows = []
    for t in tools:
        v = times[t]
        med = statistics.median(v) if v else None
        row = {
            "tool": t, "version": versions[t],
            "startup_ms": {"median": med, "p95": pct(v, 95) if v else None, "n": len(v),
                           "failures": start_fail[t]},
            "x_bare": med / bare_med if med and bare_med else None,
            "runs_per_s": tput[t]["runs_per_s"],
            "runs_per_s_x_bare": tput[t]["runs_per_s"] / bare_rps if bare_rps else None,
            "throughput_failures": tput[t]["failures"],
            "cpu_user_s": cpu[t]["user_s"], "cpu_wall_s": cpu[t]["wall_s"],
            "cpu_tree_user_s": cpu[t]["tree_user_s"],
            "cpu_wall_x_bare": cpu[t]["wall_s"] / cpu["bare"]["wall_s"]
            if cpu[t]["wall_s"] and cpu["bare"]["wall_s"] else None,
            "cpu_user_x_bare": cpu[t]["user_s"] / bare_cpu if cpu[t]["user_s"] and bare_cpu else None,
            "cpu_failures": cpu[t]["failures"],
            "max_rss_kib": mem.get(t),
            "note": NOTES[t],
        }
        rows.append(row)

    print()
    print(f"hutch bench — {platform.node()}, Linux {platform.release()}, {os.cpu_count()} CPUs, "
          f"{'QUICK' if quick else 'full'} run, {iters} iterations, "
          f"{time.time() - t_start:.0f} s")
    print()
    hdr = (f"{'tool':9} {'version':9} {'median ms':>9} {'p95 ms':>7} {'x bare':>7} "
           f"{'runs/s':>7} {'% bare':>6} {'cpu usr':>7} {'cpu wall':>8} {'RSS KiB':>8}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        s = r["startup_ms"]
        print(f"{r['tool']:9} {r['version'][:9]:9} {fmt(s['median'], '9.3f')} {fmt(s['p95'], '7.3f')} "
              f"{fmt(r['x_bare'], '7.2f')} {r['runs_per_s']:7.0f} "
              f"{fmt(r['runs_per_s_x_bare'] and r['runs_per_s_x_bare'] * 100, '5.0f')}% "
              f"{fmt(r['cpu_user_x_bare'], '7.3f')} {fmt(r['cpu_wall_x_bare'], '8.3f')} "
              f"{fmt(r['max_rss_kib'], '8d')}")
    print()
    print("start-up: /bin/true (x bare: median / bare fork+exec's median). runs/s: sh -c 'echo hi',")
    print("2 parallel workers (% bare: of bare's runs/s). cpu usr / cpu wall: a fixed shell loop")
    print("(~2 s bare), the program's own user time and the wall time, / bare. RSS: peak RSS")
    print("(VmHWM) of the tool's own top process (hutch: the supervisor).")
    bad = [f"{r['tool']}: {r['startup_ms']['failures']}+{r['throughput_failures']}+{r['cpu_failures']}"
           for r in rows if r['startup_ms']['failures'] or r['throughput_failures'] or r['cpu_failures']]
    if bad:
        print("FAILED RUNS (start-up+runs/s+cpu): " + ", ".join(bad))
    print()
    print("isolation of each tool:")
    for r in rows:
        print(f"  {r['tool']:9} {r['note']}")
    if stp:
        print()
        print("hutch run -- /bin/true, per step (median µs, from --timings):")
        for s in ["outside", *STEPS]:
            if s in stp:
                desc = STEP_DESC.get(s, "front end beyond a bare fork+exec: hutch's exec and "
                                        "libraries, profile, seccomp (cached), cgroup detect, "
                                        "stale sweep, result")
                print(f"  {s:8} {stp[s]:8.0f}  {desc}")
        slow = max((s for s in stp if s != "exit"), key=lambda s: stp[s])
        print(f"  slowest step: {slow} ({stp[slow]:.0f} µs)")

    targets = {}
    h = next((r for r in rows if r["tool"] == "hutch"), None)
    bw = next((r for r in rows if r["tool"] == "bwrap"), None)
    if h and h["x_bare"]:
        targets["hutch_startup_le_4x_bare"] = {"value": h["x_bare"], "met": h["x_bare"] <= 4.0}
    if h and bw and bw["runs_per_s"]:
        iso = bw["runs_per_s"] * BWRAP_X_BARE_REF / ISOLATE_X_BARE
        targets["hutch_runs_ge_1.5x_isolate"] = {
            "value": h["runs_per_s"] / iso, "isolate_runs_per_s_est": iso,
            "met": h["runs_per_s"] >= 1.5 * iso}
    if targets:
        print()
        print("targets (issue 7):")
        for k, v in targets.items():
            extra = (f" (isolate est. {v['isolate_runs_per_s_est']:.0f} runs/s = bwrap x "
                     f"{BWRAP_X_BARE_REF}/{ISOLATE_X_BARE})" if "isolate_runs_per_s_est" in v else "")
            print(f"  {k:28} {v['value']:6.2f}  {'met' if v['met'] else 'NOT met'}{extra}")
        if quick:
            print("  (quick run: too few samples to judge the targets)")

    doc = {
        "when": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "host": {"node": platform.node(), "kernel": platform.release(), "cpus": os.cpu_count()},
        "quick": quick, "iterations": iters, "skipped_tools": skipped,
        "rows": rows, "hutch_steps_us": stp, "targets": targets,
    }
    os.makedirs(a.out, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(a.out, f"bench-{stamp}{'-quick' if quick else ''}.json")
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    shutil.copyfile(path, os.path.join(a.out, "latest.json"))
    print()
    print(f"results: {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
