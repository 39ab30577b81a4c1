#!/bin/bash
# Attacks 24, 25, 26 (keys, vsock), 27, 35: other syscall ABIs (int 0x80,
# x32), io_uring, keyrings, AF_VSOCK, terminal injection (TIOCSTI,
# TIOCLINUX, with the high bits set too), bpf, perf_event_open,
# userfaultfd, personality(READ_IMPLIES_EXEC), and the privileged calls
# the default seccomp policy must refuse. Each attempt gets its own run: a
# policy that kills on the first denied call would hide the others.
. "$(dirname "$0")/../lib.sh"
require_sandbox

attack "seccomp filter is in force (Seccomp: 2)"
probe_run --wall-time 10 -- caps
expect_not_hung
expect_line caps ' seccomp=2$'
end_attack

# 24. foreign ABIs must kill: a returned value means the filter missed them
attack "int 0x80 (i386 ABI) kills the program"
probe_run --wall-time 10 -- int80
expect_not_hung
expect_line int80 '^trying$'
v=$(printf '%s\n' "$OUT" | grep '^int80: returned' || true)
[ -z "$v" ] || fail "i386 getpid through int 0x80 ran: $v"
killed_by_sandbox || fail "not killed (exit $RC, signal $(jget signal))"
end_attack

attack "x32 syscall kills the program"
probe_run --wall-time 10 -- x32
expect_not_hung
v=$(printf '%s\n' "$OUT" | grep '^x32: ' | grep -v '^x32: trying$' || true)
[ -z "$v" ] || fail "x32 syscall got past the filter to the kernel: $v"
killed_by_sandbox || fail "not killed (exit $RC, signal $(jget signal))"
end_attack

# 25, 26, 35, and the privileged rest: every one must fail
for call in io_uring_setup add_key request_key keyctl bpf bpf-prog perf_event_open \
	perf_event_open-kernel userfaultfd personality kexec_load kexec_file_load init_module \
	finit_module delete_module reboot swapon swapoff acct iopl ioperm syslog \
	open_by_handle_at fanotify_init settimeofday clock_settime adjtimex mount umount2 \
	setns unshare sched-fifo nice-neg ioprio-rt pidfd_getfd quotactl; do
	attack "$call is refused"
	probe_run --wall-time 10 -- sys "$call"
	expect_not_hung
	expect_denied "sys $call"
	end_attack
done

# 26. AF_VSOCK: a guest's way to its hypervisor
for fam in vsock/stream vsock/dgram; do
	attack "socket($fam) is refused"
	probe_run --wall-time 10 -- socket "${fam%/*}" "${fam#*/}"
	expect_not_hung
	expect_denied "socket $fam"
	end_attack
done

# 27. terminal injection on a pty the program opens and makes its own
for op in tiocsti tiocsti-hi tioclinux tioclinux-hi; do
	attack "$op on a fresh pty is refused"
	probe_run --wall-time 10 -- tiocsti
	expect_not_hung
	v=$(pline ptmx)
	if [ "$v" != ok ]; then
		note "no /dev/ptmx inside ($v): nothing to inject into"
	else
		expect_denied "$op pty"
	fi
	end_attack
done

# 27. the caller's own terminal: hutch on a pty, its stdin forwarded
pty_runner='
import os, pty, sys
hutch, probe_dir, token, res = sys.argv[1:5]
pid, fd = pty.fork()
if pid == 0:
    os.execv(hutch, [hutch, "run", "--result", res, "--env", "HUTCH_SEC_TOKEN=" + token,
                     "--bind", probe_dir + ":/probe:exec", "--stdin", "-", "--wall-time", "10",
                     "--", "/probe/probe", "tiocsti"])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace").replace("\r", ""))
sys.exit(os.waitstatus_to_exitcode(status))
'
if python3 -c 'import pty' 2>/dev/null; then
	attack "TIOCSTI into the caller's terminal is refused"
	_host_snapshot
	_run_seq=$((_run_seq + 1))
	TOKEN=hutchsec-$$-$_run_seq-$RANDOM
	rm -f "$RES"
	OUT=$(timeout -k 5 30 python3 -c "$pty_runner" "$HUTCH" "$PROBE_DIR" "$TOKEN" "$RES")
	RC=$?
	HUNG=0
	v=$(pline "tiocsti fd0")
	case "$v" in
	not-a-tty) note "fd 0 is not a terminal inside" ;;
	*) expect_denied "tiocsti fd0" ;;
	esac
	[ -z "$(pline "tiocsti-hi fd0")" ] || expect_denied "tiocsti-hi fd0"
	expect_line "open /dev/tty" '^errno '
	end_attack
else
	tap_skip "TIOCSTI into the caller's terminal: python3 pty module missing"
fi

done_testing
