#!/bin/bash
# Attacks 30 and 33: the program plays with the names the supervisor (or
# the grader after it) uses: symlinks planted where output goes, a
# directory swapped with a symlink in a loop, FIFOs and hard links left
# for the next run, and the result and stdout files replaced during the
# run. No host file outside the workdir may be written, re-owned or
# blocked on, and a result file the caller reads back must be hutch's.
. "$(dirname "$0")/../lib.sh"
require_sandbox

# a victim tree on the host that nothing may touch
V=$T/victim
mkdir -p "$V/dir"
echo "victim file" >"$V/file"
echo "victim in dir" >"$V/dir/keep"
chmod 644 "$V/file" "$V/dir/keep"
chown 12345:12345 "$V/file" "$V/dir" 2>/dev/null
victim_state() { (cd "$V" && find . -printf '%p %s %m %u:%g %T@\n' | sort; sha_of "$V/file"); }
victim_before=$(victim_state)
victim_check() {
	local now
	now=$(victim_state)
	[ "$now" = "$victim_before" ] || fail "host victim tree changed: $(diff <(echo "$victim_before") <(echo "$now") | grep '^[<>]' | head -5 | tr '\n' ' ')"
}

# 30. symlinks to host paths planted in the workdir while hutch is still
# to write there (stdout, stderr and result opened before the run start)
attack "symlinks planted over --stdout/--result during the run are not followed"
W=$(mkworkdir plant)
probe_run --workdir "$W" --stdout "$W/out.txt" --stderr "$W/err.txt" --wall-time 10 -- \
	steps symlink-loop /box/out.txt "$V/file" 0 + symlink-loop /box/err.txt "$V/file" 0 + \
	symlink-loop /box/result.json "$V/file" 0 + echo finished
expect_not_hung
victim_check
end_attack

attack "a dir/symlink swap loop in the workdir does not steer the supervisor"
W=$(mkworkdir swap)
probe_run --workdir "$W" --wall-time 2 -- swap-race /box "$V/dir" 0
expect_not_hung
expect_status TO
victim_check
[ "$(stat -c %u "$W")" = 0 ] || fail "workdir owner not restored: $(stat -c %u:%g "$W")"
end_attack

# 33. the next run: a caller that reuses its workdir (examples/grade.sh
# does) opens its output files after the previous program had the run of it
attack "next run: --stdout onto a symlink left by the previous run is refused"
W=$(mkworkdir next-symlink)
probe_run --workdir "$W" --wall-time 10 -- symlink-loop /box/out.txt "$V/file" 0
probe_run --workdir "$W" --stdout "$W/out.txt" --result "$W/result.json" --wall-time 10 -- echo hello
expect_not_hung
victim_check
end_attack

attack "next run: --stdout into a subdirectory swapped for a symlink is refused"
W=$(mkworkdir next-dir)
mkdir "$W/logs"
chmod 755 "$W/logs"
probe_run --workdir "$W" --wall-time 10 -- steps rmdir /box/logs + symlink "$V/dir" /box/logs
probe_run --workdir "$W" --stdout "$W/logs/out.txt" --stderr "$W/logs/err.txt" --wall-time 10 -- echo hello
expect_not_hung
victim_check
[ ! -e "$V/dir/out.txt" ] || fail "hutch wrote $V/dir/out.txt through a symlinked directory"
end_attack
rm -f "$V/dir/out.txt" "$V/dir/err.txt"
victim_before=$(victim_state) # the directory's mtime moved: new baseline

attack "next run: a FIFO left at the --stdout path does not hang hutch"
W=$(mkworkdir next-fifo)
probe_run --workdir "$W" --wall-time 10 -- mkfifo /box/out.txt
RUN_TIMEOUT=15 probe_run --workdir "$W" --stdout "$W/out.txt" --wall-time 5 -- echo hello
[ "$HUNG" = 0 ] || fail "hutch blocked opening the FIFO the previous run left at --stdout (killed after 15 s)"
end_attack

attack "next run: a hard link left at the --stdout path does not truncate an input"
W=$(mkworkdir next-link)
echo "caller input" >"$W/input.txt"
chmod 644 "$W/input.txt"
before=$(sha_of "$W/input.txt")
probe_run --workdir "$W" --wall-time 10 -- link /box/input.txt /box/out.txt
note "link of a caller-owned file: $(pline "link /box/input.txt /box/out.txt")"
probe_run --workdir "$W" --stdout "$W/out.txt" --wall-time 10 -- echo hello
expect_not_hung
[ "$(sha_of "$W/input.txt")" = "$before" ] || fail "input.txt rewritten through a hard link: $(head -c 80 "$W/input.txt")"
end_attack

# The verdict itself: files the caller reads back after the run, inside
# the workdir the program controls. A program must not be able to forge
# them (a grader would read "OK" and the expected answer).
attack "the --result file in the workdir cannot be replaced by the program"
W=$(mkworkdir forge)
probe_run --workdir "$W" --result "$W/result.json" --wall-time 10 -- steps rename /box/result.json /box/real.json + \
	create /box/result.json + exit 3
expect_not_hung
# Either hutch refuses an output path the program can write (exit 125,
# nothing run), or the file at the caller's path is hutch's own result.
if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -q "which the program can write"; then
	[ ! -e "$W/real.json" ] || fail "refused, yet the program ran"
elif ! python3 -c 'import json,sys; sys.exit(0 if "status" in json.load(open(sys.argv[1])) else 1)' "$W/result.json" 2>/dev/null; then
	fail "result.json at the caller's path is the program's: '$(head -c 60 "$W/result.json" | tr '\n' ' ')'"
fi
end_attack

attack "the --stdout file in the workdir cannot be replaced by the program"
W=$(mkworkdir forge-out)
probe_run --workdir "$W" --stdout "$W/out.txt" --wall-time 10 -- steps rename /box/out.txt /box/real.txt + \
	create /box/out.txt + echo real-output
expect_not_hung
if [ "$RC" = 125 ] && printf '%s' "$ERR" | grep -q "which the program can write"; then
	[ ! -e "$W/real.txt" ] || fail "refused, yet the program ran"
else
	got=$(cat "$W/out.txt" 2>/dev/null)
	case "$got" in *real-output*) ;; *) fail "out.txt at the caller's path is the program's: '$(printf '%s' "$got" | head -c 60)'" ;; esac
fi
end_attack

done_testing
