/* SPDX-License-Identifier: MIT */
/*
 * The seccomp module: its tables, its validation messages, and the default
 * policy's behaviour. Behaviour is tested, not configuration: children load
 * the compiled program (after PR_SET_NO_NEW_PRIVS, as run.c does) and call
 * each denied syscall directly with syscall(2), and the exact errno is
 * checked. For kill rules the test is the supervisor: it receives the
 * notification, checks the syscall number, kills the child and reaps it.
 *
 * This runs as root: every probe passes arguments that fail harmlessly
 * (bad fd, NULL pointer, bad magic) if the filter were not there, so a
 * broken filter fails the test instead of rebooting the machine.
 */
#include "seccomp-internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HUTCH_SECCOMP_LIBSECCOMP /* libseccomp's resolver, for cross-checks */
#include <seccomp.h>

#include "tap.h"
#include "util.h"

#define CHILD_SETUP_FAILED 200 /* the child could not load the filter */
#define CHILD_NOT_KILLED 201   /* a kill rule let the child run on */
#define NOTIFY_TIMEOUT_MS 5000
#define TIMING_ROUNDS 100
#define LOAD_CHILDREN 50

/* Linux 6.15, not in Debian 12's headers; the same number on every
 * architecture this test runs on. */
#define NR_OPEN_TREE_ATTR 467

static struct hutch_seccomp *prog; /* the default policy, compiled once */

/* ---- children ---- */

/* What every test child does first: its own session (so that vhangup() and
 * TIOCSTI can reach no terminal even unfiltered), no core dumps, no new
 * privileges, then the filter. The listener, if any, goes to *ret_listener
 * or is closed. */
static void child_setup(const struct hutch_seccomp *p, int *ret_listener)
{
	const struct rlimit no_core = { 0, 0 };
	int listener = -1;

	(void)setsid(); /* fails only for a group leader, which a fork child is not */
	if (setrlimit(RLIMIT_CORE, &no_core) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    sc_load(p, &listener) < 0)
		_exit(CHILD_SETUP_FAILED);
	if (ret_listener)
		*ret_listener = listener;
	else if (listener >= 0)
		close(listener);
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return status;
}

/* Run fn in a child under p; returns the wait status. fn's return value is
 * the exit code. */
static int run_filtered(const struct hutch_seccomp *p, int (*fn)(const void *), const void *arg)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		child_setup(p, NULL);
		_exit(fn(arg));
	}
	return wait_child(pid);
}

static const char *status_str(int status, char *buf, size_t len)
{
	if (status == -1)
		snprintf(buf, len, "fork/wait failed");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_SETUP_FAILED)
		snprintf(buf, len, "child could not load the filter");
	else if (WIFEXITED(status))
		snprintf(buf, len, "exit %d (%s)", WEXITSTATUS(status),
			 strerrorname_np(WEXITSTATUS(status)) ?: "-");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal %d (%s)", WTERMSIG(status), sigabbrev_np(WTERMSIG(status)) ?: "-");
	else
		snprintf(buf, len, "status 0x%x", status);
	return buf;
}

/* ---- passing the listener, as run.c does ---- */

static int send_fd(int sock, int fd)
{
	char data = 'L';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	memset(&control, 0, sizeof(control));
	cmsg->cmsg_level = SOL_SOCKET;
	cmsg->cmsg_type = SCM_RIGHTS;
	cmsg->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = {
		.msg_iov = &iov,
		.msg_iovlen = 1,
		.msg_control = control.buf,
		.msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *cmsg;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
		return -1;
	cmsg = CMSG_FIRSTHDR(&msg);
	if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cmsg), sizeof(int));
	return fd;
}

/* ---- the default policy, errno rules ---- */

struct probe {
	const char *what;
	long nr;
	unsigned long a[6];
	int want; /* errno, or 0: the call must succeed */
};

#define P(nr, want, ...) { #nr, nr, { __VA_ARGS__ }, want }
#define PN(what, nr, want, ...) { what, nr, { __VA_ARGS__ }, want }

static const unsigned long clone_new_flags[] = {
	CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
	CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET, CLONE_NEWTIME,
};

