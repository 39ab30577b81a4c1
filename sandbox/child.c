/* SPDX-License-Identifier: MIT */
/*
 * The inside of a sandbox: its init (pid 1) and the program it starts.
 *
 * This code runs in a child made by a raw clone3() of a process that may
 * have other threads (hutchd), so it sticks to system calls and
 * allocation-free helpers: no malloc, no stdio, no locale (hu_strerror).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <linux/securebits.h>
#include <sched.h>
#include <unistd.h>

#include "error.h"
#include "run-internal.h"
#include "seccomp.h"
#include "util.h"

#define SANDBOX_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

static void report_send(int fd, const struct report *rep)
{
	/* One write below PIPE_BUF: atomic. Nothing to do if it fails: the
	 * supervisor then sees the child die without a report (XX). */
	(void)hu_write_all(fd, rep, sizeof(*rep));
}

void child_setup_failed(const struct child_ctx *ctx, const struct hutch_error *err)
{
	struct report rep;

	memset(&rep, 0, sizeof(rep));
	rep.kind = REPORT_SETUP_FAILED;
	rep.code = err->code;
	memcpy(rep.msg, err->msg, sizeof(rep.msg));
	report_send(ctx->report_fd, &rep);
	_exit(125);
}

static void report_timings(const struct child_ctx *ctx, int step, uint64_t a, uint64_t b,
			   uint64_t c, uint64_t d)
{
	struct report rep;

	if (!ctx->timings)
		return;
	memset(&rep, 0, sizeof(rep));
	rep.kind = REPORT_TIMINGS;
	rep.step = step;
	rep.t_us[0] = a;
	rep.t_us[1] = b;
	rep.t_us[2] = c;
	rep.t_us[3] = d;
	report_send(ctx->report_fd, &rep);
}

static int set_rlimit(int res, uint64_t value, const char *name, struct hutch_error *err)
{
	/* soft == hard: without CAP_SYS_RESOURCE the program cannot raise it */
	struct rlimit rl = { .rlim_cur = value, .rlim_max = value };

	if (setrlimit(res, &rl) < 0)
		return herr(err, errno, "setrlimit %s", name);
	return 0;
}

static int apply_rlimits(const struct child_ctx *ctx, struct hutch_error *err)
{
	const struct hutch_limits *l = &ctx->spec->limits;
	int r;

	r = set_rlimit(RLIMIT_CORE, 0, "core", err);
	if (r == 0)
		r = set_rlimit(RLIMIT_NOFILE, l->nofile ? l->nofile : 64, "nofile", err);
	if (r == 0)
		r = set_rlimit(RLIMIT_STACK, l->stack_bytes ? l->stack_bytes : 8ull << 20, "stack", err);
	if (r == 0)
		r = set_rlimit(RLIMIT_FSIZE, l->fsize_bytes ? l->fsize_bytes : RLIM_INFINITY, "fsize",
			       err);
	/* Fallbacks where the cgroup could not enforce a limit. */
	if (r == 0 && (ctx->unenforced & HUTCH_UNENF_MEMORY) && l->memory_bytes)
		r = set_rlimit(RLIMIT_AS, l->memory_bytes, "as", err);
	if (r == 0 && (ctx->unenforced & HUTCH_UNENF_PIDS) && l->pids)
		r = set_rlimit(RLIMIT_NPROC, l->pids, "nproc", err);
	if (r == 0 && (ctx->unenforced & HUTCH_UNENF_CPU_TREE) && l->cpu_time_us)
		r = set_rlimit(RLIMIT_CPU, (l->cpu_time_us + 999999) / 1000000 + 1, "cpu", err);
	return r;
}

/* glibc's setresuid()/setresgid() change every thread of the process:
 * they stop each thread the C library knows of (nptl "setxid"). This code
 * runs in a child made by a raw clone3() of a caller that may have threads
 * (hutchd): the child inherits glibc's list of the caller's threads, and a
 * thread that was being created at the moment of the clone is waited for
 * forever (the sandbox hangs before exec until its wall limit; seen in
 * hutchd starting its thread pool while recovered jobs already ran). The
 * system calls themselves change the calling task, which here is the
 * whole process. */
static int raw_setresgid(gid_t g)
{
	return (int)syscall(SYS_setresgid, g, g, g);
}

static int raw_setresuid(uid_t u)
{
	return (int)syscall(SYS_setresuid, u, u, u);
}

/* Drop every privilege for good: securebits locked so that uid 0 gets no
 * capabilities back, bounding and ambient sets emptied, then the switch to
 * the unprivileged uid clears permitted and effective, and we verify. */
