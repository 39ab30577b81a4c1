#!/bin/bash
# hutch serve: a warm sandbox runs one program after another and is never
# reused dirty. One worker, so that every run goes to the same sandbox
# (sandbox_runs in the reply proves it); each run leaves files, processes,
# tmpfs contents and IPC objects behind, and the next must see none of it.
. "$(dirname "$0")/lib.sh"
need_root
SOCK=$T/hutch.sock
MARK=$((400000 + RANDOM)) # a unique sleep duration marks our processes on the host

"$HUTCH" serve --socket "$SOCK" --workers 1 --wall-time 5 2>"$T/serve.log" &
SERVER=$!
for _ in $(seq 50); do [ -S "$SOCK" ] && break; sleep 0.1; done
ok $([ -S "$SOCK" ]; echo $?) "serve listens on its socket"
is "$(stat -c %a "$SOCK")" 600 "socket is root-only (0600)"

# hc [client options] -- program...: result in $T/res.json, stdout in $OUT.
hc() {
	"$HUTCH" client --socket "$SOCK" --result "$T/res.json" "$@" >"$T/out" 2>"$T/err" </dev/null
	RC=$?
	OUT=$(cat "$T/out")
	[ "$RC" = 125 ] && { echo "# client: $(cat "$T/err") $(cat "$T/res.json" 2>/dev/null)"; tail -3 "$T/serve.log" | sed 's/^/# serve: /'; }
	true
}

hc -- /bin/sh -c 'echo hi'
is "$OUT" hi "a program runs and its stdout reaches the client"
is "$RC" 0 "exit status 0"
is "$(jget status)" OK "status OK"
first=$(jget sandbox_runs)

# Leave everything behind that a run can leave.
hc -- /bin/sh -c "
	for d in /tmp /var/tmp /box /dev/shm; do echo secret > \$d/left-behind && mkdir \$d/dir; done
	setsid /bin/sleep $MARK </dev/null >/dev/null 2>&1 &
	echo \$! > /tmp/pid
	ipcmk -M 4096 >/dev/null && ipcmk -Q >/dev/null && ipcmk -S 1 >/dev/null
	echo pid=\$(cat /tmp/pid)
	echo made: files=\$(ls /tmp/left-behind /var/tmp/left-behind /box/left-behind /dev/shm/left-behind | wc -l) ipc=\$(ipcs -m -q -s | grep -c '^0x')
	touch /rootfile 2>/dev/null && echo WROTE-ROOT
	exit 3"
is "$RC" 3 "the littering run ends with its own exit status"
like "$OUT" "^pid=[0-9]+" "it started a background process"
like "$OUT" "made: files=4 ipc=3" "it left 4 files and 3 IPC objects"
bg=${OUT#pid=}; bg=${bg%%[^0-9]*}
ok $(printf '%s' "$OUT" | grep -q WROTE-ROOT; [ $? -ne 0 ]; echo $?) "the shared root is read-only"
is "$(jget sandbox_runs)" $((first + 1)) "same warm sandbox as the first run"

hc -- /bin/sh -c "
	for d in /tmp /var/tmp /box /dev/shm; do echo \"\$d:[\$(ls -A \$d)]\"; done
	kill -0 $bg 2>/dev/null && echo ALIVE-$bg
	ls /proc | grep -qx $bg && echo PROC-$bg
	for p in /proc/[0-9]*; do cat \$p/cmdline 2>/dev/null | tr '\\0' ' '; echo; done | grep -c '^/bin/sleep' | sed 's/^/sleepers=/'
	echo ipc=\$(ipcs -m -q -s | grep -c '^0x')"
is "$(jget sandbox_runs)" $((first + 2)) "the next run reuses the same warm sandbox"
like "$OUT" "^/tmp:\[\]$" "no file of the earlier run in /tmp"
like "$OUT" "^/var/tmp:\[\]$" "none in /var/tmp"
like "$OUT" "^/box:\[\]$" "none in /box"
like "$OUT" "^/dev/shm:\[\]$" "none in /dev/shm"
ok $(printf '%s' "$OUT" | grep -qE "ALIVE|PROC"; [ $? -ne 0 ]; echo $?) "the earlier run's background process is gone"
like "$OUT" "sleepers=0" "no sleeper visible at all"
like "$OUT" "ipc=0" "no System V object of the earlier run"
ok $(pgrep -f "sleep $MARK" >/dev/null; [ $? -ne 0 ]; echo $?) "nothing of it runs on the host either"

# The same isolation as hutch run.
hc -- /bin/sh -c 'id -u; unshare -U true 2>/dev/null && echo UNSHARED; grep -c : /proc/net/dev; ls /root /home 2>&1 | head -1'
like "$OUT" "^1000" "runs as uid 1000"
ok $(printf '%s' "$OUT" | grep -q UNSHARED; [ $? -ne 0 ]; echo $?) "seccomp: no new user namespace"
like "$OUT" $'\n1\n' "no network interface but lo"
like "$OUT" "No such file" "host directories are not there"

# A run killed for a limit takes its sandbox along; the next gets a new one.
hc -- /bin/sh -c 'sleep 30'
is "$(jget status)" TO "a run past --wall-time 5 is killed: TO"
hc -- /bin/sh -c 'echo after; ls -A /tmp'
is "$OUT" after "the next run works, in a new sandbox"
is "$(jget sandbox_runs)" 1 "(a fresh sandbox: its first run)"

kill -TERM $SERVER
wait $SERVER
is "$?" 0 "SIGTERM stops the server cleanly"
ok $([ ! -e "$SOCK" ]; echo $?) "socket removed"
is "$(count_hutch_cgroups)" 0 "no cgroup left behind"
done_testing
