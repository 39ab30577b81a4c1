#!/bin/bash
# The cgroup limits on whatever host this runs on (make check-v2 runs it in
# the pure cgroup v2 VM; it also runs on the hybrid host). Each limit is
# exceeded and the exact verdict asserted; overshoot is printed as a TAP
# comment (how far past the limit the program got before it was stopped).
. "$(dirname "$0")/../integration/lib.sh"
need_root

backend=$("$HUTCH" info | sed -n 's/^backend: \([a-z0-9]*\).*/\1/p')
echo "# cgroup backend: $backend"
ok $([ -n "$backend" ] && [ "$backend" != none ]; echo $?) "a cgroup backend was detected ($backend)"
[ "${HUTCH_EXPECT_BACKEND:-}" ] && is "$backend" "$HUTCH_EXPECT_BACKEND" "backend is $HUTCH_EXPECT_BACKEND"

# memory
hrun --memory 64M --wall-time 60 -- /usr/bin/python3 -c '
b = []
while True: b.append(bytearray(1 << 20))'
is "$(jget status)" ML "memory hog: ML"
is "$(jget oom_killed)" true "oom_killed read from the cgroup"
peak=$(jget memory_peak)
ok $([ "$peak" -le $((64 << 20)) ]; echo $?) "memory_peak $peak <= limit"
echo "# overshoot memory: limit 67108864 peak $peak bytes (overshoot $((peak - (64 << 20))) bytes)"

# tmpfs pages are charged
hrun --memory 64M --tmpfs-size 1G --wall-time 60 -- /bin/sh -c 'dd if=/dev/zero of=/tmp/f bs=1M count=200 2>/dev/null; echo survived'
ok $([ "$(jget status)" = ML ] || ! grep -q survived "$T/out"; echo $?) "tmpfs fill charged to the sandbox ($(jget status))"

# pids
hrun --pids 16 --wall-time 60 -- /usr/bin/python3 -c '
import os, time
n = 0
try:
    for i in range(40):
        if os.fork() == 0:
            time.sleep(5); os._exit(0)
        n += 1
except OSError as e:
    pass
print(len([p for p in os.listdir("/proc") if p.isdigit()]))'
procs=$(tail -1 "$T/out")
ok $([ -n "$procs" ] && [ "$procs" -le 16 ]; echo $?) "fork past --pids 16: at most 16 processes ($procs)"
echo "# overshoot pids: limit 16 seen $procs"

# CPU time: 2 spinning children, summed
hrun --time 1 --wall-time 120 -- /bin/sh -c '(while :; do :; done) & while :; do :; done'
is "$(jget status)" TO "spinning tree: TO"
is "$(jget timed_out)" cpu "timed_out cpu"
t=$(jget time)
echo "# overshoot cpu: limit 1.000 s used $t s"
ok $(python3 -c "import sys; sys.exit(0 if 1.0 <= $t < 1.5 else 1)"; echo $?) "stopped within 0.5 s of the CPU limit ($t)"

# wall
hrun --wall-time 1 -- /bin/sleep 30
is "$(jget status)" TO "sleep: TO"
is "$(jget timed_out)" wall "timed_out wall"

# orphans and leftovers
N=$((400000 + RANDOM))
hrun -- /bin/sh -c "setsid sleep $N & exit 0"
sleep 0.3
is "$(pgrep -fc "^sleep $N")" 0 "orphan gone after the run"
for i in $(seq 10); do hrun -- /bin/true; done
is "$(count_hutch_cgroups)" 0 "no run cgroup left after 10 runs"

done_testing
