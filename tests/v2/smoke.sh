#!/bin/bash
# Smoke check of the cgroup v2 VM itself, run inside it by run-vm.sh until the
# Makefile has a check-v2-inner target: does the guest look like the pure
# cgroup v2 host hutch expects? TAP output; exit 1 on any failure.
# shellcheck disable=SC2016 # the quoted scripts expand in their own shells
set -u
n=0
failed=0
check() { # DESCRIPTION COMMAND...
	local desc=$1
	shift
	n=$((n + 1))
	if "$@"; then
		echo "ok $n - $desc"
	else
		echo "not ok $n - $desc"
		failed=$((failed + 1))
	fi
}

echo "# /proc/self/cgroup: $(cat /proc/self/cgroup)"
echo "# cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
echo "# cgroup.subtree_control: '$(cat /sys/fs/cgroup/cgroup.subtree_control)'"

cg=/sys/fs/cgroup/hutch
check "cgroup2 is the only cgroup fs" \
	test "$(awk '$3 ~ /^cgroup/ { print $2, $3 }' /proc/mounts)" = "/sys/fs/cgroup cgroup2"
check "no v1 hierarchy active" \
	test -z "$(awk 'NR > 1 && $2 != 0' /proc/cgroups)"
check "running in the leaf /test.slice" test "$(cat /proc/self/cgroup)" = "0::/test.slice"
for c in cpu cpuset memory pids io; do
	check "controller $c on the root" grep -qw "$c" /sys/fs/cgroup/cgroup.controllers
done
check "mkdir $cg" mkdir "$cg"
check "enable memory and pids below the root" \
	sh -c 'echo "+memory +pids" >/sys/fs/cgroup/cgroup.subtree_control'
check "memory.max in $cg" test -w "$cg/memory.max"
check "set pids.max in $cg" sh -c "echo 16 >$cg/pids.max"
check "run a process in $cg" \
	sh -c "echo \$\$ >$cg/cgroup.procs && grep -qx '0::/hutch' /proc/self/cgroup"
check "rmdir $cg" rmdir "$cg"
check "disable memory and pids again" \
	sh -c 'echo "-memory -pids" >/sys/fs/cgroup/cgroup.subtree_control'
check "unshare -Urmpf --mount-proc true" unshare -Urmpf --mount-proc true
check "user namespace maps root" \
	test "$(unshare -Ur id -u)" = 0
# pivot_root(2) is EINVAL on the initramfs; hutch needs it to work.
check "pivot_root in a new mount namespace" unshare -m sh -ec '
	d=$(mktemp -d)
	mount -t tmpfs t "$d"
	mkdir "$d/old"
	cd "$d"
	pivot_root . old
	test -d /old/proc'
check "overlayfs mounts" unshare -m sh -ec '
	d=$(mktemp -d)
	mkdir "$d/u" "$d/w" "$d/m"
	mount -t overlay o -o lowerdir=/usr,upperdir="$d/u",workdir="$d/w" "$d/m"
	test -x "$d/m/bin/sh"'
check "loopback is up" sh -c 'ip -o link show lo | grep -q "UP"'
check "/dev/null, /dev/zero work" sh -c 'echo x >/dev/null && head -c1 /dev/zero | od -An -tx1 | grep -q 00'
check "/tmp is writable tmpfs" sh -c 'stat -f -c %T /tmp | grep -q tmpfs && touch /tmp/x'
check "checkout is writable" sh -c 'f=build/v2/.smoke.$$ && mkdir -p build/v2 && touch "$f" && rm "$f"'

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
