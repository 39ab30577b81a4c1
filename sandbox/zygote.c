/* SPDX-License-Identifier: MIT */
/*
 * The inside of a warm sandbox (hutch-warm.h): its init, the zygote, runs
 * one program after another in namespaces, a root and a cgroup made once.
 *
 * What is made once and shared by the runs of one warm sandbox: the user,
 * pid, net, uts and cgroup namespaces, the root (built by mnt_build_root()
 * as for a one-shot run), the cgroup and the seccomp program. What each run
 * gets afresh, so that nothing one run leaves is seen by the next:
 *   - a mount namespace, copied from the zygote's, in which the root is
 *     made read-only and new tmpfs instances cover every place the program
 *     can write: /tmp, /var/tmp, /dev/shm and /box (or the run's workdir);
 *     they vanish with the run's last process;
 *   - an IPC namespace (System V objects and POSIX message queues live
 *     there, not in any process);
 *   - no process: after the program ends, the zygote (pid 1) kills every
 *     other process of its pid namespace and reaps them all before it
 *     reports the end of the run.
 * Nothing else a program can change outlives it: it runs without
 * capabilities, so it cannot touch the network namespace (no interface but
 * a loopback it cannot configure), the hostname, or the shared root; its
 * sockets, locks and ptys close with its processes. The exception is the
 * kernel keyrings of its uid, which belong to the shared user namespace:
 * the seccomp policy must deny @keyring (the default profile does; see
 * hutch-warm.h).
 *
 * Like child.c this runs in a clone of a possibly threaded process: system
 * calls only, no malloc (the message arena is one mmap made at start).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "error.h"
#include "run-internal.h"
#include "util.h"

/* Messages and the per-run argv/envp pointer arrays live here. */
struct zygote_arena {
	char msg[ZYGOTE_MSG_MAX];
	char *ptrs[ZYGOTE_ARGS_MAX + 2];
};

