# shellcheck shell=bash
# Shared helpers for tests/security/*.t (bash). Source it first thing:
#
#   . "$(dirname "$0")/../lib.sh"
#
# It finds the repository from its own location (so a fresh clone works from
# any cwd), sets HUTCH (override with $HUTCH) and the probe helper, makes a
# private temp dir $T removed at exit, and provides:
#
#   TAP:      tap_ok DESC, tap_not_ok DESC [DIAG...], tap_skip REASON,
#             tap_skip_all REASON, diag TEXT, done_testing
#   attacks:  attack NAME      start one attack (one TAP line)
#             fail WHAT        record what got through
#             end_attack       print "ok N - NAME" or "not ok N - NAME: WHAT; ..."
#                              with the probe's output and the result as
#                              diagnostics, after checking the host is clean
#   runs:     hutch_run [OPTIONS] -- PROGRAM [ARG...]
#             probe_run [OPTIONS] -- PROBE [ARG...]   (the probe bound at /probe)
#             set RC, OUT, ERR, HUNG and the result file $RES; jget KEY reads it
#   verdicts: pline LABEL      what the probe printed after "LABEL: "
#             expect_denied LABEL [ERRNO...]   the attempt failed (or the
#                                              sandbox killed the probe)
#             expect_line LABEL VALUE-REGEX    the probe said so
#             expect_status STATUS...; expect_exit CODE...
#   host:     host_clean_check (called by end_attack): no process of this run
#             survives, no mount and no cgroup is left behind
#
# A run is tied to the attack by a token passed as --env HUTCH_SEC_TOKEN=...:
# any host process whose environment holds it after hutch returned survived
# the sandbox.
set -u

TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(dirname "$TESTS_DIR")
HUTCH=${HUTCH:-$REPO/hutch}
PROBE_DIR=${PROBE_DIR:-$REPO/build/tests/helpers}
PROBE=/probe/probe
# Host uid of the sandbox user (docs/identity.md: base 2000000000 + 1000).
SANDBOX_HOST_UID=${SANDBOX_HOST_UID:-2000001000}
# Upper bound on any one hutch run before the test gives up on it.
RUN_TIMEOUT=${RUN_TIMEOUT:-60}

T=$(mktemp -d /tmp/hutch-sec.XXXXXX)
chmod 755 "$T"
RES=$T/result.json
_bg_pids=()
_lib_cleanup() {
	local p
	for p in "${_bg_pids[@]}"; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	rm -rf "$T"
}
trap _lib_cleanup EXIT

# ------------------------------------------------------------------ TAP
_tap_n=0
_tap_failed=0
diag() { printf '%s\n' "$@" | sed 's/^/#   /'; }
tap_ok() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n - $*"; }
tap_not_ok() {
	_tap_n=$((_tap_n + 1))
	_tap_failed=$((_tap_failed + 1))
	echo "not ok $_tap_n - $1"
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}
# known_hole REASON: the current attack gets through and the fix is not
# built yet. Its line carries TAP's "# TODO REASON": printed, counted as a
# known hole, not as a pass (tests/run.py reports TODO counts separately).
known_hole() { _todo="$*"; }
tap_skip() { _tap_n=$((_tap_n + 1)); echo "ok $_tap_n # SKIP $*"; }
tap_skip_all() { echo "1..0 # SKIP $*"; exit 77; }
done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" -eq 0 ] && exit 0
	exit 1
}

# Skip the whole file unless hutch and the probe are built and we are root.
require_sandbox() {
	[ "$(id -u)" = 0 ] || tap_skip_all "hutch run needs root"
	[ -x "$HUTCH" ] || tap_skip_all "hutch not built ($HUTCH): run make"
	[ -x "$PROBE_DIR/probe" ] || tap_skip_all "probe not built: make $PROBE_DIR/probe"
	command -v python3 >/dev/null || tap_skip_all "python3 needed to read results"
	command -v timeout >/dev/null || tap_skip_all "timeout(1) needed"
	# the sandbox user reaches the probe through the repo's directories
	[ -r "$PROBE_DIR/probe" ] || tap_skip_all "probe not readable"
}

# ---------------------------------------------------------------- runs
RC=
OUT=
ERR=
HUNG=0
TOKEN=
_run_seq=0

