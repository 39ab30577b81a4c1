#!/bin/bash
# Attacks 17-20, 28, 29, 31, 32: read host secrets, write read-only places,
# execute what was written, rewrite inputs, leaked descriptors and a cwd
# outside the root, /proc/*/exe and /proc/*/root, hard links and chown
# tricks, device nodes. Inside must be refused; the host must be untouched.
. "$(dirname "$0")/../lib.sh"
require_sandbox

# fixtures: an input directory bound read-only, with a world-writable file
# and directory so that only the read-only mount stands in the way
IN=$T/in
mkdir -p "$IN/open-dir"
echo "precious input" >"$IN/world.txt"
echo "caller input" >"$IN/data.txt"
chmod 666 "$IN/world.txt"
chmod 644 "$IN/data.txt"
chmod 777 "$IN/open-dir"
chmod 755 "$IN"
in_before=$(cd "$IN" && find . -printf '%p %s %m %u %T@\n' | sort; sha_of "$IN/world.txt")

# 17. secrets
attack "host secrets are not readable (/etc/shadow, /root, /home, /proc/1)"
probe_run --wall-time 10 -- read /etc/shadow /etc/gshadow /root /home /proc/1/root/etc/shadow /proc/1/environ
expect_not_hung
for f in /etc/shadow /etc/gshadow /proc/1/root/etc/shadow; do
	v=$(pline "read $f")
	case "$v" in "errno "* | "ok bytes=0") ;; *) fail "read $f: $v" ;; esac
done
for d in /root /home; do
	v=$(pline "read $d")
	case "$v" in "errno "* | "dir entries=0") ;; *) fail "read $d: $v" ;; esac
done
end_attack

attack "the caller's environment does not leak into any process"
export HUTCH_SEC_CANARY=canary-$$-$RANDOM
probe_run --wall-time 10 -- grep-environ "$HUTCH_SEC_CANARY" environ
expect_not_hung
expect_line grep-environ '^absent'
unset HUTCH_SEC_CANARY
end_attack

# The supervisor's command line names host paths (--result, --bind and
# --workdir sources): a process inside must not be able to read it.
attack "hutch's command line (host paths) is not visible inside"
probe_run --wall-time 10 -- grep-environ "$T" cmdline
expect_not_hung
expect_line grep-environ '^absent'
end_attack

# 18. writes to read-only places
attack "read-only bind, /usr and /etc refuse writes"
probe_run --bind "$IN:/in" --wall-time 10 -- steps write /in/world.txt + create /in/new /in/open-dir/new \
	/usr/probe-new /etc/probe-new /usr/bin/probe-new + write /etc/passwd
expect_not_hung
expect_denied "write /in/world.txt" EROFS
expect_denied "create /in/new" EROFS EACCES
expect_denied "create /in/open-dir/new" EROFS
for p in /usr/probe-new /etc/probe-new /usr/bin/probe-new; do expect_denied "create $p" EROFS EACCES; done
expect_denied "write /etc/passwd" EROFS EACCES
[ ! -e /usr/probe-new ] && [ ! -e /etc/probe-new ] && [ ! -e /usr/bin/probe-new ] || fail "file created on the host"
end_attack

# 20. rewrite, delete, rename inputs on a read-only bind
attack "read-only inputs cannot be deleted, renamed, truncated or re-moded"
probe_run --bind "$IN:/in" --wall-time 10 -- steps unlink /in/world.txt + rename /in/data.txt /in/x + \
	truncate /in/world.txt + chmod /in/world.txt 777 + utime /in/world.txt + \
	setxattr /in/world.txt user.probe x + rmdir /in/open-dir
expect_not_hung
expect_denied "unlink /in/world.txt" EROFS
expect_denied "rename /in/data.txt /in/x" EROFS
expect_denied "truncate /in/world.txt" EROFS
expect_denied "chmod /in/world.txt 777" EROFS EPERM
expect_denied "utime /in/world.txt" EROFS
expect_denied "setxattr /in/world.txt user.probe x" EROFS EPERM ENOTSUP
expect_denied "rmdir /in/open-dir" EROFS
in_after=$(cd "$IN" && find . -printf '%p %s %m %u %T@\n' | sort; sha_of "$IN/world.txt")
[ "$in_before" = "$in_after" ] || fail "input directory changed on the host"
end_attack

attack "caller-owned files in the workdir cannot be rewritten in place"
W=$(mkworkdir inputs)
echo "test input" >"$W/input.txt"
chmod 644 "$W/input.txt"
before=$(sha_of "$W/input.txt")
probe_run --workdir "$W" --wall-time 10 -- steps write /box/input.txt + truncate /box/input.txt + \
	chmod /box/input.txt 666 + chown /box/input.txt 1000 1000
expect_not_hung
expect_denied "write /box/input.txt" EACCES
expect_denied "truncate /box/input.txt" EACCES
expect_denied "chmod /box/input.txt 666" EPERM
expect_denied "chown /box/input.txt 1000 1000" EPERM EINVAL
[ -e "$W/input.txt" ] && [ "$(sha_of "$W/input.txt")" = "$before" ] || fail "input.txt changed: $(sha_of "$W/input.txt")"
end_attack

# 19. execute something written at run time
attack "a binary written to /box cannot be executed or mmap'ed executable (noexec)"
W=$(mkworkdir exec)
probe_run --workdir "$W" --wall-time 10 -- exec-written /box
expect_not_hung
expect_denied "exec-written /box" EACCES
expect_denied "mmap-exec /box" EPERM EACCES
printf '%s\n' "$OUT" | grep -q "^exec-written /box: ran" && fail "the copy ran"
end_attack

