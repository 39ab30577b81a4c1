#!/bin/bash
# Attacks 9, 10, 11, 14: burning CPU (alone, in threads, in children),
# blocking forever (sleep, pause, select, SIGSTOP) and ignoring every
# catchable signal. CPU time counts for the whole tree and the wall clock
# ends everything, with SIGKILL.
. "$(dirname "$0")/../lib.sh"
require_sandbox

# tree_cpu_ok: time must be at least the limit, and the wall clock must not
# be what ended the run
cpu_limited() {
	expect_status TO
	[ "$(jget timed_out)" = cpu ] || fail "timed_out=$(jget timed_out), want cpu"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) >= 0.9 else 1)' "$(jget time)" 2>/dev/null ||
		fail "time=$(jget time), less than the 1 s limit"
}

attack "CPU spin is stopped by --time 1"
probe_run --time 1 --wall-time 20 -- spin 0
expect_not_hung
cpu_limited
end_attack

attack "4 spinning threads are stopped by --time 1 (whole-process CPU)"
probe_run --time 1 --wall-time 20 -- spin-threads 4 0
expect_not_hung
cpu_limited
end_attack

attack "4 spinning children are stopped by --time 1 (whole-tree CPU)"
probe_run --time 1 --wall-time 20 -- spin-children 4 0
expect_not_hung
cpu_limited
end_attack

# the run ends with the program even when orphans are left (they must go)
attack "a program that exits with orphans alive ends the run"
probe_run --time 1 --wall-time 20 -- steps orphans hutch-spin-$$ 2 + spin 0.2
expect_not_hung
expect_status OK TO
end_attack

for what in "sleep 0" pause select sigstop; do
	attack "blocked program ($what) is ended by --wall-time 1"
	# shellcheck disable=SC2086
	probe_run --time 5 --wall-time 1 -- $what
	expect_not_hung
	expect_status TO
	[ "$(jget timed_out)" = wall ] || fail "timed_out=$(jget timed_out), want wall"
	python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 5 else 1)' "$(jget wall_time)" 2>/dev/null ||
		fail "wall_time=$(jget wall_time) for a 1 s limit"
	end_attack
done

attack "ignoring SIGTERM/SIGXCPU does not survive --time 1"
probe_run --time 1 --wall-time 20 -- ignore-signals spin 0
expect_not_hung
cpu_limited
[ "$(jget signal)" = 9 ] || note "signal=$(jget signal)"
end_attack

attack "ignoring every signal does not survive --wall-time 1"
probe_run --time 5 --wall-time 1 -- ignore-signals sleep 0
expect_not_hung
expect_status TO
[ "$(jget timed_out)" = wall ] || fail "timed_out=$(jget timed_out), want wall"
end_attack

done_testing