# hutch_run [OPTIONS] -- PROGRAM [ARG...]: one `hutch run`, bounded by
# RUN_TIMEOUT (a hang is a finding, not a stuck test), with the result in
# $RES, stdout in $OUT, stderr in $ERR, exit status in $RC.
hutch_run() {
	_run_seq=$((_run_seq + 1))
	TOKEN=hutchsec-$$-$_run_seq-$RANDOM
	rm -f "$RES"
	local start=$SECONDS
	timeout -k 5 "$RUN_TIMEOUT" "$HUTCH" run --result "$RES" --env "HUTCH_SEC_TOKEN=$TOKEN" \
		"$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	HUNG=0
	# hutch's own 137 is a program killed by SIGKILL: tell by the clock
	[ $((SECONDS - start)) -ge "$RUN_TIMEOUT" ] && HUNG=1
	OUT=$(head -c 200000 "$T/out" | tr -d '\0')
	ERR=$(head -c 20000 "$T/err" | tr -d '\0')
	return 0
}

# probe_run [OPTIONS] -- PROBE [ARG...]: hutch_run with the probe bound at
# /probe (read-only, executable).
probe_run() {
	local opts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		opts+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	hutch_run --bind "$PROBE_DIR:/probe:exec" "${opts[@]}" -- "$PROBE" "$@"
}

# jget KEY: a key of the last result: null -> "null", booleans -> true/false
jget() {
	python3 - "$RES" "$1" <<'EOF' 2>/dev/null || echo NO-RESULT
import json, sys
d = json.load(open(sys.argv[1]))
v = d.get(sys.argv[2], "MISSING")
print("null" if v is None else (str(v).lower() if isinstance(v, bool) else v))
EOF
}

# ------------------------------------------------------------- attacks
ATTACK=
_fails=()
_extra_diag=()
_host_before=

attack() {
	ATTACK=$1
	_fails=()
	_extra_diag=()
	_host_snapshot
}
fail() { _fails+=("$*"); }
note() { _extra_diag+=("$*"); }

