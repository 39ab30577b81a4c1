#!/bin/bash
# Attack 36: what /proc and /sys give away or let through: other
# processes, kernel addresses, the kernel log, sysctls that would reach the
# host (core_pattern, modprobe, sysrq, drop_caches), the OOM score, and the
# cgroup file system.
. "$(dirname "$0")/../lib.sh"
require_sandbox

attack "/proc lists only the sandbox's processes"
probe_run --wall-time 10 -- steps sleep 0.01 + proc-pids
expect_not_hung
v=$(pline proc-pids)
count=$(printf '%s' "$v" | sed -n 's/^count=\([0-9]*\).*/\1/p')
[ -n "$count" ] && [ "$count" -le 3 ] || fail "/proc shows ${count:-?} processes: $v"
end_attack

attack "/proc/kallsyms gives no kernel address"
probe_run --wall-time 10 -- kallsyms
expect_not_hung
v=$(pline kallsyms)
case "$v" in
"errno "* | *" nonzero=0" | "lines=0 "*) ;;
*) fail "kernel addresses readable: $v" ;;
esac
end_attack

attack "the kernel log is not readable (/proc/kmsg, /dev/kmsg, syslog(2))"
probe_run --wall-time 10 -- kmsg
expect_not_hung
for l in kmsg dev-kmsg; do
	v=$(pline $l)
	case "$v" in "ok bytes=0") ;; *) expect_denied $l ;; esac # a mask reads empty
done
probe_run --wall-time 10 -- sys syslog
expect_denied "sys syslog"
end_attack

for f in /proc/sys/kernel/core_pattern /proc/sys/kernel/modprobe /proc/sysrq-trigger \
	/proc/sys/vm/drop_caches /proc/sys/kernel/hostname /proc/sys/fs/binfmt_misc/register \
	/proc/sys/kernel/ns_last_pid; do
	attack "$f cannot be opened for writing"
	core_before=$(cat /proc/sys/kernel/core_pattern)
	probe_run --wall-time 10 -- open-write "$f"
	expect_not_hung
	expect_denied "open-write $f"
	[ "$(cat /proc/sys/kernel/core_pattern)" = "$core_before" ] || fail "host core_pattern changed"
	end_attack
done

attack "the OOM score cannot be lowered"
probe_run --wall-time 10 -- write /proc/self/oom_score_adj -1000
expect_not_hung
expect_denied "write /proc/self/oom_score_adj" EACCES EPERM
end_attack

attack "/sys is absent, no cgroup file is reachable or writable"
probe_run --wall-time 10 -- steps list /sys /sys/fs/cgroup + open-write /sys/fs/cgroup/cgroup.procs \
	/sys/fs/cgroup/memory/tasks /sys/fs/cgroup/unified/cgroup.procs /sys/kernel/uevent_helper \
	+ mkdir /sys/fs/cgroup/probe
expect_not_hung
for d in /sys /sys/fs/cgroup; do
	v=$(pline "list $d")
	case "$v" in "errno "* | "entries=0 "*) ;; *) fail "$d visible: $v" ;; esac
done
for f in /sys/fs/cgroup/cgroup.procs /sys/fs/cgroup/memory/tasks /sys/fs/cgroup/unified/cgroup.procs \
	/sys/kernel/uevent_helper; do
	expect_denied "open-write $f"
done
expect_denied "mkdir /sys/fs/cgroup/probe"
end_attack

attack "/proc/self/cgroup shows the run's cgroup as / (cgroup namespace)"
probe_run --wall-time 10 -- cgroup-info
expect_not_hung
leaks=$(printf '%s\n' "$OUT" | grep '^cgroup: ' | grep -v ':/$' || true)
[ -z "$leaks" ] || fail "host cgroup paths visible: $(echo $leaks)"
end_attack

attack "mountinfo does not reveal the host's workdir path"
W=$(mkworkdir mi)
probe_run --workdir "$W" --wall-time 10 -- mountinfo
expect_not_hung
mi_line=$(printf '%s\n' "$OUT" | grep '^mount /box:' || true)
case "$mi_line" in *"$W"*) note "host path of the workdir visible: $mi_line" ;; esac
end_attack

done_testing
