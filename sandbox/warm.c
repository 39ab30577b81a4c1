/* SPDX-License-Identifier: MIT */
/*
 * Warm sandboxes, the supervisor's side (hutch-warm.h; the inside is
 * zygote.c). Creation is hutch_run()'s start with a zygote for init; a run
 * sends the zygote one message (argv, envp, cwd and the run's fds) and is
 * then watched by the same supervisor loop and verdict as a one-shot run.
 */
#include "hutch-warm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "net.h"
#include "run-internal.h"
#include "seccomp.h"
#include "util.h"

#ifndef CLONE_INTO_CGROUP
#define CLONE_INTO_CGROUP 0x200000000ULL
#endif

struct hutch_warm {
	const struct hutch_spec *tmpl;
	struct hutch_cgroup_host *own_host;
	struct cg_run *cg;
	unsigned unenforced;
	pid_t pid;
	int pidfd;
	int ctl;      /* control socket to the zygote */
	int lifeline; /* the zygote's sync pipe: closing it ends the zygote */
	bool dead;
	uint64_t runs;
	int ncpu; /* for the CPU-limit poll interval: read once, not per run */
};

bool hutch_warm_alive(const struct hutch_warm *w)
{
	return w && !w->dead;
}

uint64_t hutch_warm_runs(const struct hutch_warm *w)
{
	return w ? w->runs : 0;
}

void hutch_warm_free(struct hutch_warm *w)
{
	if (!w)
		return;
	if (w->ctl >= 0)
		close(w->ctl); /* EOF: an idle zygote exits */
	if (w->pidfd >= 0) {
		(void)syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
		while (waitid(P_PIDFD, (id_t)w->pidfd, NULL, WEXITED | __WALL) < 0 && errno == EINTR)
			;
		close(w->pidfd);
	}
	if (w->lifeline >= 0)
		close(w->lifeline);
	cg_run_destroy(w->cg);
	hutch_cgroup_host_free(w->own_host);
	free(w);
}

/* Wait for the zygote's "ready" (its root is built) or its failure. */
static int wait_ready(struct hutch_warm *w, int report_fd, struct hutch_error *err)
{
	struct pollfd pfd[2] = { { .fd = w->ctl, .events = POLLIN }, { .fd = report_fd, .events = POLLIN } };
	struct report rep;
	char c;

	for (;;) {
		if (poll(pfd, 2, 30000) <= 0) {
			if (errno == EINTR)
				continue;
			return herr(err, ETIMEDOUT, "warm sandbox: no word from its init");
		}
		/* The report pipe first: a failed setup says why there, and
		 * the control socket then only shows the zygote's end. */
		if (pfd[1].revents) {
			ssize_t n = read(report_fd, &rep, sizeof(rep));

			if (n == (ssize_t)sizeof(rep) && rep.kind == REPORT_SETUP_FAILED) {
				rep.msg[sizeof(rep.msg) - 1] = '\0';
				return herr(err, rep.code ? rep.code : EIO, "%s", rep.msg);
			}
			if (n <= 0)
				pfd[1].fd = -1; /* EOF: only the control socket can tell now */
			/* timings and the like: go on */
		}
		if (pfd[0].revents & POLLIN) {
			if (read(w->ctl, &c, 1) == 1 && c == 'R')
				return 0;
			return herr(err, EIO, "warm sandbox: init ended during setup");
		}
		if (pfd[0].revents & (POLLHUP | POLLERR))
			return herr(err, EIO, "warm sandbox: init ended during setup");
	}
}