end_attack() {
	host_clean_check
	if [ -n "${_todo:-}" ]; then
		local t=$_todo
		_todo=
		_tap_n=$((_tap_n + 1))
		if [ ${#_fails[@]} -eq 0 ]; then
			echo "ok $_tap_n - $ATTACK # TODO $t (now contained: drop known_hole)"
		else
			echo "not ok $_tap_n - $ATTACK: $(printf '%s; ' "${_fails[@]}") # TODO $t"
		fi
		return 0
	fi
	if [ ${#_fails[@]} -eq 0 ]; then
		tap_ok "$ATTACK"
		[ ${#_extra_diag[@]} -eq 0 ] || diag "${_extra_diag[@]}"
		return 0
	fi
	local why
	why=$(printf '%s; ' "${_fails[@]}")
	tap_not_ok "$ATTACK: ${why%; }" \
		"exit status: $RC$([ "$HUNG" = 1 ] && echo ' (hutch hung: killed by the test)')" \
		"result: $(tr -d '\n' 2>/dev/null <"$RES" | head -c 600)" \
		"probe stdout:" "$(printf '%s\n' "$OUT" | head -n 25 | cut -c1-300)" \
		"stderr: $(printf '%s' "$ERR" | head -c 400)" \
		"${_extra_diag[@]}"
}

# pline LABEL: the text after "LABEL: " on the probe's first such line
pline() {
	printf '%s\n' "$OUT" | awk -v p="$1: " 'index($0, p) == 1 { print substr($0, length(p) + 1); exit }'
}

# killed_by_sandbox: the probe died of SIGSYS or SIGKILL (a seccomp kill, or
# the supervisor's kill after a denied syscall)
killed_by_sandbox() {
	local sig
	sig=$(jget signal)
	[ "$sig" = 31 ] || [ "$sig" = 9 ] || [ "$RC" = 159 ] || [ "$RC" = 137 ]
}

# expect_denied LABEL [ERRNO...]: the attempt must not have succeeded: the
# probe printed "LABEL: errno E" (E among ERRNO when given), or printed
# nothing for LABEL because the sandbox killed it on the spot.
expect_denied() {
	local label=$1 v
	shift
	v=$(pline "$label")
	case "$v" in
	ok*) fail "$label succeeded ($v)" ;;
	"errno "*)
		if [ $# -gt 0 ]; then
			local e=${v#errno }
			e=${e%% *}
			local want
			for want in "$@"; do [ "$e" = "$want" ] && return 0; done
			fail "$label: got errno $e, want ${*}"
		fi
		;;
	"")
		killed_by_sandbox || fail "$label: no verdict printed and not killed by the sandbox (exit $RC)"
		;;
	*) fail "$label: unexpected '$v'" ;;
	esac
	return 0
}

# expect_line LABEL REGEX: the probe's verdict for LABEL matches REGEX
expect_line() {
	local v
	v=$(pline "$1")
	printf '%s' "$v" | grep -Eq -- "$2" || fail "$1: got '${v:-nothing}', want /$2/"
}

# expect_status STATUS...: the result's status is one of them
expect_status() {
	local s w
	s=$(jget status)
	for w in "$@"; do [ "$s" = "$w" ] && return 0; done
	fail "status $s, want $*"
}

# expect_exit CODE...: hutch's exit status is one of them
expect_exit() {
	local w
	for w in "$@"; do [ "$RC" = "$w" ] && return 0; done
	fail "exit status $RC, want $*"
}

expect_not_hung() {
	[ "$HUNG" = 0 ] || fail "hutch did not return within ${RUN_TIMEOUT}s"
}

# ------------------------------------------------------------------ host

# Mounts of hutch on the host, and hutch's run cgroups (every hierarchy).
# The favordynmods hierarchy is host tuning that stays mounted on purpose
# (sandbox/cgroup-dynmods.c), not a leftover of a run.
_host_mounts() { grep -E 'hutch' /proc/self/mountinfo 2>/dev/null | grep -vc 'favordynmods' || true; }
_host_cgroups() {
	find /sys/fs/cgroup -maxdepth 5 -type d -path '*/hutch/*' 2>/dev/null | sort
}
_host_snapshot() {
	_host_before_mounts=$(_host_mounts)
	_host_before_cgroups=$(_host_cgroups)
}

# Host pids whose environment holds TOKEN (this run's processes).
token_pids() {
	local tok=${1:-$TOKEN} p
	[ -n "$tok" ] || return 0
	for p in $(pgrep -U "$SANDBOX_HOST_UID" 2>/dev/null); do
		tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null | grep -qx "HUTCH_SEC_TOKEN=$tok" && echo "$p"
	done
	return 0
}

# host_clean_check: after hutch returned, nothing of the run may remain.
host_clean_check() {
	local left p cg new
	left=$(token_pids)
	if [ -n "$left" ]; then
		# give an asynchronous teardown a moment before calling it a leak
		sleep 1
		left=$(token_pids)
	fi
	if [ -n "$left" ]; then
		fail "processes survived on the host: $(for p in $left; do printf '%s[%s] ' "$p" "$(tr '\0' ' ' </proc/$p/cmdline 2>/dev/null | cut -c1-60)"; done)"
		for p in $left; do kill -9 "$p" 2>/dev/null; done
	fi
	[ "$(_host_mounts)" = "$_host_before_mounts" ] ||
		fail "host mounts with 'hutch' changed: $_host_before_mounts -> $(_host_mounts)"
	new=$(comm -13 <(printf '%s\n' "$_host_before_cgroups") <(_host_cgroups))
	if [ -n "${ATTACK_SKIP_CGROUPS:-}" ]; then
		[ -z "$new" ] || note "cgroups left (not counted for this attack): $new"
		return 0
	fi
	if [ -n "$new" ]; then
		sleep 1
		new=$(comm -13 <(printf '%s\n' "$_host_before_cgroups") <(_host_cgroups))
	fi
	for cg in $new; do
		# another run going on right now has processes; a leftover has none
		if [ ! -s "$cg/cgroup.procs" ] && [ -z "$(find "$cg" -mindepth 1 -type d 2>/dev/null)" ]; then
			fail "cgroup left behind: $cg"
		fi
	done
	return 0
}

# bg_track PID: kill PID at exit if the test did not reap it.
bg_track() { _bg_pids+=("$1"); }

# sha_of FILE: checksum plus owner, mode and mtime, to prove a host file untouched
sha_of() { printf '%s %s\n' "$(sha256sum <"$1" 2>/dev/null | cut -c1-16)" "$(stat -c '%u:%g %a %Y' "$1" 2>/dev/null)"; }

# mkworkdir NAME: a fresh host directory for --workdir
mkworkdir() {
	rm -rf "${T:?}/$1"
	mkdir -p "$T/$1"
	chmod 755 "$T/$1"
	echo "$T/$1"
}