static const struct probe probes[] = {
	/* namespaces */
	P(SYS_unshare, EPERM, CLONE_NEWUTS),
	P(SYS_setns, EPERM, -1UL, 0),
	PN("clone(CLONE_NEWUSER)", SYS_clone, EPERM, CLONE_NEWUSER | SIGCHLD),
	PN("clone(CLONE_NEWUSER with high bits)", SYS_clone, EPERM,
	   0xdead000000000000UL | CLONE_NEWUSER | SIGCHLD),
	P(SYS_clone3, ENOSYS, 0, 0),
	/* mounts */
	P(SYS_mount, EPERM, 0, 0, 0, 0, 0),
	P(SYS_umount2, EPERM, 0, 0),
	P(SYS_pivot_root, EPERM, 0, 0),
	P(SYS_chroot, EPERM, 0),
	P(SYS_move_mount, EPERM, -1UL, 0, -1UL, 0, 0),
	P(SYS_open_tree, EPERM, -1UL, 0, 0),
	PN("open_tree_attr", NR_OPEN_TREE_ATTR, EPERM, -1UL, 0, 0, 0, 0),
	P(SYS_fsopen, EPERM, 0, 0),
	P(SYS_fsconfig, EPERM, -1UL, 0, 0, 0, 0),
	P(SYS_fsmount, EPERM, -1UL, 0, 0),
	P(SYS_fspick, EPERM, -1UL, 0, 0),
	P(SYS_mount_setattr, EPERM, -1UL, 0, 0, 0, 0),
	/* other processes */
	P(SYS_ptrace, EPERM, 2 /* PTRACE_PEEKDATA */, 0, 0, 0),
	P(SYS_process_vm_readv, EPERM, 0, 0, 0, 0, 0, 0),
	P(SYS_process_vm_writev, EPERM, 0, 0, 0, 0, 0, 0),
	P(SYS_pidfd_getfd, EPERM, -1UL, 0, 0),
	/* kernel extension points */
	P(SYS_bpf, EPERM, -1UL, 0, 0),
	P(SYS_perf_event_open, EPERM, 0, 0, -1UL, -1UL, 0),
	P(SYS_userfaultfd, EPERM, ~0UL),
	P(SYS_io_uring_setup, EPERM, 0, 0),
	P(SYS_io_uring_enter, EPERM, -1UL, 0, 0, 0, 0, 0),
	P(SYS_io_uring_register, EPERM, -1UL, 0, 0, 0),
	P(SYS_keyctl, EPERM, 0x7fffffff, 0, 0, 0, 0),
	P(SYS_add_key, EPERM, 0, 0, 0, 0, 0),
	P(SYS_request_key, EPERM, 0, 0, 0, 0),
	/* clocks, logs, accounting, terminals */
	P(SYS_settimeofday, EPERM, 0, 0),
	P(SYS_clock_settime, EPERM, CLOCK_REALTIME, 0),
	P(SYS_adjtimex, EPERM, 0),
	P(SYS_clock_adjtime, EPERM, CLOCK_REALTIME, 0),
	P(SYS_syslog, EPERM, 10 /* SYSLOG_ACTION_SIZE_BUFFER */, 0, 0),
	P(SYS_acct, EPERM, 1),
	P(SYS_quotactl, EPERM, 0, 0, 0, 0),
	P(SYS_quotactl_fd, EPERM, -1UL, 0, 0, 0),
	P(SYS_lookup_dcookie, EPERM, 0, 0, 0),
	P(SYS_vhangup, EPERM),
	P(SYS_name_to_handle_at, EPERM, -1UL, 0, 0, 0, 0),
#ifdef SYS_modify_ldt
	P(SYS_modify_ldt, EPERM, 0, 0, 0),
#endif
	/* obsolete: as on a kernel without them */
#ifdef SYS_ustat
	P(SYS_ustat, ENOSYS, 0, 0),
#endif
#ifdef SYS_sysfs
	P(SYS_sysfs, ENOSYS, 1, 0),
#endif
	/* personality */
	PN("personality(query)", SYS_personality, 0, 0xffffffffUL),
	PN("personality(query, 64-bit -1)", SYS_personality, 0, ~0UL),
	PN("personality(PER_LINUX)", SYS_personality, 0, PER_LINUX),
	PN("personality(PER_LINUX32)", SYS_personality, 0, PER_LINUX32),
	PN("personality(ADDR_NO_RANDOMIZE)", SYS_personality, 0, ADDR_NO_RANDOMIZE),
	PN("personality(UNAME26)", SYS_personality, 0, UNAME26),
	PN("personality(READ_IMPLIES_EXEC)", SYS_personality, EPERM, READ_IMPLIES_EXEC),
	PN("personality(PER_LINUX32|READ_IMPLIES_EXEC)", SYS_personality, EPERM,
	   PER_LINUX32 | READ_IMPLIES_EXEC),
	PN("personality(0xfffffffe: all but bit 0)", SYS_personality, EPERM, 0xfffffffeUL),
	PN("personality(0x7fffffff: all but bit 31)", SYS_personality, EPERM, 0x7fffffffUL),
	PN("personality(READ_IMPLIES_EXEC, high bits)", SYS_personality, EPERM,
	   0x100000000UL | READ_IMPLIES_EXEC),
	/* ioctl: only the low 32 bits of the command count (CVE-2019-10063) */
	PN("ioctl(TIOCSTI)", SYS_ioctl, EPERM, -1UL, TIOCSTI, 0),
	PN("ioctl(TIOCSTI | 0xffffffff00000000)", SYS_ioctl, EPERM, -1UL,
	   0xffffffff00000000UL | TIOCSTI, 0),
	PN("ioctl(TIOCSTI | 1 << 32)", SYS_ioctl, EPERM, -1UL, 0x100000000UL | TIOCSTI, 0),
	PN("ioctl(TIOCLINUX)", SYS_ioctl, EPERM, -1UL, TIOCLINUX, 0),
	PN("ioctl(TIOCSETD)", SYS_ioctl, EPERM, -1UL, TIOCSETD, 0),
	PN("ioctl(TIOCGWINSZ) reaches the kernel", SYS_ioctl, EBADF, -1UL, TIOCGWINSZ, 0),
	/* sockets */
	PN("socket(AF_INET, SOCK_STREAM)", SYS_socket, 0, AF_INET, SOCK_STREAM, 0),
	PN("socket(AF_INET, SOCK_DGRAM)", SYS_socket, 0, AF_INET, SOCK_DGRAM, 0),
	PN("socket(AF_UNIX, SOCK_STREAM)", SYS_socket, 0, AF_UNIX, SOCK_STREAM, 0),
	PN("socket(AF_NETLINK, NETLINK_ROUTE)", SYS_socket, 0, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	   NETLINK_ROUTE),
	PN("socket(AF_PACKET, SOCK_RAW)", SYS_socket, EPERM, AF_PACKET, SOCK_RAW, 0),
	PN("socket(AF_VSOCK)", SYS_socket, EAFNOSUPPORT, AF_VSOCK, SOCK_STREAM, 0),
	PN("socket(AF_KEY)", SYS_socket, EAFNOSUPPORT, AF_KEY, SOCK_RAW, 2),
	PN("socket(AF_ALG)", SYS_socket, EAFNOSUPPORT, AF_ALG, SOCK_SEQPACKET, 0),
	PN("socket(AF_AX25)", SYS_socket, EAFNOSUPPORT, AF_AX25, SOCK_SEQPACKET, 0),
	PN("socket(AF_INET | 1 << 32)", SYS_socket, EAFNOSUPPORT, 0x100000000UL | AF_INET,
	   SOCK_STREAM, 0),
	PN("socket(AF_PACKET | 1 << 32)", SYS_socket, EAFNOSUPPORT, 0x100000000UL | AF_PACKET,
	   SOCK_RAW, 0),
	PN("socket(AF_NETLINK, NETLINK_AUDIT)", SYS_socket, EPROTONOSUPPORT, AF_NETLINK, SOCK_RAW,
	   NETLINK_AUDIT),
	PN("socket(AF_NETLINK, NETLINK_KOBJECT_UEVENT)", SYS_socket, EPROTONOSUPPORT, AF_NETLINK,
	   SOCK_DGRAM, NETLINK_KOBJECT_UEVENT),
	PN("socket(AF_INET, SOCK_RAW)", SYS_socket, EPERM, AF_INET, SOCK_RAW, IPPROTO_ICMP),
	PN("socket(AF_INET, SOCK_RAW|SOCK_NONBLOCK|SOCK_CLOEXEC)", SYS_socket, EPERM, AF_INET,
	   SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP),
	PN("socket(AF_INET6, SOCK_RAW)", SYS_socket, EPERM, AF_INET6, SOCK_RAW, IPPROTO_ICMPV6),
	PN("socket(AF_INET, SOCK_DCCP)", SYS_socket, EPROTONOSUPPORT, AF_INET, SOCK_DCCP,
	   IPPROTO_DCCP),
	PN("socket(AF_INET, IPPROTO_SCTP)", SYS_socket, EPROTONOSUPPORT, AF_INET, SOCK_STREAM,
	   IPPROTO_SCTP),
	PN("socket(AF_INET6, IPPROTO_SCTP)", SYS_socket, EPROTONOSUPPORT, AF_INET6,
	   SOCK_SEQPACKET, IPPROTO_SCTP),
};