int hutch_warm_new(const struct hutch_spec *tmpl, struct hutch_warm **ret, struct hutch_error *err)
{
	struct hutch_warm *w;
	const struct hutch_cgroup_host *host = tmpl->cgroups;
	struct child_ctx ctx = { 0 };
	struct hutch_limits lim = tmpl->limits;
	int rep[2] = { -1, -1 }, syncp[2] = { -1, -1 }, ctl[2] = { -1, -1 };
	bool attach_needed = true;
	char name[64];
	int r;

	herr_clear(err);
	if (!tmpl->envp) /* the template needs no program; check_spec wants one */
		return herr(err, EINVAL, "warm sandbox: the template needs an envp (may be empty)");
	{
		struct hutch_spec chk = *tmpl;
		char *const dummy[] = { (char *)"/", NULL };

		chk.argv = tmpl->argv ? tmpl->argv : dummy;
		r = run_check_spec(&chk, err);
		if (r < 0)
			return r;
	}
	if (tmpl->net != HUTCH_NET_NONE && tmpl->net != HUTCH_NET_LOOPBACK)
		return herr(err, ENOTSUP, "warm sandbox: network modes none and loopback only");
	if (tmpl->workdir)
		return herr(err, EINVAL, "warm sandbox: the workdir is per run (the job's), not the template's");

	w = calloc(1, sizeof(*w));
	if (!w)
		return herr(err, ENOMEM, "warm sandbox");
	w->tmpl = tmpl;
	w->pidfd = w->ctl = w->lifeline = -1;
	ctx.plan.image_fd = -1;
	if (!host) {
		r = hutch_cgroup_detect(&w->own_host, err);
		if (r < 0)
			goto fail;
		host = w->own_host;
	}
	/* The zygote is a member of the cgroup too: one more pid. */
	if (lim.pids)
		lim.pids++;
	snprintf(name, sizeof(name), "r%d.%ld.%llu", (int)getpid(), (long)gettid(),
		 (unsigned long long)hu_now_us());
	r = cg_run_create(host, name, &lim, &w->cg, &w->unenforced, err);
	if (r < 0) {
		herr_prefix(err, "cgroup");
		goto fail;
	}
	r = mnt_plan_prepare(tmpl, &ctx.plan, err);
	if (r < 0) {
		herr_prefix(err, "rootfs");
		goto fail;
	}
	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(syncp, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) < 0) {
		r = herr(err, errno, "pipe");
		goto fail;
	}
	ctx.empty_caps = cap_init();
	if (!ctx.empty_caps) {
		r = herr(err, errno, "cap_init");
		goto fail;
	}
	ctx.cap_last = (int)cap_max_bits() - 1;
	ctx.spec = tmpl;
	ctx.sync_fd = syncp[0];
	ctx.report_fd = rep[1];
	ctx.seccomp_sock = -1;
	ctx.stdin_fd = ctx.stdout_w = ctx.stderr_w = -1;
	ctx.unenforced = w->unenforced;
	ctx.cwd = "/box";
	ctx.zygote = true;
	ctx.zygote_sock = ctl[1];
	net_inside_plan(tmpl, NULL, &ctx.net); /* none or loopback: lo only */
	{
		long pid = run_clone_sandbox(cg_run_clone_fd(w->cg), &w->pidfd, &attach_needed);

		if (pid < 0) {
			r = herr(err, errno, "clone3 with new namespaces");
			goto fail;
		}
		if (pid == 0)
			child_init_main(&ctx);
		w->pid = (pid_t)pid;
	}
	close(rep[1]);
	close(syncp[0]);
	close(ctl[1]);
	rep[1] = syncp[0] = ctl[1] = -1;
	mnt_plan_release(&ctx.plan);
	cap_free(ctx.empty_caps);
	ctx.empty_caps = NULL;
	w->ctl = TAKE_FD(ctl[0]);
	w->lifeline = TAKE_FD(syncp[1]);

	r = run_write_id_maps(w->pid, tmpl->host_uid_base, err);
	if (r == 0 && attach_needed)
		r = cg_run_attach(w->cg, w->pid, err);
	if (r == 0 && hu_write_all(w->lifeline, "G", 1) < 0)
		r = herr(err, errno, "release sandbox init");
	if (r == 0)
		r = wait_ready(w, rep[0], err);
	if (r < 0)
		goto fail;
	close(rep[0]);
	w->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (w->ncpu < 1)
		w->ncpu = 1;
	*ret = w;
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		int *fds[] = { &rep[i], &syncp[i], &ctl[i] };
		for (size_t j = 0; j < ARRAY_SIZE(fds); j++)
			if (*fds[j] >= 0)
				close(*fds[j]);
	}
	mnt_plan_release(&ctx.plan);
	if (ctx.empty_caps)
		cap_free(ctx.empty_caps);
	hutch_warm_free(w);
	return r;
}

/* The run's message: header, argv, envp, cwd. */
static int build_msg(const struct hutch_spec *job, const char *cwd, unsigned flags, char **ret,
		     size_t *ret_len, struct hutch_error *err)
{
	struct zygote_msg hdr = { .magic = ZYGOTE_MAGIC, .flags = flags };
	size_t len = sizeof(hdr), argc = 0, envc = 0;
	char *buf, *p;

	for (; job->argv[argc]; argc++)
		len += strlen(job->argv[argc]) + 1;
	for (; job->envp[envc]; envc++)
		len += strlen(job->envp[envc]) + 1;
	len += strlen(cwd) + 1;
	if (len >= ZYGOTE_MSG_MAX || argc + envc > ZYGOTE_ARGS_MAX)
		return herr(err, E2BIG, "arguments and environment exceed %u bytes or %u strings",
			    ZYGOTE_MSG_MAX, ZYGOTE_ARGS_MAX);
	hdr.argc = (uint32_t)argc;
	hdr.envc = (uint32_t)envc;
	buf = malloc(len);
	if (!buf)
		return herr(err, ENOMEM, "run message");
	memcpy(buf, &hdr, sizeof(hdr));
	p = buf + sizeof(hdr);
	for (size_t i = 0; i < argc; i++)
		p = stpcpy(p, job->argv[i]) + 1;
	for (size_t i = 0; i < envc; i++)
		p = stpcpy(p, job->envp[i]) + 1;
	stpcpy(p, cwd);
	*ret = buf;
	*ret_len = len;
	return 0;
}

