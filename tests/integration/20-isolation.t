#!/bin/bash
# The isolation properties of issue 2, checked from inside and outside.
. "$(dirname "$0")/lib.sh"
need_root

hrun -- /bin/sh -c 'id -u; id -g; cat /proc/self/setgroups'
is "$(echo $OUT)" "1000 1000 deny" "runs as uid/gid 1000, setgroups denied"

hrun -- /bin/sh -c 'cat /proc/self/uid_map'
is "$(echo $OUT)" "0 2000000000 65536" "uid 1000 maps to host 2000001000 (documented)"

hrun -- /bin/sh -c 'grep -E "^Cap(Inh|Prm|Eff|Bnd|Amb)" /proc/self/status | awk "{print \$2}" | sort -u'
is "$OUT" "0000000000000000" "every capability set empty, bounding and ambient too"
hrun -- /bin/sh -c 'grep NoNewPrivs /proc/self/status | awk "{print \$2}"'
is "$OUT" 1 "no_new_privs set"

hrun -- /bin/sh -c 'echo $$; [ -e /proc/1/cmdline ] && echo visible || echo hidden'
is "$(echo $OUT)" "2 hidden" "own pid namespace: program is pid 2; init (pid 1) hidden by hidepid"
hrun -- /bin/sh -c 'ls /proc | grep -cE "^[0-9]+$"'
ok $([ "$OUT" -le 4 ]; echo $?) "/proc shows only the sandbox's processes ($OUT)"

hrun -- /bin/sh -c 'hostname'
is "$OUT" hutch "own uts namespace"
hrun -- /bin/sh -c 'readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/mnt /proc/self/ns/user /proc/self/ns/cgroup /proc/self/ns/uts /proc/self/ns/pid'
for ns in net ipc mnt user cgroup uts pid; do
	inside=$(echo "$OUT" | grep "^$ns:")
	outside=$(readlink /proc/self/ns/$ns)
	ok $([ -n "$inside" ] && [ "$inside" != "$outside" ]; echo $?) "new $ns namespace ($inside vs $outside)"
done
hrun -- /bin/sh -c 'cat /proc/self/cgroup'
is "$(echo "$OUT" | grep -vc ':/$')" 0 "cgroup namespace rooted at the run's cgroup (every hierarchy shows /)"

hrun -- /bin/sh -c 'tail -n +3 /proc/net/dev | wc -l; cat /sys/class/net/lo/operstate 2>&1 | head -1'
is "$(echo "$OUT" | head -1)" 1 "net none: only lo exists"
hrun -- /bin/sh -c 'exec 3<>/dev/tcp/127.0.0.1/22' 2>/dev/null
ok $([ "$RC" -ne 0 ]; echo $?) "net none: loopback connect fails"
hrun --net loopback -- /usr/bin/python3 -c '
import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); s.listen(1)
c=socket.create_connection(s.getsockname()); print("lo-ok")'
is "$OUT" lo-ok "net loopback: lo is up inside"

hrun -- /bin/sh -c 'wc -c < /etc/shadow; wc -c < /etc/gshadow; ls /root /home /var/log 2>&1 | wc -l; ls /run | wc -l'
is "$(echo $OUT)" "0 0 3 0" "secrets masked, /root /home /var/log absent, /run empty"

hrun -- /bin/sh -c 'touch /usr/hutch-x 2>&1; touch /etc/hutch-x 2>&1; echo done'
is "$(echo "$OUT" | grep -c 'Read-only file system')" 2 "/usr and /etc read-only"
hrun -- /bin/sh -c 'echo data > /tmp/hutch-tmp-write && echo data > /var/tmp/hutch-vt-write && cat /tmp/hutch-tmp-write; (echo x > /hutch-root-write) 2>&1 | grep -c denied'
is "$(echo $OUT)" "data 1" "/tmp and /var/tmp writable (overlay upper on tmpfs), / itself not"
ok $([ ! -e /hutch-root-write ] && [ ! -e /tmp/hutch-tmp-write ] && [ ! -e /var/tmp/hutch-vt-write ]; echo $?) "writes inside do not reach the host"
hrun --tmpfs-size 8M -- /bin/sh -c 'dd if=/dev/zero of=/tmp/big bs=1M count=16 2>&1 | grep -c "No space"'
is "$OUT" 1 "the writable layer is size-limited (--tmpfs-size)"