static int probe_call(const void *arg)
{
	const struct probe *p = arg;
	long r;

	errno = 0;
	r = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);
	return r >= 0 ? 0 : errno & 0xff;
}

static void test_probes(void)
{
	char buf[96];

	for (size_t i = 0; i < ARRAY_SIZE(probes); i++) {
		int status = run_filtered(prog, probe_call, &probes[i]);
		int ok_ = status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == probes[i].want;

		ok(ok_, "%s: %s", probes[i].what,
		   probes[i].want ? strerrorname_np(probes[i].want) : "allowed");
		if (!ok_)
			printf("#   got %s\n", status_str(status, buf, sizeof(buf)));
	}
	for (size_t i = 0; i < ARRAY_SIZE(clone_new_flags); i++) {
		struct probe p = { "clone", SYS_clone, { clone_new_flags[i] | SIGCHLD }, EPERM };
		int status = run_filtered(prog, probe_call, &p);

		ok(status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
		   "clone(0x%08lx) denied with EPERM", clone_new_flags[i]);
	}
}

/* ---- the default policy still runs programs ---- */

static int do_fork(const void *arg)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return 1;
	if (pid == 0)
		_exit(7);
	status = wait_child(pid);
	return WIFEXITED(status) && WEXITSTATUS(status) == 7 ? 0 : 2;
}

static void *thread_fn(void *arg)
{
	return arg;
}

static int do_pthread(const void *arg)
{
	pthread_t t;
	void *ret = NULL;

	/* glibc >= 2.34 tries clone3 first and falls back on ENOSYS. */
	if (pthread_create(&t, NULL, thread_fn, (void *)0x1234) != 0)
		return 1;
	if (pthread_join(t, &ret) != 0 || ret != (void *)0x1234)
		return 2;
	return 0;
}

