#!/bin/bash
# Every limit of issue 2 fires with the exact verdict, and nothing is left
# behind: processes, mounts, cgroups.
. "$(dirname "$0")/lib.sh"
need_root
# A unique sleep duration marks our processes on the host (dash has no exec -a).
N1=$((100000 + RANDOM)); N2=$((200000 + RANDOM)); N3=$((300000 + RANDOM))

hrun --wall-time 0.5 -- /bin/sleep 30
is "$(jget status)" TO "sleep past the wall limit: TO"
is "$(jget timed_out)" wall "timed_out = wall"
w=$(jget wall_time)
ok $(python3 -c "import sys; sys.exit(0 if 0.5 <= $w < 1.0 else 1)"; echo $?) "ended within 0.5 s of the wall limit ($w s)"
is "$RC" 137 "killed: exit status 128+9"

hrun --time 0.5 --wall-time 10 -- /bin/sh -c 'while :; do :; done'
is "$(jget status)" TO "CPU spin: TO"
is "$(jget timed_out)" cpu "timed_out = cpu"
t=$(jget time)
ok $(python3 -c "import sys; sys.exit(0 if 0.5 <= $t < 1.0 else 1)"; echo $?) "CPU time stopped within 0.5 s of the limit ($t s)"

hrun --time 1 --wall-time 10 -- /bin/sh -c 'for i in 1 2 3 4; do (while :; do :; done) & done; wait'
is "$(jget status)" TO "4 spinning children: TO by the tree's summed CPU time"
t=$(jget time)
ok $(python3 -c "import sys; sys.exit(0 if 1.0 <= $t < 1.5 else 1)"; echo $?) "summed: the tree stopped at 1 s of CPU in total, no child could reach 1 s alone ($t s)"

hrun --output-limit 1M -- /bin/sh -c 'head -c 10000000 /dev/zero'
is "$(jget status)" OL "stdout flood: OL"
is "$(jget stdout_truncated)" true "stdout_truncated"
is "$(stat -c %s "$T/out")" 1048576 "exactly the limit was kept"
hrun --output-limit 64K -- /bin/sh -c 'head -c 1000000 /dev/zero >&2'
is "$(jget status)" OL "stderr flood: OL"
is "$(jget stderr_truncated)" true "stderr_truncated"

hrun --fsize 1M -- /bin/sh -c 'exec head -c 5000000 /dev/zero > /tmp/big'
is "$(jget status)" OL "file past --fsize: OL"
like "$(jget message)" "file size limit" "message names the file size limit"

hrun --nofile 16 -- /usr/bin/python3 -c '
import os
fds=[]
try:
    while True: fds.append(os.open("/dev/null", os.O_RDONLY))
except OSError as e: print(e.errno, len(fds) < 16)'
is "$OUT" "24 True" "--nofile: EMFILE below the limit"

hrun -- /bin/sh -c 'ulimit -c; ulimit -c unlimited 2>/dev/null && echo raised || echo kept'
is "$(echo $OUT)" "0 kept" "core size 0 and cannot be raised"

# Orphans: double fork + setsid, then the main process exits.
hrun -- /bin/sh -c "setsid sleep $N1 & (sleep $N2 &) ; sleep 0.2; pgrep -fc '^sleep $N1'; exit 0"
is "$OUT" 1 "orphan was running inside"
sleep 0.2
is "$(pgrep -fc "^sleep $N1")" 0 "setsid orphan is gone after the run"
is "$(pgrep -fc "^sleep $N2")" 0 "double-fork orphan is gone after the run"

# kill -9 of hutch ends the sandbox.
"$HUTCH" run -- /bin/sleep $N3 >/dev/null 2>&1 &
hp=$!
for i in $(seq 50); do pgrep -f "^/bin/sleep $N3" >/dev/null && break; sleep 0.1; done
ok $(pgrep -f "^/bin/sleep $N3" >/dev/null; echo $?) "sandboxed sleeper running"
kill -9 $hp
wait $hp 2>/dev/null
for i in $(seq 30); do pgrep -f "^/bin/sleep $N3" >/dev/null || break; sleep 0.1; done
is "$(pgrep -fc "^/bin/sleep $N3")" 0 "kill -9 of hutch ends the sandbox (PDEATHSIG)"

# Zombies are reaped by init; the program's own verdict is unaffected.
hrun -- /usr/bin/python3 -c '
import os, time
for i in range(20):
    if os.fork() == 0: os._exit(0)
time.sleep(0.2); print("done")'
is "$OUT" done "zombie-making program completes"
is "$(jget status)" OK "zombies do not change the verdict"

# SIGTERM / SIGXCPU handlers do not save a spinning program.
hrun --time 0.5 -- /usr/bin/python3 -c '
import signal
for s in (signal.SIGTERM, signal.SIGXCPU, signal.SIGINT): signal.signal(s, signal.SIG_IGN)
while True: pass'
is "$(jget status)" TO "ignoring SIGTERM/SIGXCPU: still TO"

# Memory: an allocate-and-touch hog hits the cgroup limit: ML, not SG.
hrun --memory 64M -- /usr/bin/python3 -c '
b = []
while True: b.append(bytearray(1 << 20))'
is "$(jget status)" ML "memory hog: ML"
is "$(jget oom_killed)" true "oom_killed from the cgroup's OOM count"
peak=$(jget memory_peak)
ok $([ "$peak" -gt $((48 << 20)) ] && [ "$peak" -le $((64 << 20)) ]; echo $?) "memory_peak near and not above the limit ($peak)"
hrun --memory 64M --tmpfs-size 512M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/fill bs=1M count=200 2>/dev/null; echo survived'
ok $([ "$(jget status)" = ML ] || ! echo "$OUT" | grep -q survived; echo $?) "filling tmpfs is charged to the sandbox (status $(jget status))"

# Processes: a fork bomb stops at pids.max.
hrun --pids 32 --time 2 --wall-time 5 -- /usr/bin/python3 -c '
import os
n = 0
try:
    while True:
        if os.fork() == 0:
            import time; time.sleep(3); os._exit(0)
        n += 1
except OSError as e:
    print("EAGAIN" if e.errno == 11 else e.errno, n < 32)'
is "$OUT" "EAGAIN True" "fork bomb: fork fails with EAGAIN below --pids"

# A syscall the default profile kills for: the verdict names it.
hrun -- /usr/bin/python3 -c 'import ctypes; ctypes.CDLL(None).syscall(169, 0, 0, 0, 0); print("survived")'
is "$(jget status)" SG "reboot(2) under the default profile: SG"
is "$(jget signal)" 31 "reported as SIGSYS"
like "$(jget message)" "^seccomp: reboot\(169\) denied by profile default" "message names the syscall and the profile"
ok $(! grep -q survived "$T/out"; echo $?) "the program did not go on after the denied call"
hrun -- /usr/bin/python3 -c 'import ctypes, os; print(ctypes.CDLL(None, use_errno=True).syscall(272, 0x10000000) == -1 and ctypes.get_errno())'
is "$OUT" 1 "unshare(CLONE_NEWUSER) fails with EPERM (errno rule, run goes on)"

before=$(count_hutch_cgroups)
for i in $(seq 20); do hrun -- /bin/true; done
is "$(count_hutch_cgroups)" 0 "no hutch run cgroup left after 20 runs (before: $before)"

done_testing
