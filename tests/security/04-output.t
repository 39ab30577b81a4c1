#!/bin/bash
# Attack 8: flood stdout and stderr. The supervisor must keep at most
# --output-limit bytes of each stream, say so (OL, *_truncated), and end
# the run instead of draining a firehose until the wall clock.
. "$(dirname "$0")/../lib.sh"
require_sandbox

MIB=1048576

for stream in stdout stderr; do
	attack "$stream flood is cut at --output-limit 1M (OL)"
	probe_run --output-limit 1M --wall-time 20 -- flood "$stream" 0
	expect_not_hung
	expect_status OL
	[ "$(jget "${stream}_truncated")" = true ] || fail "${stream}_truncated=$(jget "${stream}_truncated")"
	if [ "$stream" = stdout ]; then got=$(stat -c %s "$T/out"); else got=$(stat -c %s "$T/err"); fi
	# hutch's own messages may follow on stderr: allow a few hundred bytes
	[ "$got" -le $((MIB + 1024)) ] || fail "$got bytes of $stream reached the caller"
	[ "$(jget timed_out)" = null ] || fail "ended by the clock ($(jget timed_out)), not by the output limit"
	end_attack
done

attack "flood of both streams into --stdout/--stderr files is bounded"
probe_run --output-limit 1M --wall-time 20 --stdout "$T/o.txt" --stderr "$T/e.txt" -- flood both 0
expect_not_hung
expect_status OL
for f in o e; do
	got=$(stat -c %s "$T/$f.txt" 2>/dev/null || echo 0)
	[ "$got" -le "$MIB" ] || fail "$f.txt holds $got bytes"
done
end_attack

attack "a flood below the limit is kept whole (the limit is not a guess)"
probe_run --output-limit 4M --wall-time 20 -- flood stdout 2
expect_not_hung
expect_status OK
got=$(stat -c %s "$T/out")
[ "$got" = $((2 * MIB)) ] || fail "kept $got bytes of 2 MiB"
[ "$(jget stdout_truncated)" = false ] || fail "stdout_truncated=$(jget stdout_truncated)"
end_attack

done_testing