static int do_exec(const void *arg)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };

	execve("/bin/true", argv, envp);
	return 3;
}

static void test_programs_run(void)
{
	char buf[96];
	int status;

	status = run_filtered(prog, do_fork, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "fork works under the default policy (%s)",
	   status_str(status, buf, sizeof(buf)));
	status = run_filtered(prog, do_pthread, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "pthread_create works (clone3 -> ENOSYS -> clone) (%s)",
	   status_str(status, buf, sizeof(buf)));
	status = run_filtered(prog, do_exec, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "execve /bin/true works (%s)",
	   status_str(status, buf, sizeof(buf)));
}

/* ---- the default policy, kill rules: the test is the supervisor ---- */

struct kill_probe {
	const char *what;
	long nr;
	unsigned long a[6];
};

static const struct kill_probe kill_probes[] = {
	{ "init_module", SYS_init_module, { 0, 0, 0 } },
	{ "finit_module", SYS_finit_module, { -1UL, 0, 0 } },
	{ "delete_module", SYS_delete_module, { 0, 0 } },
	{ "reboot", SYS_reboot, { 0, 0, 0, 0 } },           /* bad magic */
	{ "kexec_load", SYS_kexec_load, { 0, 0, 0, ~0UL } }, /* bad flags */
	{ "kexec_file_load", SYS_kexec_file_load, { -1UL, -1UL, 0, 0, ~0UL } },
	{ "swapon", SYS_swapon, { 0, 0 } },
	{ "swapoff", SYS_swapoff, { 0 } },
#ifdef SYS_iopl
	{ "iopl", SYS_iopl, { 0 } },
	{ "ioperm", SYS_ioperm, { 0, 0, 0 } },
#endif
	{ "open_by_handle_at", SYS_open_by_handle_at, { -1UL, 0, 0 } },
};

/* Start a child that loads prog, hands its listener over and calls p.
 * Returns the child's pid and the listener in *ret_listener. */
static pid_t start_kill_child(const struct kill_probe *p, int *ret_listener)
{
	int sv[2], listener;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		long r;

		close(sv[0]);
		child_setup(prog, &listener);
		if (listener < 0 || send_fd(sv[1], listener) < 0)
			_exit(CHILD_SETUP_FAILED);
		close(listener);
		close(sv[1]);
		errno = 0;
		r = syscall(p->nr, p->a[0], p->a[1], p->a[2], p->a[3], p->a[4], p->a[5]);
		/* Reached only when the supervisor answered instead of killing. */
		_exit(r >= 0 ? CHILD_NOT_KILLED : errno & 0xff);
	}
	close(sv[1]);
	*ret_listener = recv_fd(sv[0]);
	close(sv[0]);
	return pid;
}

/* Receive one notification from listener within the timeout. */
static int receive(int listener, int *nr, uint32_t *arch, uint64_t *id)
{
	struct pollfd pfd = { .fd = listener, .events = POLLIN };

	if (poll(&pfd, 1, NOTIFY_TIMEOUT_MS) != 1 || !(pfd.revents & POLLIN))
		return -ETIMEDOUT;
	return sc_notify_receive(listener, nr, arch, id);
}

static void test_kill_rules(void)
{
	char desc[128], buf[96];

	for (size_t i = 0; i < ARRAY_SIZE(kill_probes); i++) {
		const struct kill_probe *p = &kill_probes[i];
		int listener = -1, nr = -1, r, deny, status;
		uint32_t arch = 0;
		uint64_t id = 0;
		pid_t pid = start_kill_child(p, &listener);

		if (pid < 0 || listener < 0) {
			ok(0, "%s: start the child and get its listener", p->what);
			if (pid > 0) {
				kill(pid, SIGKILL);
				wait_child(pid);
			}
			continue;
		}
		r = receive(listener, &nr, &arch, &id);
		/* What run.c does: kill first, answer after. */
		kill(pid, SIGKILL);
		deny = r == 0 ? sc_notify_deny(listener, id) : 0;
		status = wait_child(pid);
		close(listener);

		ok(r == 0 && nr == p->nr && arch == prog->arch && (deny == 0 || deny == -ENOENT) &&
			   WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
		   "%s: the supervisor receives syscall %ld, kills the child", p->what, p->nr);
		if (r != 0 || nr != p->nr)
			printf("#   receive: %d, nr %d, arch 0x%x, deny %d, child %s\n", r, nr, arch,
			       deny, status_str(status, buf, sizeof(buf)));
		if (i == 0) {
			char want[128];

			sc_describe_denied(prog, nr, arch, desc, sizeof(desc));
			snprintf(want, sizeof(want), "seccomp: init_module(%d) denied by profile default",
				 (int)SYS_init_module);
			is_str(desc, want, "sc_describe_denied names the syscall and the policy");
		}
	}
}

