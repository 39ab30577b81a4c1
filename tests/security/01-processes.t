#!/bin/bash
# Attacks 1, 2, 12, 13: fork and thread bombs, orphans that try to outlive
# the run, a fork chain racing the killer, zombies; and the supervisor
# itself being killed. Each must be contained by the pids limit and leave
# no process of the run on the host.
. "$(dirname "$0")/../lib.sh"
require_sandbox

# 1. fork bomb, bounded: the pids limit must stop it.
# (a bomb stuck at its limit still burns CPU retrying: --time is raised so
# that the pids limit, not the CPU limit, is what this looks at)
attack "fork bomb stops at --pids 32"
probe_run --pids 32 --time 30 --wall-time 10 -- forkbomb 4096 2
expect_not_hung
expect_line forkbomb 'errno EAGAIN'
count=$(pline forkbomb | sed -n 's/^count=\([0-9]*\).*/\1/p')
[ -n "$count" ] && [ "$count" -le 32 ] || fail "fork bomb reached ${count:-?} processes under --pids 32"
end_attack

# 1. the classic unbounded bomb: every process forks forever; the wall
# clock must end it and the kill must catch every process.
attack "exponential fork bomb ended by the wall clock, nothing survives"
probe_run --pids 64 --time 60 --wall-time 2 -- forkbomb 1000000 600
expect_not_hung
# The wall clock ends it, unless the storm of failing forks first charges
# the memory limit with kernel memory (then the cgroup's OOM kill is the
# truthful verdict). Either way nothing may survive (checked by end_attack).
case "$(jget status)/$(jget timed_out)" in
TO/wall | ML/null) ;;
*) fail "status $(jget status), timed_out $(jget timed_out): want TO/wall (or ML with oom_killed)" ;;
esac
end_attack

# 2. thread bomb (pthread_create: clone3, then clone on ENOSYS).
attack "thread bomb stops at --pids 32"
probe_run --pids 32 --time 30 --wall-time 10 -- threadbomb 100000
expect_not_hung
expect_line threadbomb 'errno EAGAIN'
count=$(pline threadbomb | sed -n 's/^count=\([0-9]*\).*/\1/p')
[ -n "$count" ] && [ "$count" -le 32 ] || fail "thread bomb made ${count:-?} threads under --pids 32"
end_attack

# 12. double fork + setsid orphans ignoring SIGTERM/SIGHUP, then the
# program exits at once: the orphans must die with the run.
mark=hutch-orphan-$$-$RANDOM
attack "setsid orphans die with the run"
probe_run --pids 64 --wall-time 10 -- orphans "$mark" 8
expect_not_hung
expect_line orphans 'spawned=8'
expect_status OK
sleep 0.5
left=$(pgrep -f "$mark")
[ -z "$left" ] || { fail "orphans alive on the host: $left"; kill -9 $left 2>/dev/null; }
end_attack

# 12. orphans again, with the run ended by the wall clock instead.
mark=hutch-orphan-$$-$RANDOM
attack "orphans die when the wall clock ends the run"
probe_run --pids 64 --wall-time 1 -- steps orphans "$mark" 8 + sleep 0
expect_not_hung
expect_status TO
sleep 0.5
left=$(pgrep -f "$mark")
[ -z "$left" ] || { fail "orphans alive on the host: $left"; kill -9 $left 2>/dev/null; }
end_attack

# 12. a chain whose every member forks and exits at once: its pids never
# hold still while the supervisor kills. The first process exits after 1 s.
mark=hutch-race-$$-$RANDOM
attack "fork chain racing the killer leaves nothing behind (program exits)"
probe_run --pids 64 --wall-time 10 -- forkrace "$mark" 1
expect_not_hung
expect_line forkrace 'generations=[1-9]'
sleep 0.5
left=$(pgrep -f "$mark")
[ -z "$left" ] || { fail "chain alive on the host: $left"; kill -9 $left 2>/dev/null; }
end_attack

mark=hutch-race-$$-$RANDOM
attack "fork chain racing the killer leaves nothing behind (wall time)"
probe_run --pids 64 --wall-time 1 -- forkrace "$mark" 600
expect_not_hung
expect_status TO
sleep 0.5
left=$(pgrep -f "$mark")
[ -z "$left" ] || { fail "chain alive on the host: $left"; kill -9 $left 2>/dev/null; }
end_attack

# 13. zombies never reaped by their parent, which then exits.
attack "unreaped zombies do not hang or outlive the run"
probe_run --pids 64 --wall-time 10 -- zombies 40 0
expect_not_hung
expect_line zombies 'n=40'
expect_status OK
end_attack

attack "zombies plus a sleeping parent end at the wall clock"
probe_run --pids 64 --wall-time 1 -- zombies 40 600
expect_not_hung
expect_status TO
end_attack

# The supervisor killed from outside (an operator's kill -9, an OOM kill of
# hutch): the sandbox must not outlive it.
for sig in TERM KILL; do
	mark=hutch-sup-$$-$RANDOM
	attack "sandbox dies with its supervisor (SIG$sig to hutch)"
	_run_seq=$((_run_seq + 1))
	TOKEN=hutchsec-$$-$_run_seq-$RANDOM
	"$HUTCH" run --result "$RES" --env "HUTCH_SEC_TOKEN=$TOKEN" --bind "$PROBE_DIR:/probe:exec" \
		--pids 64 --wall-time 60 -- "$PROBE" steps orphans "$mark" 4 + sleep 0 \
		>"$T/out" 2>"$T/err" </dev/null &
	sup=$!
	bg_track "$sup"
	for _ in $(seq 50); do [ -n "$(token_pids)" ] && break; sleep 0.1; done
	sleep 0.5
	[ -n "$(token_pids)" ] || fail "sandbox never started"
	kill -"$sig" "$sup"
	{ wait "$sup"; } 2>/dev/null
	RC=$?
	OUT=$(cat "$T/out")
	ERR=$(cat "$T/err")
	HUNG=0
	sleep 1
	left=$(pgrep -f "$mark")
	[ -z "$left" ] || { fail "sandbox processes alive after hutch got SIG$sig: $left"; kill -9 $left 2>/dev/null; }
	if [ "$sig" = KILL ]; then
		# nothing can clean up after SIGKILL: a stale cgroup is expected,
		# a living process is not (checked above); reap the stale cgroup
		# check so it does not count against the next attack
		left=$(token_pids)
		[ -z "$left" ] || fail "token processes alive: $left"
		for p in $left; do kill -9 "$p" 2>/dev/null; done
		ATTACK_SKIP_CGROUPS=1
	fi
	end_attack
	ATTACK_SKIP_CGROUPS=
done

done_testing
