#!/bin/bash
# Attacks 21, 22, 23, 34: set-user-ID programs, ptrace of anything,
# namespaces (clone3, clone/unshare/setns with namespace flags), mounts,
# pivot_root, and the cgroup v1 release_agent escape. The program has no
# capability, no way to gain one, and none of these may work.
. "$(dirname "$0")/../lib.sh"
require_sandbox

attack "no capabilities, no_new_privs, runs as 1000"
probe_run --wall-time 10 -- steps caps + ids
expect_not_hung
expect_line caps '^inh=0+ prm=0+ eff=0+ bnd=0+ amb=0+ nnp=1 '
expect_line ids '^uid=1000/1000/1000 gid=1000/1000/1000 groups=$'
end_attack

attack "cannot become root (setresuid, setresgid, setgroups)"
probe_run --wall-time 10 -- setresuid
expect_not_hung
expect_denied "setresuid 0"
expect_denied "setresgid 0"
expect_denied setgroups
end_attack

# 21. set-user-ID binaries of the host's /usr
for bin in /usr/bin/su /usr/bin/mount /usr/bin/passwd /usr/bin/newgrp /usr/bin/ping /bin/ping; do
	if [ ! -e "$bin" ]; then
		tap_skip "setuid $bin: not on this host"
		continue
	fi
	attack "setuid $bin runs without privilege"
	probe_run --wall-time 10 -- setuid-exec "$bin"
	expect_not_hung
	v=$(pline "setuid-exec $bin")
	case "$v" in
	"euid=1000 egid=1000 capeff=0 "*) ;;
	"errno "*) ;; # could not even execute it
	exited-before-sample) note "exited before it could be observed" ;;
	*) fail "$bin ran with '$v'" ;;
	esac
	end_attack
done

# 22. ptrace
attack "ptrace of init, parent, a sibling, a child and TRACEME is refused"
probe_run --wall-time 10 -- ptrace 1 parent child sibling traceme
expect_not_hung
for t in 1 parent child sibling traceme; do expect_denied "ptrace $t"; done
end_attack

attack "the sandbox's init cannot be read or written (process_vm_readv, /proc/1/mem)"
probe_run --wall-time 10 -- ptrace 1
expect_not_hung
expect_denied "process_vm_readv 1"
expect_denied "open-mem 1"
end_attack

# 23. namespaces
attack "clone3 answers ENOSYS"
probe_run --wall-time 10 -- clone3 none
expect_not_hung
expect_denied "clone3 none" ENOSYS
end_attack

attack "clone3 with CLONE_NEWUSER answers ENOSYS"
probe_run --wall-time 10 -- clone3 user
expect_not_hung
expect_denied "clone3 user" ENOSYS
end_attack

for ns in user mnt net pid ipc uts cgroup time user+mnt; do
	attack "clone with CLONE_NEW${ns^^} is refused"
	probe_run --wall-time 10 -- clone-ns "$ns"
	expect_not_hung
	expect_denied "clone $ns"
	end_attack
	attack "unshare($ns) is refused"
	probe_run --wall-time 10 -- unshare "$ns"
	expect_not_hung
	expect_denied "unshare $ns"
	end_attack
done

# what a nested user namespace would hand out: root of it, with mounts,
# raw sockets and netfilter (the kernel surface of most namespace LPEs)
attack "no nested user namespace: no mount, raw socket or netfilter through one"
probe_run --wall-time 10 -- nested
expect_not_hung
expect_denied "nested unshare"
for what in mount-tmpfs raw-socket netlink-netfilter; do
	v=$(pline "nested $what")
	case "$v" in ok*) fail "nested $what succeeded" ;; esac
done
end_attack

attack "setns into init's namespaces is refused"
probe_run --wall-time 10 -- setns 1
expect_not_hung
for ns in user mnt net pid ipc uts cgroup; do
	v=$(pline "setns /proc/1/ns/$ns")
	case "$v" in "open errno "*) ;; *) expect_denied "setns /proc/1/ns/$ns" ;; esac
done
end_attack

# 34. mounts
for fs in tmpfs proc sysfs cgroup2 "cgroup memory" overlay; do
	set -- $fs
	attack "mounting $1 is refused"
	probe_run --wall-time 10 -- mount-fs "$1" "/tmp/probe-$1" ${2:-}
	expect_not_hung
	expect_denied "mount-fs $1"
	end_attack
done

attack "bind mounts, remounts and unmounting masks are refused"
probe_run --wall-time 10 -- steps mount-bind /tmp /box + remount /usr + umount /etc/shadow /proc /usr
expect_not_hung
expect_denied mount-bind
expect_denied "remount /usr"
expect_denied "umount /etc/shadow"
expect_denied "umount /proc"
expect_denied "umount /usr"
end_attack

for call in pivot_root chroot fsopen open_tree move_mount mount_setattr; do
	attack "$call is refused"
	probe_run --wall-time 10 -- sys "$call"
	expect_not_hung
	expect_denied "sys $call"
	end_attack
done

attack "cgroup v1 release_agent escape: no v1 mount, no release_agent"
probe_run --wall-time 10 -- release-agent /tmp/probe-cg
expect_not_hung
for c in memory rdma pids none,name=probe; do
	v=$(pline "mount-cgroup1 $c")
	[ -z "$v" ] && break # killed on the first attempt
	expect_denied "mount-cgroup1 $c"
done
printf '%s\n' "$OUT" | grep -q '^open-write .*release_agent: ok' && fail "a release_agent is writable"
end_attack

done_testing