/* Answering instead of killing: the syscall fails with EPERM. */
static void test_notify_deny(void)
{
	const struct kill_probe *p = &kill_probes[0];
	int listener = -1, nr, r, status;
	uint32_t arch;
	uint64_t id;
	pid_t pid = start_kill_child(p, &listener);
	char buf[96];

	if (pid < 0 || listener < 0) {
		ok(0, "sc_notify_deny: start the child");
		return;
	}
	r = receive(listener, &nr, &arch, &id);
	if (r == 0)
		r = sc_notify_deny(listener, id);
	else
		kill(pid, SIGKILL);
	status = wait_child(pid);
	close(listener);
	ok(r == 0 && WIFEXITED(status) && WEXITSTATUS(status) == EPERM,
	   "sc_notify_deny: the blocked syscall returns EPERM (%s)",
	   status_str(status, buf, sizeof(buf)));
}

/* With no supervisor (listener closed), a kill rule still denies: the
 * kernel answers ENOSYS. reboot with a bad magic is EINVAL unfiltered. */
static int call_reboot(const void *arg)
{
	return syscall(SYS_reboot, 0, 0, 0, 0) >= 0 ? 0 : errno & 0xff;
}

static void test_no_listener(void)
{
	char buf[96];
	int status = run_filtered(prog, call_reboot, NULL);

	ok(WIFEXITED(status) && WEXITSTATUS(status) == ENOSYS,
	   "listener closed: a kill rule fails closed with ENOSYS (%s)",
	   status_str(status, buf, sizeof(buf)));
}

/* ---- foreign ABIs ---- */

#ifdef __x86_64__
/* getpid through the i386 entry point. int 0x80 clobbers r8-r11. */
static long int80_getpid(void)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "0"(20L) : "memory", "r8", "r9", "r10", "r11");
	return ret;
}

static int do_int80(const void *arg)
{
	return int80_getpid() == getpid() ? 0 : 1;
}

static int do_x32(const void *arg)
{
	/* getpid is 39 in the x32 table too. */
	syscall(0x40000000L | SYS_getpid);
	return 0;
}

static void test_foreign_abis(void)
{
	char buf[96];
	pid_t pid;
	int status;

	/* Is the i386 ABI there at all (ia32_emulation)? Check unfiltered. */
	pid = fork();
	if (pid == 0) {
		const struct rlimit no_core = { 0, 0 };

		(void)setrlimit(RLIMIT_CORE, &no_core);
		_exit(do_int80(NULL));
	}
	status = wait_child(pid);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		status = run_filtered(prog, do_int80, NULL);
		ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		   "int 0x80 (i386 getpid) kills with SIGSYS (%s)",
		   status_str(status, buf, sizeof(buf)));
	} else {
		tap_skip("int 0x80: no i386 emulation in this kernel");
	}

	status = run_filtered(prog, do_x32, NULL);
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
	   "x32 syscall (nr | 0x40000000) kills with SIGSYS (%s)",
	   status_str(status, buf, sizeof(buf)));
}
#else
static void test_foreign_abis(void)
{
	tap_skip("int 0x80 and x32: x86_64 only");
}
#endif

/* ---- syscalls newer than hutch ---- */

static int do_new_syscalls(const void *arg)
{
	long r1, r2;
	int e1, e2;

	r1 = syscall(sc_syscall_max_nr() + 1);
	e1 = errno;
	r2 = syscall(SYS_getppid);
	e2 = errno;
	return r1 == -1 && e1 == ENOSYS && r2 == -1 && e2 == EPERM ? 0 : 1;
}

static void test_newer_syscalls(void)
{
	static const struct hutch_sc_rule rules[] = {
		{ .syscall = "exit_group", .action = HUTCH_SC_ALLOW },
		{ .syscall = "exit", .action = HUTCH_SC_ALLOW },
#ifdef __SANITIZE_ADDRESS__
		/* make asan: ASan's _exit() hook reads the signal stack and
		 * aborts (exit 1) when sigaltstack fails */
		{ .syscall = "sigaltstack", .action = HUTCH_SC_ALLOW },
#endif
	};
	const struct hutch_sc_policy policy = {
		.name = "test allowlist",
		.default_action = HUTCH_SC_ERRNO,
		.rules = rules,
		.n_rules = ARRAY_SIZE(rules),
	};
	struct hutch_seccomp *p = NULL;
	struct hutch_error err = { 0 };
	char buf[96];
	int status;

	if (hutch_seccomp_compile(&policy, &p, &err) < 0) {
		ok(0, "compile an allowlist policy: %s", err.msg);
		return;
	}
	ok(!sc_wants_listener(p), "no kill rule: no listener wanted");
	status = run_filtered(p, do_new_syscalls, NULL);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "syscall %d (newer than hutch) gets ENOSYS, getppid gets the default EPERM (%s)",
	   sc_syscall_max_nr() + 1, status_str(status, buf, sizeof(buf)));
	hutch_seccomp_free(p);
}

/* ---- one compiled program, many children ---- */

static int load_and_probe(void)
{
	struct probe packet = { "socket", SYS_socket, { AF_PACKET, SOCK_RAW, 0 }, EPERM };

	return probe_call(&packet) == EPERM && getpid() > 0 ? 0 : 1;
}