static int mount_tmpfs(const char *dst, const char *opts, struct hutch_error *err)
{
	if (mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
		return herr(err, errno, "mount a fresh tmpfs on %s", dst);
	return 0;
}

/* Runs in the run's program child, in its new mount namespace, still root
 * of the user namespace: make every writable place new. */
static int fresh_writable(const struct child_ctx *ctx, int workdir_fd, struct hutch_error *err)
{
	const struct hutch_limits *l = &ctx->spec->limits;
	uint64_t tmp = l->tmpfs_bytes ? l->tmpfs_bytes : 64ull << 20;
	uint64_t shm = l->shm_bytes ? l->shm_bytes : 16ull << 20;
	char opts[128];
	int r;

	/* The shared root: read-only in this run's view (its writable
	 * places are covered below; this is defence in depth). */
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) < 0)
		return herr(err, errno, "make the shared root read-only");
	snprintf(opts, sizeof(opts), "size=%llu,mode=1777", (unsigned long long)tmp);
	r = mount_tmpfs("/tmp", opts, err);
	if (r == 0)
		r = mount_tmpfs("/var/tmp", opts, err);
	if (r < 0)
		return r;
	snprintf(opts, sizeof(opts), "size=%llu,mode=1777", (unsigned long long)shm);
	if (mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts) < 0)
		return herr(err, errno, "mount a fresh tmpfs on /dev/shm");
	if (workdir_fd >= 0) {
		if (syscall(SYS_move_mount, workdir_fd, "", AT_FDCWD, "/box",
			    MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return herr(err, errno, "move_mount workdir onto /box");
		return 0;
	}
	snprintf(opts, sizeof(opts), "size=%llu,mode=0755,uid=%u,gid=%u", (unsigned long long)tmp,
		 (unsigned)ctx->spec->uid, (unsigned)ctx->spec->gid);
	return mount_tmpfs("/box", opts, err);
}

struct zygote_run {
	struct child_ctx ctx;
	int workdir_fd;
};

static int zygote_program_entry(void *arg)
{
	struct zygote_run *run = arg;
	struct hutch_error err = { 0 };

	if (fresh_writable(&run->ctx, run->workdir_fd, &err) < 0) {
		herr_prefix(&err, "warm sandbox");
		child_setup_failed(&run->ctx, &err);
	}
	if (run->workdir_fd >= 0)
		close(run->workdir_fd);
	child_program_main(&run->ctx);
}

/* Receive one run. Returns the number of fds received (placed in fds[] by
 * enum zygote_fd, -1 where absent), 0 on EOF (the supervisor is done with
 * us), -1 on a malformed message. */
static int recv_run(int sock, struct zygote_arena *a, int fds[ZFD__MAX], size_t *ret_len)
{
	char cbuf[CMSG_SPACE(sizeof(int) * ZFD__MAX)];
	struct iovec iov = { .iov_base = a->msg, .iov_len = sizeof(a->msg) - 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct zygote_msg hdr;
	struct cmsghdr *c;
	int got[ZFD__MAX], n = 0, k = 0;
	ssize_t len;

	for (int i = 0; i < ZFD__MAX; i++)
		fds[i] = -1;
	do
		len = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
	while (len < 0 && errno == EINTR);
	if (len == 0)
		return 0;
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			size_t m = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (size_t i = 0; i < m && n < ZFD__MAX; i++)
				memcpy(&got[n++], CMSG_DATA(c) + i * sizeof(int), sizeof(int));
		}
	if (len < (ssize_t)sizeof(hdr) || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		goto bad;
	memcpy(&hdr, a->msg, sizeof(hdr));
	/* Place the fds: stdout, stderr, report always; the rest by flag. */
	for (int i = 0; i < ZFD__MAX; i++) {
		bool present = i <= ZFD_REPORT || (i == ZFD_STDIN && (hdr.flags & ZF_STDIN)) ||
			       (i == ZFD_SECCOMP && (hdr.flags & ZF_SECCOMP)) ||
			       (i == ZFD_WORKDIR && (hdr.flags & ZF_WORKDIR));
		if (present) {
			if (k >= n)
				goto bad;
			fds[i] = got[k++];
		}
	}
	if (hdr.magic != ZYGOTE_MAGIC || k != n || hdr.argc == 0 ||
	    (uint64_t)hdr.argc + hdr.envc > ZYGOTE_ARGS_MAX)
		goto bad;
	a->msg[len] = '\0';
	*ret_len = (size_t)len;
	return n;
bad:
	for (int i = 0; i < n; i++)
		close(got[i]);
	for (int i = 0; i < ZFD__MAX; i++)
		fds[i] = -1;
	return -1;
}

/* Point argv, envp (NULL-terminated, in a->ptrs) and cwd at the strings
 * after the header. -1 if they do not add up. */
static int split_strings(struct zygote_arena *a, size_t len, char ***argv, char ***envp, char **cwd)
{
	struct zygote_msg hdr;
	char *p = a->msg + sizeof(hdr), *end = a->msg + len;
	size_t n, i;

	memcpy(&hdr, a->msg, sizeof(hdr));
	n = (size_t)hdr.argc + hdr.envc + 1;
	for (i = 0; i < n; i++) {
		char *z = memchr(p, '\0', (size_t)(end - p));

		if (!z)
			return -1;
		a->ptrs[i + (i >= hdr.argc ? 1 : 0)] = p;
		p = z + 1;
	}
	/* ptrs: argv[0..argc-1], NULL, envp[0..envc-1], cwd -> make envp's
	 * end NULL by moving cwd out. */
	*cwd = a->ptrs[hdr.argc + 1 + hdr.envc];
	a->ptrs[hdr.argc] = NULL;
	a->ptrs[hdr.argc + 1 + hdr.envc] = NULL;
	*argv = a->ptrs;
	*envp = a->ptrs + hdr.argc + 1;
	return 0;
}

static void add_rusage(const struct rusage *ru, uint64_t *cpu_us, uint64_t *maxrss)
{
	*cpu_us += (uint64_t)ru->ru_utime.tv_sec * 1000000u + (uint64_t)ru->ru_utime.tv_usec +
		   (uint64_t)ru->ru_stime.tv_sec * 1000000u + (uint64_t)ru->ru_stime.tv_usec;
	if ((uint64_t)ru->ru_maxrss * 1024u > *maxrss)
		*maxrss = (uint64_t)ru->ru_maxrss * 1024u;
}

static void send_report(int fd, const struct report *rep)
{
	(void)hu_write_all(fd, rep, sizeof(*rep)); /* the supervisor sees EOF either way */
}

void zygote_main(struct child_ctx *base)
{
	struct zygote_arena *a;
	struct hutch_error err = { 0 };

	a = mmap(NULL, sizeof(*a), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (a == MAP_FAILED) {
		herr(&err, errno, "warm sandbox: mmap");
		child_setup_failed(base, &err);
	}
	/* Not a target for anyone: nothing may ptrace or read us. */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	/* Keep the control socket alone (as fd 3): the setup phase's report
	 * pipe, the mount plan's trees and the supervisor's stdio are done
	 * with, and no run may inherit them. */
	{
		int null = open("/dev/null", O_RDWR | O_CLOEXEC);

		if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
		    (base->zygote_sock != 3 && dup3(base->zygote_sock, 3, O_CLOEXEC) < 0) ||
		    syscall(SYS_close_range, 4, ~0U, 0) < 0)
			_exit(125);
		base->zygote_sock = 3;
		base->report_fd = -1;
		base->sync_fd = -1;
	}
	if (hu_write_all(base->zygote_sock, "R", 1) < 0)
		_exit(125);

	for (;;) {
		struct zygote_run run;
		struct hutch_spec spec = *base->spec;
		struct report rep;
		struct rusage ru;
		int fds[ZFD__MAX], st, prog_status = 0;
		uint64_t cpu_us = 0, maxrss = 0;
		char **argv, **envp, *cwd;
		size_t len = 0;
		pid_t prog, p;
		int n = recv_run(base->zygote_sock, a, fds, &len);

		if (n == 0)
			_exit(0); /* the supervisor closed the control socket */
		if (n < 0 || split_strings(a, len, &argv, &envp, &cwd) < 0) {
			if (fds[ZFD_REPORT] >= 0) {
				memset(&rep, 0, sizeof(rep));
				rep.kind = REPORT_SETUP_FAILED;
				rep.code = EINVAL;
				snprintf(rep.msg, sizeof(rep.msg), "warm sandbox: malformed run request");
				send_report(fds[ZFD_REPORT], &rep);
			}
			for (int i = 0; i < ZFD__MAX; i++)
				if (fds[i] >= 0)
					close(fds[i]);
			continue;
		}
		spec.argv = argv;
		spec.envp = envp;
		spec.redirect_stderr = false;
		{
			struct zygote_msg hdr;
			memcpy(&hdr, a->msg, sizeof(hdr));
			spec.redirect_stderr = (hdr.flags & ZF_REDIRECT_STDERR) != 0;
		}
		run.ctx = *base;
		run.ctx.spec = &spec;
		run.ctx.stdout_w = fds[ZFD_STDOUT];
		run.ctx.stderr_w = fds[ZFD_STDERR];
		run.ctx.report_fd = fds[ZFD_REPORT];
		run.ctx.stdin_fd = fds[ZFD_STDIN];
		run.ctx.seccomp_sock = fds[ZFD_SECCOMP];
		run.ctx.cwd = cwd;
		run.ctx.timings = false;
		run.workdir_fd = fds[ZFD_WORKDIR];

		prog = child_start_program(&run.ctx, zygote_program_entry, CLONE_NEWNS | CLONE_NEWIPC);
		if (prog < 0) {
			herr(&err, errno, "warm sandbox: start program");
			memset(&rep, 0, sizeof(rep));
			rep.kind = REPORT_SETUP_FAILED;
			rep.code = err.code;
			memcpy(rep.msg, err.msg, sizeof(rep.msg));
			send_report(fds[ZFD_REPORT], &rep);
		}
		/* The program has exec'd (or failed): only the report pipe is
		 * still ours to use. */
		for (int i = 0; i < ZFD__MAX; i++)
			if (i != ZFD_REPORT && fds[i] >= 0)
				close(fds[i]);

		/* Wait for the program, then leave nothing: kill every other
		 * process of the namespace (we are its pid 1, so kill(-1)
		 * reaches all but us) and reap until none is left. A process
		 * that forks meanwhile has SIGKILL pending and cannot. */
		while (prog > 0) {
			p = wait4(-1, &st, __WALL, &ru);
			if (p < 0 && errno == EINTR)
				continue;
			if (p < 0)
				break;
			add_rusage(&ru, &cpu_us, &maxrss);
			if (p == prog) {
				prog_status = st;
				break;
			}
		}
		for (;;) {
			(void)kill(-1, SIGKILL); /* ESRCH once none is left */
			p = wait4(-1, &st, __WALL, &ru);
			if (p < 0 && errno == EINTR)
				continue;
			if (p < 0)
				break; /* ECHILD: the namespace holds us alone */
			add_rusage(&ru, &cpu_us, &maxrss);
		}
		if (prog > 0) {
			memset(&rep, 0, sizeof(rep));
			rep.kind = REPORT_EXITED;
			rep.wstatus = prog_status;
			rep.cpu_us = cpu_us;
			rep.maxrss = maxrss;
			send_report(fds[ZFD_REPORT], &rep);
		}
		close(fds[ZFD_REPORT]); /* EOF: the run is over */
	}
}
