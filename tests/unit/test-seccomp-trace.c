/* SPDX-License-Identifier: MIT */
/*
 * Tracing programs (hutch_seccomp_trace, sandbox/seccomp-trace.c), tested
 * the way run.c uses them: a child loads the tracing variant of the
 * default policy, hands the listener over with sendmsg(MSG_NOSIGNAL) (the
 * one call a tracing program lets through unreported), then makes known
 * syscalls; this process is the supervisor and answers every notification
 * with sc_trace_event(). Checked: every allowed call is reported with its
 * arguments and then really runs; denied calls stay denied and are not
 * reported; kill rules kill at once; a tracing program is not traced again.
 */
#include "seccomp-internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tap.h"
#include "util.h"

#define MAX_CALLS 4096
#define MAGIC_ARG 0x5eed1234u

struct seen {
	int n;
	int nr[MAX_CALLS];
	uint64_t arg0[MAX_CALLS];
	pid_t pid;
};

static void record(const struct hutch_sc_call *call, void *arg)
{
	struct seen *s = arg;

	if (s->n < MAX_CALLS) {
		s->nr[s->n] = call->nr;
		s->arg0[s->n] = call->args[0];
		s->n++;
	}
	s->pid = call->pid;
}

static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte = 'L';
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &msg, MSG_NOSIGNAL) < 0 ? -errno : 0;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* The child: load prog, pass the listener, make the calls, report. */
static __attribute__((noreturn)) void child(const struct hutch_seccomp *p, int sock, int mode)
{
	int listener = -1;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 || sc_load(p, &listener) < 0 || listener < 0)
		_exit(200);
	if (send_fd(sock, listener) < 0)
		_exit(201);
	close(listener); /* reported: the supervisor listens from here on */
	if (mode == 0) {
		long ppid = syscall(SYS_getppid);
		long r = syscall(SYS_lseek, (int)MAGIC_ARG, 0, SEEK_CUR); /* EBADF, arg seen */
		int lseek_errno = errno;
		long ns = syscall(SYS_unshare, CLONE_NEWUSER); /* denied: EPERM */
		_exit(ppid > 0 && r < 0 && lseek_errno == EBADF && ns < 0 && errno == EPERM ? 0 : 202);
	}
	(void)syscall(SYS_reboot, 0, 0, 0, NULL); /* a kill rule: never returns */
	_exit(203);
}

/* Run a child under p and serve its notifications until it exits. */
static int run_traced(const struct hutch_seccomp *p, int mode, struct seen *s, int *ret_status)
{
	int sv[2], listener = -1, st = 0;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(sv[0]);
		child(p, sv[1], mode);
	}
	close(sv[1]);
	listener = recv_fd(sv[0]);
	close(sv[0]);
	while (listener >= 0) {
		struct pollfd pfd = { .fd = listener, .events = POLLIN };
		int n = poll(&pfd, 1, 5000);
		if (n <= 0 || (pfd.revents & (POLLHUP | POLLERR)))
			break;
		(void)sc_trace_event(p, listener);
	}
	if (listener >= 0)
		close(listener);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	*ret_status = st;
	s->pid = s->pid ? s->pid : pid;
	return 0;
}

static bool saw(const struct seen *s, const char *name, uint64_t *arg0)
{
	int nr = hutch_seccomp_syscall_nr(name);

	for (int i = 0; i < s->n; i++)
		if (s->nr[i] == nr) {
			if (arg0)
				*arg0 = s->arg0[i];
			return true;
		}
	return false;
}

int main(void)
{
	struct hutch_seccomp *base = NULL, *trace = NULL, *again = NULL;
	struct hutch_error err = { 0 };
	struct seen *s = calloc(1, sizeof(*s));
	uint64_t arg0 = 0;
	int st = 0;

	if (!s || hutch_seccomp_compile(hutch_seccomp_default_policy(), &base, &err) < 0)
		tap_skip_all("cannot compile the default policy");
	if (geteuid() != 0 && prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) < 0)
		tap_skip_all("no seccomp");

	is_int(hutch_seccomp_trace(base, record, s, &trace, &err), 0, "tracing variant of the default policy");
	ok(trace && sc_is_trace(trace) && !sc_is_trace(base), "only the tracing program is marked as one");
	ok(trace && sc_wants_listener(trace), "a tracing program always wants a listener");
	ok(hutch_seccomp_trace(trace, record, s, &again, &err) < 0 && strstr(err.msg, "tracing program already"),
	   "a tracing program is not traced again: %s", err.msg);
	ok(hutch_seccomp_trace(base, NULL, NULL, &again, &err) < 0, "a callback is required");
	is_str(hutch_seccomp_trace_unreported()[0], "sendmsg", "sendmsg is the unreported call");

	if (run_traced(trace, 0, s, &st) < 0)
		tap_skip_all("fork/socketpair failed");
	ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	   "the traced child ran to the end: allowed calls ran, denied ones failed (status 0x%x)", st);
	ok(saw(s, "getppid", NULL), "getppid was reported");
	ok(saw(s, "lseek", &arg0), "lseek was reported");
	is_int(arg0, MAGIC_ARG, "with its argument");
	ok(saw(s, "close", NULL) && saw(s, "exit_group", NULL), "close and exit_group were reported");
	ok(!saw(s, "unshare", NULL), "unshare, denied by the policy, was not reported");
	ok(!saw(s, "sendmsg", NULL), "the listener's sendmsg was not reported");
	ok(s->pid > 0, "notifications carry the caller's pid");

	memset(s, 0, sizeof(*s));
	if (run_traced(trace, 1, s, &st) == 0)
		ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS,
		   "a kill rule kills a traced program at once (status 0x%x)", st);
	ok(!saw(s, "reboot", NULL), "the killed call was not reported");

	hutch_seccomp_free(trace);
	hutch_seccomp_free(base);
	free(s);
	return done_testing();
}