static void test_many_children(void)
{
	pid_t pids[LOAD_CHILDREN];
	int good = 0;

	for (int i = 0; i < LOAD_CHILDREN; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			child_setup(prog, NULL);
			_exit(load_and_probe());
		}
	}
	for (int i = 0; i < LOAD_CHILDREN; i++) {
		int status = pids[i] > 0 ? wait_child(pids[i]) : -1;
		good += status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
	}
	is_int(good, LOAD_CHILDREN, "the same compiled program loads in %d children at once",
	       LOAD_CHILDREN);
}

/* ---- validation messages ---- */

struct bad_policy {
	const char *what;
	struct hutch_sc_rule rules[6];
	size_t n_rules;
	const char *msg; /* the whole message, or its start when it ends in '*' */
};

#define R(name, act) { .syscall = (name), .action = (act) }

static const struct bad_policy bad_policies[] = {
	{ "unknown syscall",
	  { R("read", HUTCH_SC_ERRNO), R("write", HUTCH_SC_ERRNO), R("@mount", HUTCH_SC_ERRNO),
	    R("sokcet", HUTCH_SC_ERRNO) },
	  4, "rule 3: unknown syscall 'sokcet'" },
	{ "unknown group", { R("@mnt", HUTCH_SC_KILL) }, 1, "rule 0: unknown group '@mnt'" },
	{ "argument index",
	  { R("read", HUTCH_SC_ERRNO), R("read", HUTCH_SC_ERRNO), R("read", HUTCH_SC_ERRNO),
	    R("read", HUTCH_SC_ERRNO), R("read", HUTCH_SC_ERRNO),
	    { .syscall = "socket", .action = HUTCH_SC_ERRNO, .args = { { .index = 7 } }, .n_args = 1 } },
	  6, "rule 5: argument index 7 out of range 0..5" },
	{ "errno range",
	  { { .syscall = "socket", .action = HUTCH_SC_ERRNO, .errno_value = 5000 } },
	  1, "rule 0: errno 5000 out of range 1..4095" },
	{ "two conditions on one argument",
	  { { .syscall = "personality", .action = HUTCH_SC_ERRNO,
	      .args = { { 0, HUTCH_SC_NE, 0, 0 }, { 0, HUTCH_SC_NE, 8, 0 } }, .n_args = 2 } },
	  1, "rule 0: two conditions on argument 0*" },
	{ "value outside mask",
	  { { .syscall = "ioctl", .action = HUTCH_SC_ERRNO,
	      .args = { { 1, HUTCH_SC_MASKED_EQ, 0x15412, 0xffff } }, .n_args = 1 } },
	  1, "rule 0: argument 1: value 0x15412 has bits outside mask 0xffff*" },
	{ "invalid name", { R("sock\net", HUTCH_SC_ERRNO) }, 1, "rule 0: invalid syscall name*" },
	{ "no name", { R(NULL, HUTCH_SC_ERRNO) }, 1, "rule 0: no syscall name" },
	{ "unknown action", { R("read", (enum hutch_sc_action)9) }, 1, "rule 0: unknown action 9" },
	{ "conflicting actions through a group",
	  { R("ptrace", HUTCH_SC_ERRNO), R("@ptrace", HUTCH_SC_KILL) },
	  2, "rule 1: ptrace: kill conflicts with errno(EPERM) of rule 0" },
	{ "an exception to a rule",
	  { R("personality", HUTCH_SC_ERRNO),
	    { .syscall = "personality", .action = HUTCH_SC_ALLOW,
	      .args = { { 0, HUTCH_SC_EQ, 0, 0 } }, .n_args = 1 } },
	  2, "rule 1: personality: allow conflicts with errno(EPERM) of rule 0" },
	{ "same conditions, different errno",
	  { { .syscall = "socket", .action = HUTCH_SC_ERRNO, .errno_value = EPERM,
	      .args = { { 0, HUTCH_SC_EQ, AF_PACKET, 0 } }, .n_args = 1 },
	    { .syscall = "socket", .action = HUTCH_SC_ERRNO, .errno_value = EACCES,
	      .args = { { 0, HUTCH_SC_EQ, AF_PACKET, 0 } }, .n_args = 1 } },
	  2, "rule 1: socket: errno(EACCES) conflicts with errno(EPERM) of rule 0" },
};

static bool msg_matches(const char *msg, const char *want)
{
	size_t n = strlen(want);

	if (n && want[n - 1] == '*')
		return strncmp(msg, want, n - 1) == 0;
	return strcmp(msg, want) == 0;
}

static void test_validation(void)
{
	struct hutch_seccomp *const sentinel = (struct hutch_seccomp *)0x1;

	for (size_t i = 0; i < ARRAY_SIZE(bad_policies); i++) {
		const struct bad_policy *b = &bad_policies[i];
		const struct hutch_sc_policy policy = {
			.name = "test",
			.default_action = HUTCH_SC_ALLOW,
			.rules = b->rules,
			.n_rules = b->n_rules,
		};
		struct hutch_seccomp *p = sentinel;
		struct hutch_error err = { 0 };
		int r = hutch_seccomp_compile(&policy, &p, &err);

		ok(r == -EINVAL && err.code == EINVAL && msg_matches(err.msg, b->msg) && p == sentinel,
		   "%s: \"%s\"", b->what, b->msg);
		if (!msg_matches(err.msg, b->msg))
			printf("#   got %d '%s'\n", r, err.msg);
	}
}

