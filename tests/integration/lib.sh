# Shared helpers for integration tests (bash). Source it; it sets REPO,
# HUTCH, a private temp dir $T (removed at exit), TAP helpers and hrun.
set -u
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HUTCH=${HUTCH:-$REPO/hutch}
PROBE_DIR=${PROBE_DIR:-$REPO/build/tests/helpers}
T=$(mktemp -d /tmp/hutch-test.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
_n=0
_fail=0

ok() { # ok CONDITION_EXIT_STATUS DESCRIPTION...
	local c=$1; shift
	_n=$((_n + 1))
	if [ "$c" -eq 0 ]; then echo "ok $_n - $*"; else echo "not ok $_n - $*"; _fail=$((_fail + 1)); fi
}
is() { # is GOT WANT DESCRIPTION...
	local got=$1 want=$2; shift 2
	if [ "$got" = "$want" ]; then ok 0 "$*"; else ok 1 "$*"; echo "#   got '$got', want '$want'"; fi
}
like() { # like GOT REGEX DESCRIPTION...
	local got=$1 re=$2; shift 2
	if printf '%s' "$got" | grep -Eq -- "$re"; then ok 0 "$*"; else ok 1 "$*"; echo "#   got '$(printf '%s' "$got" | head -c 400)', want /$re/"; fi
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $*"; }
done_testing() { echo "1..$_n"; [ "$_fail" -eq 0 ]; exit $?; }

# hrun [hutch run options] -- program args: runs hutch with the result in
# $T/res.json, stdout in $T/out, stderr in $T/err, exit status in $RC.
hrun() {
	"$HUTCH" run --result "$T/res.json" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(head -c 1000000 "$T/out" | tr -d "\\0")
	ERR=$(head -c 1000000 "$T/err" | tr -d "\\0")
}
# jget KEY: a key of the last result (null -> "null", bools -> true/false)
jget() {
	python3 -c 'import json,sys
d=json.load(open(sys.argv[1])); v=d.get(sys.argv[2], "MISSING")
print("null" if v is None else (str(v).lower() if isinstance(v,bool) else v))' "$T/res.json" "$1" 2>/dev/null || echo "NO-RESULT"
}
# Host-side leftovers a run must not leave.
# (The favordynmods hierarchy stays mounted on purpose: sandbox/cgroup-dynmods.c.)
count_hutch_mounts() { grep -E '/tmp/(skel|upper|work|root)|hutch' /proc/self/mountinfo | grep -vc favordynmods || true; }
# Run cgroups (hutch/r<supervisor pid>.*) whose supervisor is gone: leftovers.
count_hutch_cgroups() {
	local n=0 d p
	for d in $(find /sys/fs/cgroup -path '*/hutch/r*' -maxdepth 4 -type d 2>/dev/null); do
		p=${d##*/r}; p=${p%%.*}
		[ -d /proc/$p ] || n=$((n + 1))
	done
	echo $n
}
need_root() { [ "$(id -u)" = 0 ] || { echo "1..0 # SKIP needs root"; exit 77; }; }
