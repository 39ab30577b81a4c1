#!/bin/bash
# hutch run: exit status contract, result JSON keys, streams, errors.
. "$(dirname "$0")/lib.sh"
need_root

mkdir -p "$T/sub"
printf 'print(input()[::-1])\n' > "$T/sub/main.py"
echo hello > "$T/in.txt"
"$HUTCH" run --workdir "$T/sub" --time 1 --memory 64M --result "$T/res.json" -- /usr/bin/python3 main.py <"$T/in.txt" >"$T/out" 2>"$T/err"
RC=$?
is "$RC" 0 "README sample: python reads stdin, exit 0"
is "$(cat "$T/out")" "olleh" "README sample: output"
is "$(jget status)" OK "status OK"
for k in status exit_code signal time wall_time memory_peak oom_killed timed_out stdout_truncated stderr_truncated message; do
	v=$(jget $k)
	ok $([ "$v" != MISSING ] && [ "$v" != NO-RESULT ]; echo $?) "result has key $k"
done

hrun -- /bin/sh -c 'exit 3'
is "$RC" 3 "exit code propagated"
is "$(jget status)" RE "non-zero exit is RE"
is "$(jget exit_code)" 3 "exit_code 3"

hrun -- /bin/sh -c 'kill -SEGV $$'
is "$RC" 139 "signal N gives 128+N"
is "$(jget status)" SG "killed by signal is SG"
is "$(jget signal)" 11 "signal 11 reported"

hrun -- /bin/sh -c 'echo out; echo err >&2'
is "$OUT" out "stdout captured"
is "$ERR" err "stderr captured separately"

hrun --redirect-stderr -- /bin/sh -c 'echo out; echo err >&2'
is "$(echo $OUT)" "out err" "--redirect-stderr merges streams"

hrun --stdout "$T/o.txt" --stderr "$T/e.txt" -- /bin/sh -c 'echo to-file; echo e >&2'
is "$(cat "$T/o.txt")" to-file "--stdout FILE"
is "$(cat "$T/e.txt")" e "--stderr FILE"

hrun -- /no/such/program
is "$RC" 127 "missing program: 127"
like "$(jget message)" "cannot execute /no/such/program" "message says why"

hrun -- /etc/hostname
is "$RC" 126 "non-executable program: 126"

hrun -- no-such-command-xyz
is "$RC" 127 "PATH lookup miss: 127"

hrun -- true
is "$RC" 0 "PATH lookup finds true"

hrun --memory 64Q -- /bin/true
is "$RC" 125 "bad size: 125"
like "$ERR" "--memory '64Q': expected a size" "bad size message"

hrun --profile no-such-profile -- /bin/true
is "$RC" 125 "unknown profile: 125"
like "$ERR" "profile 'no-such-profile' not found" "unknown profile message"

echo '{"limits": {"memory": {"ceiling": "-1"}}}' > "$T/bad.json"
hrun --profile "$T/bad.json" -- /bin/true
is "$RC" 125 "invalid profile: 125"
like "$ERR" "bad.json: limits.memory.ceiling" "invalid profile names file and JSON path"

hrun --memory 100G -- /bin/true
is "$RC" 125 "limit above ceiling refused"
like "$ERR" "above the ceiling" "ceiling message"

hrun --workdir /nonexistent-dir -- /bin/true
is "$RC" 125 "missing workdir: 125"
like "$ERR" "workdir" "message names the workdir"
is "$(jget status)" XX "sandbox failure is XX"

# Output files: never through a symlink, never a FIFO, never in the workdir.
mkdir -p "$T/wd2" "$T/outs"
ln -s /etc "$T/outs/link"
hrun --stdout "$T/outs/link/hutch-should-not-exist" -- /bin/true
is "$RC" 125 "--stdout through a symlinked directory refused"
ok $([ ! -e /etc/hutch-should-not-exist ]; echo $?) "nothing created through the symlink"
mkfifo "$T/outs/fifo"
timeout 10 "$HUTCH" run --stdout "$T/outs/fifo" -- /bin/true >/dev/null 2>"$T/err"
is "$?" 125 "--stdout onto a FIFO refused without hanging"
hrun --workdir "$T/wd2" --result "$T/wd2/result.json" -- /bin/true
is "$RC" 125 "--result inside the workdir refused (the program could forge it)"
like "$ERR" "inside .*which the program can write" "message says why"

# SIGTERM to hutch cancels the run and cleans up.
"$HUTCH" run --result "$T/cancel.json" -- /bin/sleep 30 >/dev/null 2>&1 &
hp=$!
sleep 0.5
kill -TERM $hp
wait $hp
is "$?" 143 "SIGTERM to hutch: exit 128+15"
like "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["message"])' "$T/cancel.json")" "cancelled: hutch received SIGTERM" "result says cancelled"
is "$(count_hutch_cgroups)" 0 "no cgroup left after cancel"

"$HUTCH" run --help >"$T/h" 2>&1
is "$?" 0 "run --help exits 0"
for o in --profile --time --wall-time --memory --pids --fsize --output-limit --stdin --stdout --stderr --bind --workdir --env --net --result; do
	grep -q -- "$o" "$T/h"; ok $? "run --help documents $o"
done
"$HUTCH" --version | grep -q '^hutch '; ok $? "--version"

hrun --env FOO=bar -- /bin/sh -c 'echo $FOO; env | wc -l'
is "$(echo "$OUT" | head -1)" bar "--env passes a variable"
HUTCH_SECRET=x hrun -- /bin/sh -c 'echo ${HUTCH_SECRET:-unset}'
is "$OUT" unset "caller's environment does not leak in"

done_testing