/* Rules that look alike but compile. */
static void test_valid_policies(void)
{
	static const struct hutch_sc_rule overlap[] = {
		R("@debug", HUTCH_SC_ERRNO), /* holds @ptrace */
		R("@ptrace", HUTCH_SC_ERRNO),
		R("vm86", HUTCH_SC_KILL), /* i386 only: skipped here */
		{ .syscall = "socket", .action = HUTCH_SC_ERRNO,
		  .args = { { 0, HUTCH_SC_EQ, AF_PACKET, 0 } }, .n_args = 1 },
		/* the default action, disjoint from the rule above: a no-op */
		{ .syscall = "socket", .action = HUTCH_SC_ALLOW,
		  .args = { { 0, HUTCH_SC_EQ, AF_INET, 0 } }, .n_args = 1 },
		R("@swap", HUTCH_SC_LOG),
	};
	const struct hutch_sc_policy policy = {
		.name = "test",
		.default_action = HUTCH_SC_ALLOW,
		.rules = overlap,
		.n_rules = ARRAY_SIZE(overlap),
	};
	struct hutch_seccomp *p = NULL;
	struct hutch_error err = { 0 };
	int r;

	r = hutch_seccomp_compile(&policy, &p, &err);
	ok(r == 0 && p, "overlapping groups, a foreign syscall, a disjoint no-op rule compile%s%s",
	   r ? ": " : "", r ? err.msg : "");
	hutch_seccomp_free(p);

	{
		const struct hutch_sc_policy kill_default = {
			.name = "test",
			.default_action = HUTCH_SC_KILL,
			.rules = (const struct hutch_sc_rule[]){ R("read", HUTCH_SC_ALLOW) },
			.n_rules = 1,
		};

		p = NULL;
		r = hutch_seccomp_compile(&kill_default, &p, &err);
		ok(r == 0 && sc_wants_listener(p), "default action kill compiles and wants a listener");
		hutch_seccomp_free(p);
	}

	r = hutch_seccomp_compile(NULL, &p, &err);
	ok(r == -EINVAL, "no policy: -EINVAL");
	hutch_seccomp_free(NULL);
}

/* ---- tables ---- */

static void test_tables(void)
{
	const struct sc_syscall *t;
	size_t n, unsorted = 0, dup = 0, mismatch = 0, unknown = 0, groups = 0;
	const char *const *names;

	t = sc_syscall_table(&n);
	for (size_t i = 1; i < n; i++)
		unsorted += strcmp(t[i - 1].name, t[i].name) >= 0;
	is_int(unsorted, 0, "the syscall table is sorted by name (%zu names)", n);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = i + 1; j < n && t[i].nr >= 0; j++)
			dup += t[i].nr == t[j].nr;
		/* libseccomp knows the native numbers up to Linux 6.1's 450 */
		if (t[i].nr >= 0 && t[i].nr <= 450 &&
		    seccomp_syscall_resolve_name(t[i].name) != t[i].nr) {
			mismatch++;
			printf("#   %s: hutch %d, libseccomp %d\n", t[i].name, t[i].nr,
			       seccomp_syscall_resolve_name(t[i].name));
		}
	}
	is_int(dup, 0, "no two names share a native number");
	is_int(mismatch, 0, "native numbers agree with libseccomp");

	names = hutch_seccomp_group_names();
	for (; names[groups]; groups++) {
		const char *const *m = hutch_seccomp_group(names[groups]);

		for (; m && *m; m++)
			if ((*m)[0] == '@' ? !hutch_seccomp_group(*m) : !sc_syscall_find(*m)) {
				unknown++;
				printf("#   @%s: unknown member %s\n", names[groups], *m);
			}
	}
	ok(groups >= 17, "%zu groups", groups);
	is_int(unknown, 0, "every group member is a known syscall or group");

	is_int(hutch_seccomp_syscall_nr("socket"), SYS_socket, "syscall_nr(socket)");
	is_int(hutch_seccomp_syscall_nr("sokcet"), -1, "syscall_nr(sokcet) = -1");
	is_int(hutch_seccomp_syscall_nr(NULL), -1, "syscall_nr(NULL) = -1");
	is_int(hutch_seccomp_syscall_nr("open_tree_attr"), NR_OPEN_TREE_ATTR,
	       "syscall_nr(open_tree_attr), newer than the headers");
	is_str(hutch_seccomp_syscall_name(SYS_socket), "socket", "syscall_name(SYS_socket)");
	is_str(hutch_seccomp_syscall_name(NR_OPEN_TREE_ATTR), "open_tree_attr",
	       "syscall_name(467)");
	ok(!hutch_seccomp_syscall_name(-1) && !hutch_seccomp_syscall_name(100000),
	   "syscall_name of a number that is no syscall is NULL");
#ifdef __x86_64__
	is_int(hutch_seccomp_syscall_nr("vm86"), -1, "syscall_nr(vm86) = -1 on x86_64");
