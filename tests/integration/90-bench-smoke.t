#!/bin/bash
# `make bench BENCH_QUICK=1` keeps working: the quick bench runs, prints its
# table and writes a JSON result of the documented shape. Shape only: speed
# goals are reported by bench/, never asserted in tests.
. "$(dirname "$0")/lib.sh"
need_root
SPAWN=$REPO/build/bench/hb-spawn
if [ ! -x "$SPAWN" ]; then
	echo "1..0 # SKIP $SPAWN not built (make)"
	exit 77
fi

python3 "$REPO/bench/bench.py" --quick --out "$T/results" >"$T/table" 2>"$T/log"
RC=$?
is "$RC" 0 "quick bench exits 0"
[ "$RC" -eq 0 ] || sed 's/^/#   /' "$T/log" | tail -20
TABLE=$(cat "$T/table")
like "$TABLE" "tool +version +median ms +p95 ms +x bare +runs/s" "table header printed"
like "$TABLE" $'\nbare +[^ ]+ +[0-9.]+ +[0-9.]+ +1\\.00 ' "bare row, ratio 1.00"
like "$TABLE" $'\nhutch +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9]+ ' "hutch row with numbers"
like "$TABLE" "slowest step: [a-z]+ \\([0-9]+ µs\\)" "slowest step named"
ok $(ls "$T"/results/bench-*-quick.json >/dev/null 2>&1; echo $?) "JSON result written"

python3 - "$T/results/latest.json" >"$T/check" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
rows = {r["tool"]: r for r in d["rows"]}
assert d["quick"] is True, "quick flag"
for t in ("bare", "hutch"):
    r = rows[t]
    s = r["startup_ms"]
    assert s["n"] > 0 and s["failures"] == 0, f"{t}: start-up runs failed: {s}"
    assert 0 < s["median"] <= s["p95"], f"{t}: median/p95 {s}"
    assert r["x_bare"] > 0 and r["runs_per_s"] > 0, f"{t}: ratios {r}"
    assert r["throughput_failures"] == 0 and r["cpu_failures"] == 0, f"{t}: failures {r}"
    assert r["cpu_user_s"] > 0 and r["cpu_wall_s"] > 0, f"{t}: cpu {r}"
assert abs(rows["bare"]["x_bare"] - 1) < 1e-9
assert rows["hutch"]["max_rss_kib"] > 0, "supervisor RSS"
steps = d["hutch_steps_us"]
for k in ("outside", "cgroup", "clone", "mounts", "exec", "exit", "done"):
    assert k in steps and steps[k] >= 0, f"step {k}: {steps}"
# every peer that ran, ran without failures
for t, r in rows.items():
    assert r["startup_ms"]["failures"] == 0, f"{t} failed: {r}"
print("ok")
PY
is "$(tail -1 "$T/check")" ok "JSON has rows for bare and hutch, steps, no failed runs"
[ "$(tail -1 "$T/check")" = ok ] || sed 's/^/#   /' "$T/check"
done_testing
