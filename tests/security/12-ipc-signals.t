#!/bin/bash
# Attacks 38 and 26 (locks): kill(-1) and kill of a host pid, System V IPC
# between two sandboxes and between the host and a sandbox, the hostname,
# and file locks on a bind two sandboxes share as a covert channel. All
# sandboxes share one host uid, so only namespaces keep them apart.
. "$(dirname "$0")/../lib.sh"
require_sandbox
command -v setpriv >/dev/null || tap_skip_all "setpriv(1) needed to start a host process as the sandbox uid"

# A host process running as the sandbox's host uid, outside any sandbox:
# the natural victim of kill(-1) without a pid namespace.
setpriv --reuid "$SANDBOX_HOST_UID" --regid "$SANDBOX_HOST_UID" --clear-groups sleep 600 &
victim=$!
bg_track "$victim"

# A second sandbox running alongside (same host uid).
start_neighbour() {
	NB_TOKEN=hutchsec-$$-nb-$RANDOM
	"$HUTCH" run --env "HUTCH_SEC_TOKEN=$NB_TOKEN" --bind "$PROBE_DIR:/probe:exec" --wall-time 30 \
		"$@" >"$T/nb.out" 2>"$T/nb.err" </dev/null &
	neighbour=$!
	bg_track "$neighbour"
	for _ in $(seq 50); do [ -s "$T/nb.out" ] && break; sleep 0.1; done
}
# wait for the neighbour to end by itself (its programs are short), so that
# its teardown is the normal one
stop_neighbour() {
	local i
	for i in $(seq 300); do kill -0 "$neighbour" 2>/dev/null || break; sleep 0.1; done
	kill -TERM "$neighbour" 2>/dev/null
	wait "$neighbour" 2>/dev/null
	local p
	for p in $(token_pids "$NB_TOKEN"); do kill -9 "$p"; done
}

attack "kill(-1, SIGKILL) reaches only the sandbox's own processes"
start_neighbour -- "$PROBE" steps echo neighbour-up + sleep 4
probe_run --wall-time 10 -- steps sleep 0.01 + kill-all 9 + echo after
expect_not_hung
expect_line kill-all '^(ok|errno ESRCH)$'
kill -0 "$victim" 2>/dev/null || fail "host process of the sandbox uid was killed"
[ -n "$(token_pids "$NB_TOKEN")" ] || fail "the neighbouring sandbox was killed"
kill -0 "$neighbour" 2>/dev/null || fail "the neighbouring hutch died"
printf '%s\n' "$OUT" | grep -qx after || note "the probe did not survive its own kill(-1)"
stop_neighbour
end_attack

attack "kill of a host pid number does not reach the host process"
probe_run --wall-time 10 -- kill "$victim" 9
expect_not_hung
expect_denied "kill $victim" ESRCH
kill -0 "$victim" 2>/dev/null || fail "host process $victim was killed"
end_attack

attack "kill(0) hits only the program's own process group, hutch reports"
probe_run --wall-time 10 -- steps kill 0 9 + echo alive
expect_not_hung
# kill(0) signals the caller's own process group: killing itself is fine,
# what matters is that hutch returned normally with a result
[ -s "$RES" ] || fail "hutch did not write its result"
end_attack

# System V IPC: each sandbox has its own ipc namespace
for type in shm msg sem; do
	key=$((0x48550000 + RANDOM))
	attack "SysV $type created in one sandbox is invisible in another"
	start_neighbour -- "$PROBE" ipc-create "$type" "$key" 3
	for _ in $(seq 50); do grep -q "ipc-create" "$T/nb.out" && break; sleep 0.1; done
	grep -q "^ipc-create $type $key: ok" "$T/nb.out" || fail "setup: neighbour could not create: $(cat "$T/nb.out")"
	probe_run --wall-time 10 -- ipc-get "$type" "$key"
	expect_not_hung
	expect_denied "ipc-get $type $key" ENOENT
	stop_neighbour
	end_attack

	attack "SysV $type of the host is invisible in a sandbox"
	"$PROBE_DIR/probe" ipc-create "$type" "$key" 3 >"$T/host-ipc.out" &
	hp=$!
	bg_track "$hp"
	for _ in $(seq 50); do [ -s "$T/host-ipc.out" ] && break; sleep 0.1; done
	probe_run --wall-time 10 -- ipc-get "$type" "$key"
	expect_not_hung
	expect_denied "ipc-get $type $key" ENOENT
	kill -0 "$hp" 2>/dev/null && wait "$hp" # it removes the object itself
	end_attack
done

attack "sethostname changes only the sandbox's name"
host_name=$(hostname)
probe_run --wall-time 10 -- sethostname probe-owned
expect_not_hung
[ "$(hostname)" = "$host_name" ] || fail "host name changed to $(hostname)"
end_attack

# 26. file locks on a file two sandboxes bind read-only: one holds, the
# other looks. A visible lock is a channel between submissions.
SH=$T/shared
mkdir -p "$SH"
echo "shared test data" >"$SH/input.txt"
chmod 644 "$SH/input.txt"
chmod 755 "$SH"
attack "locks on a shared read-only bind are not a channel between sandboxes"
start_neighbour --bind "$SH:/shared" -- "$PROBE" lock /shared/input.txt hold 4
for _ in $(seq 50); do grep -q "^lock-hold" "$T/nb.out" && break; sleep 0.1; done
grep -q "^lock-hold" "$T/nb.out" || note "neighbour could not take its locks: $(cat "$T/nb.out")"
probe_run --bind "$SH:/shared" --wall-time 10 -- lock /shared/input.txt try
expect_not_hung
v=$(pline "flock-try /shared/input.txt")
[ "$v" = ok ] || fail "the other sandbox's flock is visible: flock-try $v"
v=$(pline "getlk /shared/input.txt")
[ "$v" = unlocked ] || fail "the other sandbox's POSIX lock is visible: getlk $v"
if command -v flock >/dev/null; then
	flock -n "$SH/input.txt" true || note "the sandbox's lock also blocks host processes (flock -n on the host failed)"
fi
stop_neighbour
end_attack

done_testing