attack "--workdir-exec does allow it (the probe can see the difference)"
W=$(mkworkdir exec2)
probe_run --workdir "$W" --workdir-exec --wall-time 10 -- exec-written /box
expect_not_hung
expect_line "exec-written /box" '^ran$'
end_attack

attack "read-only binds are noexec unless :exec"
cp "$PROBE_DIR/probe" "$IN/probe-copy"
chmod 755 "$IN/probe-copy"
hutch_run --bind "$IN:/in" --wall-time 10 -- /in/probe-copy echo "ran:" yes
expect_not_hung
expect_exit 126
[ "$(pline ran)" != yes ] || fail "binary on a read-only bind ran"
rm -f "$IN/probe-copy"
end_attack

for d in /tmp /dev/shm; do
	attack "exec from $d (diagnostic: not in the contract)"
	probe_run --wall-time 10 -- exec-written "$d"
	expect_not_hung
	note "exec-written $d: $(pline "exec-written $d")"
	end_attack
done

# 28. descriptors and cwd
attack "no descriptor above 2 leaks into the sandbox"
probe_run --wall-time 10 -- fds
expect_not_hung
expect_line fds '^count=0$'
end_attack

attack "no descriptor leaks even when the caller has many open"
exec 7</etc/hostname 8>"$T/leak-w" 9<"$T"
probe_run --wall-time 10 -- fds
exec 7<&- 8>&- 9<&-
expect_not_hung
expect_line fds '^count=0$'
end_attack

attack "cwd is inside the root and '..' stops at /"
W=$(mkworkdir cwd)
probe_run --workdir "$W" --wall-time 10 -- cwd
expect_not_hung
expect_line cwd '^/box$'
expect_line cwd-link '^/box$'
expect_line dotdot '^root$'
expect_denied chroot-escape
end_attack

attack "cwd given outside the workdir still resolves inside the root"
probe_run --cwd /tmp --wall-time 10 -- cwd
expect_not_hung
expect_line dotdot '^root$'
expect_line cwd-link '^/tmp$'
end_attack

# 29. /proc/*/exe, /proc/*/root
attack "/proc/self/exe and /proc/1/exe cannot be opened for writing"
probe_sha=$(sha_of "$PROBE_DIR/probe")
probe_run --wall-time 10 -- open-write /proc/self/exe /proc/1/exe /proc/2/exe
expect_not_hung
expect_denied "open-write /proc/self/exe"
expect_denied "open-write /proc/1/exe"
expect_denied "open-write /proc/2/exe"
[ "$(sha_of "$PROBE_DIR/probe")" = "$probe_sha" ] || fail "the probe binary changed on the host"
end_attack

attack "every /proc/PID/root is the sandbox root"
probe_run --wall-time 10 -- steps sleep 0.01 + proc-roots
expect_not_hung
expect_line proc-roots 'differ=0 '
end_attack

# 31. hard links and chown
attack "hard links to files outside the box are refused"
W=$(mkworkdir link)
links_before=$(stat -c %h /etc/passwd)
probe_run --workdir "$W" --bind "$IN:/in" --wall-time 10 -- steps link /etc/passwd /box/passwd + \
	link /in/world.txt /box/world + link /usr/bin/su /box/su
expect_not_hung
expect_denied "link /etc/passwd /box/passwd" EXDEV EPERM
expect_denied "link /in/world.txt /box/world" EXDEV EPERM
expect_denied "link /usr/bin/su /box/su" EXDEV EPERM
[ "$(stat -c %h /etc/passwd)" = "$links_before" ] || fail "link count of /etc/passwd changed"
end_attack

attack "chown to root or another user is refused"
W=$(mkworkdir chown)
probe_run --workdir "$W" --wall-time 10 -- steps create /box/mine + chown /box/mine 0 0 + \
	chown /box/mine 1001 1001 + chown /box/mine -1 0 + chmod /box/mine 6755
expect_not_hung
for a in "0 0" "1001 1001" "-1 0"; do expect_denied "chown /box/mine $a" EPERM EINVAL; done
owner=$(stat -c %u:%g "$W/mine" 2>/dev/null)
[ "$owner" = "$SANDBOX_HOST_UID:$SANDBOX_HOST_UID" ] || fail "host owner of /box/mine is $owner"
mode=$(stat -c %a "$W/mine" 2>/dev/null)
note "chmod 6755 of an own file: $(pline "chmod /box/mine 6755"), host mode $mode (set-id bits owned by $owner)"
end_attack

# 32. device nodes and fifos
attack "mknod of character and block devices is refused"
W=$(mkworkdir mknod)
probe_run --workdir "$W" --wall-time 10 -- steps mknod /box/mem c 1 1 + mknod /box/null c 1 3 + \
	mknod /box/sda b 8 0 + mknod /tmp/kmsg c 1 11 + mkfifo /box/fifo
expect_not_hung
for n in "/box/mem c 1 1" "/box/null c 1 3" "/box/sda b 8 0" "/tmp/kmsg c 1 11"; do
	expect_denied "mknod $n" EPERM
done
devs=$(find "$W" \( -type c -o -type b \) 2>/dev/null)
[ -z "$devs" ] || fail "device nodes on the host: $devs"
note "mkfifo /box/fifo: $(pline "mkfifo /box/fifo")"
end_attack

done_testing