#endif
	ok(hutch_seccomp_group("@mount") && hutch_seccomp_group("@mount") == hutch_seccomp_group("mount"),
	   "group(\"@mount\") == group(\"mount\")");
	ok(!hutch_seccomp_group("@nope") && !hutch_seccomp_group(NULL), "unknown group: NULL");
	ok(sc_syscall_max_nr() >= NR_OPEN_TREE_ATTR, "newest known syscall: %d", sc_syscall_max_nr());
}

/* ---- the compiled default policy ---- */

static void test_program_shape(void)
{
	ok(prog->len > SC_PROLOGUE_LEN && prog->len <= BPF_MAXINSNS,
	   "default policy: %u BPF instructions", prog->len);
	ok(sc_wants_listener(prog), "default policy has kill rules: wants a listener");
	is_int(prog->arch, seccomp_arch_native(), "program arch is the native one");
	ok(!sc_wants_listener(NULL), "sc_wants_listener(NULL) is false");
	is_int(sc_load(NULL, NULL), -EINVAL, "sc_load(NULL) = -EINVAL");
}

/* ---- timings (reported, never asserted: bench/ owns speed goals) ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static double median_us(uint64_t *ns, size_t n)
{
	qsort(ns, n, sizeof(ns[0]), cmp_u64);
	return (n % 2 ? (double)ns[n / 2] : (ns[n / 2 - 1] + ns[n / 2]) / 2.0) / 1000.0;
}

static void test_timings(void)
{
	uint64_t ns[TIMING_ROUNDS];
	size_t got = 0;
	int pfd[2];

	for (size_t i = 0; i < TIMING_ROUNDS; i++) {
		struct hutch_seccomp *p = NULL;
		uint64_t t0 = now_ns();

		if (hutch_seccomp_compile(hutch_seccomp_default_policy(), &p, NULL) < 0)
			break;
		ns[got++] = now_ns() - t0;
		hutch_seccomp_free(p);
	}
	ok(got == TIMING_ROUNDS, "compiled the default policy %d times", TIMING_ROUNDS);
	if (got)
		printf("# compile: median %.0f us over %zu\n", median_us(ns, got), got);

	if (pipe2(pfd, O_CLOEXEC) < 0) {
		ok(0, "pipe");
		return;
	}
	got = 0;
	for (size_t i = 0; i < TIMING_ROUNDS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			int listener = -1;
			uint64_t t0, dt;

			close(pfd[0]);
			if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
				_exit(CHILD_SETUP_FAILED);
			t0 = now_ns();
			if (sc_load(prog, &listener) < 0)
				_exit(CHILD_SETUP_FAILED);
			dt = now_ns() - t0;
			_exit(write(pfd[1], &dt, sizeof(dt)) == sizeof(dt) ? 0 : 1);
		}
		if (pid > 0 && wait_child(pid) == 0 && read(pfd[0], &ns[got], sizeof(ns[0])) == sizeof(ns[0]))
			got++;
	}
	close(pfd[0]);
	close(pfd[1]);
	ok(got == TIMING_ROUNDS, "loaded the program in %d children", TIMING_ROUNDS);
	if (got)
		printf("# load: median %.1f us over %zu (sc_load, with listener)\n", median_us(ns, got),
		       got);
}

/* Per-syscall cost of the default policy, for the curious. */
static int getppid_loop(const void *arg)
{
	int wfd = *(const int *)arg;
	uint64_t t0 = now_ns(), dt;

	for (int i = 0; i < 200000; i++)
		syscall(SYS_getppid);
	dt = (now_ns() - t0) / 200000;
	return write(wfd, &dt, sizeof(dt)) == sizeof(dt) ? 0 : 1;
}

static void report_syscall_cost(void)
{
	uint64_t plain = 0, filtered = 0;
	int pfd[2], status;
	pid_t pid;

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0)
		_exit(getppid_loop(&pfd[1]));
	if (pid > 0 && wait_child(pid) == 0 && read(pfd[0], &plain, sizeof(plain)) != sizeof(plain))
		plain = 0;
	status = run_filtered(prog, getppid_loop, &pfd[1]);
	if (status == 0 && read(pfd[0], &filtered, sizeof(filtered)) != sizeof(filtered))
		filtered = 0;
	close(pfd[0]);
	close(pfd[1]);
	printf("# getppid: %llu ns unfiltered, %llu ns under the default policy\n",
	       (unsigned long long)plain, (unsigned long long)filtered);
}

int main(void)
{
	struct hutch_error err = { 0 };

	if (prctl(PR_GET_SECCOMP, 0, 0, 0, 0) < 0 && errno == EINVAL)
		tap_skip_all("kernel without seccomp");

	test_tables();
	test_validation();
	test_valid_policies();

	if (hutch_seccomp_compile(hutch_seccomp_default_policy(), &prog, &err) < 0) {
		ok(0, "compile the default policy: %s", err.msg);
		return done_testing();
	}
	ok(1, "compile the default policy");
	test_program_shape();
	test_probes();
	test_programs_run();
	test_kill_rules();
	test_notify_deny();
	test_no_listener();
	test_foreign_abis();
	test_newer_syscalls();
	test_many_children();
	test_timings();
	report_syscall_cost();

	hutch_seccomp_free(prog);
	return done_testing();
}