hrun -- /bin/sh -c 'ls /dev | sort | tr "\n" " "'
is "$OUT" "fd full null ptmx pts random shm stderr stdin stdout urandom zero " "minimal /dev, no tty"
hrun -- /bin/sh -c 'touch /dev/x 2>&1 | grep -c "Read-only"; head -c 4 /dev/zero | wc -c; echo x > /dev/null && echo null-ok'
is "$(echo $OUT)" "1 4 null-ok" "/dev read-only, devices usable"
hrun -- /bin/sh -c 'dd if=/dev/zero of=/dev/shm/f bs=1M count=32 2>&1 | grep -c "No space"'
is "$OUT" 1 "/dev/shm is size-limited (16M default)"
hrun -- /bin/sh -c 'cat /proc/sys/kernel/hostname; (echo 1 > /proc/sys/kernel/ns_last_pid) 2>&1 | grep -c Read-only; for f in kcore sysrq-trigger kallsyms timer_list; do if [ -e /proc/$f ]; then wc -c < /proc/$f; else echo 0; fi; done'
is "$(echo $OUT)" "hutch 1 0 0 0 0" "/proc/sys read-only; kcore, sysrq-trigger, kallsyms, timer_list masked or absent"

hrun -- /bin/sh -c 'ls /proc/self/fd | tr "\n" " "'
like "$OUT" "^0 1 2 [0-9]+ $" "no fd above 2 leaks in (only ls's own dir fd)"
hrun -- /bin/sh -c 'pwd; readlink /proc/self/cwd'
is "$(echo $OUT)" "/box /box" "cwd is /box, inside the root"
hrun -- /bin/sh -c 'ps -o sid=,tty= -p $$'
like "$OUT" "^ *2 +\?" "own session, no controlling terminal"

mkdir -p "$T/wd"
echo input > "$T/wd/in.txt"
chmod 644 "$T/wd/in.txt"
hrun --workdir "$T/wd" -- /bin/sh -c 'echo made > new.txt; echo x >> in.txt 2>&1; cat in.txt'
is "$(stat -c %u:%g "$T/wd/new.txt")" "2000001000:2000001000" "workdir files owned by host uid 2000001000"
is "$(cat "$T/wd/in.txt")" input "read-only input not rewritten (owned by caller)"
is "$(stat -c %u "$T/wd")" 0 "workdir owner restored after the run"

cp /bin/true "$T/wd/mytrue"
chmod 755 "$T/wd/mytrue"
hrun --workdir "$T/wd" -- ./mytrue
is "$RC" 126 "workdir is noexec by default"
hrun --workdir "$T/wd" --workdir-exec -- ./mytrue
is "$RC" 0 "--workdir-exec allows running compiled output"

mkdir -p "$T/ro" "$T/rw"
echo keep > "$T/ro/f"
chmod 777 "$T/rw"
hrun --bind "$T/ro:/data" --bind "$T/rw:/out:rw" -- /bin/sh -c 'cat /data/f; (echo y > /data/f) 2>&1 | grep -c Read-only; echo w > /out/w && echo wrote'
is "$(echo $OUT)" "keep 1 wrote" "--bind read-only by default, :rw writable"
is "$(cat "$T/ro/f")" keep "read-only bind source unchanged"
is "$(cat "$T/rw/w")" w "rw bind writes reach the host"

ln -s /etc "$T/wd/evil"
hrun --workdir "$T/wd" --bind "$T/ro:/box/evil/x" -- /bin/true
is "$RC" 125 "bind destination through a symlink is refused"
like "$ERR" "symlinks are not followed" "message says why"
rm "$T/wd/evil"

hrun --bind "$T/ro:/proc/x" -- /bin/true
is "$RC" 125 "bind onto /proc refused"

before_m=$(count_hutch_mounts)
for i in 1 2 3 4 5; do hrun -- /bin/true; done
is "$(count_hutch_mounts)" "$before_m" "no mount left on the host after runs"
is "$(ls -d /tmp/skel /tmp/upper 2>/dev/null | wc -l)" 0 "no staging dirs on the host's /tmp"

done_testing