static int drop_privileges(const struct child_ctx *ctx, uid_t uid, gid_t gid,
			   struct hutch_error *err)
{
	int c;

	if (prctl(PR_SET_SECUREBITS, SECBIT_NOROOT | SECBIT_NOROOT_LOCKED |
					     SECBIT_NO_SETUID_FIXUP_LOCKED | SECBIT_KEEP_CAPS_LOCKED |
					     SECBIT_NO_CAP_AMBIENT_RAISE |
					     SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
		  0, 0, 0) < 0)
		return herr(err, errno, "prctl PR_SET_SECUREBITS");
	for (c = 0; c <= ctx->cap_last; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return herr(err, errno, "drop capability %d from the bounding set", c);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		return herr(err, errno, "clear ambient capabilities");
	if (raw_setresgid(gid) < 0)
		return herr(err, errno, "setresgid %u", (unsigned)gid);
	if (raw_setresuid(uid) < 0)
		return herr(err, errno, "setresuid %u", (unsigned)uid);
	if (cap_set_proc(ctx->empty_caps) < 0)
		return herr(err, errno, "clear capabilities");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return herr(err, errno, "prctl PR_SET_NO_NEW_PRIVS");
	/* Verify rather than trust: every set must be empty now. */
	{
		struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
		struct __user_cap_data_struct d[2];

		if (syscall(SYS_capget, &h, d) < 0)
			return herr(err, errno, "capget");
		if (d[0].effective | d[0].permitted | d[0].inheritable | d[1].effective |
		    d[1].permitted | d[1].inheritable)
			return herr(err, EPERM, "capabilities still present after drop");
		for (c = 0; c <= ctx->cap_last; c++)
			if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
				return herr(err, EPERM, "capability %d still in the bounding set", c);
	}
	return 0;
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

static const char *env_get(char *const *envp, const char *name)
{
	size_t n = strlen(name);

	for (; envp && *envp; envp++)
		if (strncmp(*envp, name, n) == 0 && (*envp)[n] == '=')
			return *envp + n + 1;
	return NULL;
}

/* execvpe without allocation: returns the most telling errno (EACCES wins
 * over ENOENT, as in execvp). */
static int exec_program(char *const *argv, char *const *envp)
{
	const char *path, *p;
	char buf[PATH_MAX];
	int saw_eacces = 0, last = ENOENT;

	if (strchr(argv[0], '/')) {
		execve(argv[0], argv, envp);
		return errno;
	}
	path = env_get(envp, "PATH");
	if (!path)
		path = SANDBOX_DEFAULT_PATH;
	for (p = path;; p++) {
		const char *e = strchrnul(p, ':');
		size_t dl = (size_t)(e - p), nl = strlen(argv[0]);

		if (dl + nl + 2 <= sizeof(buf)) {
			if (dl) {
				memcpy(buf, p, dl);
				buf[dl] = '/';
				memcpy(buf + dl + 1, argv[0], nl + 1);
			} else {
				memcpy(buf, argv[0], nl + 1);
			}
			execve(buf, argv, envp);
			last = errno;
			if (errno == EACCES)
				saw_eacces = 1;
			else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP)
				return errno; /* ENOEXEC, E2BIG...: found but not runnable */
		}
		if (*e == '\0')
			break;
		p = e;
	}
	return saw_eacces ? EACCES : last;
}

void child_program_main(struct child_ctx *shared)
{
	/* shared is init's (start_program): read it, write only this copy. */
	struct child_ctx own = *shared, *ctx = &own;
	const struct hutch_spec *spec = ctx->spec;
	struct hutch_error err = { 0 };
	struct report rep;
	char cwd[PATH_MAX];
	uint64_t t_seccomp, t_exec;
	int listener = -1, e;
	long n;

	if (setsid() < 0) {
		herr(&err, errno, "setsid");
		goto fail;
	}
	if (ctx->stdin_fd >= 0) {
		if (dup2(ctx->stdin_fd, 0) < 0) {
			herr(&err, errno, "dup2 stdin");
			goto fail;
		}
	} else {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (fd < 0 || dup2(fd, 0) < 0) {
			herr(&err, errno, "open /dev/null for stdin");
			goto fail;
		}
	}
	if (dup2(ctx->stdout_w, 1) < 0 ||
	    dup2(spec->redirect_stderr ? ctx->stdout_w : ctx->stderr_w, 2) < 0) {
		herr(&err, errno, "dup2 stdout/stderr");
		goto fail;
	}
	/* Only the report pipe (3) and the seccomp socket (4) stay open above
	 * stderr; everything else inherited from the supervisor is closed now,
	 * not at exec, so a low RLIMIT_NOFILE still leaves room for the
	 * seccomp listener. */
	{
		int repfd = fcntl(ctx->report_fd, F_DUPFD_CLOEXEC, 64);
		int sock = ctx->seccomp_sock >= 0 ? fcntl(ctx->seccomp_sock, F_DUPFD_CLOEXEC, 64) : -1;

		if (repfd < 0 || (ctx->seccomp_sock >= 0 && sock < 0) ||
		    dup3(repfd, 3, O_CLOEXEC) < 0 || (sock >= 0 && dup3(sock, 4, O_CLOEXEC) < 0)) {
			herr(&err, errno, "move report pipe");
			goto fail;
		}
		ctx->report_fd = 3;
		ctx->seccomp_sock = sock >= 0 ? 4 : -1;
		if (syscall(SYS_close_range, 5, ~0U, 0) < 0) {
			herr(&err, errno, "close_range");
			goto fail;
		}
	}
	if (apply_rlimits(ctx, &err) < 0)
		goto fail;
	if (drop_privileges(ctx, spec->uid, spec->gid, &err) < 0)
		goto fail;
	if (chdir(ctx->cwd) < 0) {
		herr(&err, errno, "chdir %s", ctx->cwd);
		goto fail;
	}
	/* CVE-2024-21626: the cwd must be inside the new root. A cwd outside
	 * it is reported by getcwd as "(unreachable)..." */
	n = syscall(SYS_getcwd, cwd, sizeof(cwd));
	if (n < 0 || cwd[0] != '/' || strcmp(cwd, ctx->cwd) != 0) {
		herr(&err, n < 0 ? errno : EPERM, "cwd %s is not inside the sandbox root", ctx->cwd);
		goto fail;
	}
	t_seccomp = hu_now_us();
	if (spec->seccomp) {
		e = sc_load(spec->seccomp, &listener);
		if (e < 0) {
			herr(&err, -e, "load seccomp filter");
			goto fail;
		}
		if (listener >= 0) {
			e = send_fd(ctx->seccomp_sock, listener);
			if (e < 0) {
				herr(&err, -e, "pass seccomp listener to the supervisor");
				goto fail;
			}
			close(listener);
		}
	}
	t_exec = hu_now_us();
	report_timings(ctx, HUTCH_STEP_SECCOMP, t_seccomp, t_exec, 0, 0);

	e = exec_program(spec->argv, spec->envp);
	memset(&rep, 0, sizeof(rep));
	rep.kind = REPORT_EXEC_FAILED;
	rep.code = e;
	snprintf(rep.msg, sizeof(rep.msg), "cannot execute %s: %s", spec->argv[0], hu_strerror(e));
	report_send(ctx->report_fd, &rep);
	_exit(e == ENOENT ? 127 : 126);
fail:
	herr_prefix(&err, "program setup");
	child_setup_failed(ctx, &err);
}

/*
 * Start the program the way posix_spawn() does: clone(CLONE_VM | CLONE_VFORK)
 * on a stack of its own. Until its execve the program shares init's memory,
 * so none of init's address space (a copy of the supervisor's) is copied:
 * no page tables, no copy-on-write faults, nothing to tear down at exec;
 * that was ~100 µs of every start. init sleeps until the execve or the
 * child's exit, so the two never run at once; program_main() works on its
 * own copy of ctx and on this stack, and writes nothing init reads later
 * (errno aside, which init does not keep across the call).
 */
#define PROGRAM_STACK_SIZE (256u << 10)

static int program_entry(void *ctx)
{
	child_program_main(ctx);
}

pid_t child_start_program(struct child_ctx *ctx, int (*entry)(void *), unsigned long extra_flags)
{
	void *stack = mmap(NULL, PROGRAM_STACK_SIZE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;
	int e;

	if (stack == MAP_FAILED)
		return -1;
#ifdef __SANITIZE_ADDRESS__
	/* ASan cannot follow a child onto a stack of its own: it warns into
	 * the program's stderr and stops unpoisoning (google/sanitizers#189).
	 * Sanitizer builds (make asan) start the program fork-style instead. */
	(void)munmap(stack, PROGRAM_STACK_SIZE);
	pid = (pid_t)syscall(SYS_clone, SIGCHLD | extra_flags, NULL, NULL, NULL, 0);
	if (pid == 0)
		_exit(entry(ctx));
	return pid;
#endif
	pid = clone(entry, (char *)stack + PROGRAM_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | SIGCHLD | (int)extra_flags, ctx);
	e = errno;
	/* The child has exec'd or exited: the stack is ours again. */
	(void)munmap(stack, PROGRAM_STACK_SIZE);
	errno = e;
	return pid;
}

void child_init_main(struct child_ctx *ctx)
{
	struct hutch_error err = { 0 };
	struct report rep;
	struct rusage ru;
	uint64_t t_id, t_mnt, t_pivot;
	char c;
	pid_t prog;
	int wstatus = 0;

	/* If the supervisor dies, so does the whole sandbox (pid 1's death
	 * kills the namespace). Set before the sync read: a supervisor that
	 * died before this point closed the pipe and the read ends us. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(125);
	if (hu_read_full(ctx->sync_fd, &c, 1) != 1)
		_exit(125);
	t_id = hu_now_us();

	if (raw_setresgid(0) < 0 || raw_setresuid(0) < 0) {
		herr(&err, errno, "become root of the user namespace");
		child_setup_failed(ctx, &err);
	}
	/* A change of credentials clears the parent-death signal: arm it
	 * again, then check the lifeline (the supervisor holds the sync pipe's
	 * write end until it is done) in case it died in between. */
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		_exit(125);
	{
		struct pollfd pfd = { .fd = ctx->sync_fd, .events = POLLIN };
		if (poll(&pfd, 1, 0) < 0 || (pfd.revents & (POLLHUP | POLLERR)))
			_exit(125);
	}
	close(ctx->sync_fd);
	/* Joined the run's cgroup already (supervisor), so it becomes our
	 * cgroup namespace root: /proc/self/cgroup shows "/" inside. */
	if (unshare(CLONE_NEWCGROUP) < 0) {
		herr(&err, errno, "unshare cgroup namespace");
		child_setup_failed(ctx, &err);
	}
	/* lo (every mode but none) and the veth's inside end: net.c */
	if (net_inside_setup(&ctx->net, &err) < 0)
		child_setup_failed(ctx, &err);
	if (mnt_build_root(&ctx->plan, &err) < 0) {
		herr_prefix(&err, "rootfs");
		child_setup_failed(ctx, &err);
	}
	t_mnt = t_pivot = hu_now_us();
	report_timings(ctx, HUTCH_STEP_IDMAP, t_id, t_mnt, t_pivot, 0);

	if (ctx->zygote)
		zygote_main(ctx); /* a warm sandbox: serves runs, never returns */
	prog = child_start_program(ctx, program_entry, 0);
	if (prog < 0) {
		herr(&err, errno, "start program");
		child_setup_failed(ctx, &err);
	}

	/* init: keep only the report pipe, give up everything else. */
	if (dup2(ctx->report_fd, 3) < 0)
		_exit(125);
	ctx->report_fd = 3;
	if (syscall(SYS_close_range, 4, ~0U, 0) < 0)
		_exit(125);
	/* init needs no privilege to reap: give it all up. Failures here only
	 * weaken defence in depth (the program cannot reach init: other uid,
	 * hidden by hidepid, ptrace denied), so they are not fatal. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	for (int cap = 0; cap <= ctx->cap_last; cap++)
		(void)prctl(PR_CAPBSET_DROP, cap, 0, 0, 0);
	(void)cap_set_proc(ctx->empty_caps);
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

	for (;;) {
		int st;
		pid_t p = waitpid(-1, &st, __WALL);

		if (p < 0) {
			if (errno == EINTR)
				continue;
			break; /* ECHILD: cannot happen before prog is reaped */
		}
		if (p == prog) {
			wstatus = st;
			break;
		}
		/* any other pid: an orphan reparented to us, now reaped */
	}
	memset(&rep, 0, sizeof(rep));
	rep.kind = REPORT_EXITED;
	rep.wstatus = wstatus;
	if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
		rep.cpu_us = (uint64_t)ru.ru_utime.tv_sec * 1000000u + (uint64_t)ru.ru_utime.tv_usec +
			     (uint64_t)ru.ru_stime.tv_sec * 1000000u + (uint64_t)ru.ru_stime.tv_usec;
		rep.maxrss = (uint64_t)ru.ru_maxrss * 1024u;
	}
	report_send(ctx->report_fd, &rep);
	/* Our exit kills every process left in the namespace. */
	_exit(0);
}