static int send_msg(int sock, const char *buf, size_t len, const int *fds, size_t n_fds)
{
	char cbuf[CMSG_SPACE(sizeof(int) * ZFD__MAX)];
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = CMSG_SPACE(sizeof(int) * n_fds) };
	struct cmsghdr *c;
	ssize_t n;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	do
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -(n < 0 ? errno : EIO);
}

/* The workdir as a detached tree with the run's attributes, for the
 * program child to put on /box. */
static int workdir_tree(const struct hutch_spec *job, struct hutch_error *err)
{
	struct mount_attr attr = { .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV |
					       (job->workdir_exec ? 0 : MOUNT_ATTR_NOEXEC) };
	struct stat st;
	int fd = (int)syscall(SYS_open_tree, AT_FDCWD, job->workdir,
			      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);

	if (fd < 0)
		return herr(err, errno, "workdir %s", job->workdir);
	if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode) ||
	    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof(attr)) < 0) {
		int e = errno ? errno : ENOTDIR;
		close(fd);
		return herr(err, e, "workdir %s", job->workdir);
	}
	return fd;
}

int hutch_warm_run(struct hutch_warm *w, const struct hutch_spec *job, struct hutch_result *res,
		   struct hutch_error *err)
{
	const struct hutch_spec *tmpl = w->tmpl;
	struct hutch_spec eff = *tmpl;
	struct supervisor s = { 0 };
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 }, scp[2] = { -1, -1 };
	int tree = -1, wd_fd = -1, fds[ZFD__MAX];
	struct stat wd_st;
	bool wd_chowned = false, have_stats = false;
	struct cg_stats st = { 0 };
	uint64_t cpu_after = 0;
	unsigned flags = 0;
	size_t n_fds = 0, msg_len = 0;
	char *msg = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	res->status = HUTCH_XX;
	res->exit_code = -1;
	res->seccomp_syscall = -1;
	herr_clear(err);
	s.t0 = hu_now_us();
	s.pidfd = s.report_fd = s.sc_sock = s.listener = -1;
	s.out.fd = s.errs.fd = -1;

	if (!hutch_warm_alive(w)) {
		r = herr(err, ESRCH, "warm sandbox: gone (a previous run was killed); make a new one");
		goto out;
	}
	/* What a run may choose; the rest is the template's. */
	eff.argv = job->argv;
	eff.envp = job->envp;
	eff.stdin_fd = job->stdin_fd;
	eff.stdout_fd = job->stdout_fd;
	eff.stderr_fd = job->stderr_fd;
	eff.redirect_stderr = job->redirect_stderr;
	eff.cancel_fd = job->cancel_fd;
	eff.cwd = job->cwd;
	eff.workdir = job->workdir;
	eff.workdir_exec = job->workdir_exec;
	eff.timings = false;
	s.spec = &eff;
	s.res = res;
	res->unenforced = w->unenforced;
	r = run_check_spec(&eff, err);
	if (r < 0)
		goto out;

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0) {
		r = herr(err, errno, "pipe");
		goto out;
	}
	if (eff.seccomp && sc_wants_listener(eff.seccomp)) {
		if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, scp) < 0) {
			r = herr(err, errno, "socketpair");
			goto out;
		}
		flags |= ZF_SECCOMP;
	}
	if (eff.workdir) {
		tree = workdir_tree(&eff, err);
		if (tree < 0) {
			r = tree;
			goto out;
		}
		wd_fd = open(eff.workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (wd_fd < 0 || fstat(wd_fd, &wd_st) < 0) {
			r = herr(err, errno, "workdir %s", eff.workdir);
			goto out;
		}
		if (fchown(wd_fd, eff.host_uid_base + eff.uid, eff.host_uid_base + eff.gid) < 0) {
			r = herr(err, errno, "chown workdir %s to the sandbox user", eff.workdir);
			goto out;
		}
		wd_chowned = true;
		flags |= ZF_WORKDIR;
	}
	if (eff.stdin_fd >= 0)
		flags |= ZF_STDIN;
	if (eff.redirect_stderr)
		flags |= ZF_REDIRECT_STDERR;
	r = build_msg(&eff, eff.cwd ? eff.cwd : "/box", flags, &msg, &msg_len, err);
	if (r < 0)
		goto out;
	fds[n_fds++] = outp[1];
	fds[n_fds++] = errp[1];
	fds[n_fds++] = rep[1];
	if (flags & ZF_STDIN)
		fds[n_fds++] = eff.stdin_fd;
	if (flags & ZF_SECCOMP)
		fds[n_fds++] = scp[1];
	if (flags & ZF_WORKDIR)
		fds[n_fds++] = tree;

	if (cg_run_cpu_usage(w->cg, &s.cpu_base) < 0)
		s.cpu_base = 0;
	r = send_msg(w->ctl, msg, msg_len, fds, n_fds);
	if (r < 0) {
		w->dead = true;
		r = herr(err, -r, "warm sandbox: send the run");
		goto out;
	}
	w->runs++;
	/* Ours are the read ends; the zygote and the program hold the rest. */
	close(outp[1]);
	close(errp[1]);
	close(rep[1]);
	outp[1] = errp[1] = rep[1] = -1;
	if (scp[1] >= 0) {
		close(scp[1]);
		scp[1] = -1;
	}
	if (tree >= 0) {
		close(tree);
		tree = -1;
	}

	s.warm = true;
	s.cg = w->cg;
	s.pid = w->pid;
	s.pidfd = w->pidfd;
	s.report_fd = TAKE_FD(rep[0]);
	s.out = (struct stream){ .fd = TAKE_FD(outp[0]), .out_fd = eff.stdout_fd,
				 .limit = eff.limits.output_bytes };
	s.errs = (struct stream){ .fd = TAKE_FD(errp[0]), .out_fd = eff.stderr_fd,
				  .limit = eff.limits.output_bytes };
	s.sc_sock = TAKE_FD(scp[0]);
	s.ncpu = w->ncpu;

	sup_loop(&s);

	/* Killed by us (a limit, seccomp, cancel) or dead: the sandbox goes. */
	if (s.killed != KILL_NONE || !s.got_exit_report) {
		w->dead = true;
		(void)syscall(SYS_pidfd_send_signal, w->pidfd, SIGKILL, NULL, 0);
		if (w->cg)
			(void)cg_run_kill(w->cg, NULL);
		while (waitid(P_PIDFD, (id_t)w->pidfd, NULL, WEXITED | __WALL) < 0 && errno == EINTR)
			;
	}
	if (s.report_fd >= 0)
		sup_read_reports(&s);
	if (s.setup_failed) {
		*err = s.setup_err;
		r = -err->code;
		goto out;
	}
	if (w->cg && cg_run_stats(w->cg, &st, NULL) == 0 &&
	    cg_run_cpu_usage(w->cg, &cpu_after) == 0) {
		have_stats = true;
		res->time = (double)(cpu_after - s.cpu_base) / 1e6;
		if (st.oom_killed)
			w->dead = true; /* the count is cumulative: a new sandbox starts at 0 */
	}
	if (!have_stats || (res->unenforced & HUTCH_UNENF_CPU_TREE))
		res->time = (double)s.exit_rep.cpu_us / 1e6;
	res->memory_peak = s.exit_rep.maxrss;
	res->stdout_truncated = s.out.truncated;
	res->stderr_truncated = s.errs.truncated;
	res->stdout_bytes = s.out.bytes;
	res->stderr_bytes = s.errs.bytes;
	sup_verdict(&s, &st, have_stats);
	if (res->status == HUTCH_XX) {
		r = herr(err, EIO, "%s", res->message);
		goto out;
	}
	r = 0;
out:
	if (r < 0) {
		res->status = HUTCH_XX;
		hu_strlcpy(res->message, err->msg, sizeof(res->message));
	}
	if (wd_chowned && fchown(wd_fd, wd_st.st_uid, wd_st.st_gid) < 0 && r == 0)
		r = herr(err, errno, "restore owner of workdir %s", eff.workdir);
	if (wd_fd >= 0)
		close(wd_fd);
	if (tree >= 0)
		close(tree);
	free(msg);
	for (int i = 0; i < 2; i++) {
		int *p[] = { &outp[i], &errp[i], &rep[i], &scp[i] };
		for (size_t j = 0; j < ARRAY_SIZE(p); j++)
			if (*p[j] >= 0)
				close(*p[j]);
	}
	if (s.out.fd >= 0)
		close(s.out.fd);
	if (s.errs.fd >= 0)
		close(s.errs.fd);
	if (s.report_fd >= 0)
		close(s.report_fd);
	if (s.sc_sock >= 0)
		close(s.sc_sock);
	if (s.listener >= 0)
		close(s.listener);
	res->step_us[HUTCH_STEP_DONE] = hu_now_us() - s.t0;
	return r;
}
