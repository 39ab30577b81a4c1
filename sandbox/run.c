/* SPDX-License-Identifier: MIT */
/*
 * hutch_run(): the supervisor. Plans the root on the host side, creates the
 * run's cgroup, clones the sandbox's init into new user, pid, mount, ipc,
 * uts, net (and, from inside, cgroup) namespaces, writes its id maps, then
 * watches it: output pipes (capped), wall clock, whole-tree CPU time, the
 * seccomp listener, and init's exit. At the end it kills whatever is left
 * through the cgroup, reads the accounting and removes everything.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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


long run_clone_sandbox(int cgfd, int *ret_pidfd, bool *ret_attach_needed)
{
	struct clone_args ca = { 0 };
	long pid;

	ca.flags = CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS |
		   CLONE_NEWNET | CLONE_PIDFD;
	ca.pidfd = (uint64_t)(uintptr_t)ret_pidfd;
	ca.exit_signal = 0; /* no SIGCHLD: callers' handlers stay undisturbed */
	if (cgfd >= 0) {
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0 && (ca.flags & CLONE_INTO_CGROUP) && (errno == EINVAL || errno == E2BIG)) {
		/* Kernel < 5.7: no CLONE_INTO_CGROUP; attach after. */
		ca.flags &= ~CLONE_INTO_CGROUP;
		ca.cgroup = 0;
		cgfd = -1;
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
	}
	if (pid != 0)
		*ret_attach_needed = cgfd < 0;
	return pid;
}

void hutch_spec_init(struct hutch_spec *spec)
{
	memset(spec, 0, sizeof(*spec));
	spec->uid = HUTCH_DEFAULT_UID;
	spec->gid = HUTCH_DEFAULT_UID;
	spec->host_uid_base = HUTCH_HOST_UID_BASE;
	spec->stdin_fd = -1;
	spec->stdout_fd = -1;
	spec->stderr_fd = -1;
	spec->cancel_fd = -1;
	spec->net = HUTCH_NET_NONE;
}

const char *hutch_status_name(enum hutch_status status)
{
	static const char *const names[] = { "OK", "RE", "SG", "TO", "ML", "OL", "XX" };

	return (unsigned)status < ARRAY_SIZE(names) ? names[status] : "XX";
}

int hutch_result_exit_status(const struct hutch_result *r)
{
	if (r->status == HUTCH_XX)
		return 125;
	if (r->exec_failed)
		return r->exec_errno == ENOENT ? 127 : 126;
	if (r->signal > 0)
		return 128 + r->signal;
	if (r->exit_code >= 0)
		return r->exit_code;
	return 125;
}

static int write_proc_file(pid_t pid, const char *name, const char *text, struct hutch_error *err)
{
	char path[64];
	int r;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, name);
	r = hu_write_file_at(AT_FDCWD, path, text);
	if (r < 0)
		return herr(err, -r, "write '%s' to %s", text, path);
	return 0;
}

int run_write_id_maps(pid_t pid, uid_t base, struct hutch_error *err)
{
	char map[64];
	int r;

	/* setgroups denied: the program can never drop a group to get past a
	 * negative group permission (CVE-2014-8989). */
	r = write_proc_file(pid, "setgroups", "deny", err);
	if (r < 0)
		return r;
	snprintf(map, sizeof(map), "0 %u 65536\n", (unsigned)base);
	r = write_proc_file(pid, "uid_map", map, err);
	if (r < 0)
		return r;
	return write_proc_file(pid, "gid_map", map, err);
}


/* Read what is there; forward up to the limit. Returns 1 on EOF, 0 when
 * more may come, and sets *over when the limit was passed. */
static int stream_pump(struct stream *s, bool *over)
{
	char buf[65536];
	ssize_t n = read(s->fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : 1;
	if (n == 0)
		return 1;
	if (s->limit && s->bytes + (uint64_t)n > s->limit) {
		size_t keep = (size_t)(s->limit - s->bytes);
		if (s->out_fd >= 0 && keep)
			(void)hu_write_all(s->out_fd, buf, keep); /* caller's sink; best effort */
		s->bytes = s->limit;
		s->truncated = true;
		*over = true;
		return 0;
	}
	if (s->out_fd >= 0)
		(void)hu_write_all(s->out_fd, buf, (size_t)n); /* a closed sink must not stop the run */
	s->bytes += (uint64_t)n;
	return 0;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))];
	char byte;
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd = -1;

	if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) <= 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}


void sup_kill(struct supervisor *s, enum kill_reason why)
{
	if (s->killed == KILL_NONE)
		s->killed = why;
	if (s->cg)
		(void)cg_run_kill(s->cg, NULL); /* then SIGKILL of init covers what the cgroup misses */
	if (s->pidfd >= 0 && !s->init_exited)
		(void)syscall(SYS_pidfd_send_signal, s->pidfd, SIGKILL, NULL, 0);
}

void sup_read_reports(struct supervisor *s)
{
	struct report rep;

	for (;;) {
		ssize_t n = read(s->report_fd, &rep, sizeof(rep));

		if (n < 0 && errno == EINTR)
			continue;
		if (n != (ssize_t)sizeof(rep)) {
			if (n == 0 || (n < 0 && errno != EAGAIN)) {
				/* A warm sandbox's zygote closes the run's report
				 * pipe once every process of the run is gone. */
				if (s->warm && n == 0)
					s->init_exited = true;
				close(s->report_fd);
				s->report_fd = -1;
			}
			return;
		}
		switch (rep.kind) {
		case REPORT_SETUP_FAILED:
			s->setup_failed = true;
			s->setup_err.code = rep.code ? rep.code : EIO;
			memcpy(s->setup_err.msg, rep.msg, sizeof(s->setup_err.msg));
			s->setup_err.msg[sizeof(s->setup_err.msg) - 1] = '\0';
			break;
		case REPORT_EXEC_FAILED:
			s->res->exec_failed = true;
			s->res->exec_errno = rep.code;
			rep.msg[sizeof(rep.msg) - 1] = '\0';
			hu_strlcpy(s->res->message, rep.msg, sizeof(s->res->message));
			break;
		case REPORT_EXITED:
			s->got_exit_report = true;
			s->exit_rep = rep;
			break;
		case REPORT_TIMINGS:
			for (int i = 0; i < 4; i++)
				if (rep.step >= 0 && rep.step + i < HUTCH_STEP__MAX && rep.t_us[i])
					s->res->step_us[rep.step + i] =
						rep.t_us[i] > s->t0 ? rep.t_us[i] - s->t0 : 0;
			break;
		default:
			break;
		}
	}
}

static void sup_seccomp_event(struct supervisor *s)
{
	uint64_t id;
	uint32_t arch;
	int nr;

	if (sc_is_trace(s->spec->seccomp)) { /* a learning run: report and go on */
		(void)sc_trace_event(s->spec->seccomp, s->listener); /* ENOENT: task gone */
		return;
	}
	if (sc_notify_receive(s->listener, &nr, &arch, &id) < 0)
		return;
	/* Kill first, answer after: the task stays blocked in the syscall
	 * until answered, so it cannot run on once it has been denied. */
	if (s->res->seccomp_syscall < 0) {
		s->res->seccomp_syscall = nr;
		s->res->seccomp_arch = arch;
	}
	sup_kill(s, KILL_SECCOMP);
	(void)sc_notify_deny(s->listener, id); /* ENOENT once the task is gone: fine */
}

/* Main loop: runs until init has exited and both output pipes are at EOF. */
void sup_loop(struct supervisor *s)
{
	const struct hutch_limits *l = &s->spec->limits;
	uint64_t start = hu_now_us();
	uint64_t wall_deadline = l->wall_time_us ? start + l->wall_time_us : 0;
	uint64_t drain_deadline = 0;

	for (;;) {
		struct pollfd pfd[7];
		int n = 0, idx_pid = -1, idx_out = -1, idx_err = -1, idx_rep = -1, idx_sock = -1,
		    idx_lis = -1, idx_cancel = -1;
		int64_t timeout_ms = -1;
		uint64_t now = hu_now_us();
		bool over = false;

		if (s->init_exited && s->out.fd < 0 && s->errs.fd < 0 && s->report_fd < 0)
			break;
		if (s->init_exited && !drain_deadline)
			drain_deadline = now + 2000000; /* writers are all dead; EOF is near */
		if (drain_deadline && now >= drain_deadline)
			break;

		if (!s->init_exited) {
			idx_pid = n;
			pfd[n++] = (struct pollfd){ .fd = s->pidfd, .events = POLLIN };
		}
		if (s->out.fd >= 0) {
			idx_out = n;
			pfd[n++] = (struct pollfd){ .fd = s->out.fd, .events = POLLIN };
		}
		if (s->errs.fd >= 0) {
			idx_err = n;
			pfd[n++] = (struct pollfd){ .fd = s->errs.fd, .events = POLLIN };
		}
		if (s->report_fd >= 0) {
			idx_rep = n;
			pfd[n++] = (struct pollfd){ .fd = s->report_fd, .events = POLLIN };
		}
		if (s->sc_sock >= 0) {
			idx_sock = n;
			pfd[n++] = (struct pollfd){ .fd = s->sc_sock, .events = POLLIN };
		}
		if (s->listener >= 0) {
			idx_lis = n;
			pfd[n++] = (struct pollfd){ .fd = s->listener, .events = POLLIN };
		}
		if (s->spec->cancel_fd >= 0 && s->killed == KILL_NONE && !s->init_exited) {
			idx_cancel = n;
			pfd[n++] = (struct pollfd){ .fd = s->spec->cancel_fd, .events = POLLIN };
		}

		if (!s->init_exited && s->killed == KILL_NONE) {
			if (wall_deadline) {
				if (now >= wall_deadline) {
					sup_kill(s, KILL_WALL);
					continue;
				}
				timeout_ms = (int64_t)((wall_deadline - now + 999) / 1000);
			}
			if (l->cpu_time_us && s->cg) {
				uint64_t used = 0;
				if (cg_run_cpu_usage(s->cg, &used) == 0) {
					used = used > s->cpu_base ? used - s->cpu_base : 0;
					if (used >= l->cpu_time_us) {
						sup_kill(s, KILL_CPU);
						continue;
					}
					/* Usage grows at most ncpu µs per µs: sleep
					 * no longer than the earliest it can cross
					 * the limit, bounded to [1, 50] ms. */
					uint64_t wait_us = (l->cpu_time_us - used) / (uint64_t)s->ncpu;
					int64_t ms = (int64_t)(wait_us / 1000);
					if (ms < 1)
						ms = 1;
					if (ms > 50)
						ms = 50;
					if (timeout_ms < 0 || ms < timeout_ms)
						timeout_ms = ms;
				}
			}
		} else if (drain_deadline) {
			timeout_ms = (int64_t)((drain_deadline - now + 999) / 1000);
		} else if (s->killed != KILL_NONE) {
			timeout_ms = 100; /* re-kill until init is gone */
			sup_kill(s, s->killed);
		}

		if (poll(pfd, (nfds_t)n, (int)timeout_ms) < 0) {
			if (errno == EINTR)
				continue;
			sup_kill(s, KILL_INTERNAL);
			break;
		}
		if (idx_out >= 0 && pfd[idx_out].revents) {
			if (stream_pump(&s->out, &over)) {
				close(s->out.fd);
				s->out.fd = -1;
			}
		}
		if (idx_err >= 0 && pfd[idx_err].revents) {
			if (stream_pump(&s->errs, &over)) {
				close(s->errs.fd);
				s->errs.fd = -1;
			}
		}
		if (over) {
			sup_kill(s, KILL_OUTPUT);
			/* stop reading the overflowing stream: nothing more is kept */
			if (s->out.truncated && s->out.fd >= 0) {
				close(s->out.fd);
				s->out.fd = -1;
			}
			if (s->errs.truncated && s->errs.fd >= 0) {
				close(s->errs.fd);
				s->errs.fd = -1;
			}
		}
		if (idx_cancel >= 0 && pfd[idx_cancel].revents) {
			s->res->cancelled = true;
			sup_kill(s, KILL_CANCEL);
		}
		if (idx_rep >= 0 && pfd[idx_rep].revents)
			sup_read_reports(s);
		if (idx_sock >= 0 && pfd[idx_sock].revents) {
			int fd = recv_fd(s->sc_sock);
			close(s->sc_sock);
			s->sc_sock = -1;
			if (fd >= 0)
				s->listener = fd;
		}
		if (idx_lis >= 0 && pfd[idx_lis].revents) {
			if (pfd[idx_lis].revents & (POLLHUP | POLLERR | POLLNVAL)) {
				close(s->listener);
				s->listener = -1;
			} else {
				sup_seccomp_event(s);
			}
		}
		if (idx_pid >= 0 && pfd[idx_pid].revents) {
			s->init_exited = true;
			s->res->step_us[HUTCH_STEP_EXIT] = hu_now_us() - s->t0;
		}
	}
	s->res->wall_time = (double)(hu_now_us() - start) / 1e6;
}

static void set_message(struct hutch_result *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void set_message(struct hutch_result *r, const char *fmt, ...)
{
	va_list ap;

	if (r->message[0])
		return; /* a more specific message was set first */
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

/* Turn what was observed into the verdict, most specific cause first. */
void sup_verdict(struct supervisor *s, const struct cg_stats *st, bool have_stats)
{
	const struct hutch_limits *l = &s->spec->limits;
	struct hutch_result *r = s->res;
	int ws = s->exit_rep.wstatus;

	if (s->got_exit_report) {
		if (WIFEXITED(ws))
			r->exit_code = WEXITSTATUS(ws);
		else if (WIFSIGNALED(ws))
			r->signal = WTERMSIG(ws);
	}
	if (have_stats)
		r->oom_killed = st->oom_killed;
	if (!s->got_exit_report && s->killed != KILL_NONE)
		r->signal = SIGKILL; /* init and the program died of our SIGKILL */

	if (s->killed == KILL_SECCOMP) {
		char desc[256];
		sc_describe_denied(s->spec->seccomp, r->seccomp_syscall, r->seccomp_arch, desc,
				   sizeof(desc));
		r->status = HUTCH_SG;
		r->signal = SIGSYS;
		r->exit_code = -1;
		snprintf(r->message, sizeof(r->message), "%s", desc);
	} else if (s->killed == KILL_CANCEL) {
		r->status = HUTCH_SG;
		r->signal = SIGKILL;
		r->exit_code = -1;
		snprintf(r->message, sizeof(r->message), "cancelled: the caller stopped the run");
	} else if (r->exec_failed) {
		r->status = HUTCH_RE;
		r->exit_code = r->exec_errno == ENOENT ? 127 : 126;
		r->signal = 0;
	} else if (s->killed == KILL_OUTPUT) {
		r->status = HUTCH_OL;
		set_message(r, "output limit of %llu bytes exceeded on %s",
			    (unsigned long long)l->output_bytes,
			    r->stdout_truncated ? "stdout" : "stderr");
	} else if (r->oom_killed) {
		r->status = HUTCH_ML;
		set_message(r, "memory limit of %llu bytes exceeded (OOM kill)",
			    (unsigned long long)l->memory_bytes);
	/* The same verdict as the over-CPU branch further down, on purpose: the
	 * order decides which limit a run that hit several is charged with. */
	// NOLINTBEGIN(bugprone-branch-clone)
	} else if (s->killed == KILL_CPU || (l->cpu_time_us && r->time * 1e6 > (double)l->cpu_time_us &&
					     (r->signal || r->exit_code != 0))) {
		// NOLINTEND(bugprone-branch-clone)
		r->status = HUTCH_TO;
		r->timed_out = HUTCH_TIMEOUT_CPU;
		set_message(r, "CPU time limit of %.3f s exceeded (used %.3f s)",
			    (double)l->cpu_time_us / 1e6, r->time);
	} else if (s->killed == KILL_WALL) {
		r->status = HUTCH_TO;
		r->timed_out = HUTCH_TIMEOUT_WALL;
		set_message(r, "wall time limit of %.3f s exceeded", (double)l->wall_time_us / 1e6);
	} else if (r->signal == SIGXFSZ) {
		r->status = HUTCH_OL;
		r->fsize_exceeded = true;
		set_message(r, "file size limit of %llu bytes exceeded (SIGXFSZ)",
			    (unsigned long long)l->fsize_bytes);
	} else if (r->signal == SIGXCPU && l->cpu_time_us) {
		r->status = HUTCH_TO;
		r->timed_out = HUTCH_TIMEOUT_CPU;
		set_message(r, "CPU time limit exceeded (SIGXCPU)");
	} else if (l->cpu_time_us && r->time * 1e6 > (double)l->cpu_time_us) {
		r->status = HUTCH_TO;
		r->timed_out = HUTCH_TIMEOUT_CPU;
		set_message(r, "CPU time limit of %.3f s exceeded (used %.3f s)",
			    (double)l->cpu_time_us / 1e6, r->time);
	} else if (!s->got_exit_report) {
		r->status = HUTCH_XX;
		set_message(r, "sandbox init ended without reporting the program's status");
	} else if (r->signal) {
		r->status = HUTCH_SG;
		set_message(r, "killed by signal %d (%s)", r->signal, sigabbrev_np(r->signal) ?: "?");
	} else if (r->exit_code != 0) {
		r->status = HUTCH_RE;
		set_message(r, "exited with status %d", r->exit_code);
	} else {
		r->status = HUTCH_OK;
		set_message(r, "exited normally");
	}
}

int run_check_spec(const struct hutch_spec *spec, struct hutch_error *err)
{
	int r;

	if (!spec->argv || !spec->argv[0] || !spec->argv[0][0])
		return herr(err, EINVAL, "no program to run");
	if (!spec->envp)
		return herr(err, EINVAL, "no environment (envp must be set, may be empty)");
	if (spec->uid == 0 || spec->gid == 0)
		return herr(err, EINVAL, "the program may not run as uid/gid 0 inside");
	if (spec->uid >= 65536 || spec->gid >= 65536)
		return herr(err, EINVAL, "uid/gid inside must be below 65536");
	if (spec->cwd) {
		r = mnt_check_inside_path("cwd", spec->cwd, err);
		if (r < 0)
			return r;
	}
	r = net_check_spec(spec, err);
	if (r < 0)
		return r;
	/* Supplementary groups are inherited by the clone and are checked
	 * against their host ids: a root caller's group 0 would open files
	 * of group root inside. The front end drops them once at start. */
	r = getgroups(0, NULL);
	if (r < 0)
		return herr(err, errno, "getgroups");
	if (r > 0)
		return herr(err, EPERM,
			    "the calling process has %d supplementary group(s); call setgroups(0, NULL) "
			    "before hutch_run",
			    r);
	return 0;
}

int hutch_run(const struct hutch_spec *spec, struct hutch_result *res, struct hutch_error *err)
{
	struct hutch_cgroup_host *own_host = NULL;
	const struct hutch_cgroup_host *host = spec->cgroups;
	struct supervisor s = { 0 };
	struct child_ctx ctx = { 0 };
	struct net_run *net = NULL;
	int outp[2] = { -1, -1 }, errp[2] = { -1, -1 }, rep[2] = { -1, -1 }, syncp[2] = { -1, -1 };
	int scp[2] = { -1, -1 };
	int workdir_fd = -1;
	struct stat wd_st;
	bool wd_chowned = false;
	struct cg_stats st = { 0 };
	bool have_stats = false, attach_needed = true;
	char name[64];
	int r;

	memset(res, 0, sizeof(*res));
	res->status = HUTCH_XX;
	res->exit_code = -1;
	res->seccomp_syscall = -1;
	herr_clear(err);
	s.t0 = hu_now_us();
	s.spec = spec;
	s.res = res;
	s.pidfd = s.report_fd = s.sc_sock = s.listener = -1;
	s.out.fd = s.errs.fd = -1;
	ctx.plan.image_fd = -1;

	r = run_check_spec(spec, err);
	if (r < 0)
		goto out;

	if (!host) {
		r = hutch_cgroup_detect(&own_host, err);
		if (r < 0)
			goto out;
		host = own_host;
	}
	snprintf(name, sizeof(name), "r%d.%ld.%llu", (int)getpid(), (long)gettid(),
		 (unsigned long long)s.t0);
	r = cg_run_create(host, name, &spec->limits, &s.cg, &res->unenforced, err);
	if (r < 0) {
		herr_prefix(err, "cgroup");
		goto out;
	}
	res->step_us[HUTCH_STEP_CGROUP] = hu_now_us() - s.t0;

	/* egress/publish: address slot, nftables table, resolv.conf (bound
	 * inside, so the mount plan is made from net.c's copy of the spec). */
	if (net_mode_has_veth(spec->net)) {
		r = net_run_prepare(spec, &net, err);
		if (r < 0)
			goto out;
	}
	r = mnt_plan_prepare(net ? net_run_mount_spec(net) : spec, &ctx.plan, err);
	if (r < 0) {
		herr_prefix(err, "rootfs");
		goto out;
	}

	if (pipe2(outp, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(rep, O_CLOEXEC) < 0 ||
	    pipe2(syncp, O_CLOEXEC) < 0) {
		r = herr(err, errno, "pipe");
		goto out;
	}
	if (spec->seccomp && sc_wants_listener(spec->seccomp) &&
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, scp) < 0) {
		r = herr(err, errno, "socketpair");
		goto out;
	}

	ctx.empty_caps = cap_init();
	if (!ctx.empty_caps) {
		r = herr(err, errno, "cap_init");
		goto out;
	}
	ctx.cap_last = (int)cap_max_bits() - 1;
	ctx.spec = spec;
	ctx.sync_fd = syncp[0];
	ctx.report_fd = rep[1];
	ctx.seccomp_sock = scp[1];
	ctx.stdin_fd = spec->stdin_fd;
	ctx.stdout_w = outp[1];
	ctx.stderr_w = errp[1];
	ctx.unenforced = res->unenforced;
	ctx.timings = spec->timings;
	ctx.cwd = spec->cwd ? spec->cwd : "/box";
	net_inside_plan(spec, net, &ctx.net);

	/* The workdir's top directory belongs to the program for the run, so
	 * it can create files there; the owner is restored afterwards. */
	if (spec->workdir) {
		workdir_fd = open(spec->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (workdir_fd < 0 || fstat(workdir_fd, &wd_st) < 0) {
			r = herr(err, errno, "workdir %s", spec->workdir);
			goto out;
		}
		if (fchown(workdir_fd, spec->host_uid_base + spec->uid,
			   spec->host_uid_base + spec->gid) < 0) {
			r = herr(err, errno, "chown workdir %s to the sandbox user", spec->workdir);
			goto out;
		}
		wd_chowned = true;
	}

	{
		long pid = run_clone_sandbox(cg_run_clone_fd(s.cg), &s.pidfd, &attach_needed);

		if (pid < 0) {
			r = herr(err, errno, "clone3 with new namespaces");
			goto out;
		}
		if (pid == 0)
			child_init_main(&ctx);
		s.pid = (pid_t)pid;
	}
	res->step_us[HUTCH_STEP_CLONE] = hu_now_us() - s.t0;

	/* The child's ends and the plan's trees live on in the child only. */
	close(outp[1]);
	close(errp[1]);
	close(rep[1]);
	close(syncp[0]);
	outp[1] = errp[1] = rep[1] = syncp[0] = -1;
	if (scp[1] >= 0) {
		close(scp[1]);
		scp[1] = -1;
	}
	mnt_plan_release(&ctx.plan);

	s.report_fd = TAKE_FD(rep[0]);
	s.out = (struct stream){ .fd = TAKE_FD(outp[0]), .out_fd = spec->stdout_fd,
				 .limit = spec->limits.output_bytes };
	s.errs = (struct stream){ .fd = TAKE_FD(errp[0]), .out_fd = spec->stderr_fd,
				  .limit = spec->limits.output_bytes };
	s.sc_sock = TAKE_FD(scp[0]);
	s.ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (s.ncpu < 1)
		s.ncpu = 1;

	r = run_write_id_maps(s.pid, spec->host_uid_base, err);
	if (r == 0 && attach_needed)
		r = cg_run_attach(s.cg, s.pid, err);
	/* The veth's inside end goes into init's namespace before init runs. */
	if (r == 0 && net)
		r = net_run_attach(net, s.pid, err);
	/* syncp[1] stays open until the end: it is init's lifeline. */
	if (r == 0 && hu_write_all(syncp[1], "G", 1) < 0)
		r = herr(err, errno, "release sandbox init");
	if (r < 0) {
		sup_kill(&s, KILL_INTERNAL);
		(void)waitid(P_PIDFD, (id_t)s.pidfd, NULL, WEXITED | __WALL);
		goto out;
	}
	res->step_us[HUTCH_STEP_IDMAP] = hu_now_us() - s.t0;
	if (net)
		net_run_ready(net);

	sup_loop(&s);

	/* init is gone; make sure nothing else of the run is. */
	if (s.cg)
		(void)cg_run_kill(s.cg, NULL);
	{
		siginfo_t si;
		while (waitid(P_PIDFD, (id_t)s.pidfd, &si, WEXITED | __WALL) < 0 && errno == EINTR)
			;
	}
	if (s.report_fd >= 0)
		sup_read_reports(&s);

	if (s.setup_failed) {
		*err = s.setup_err;
		r = -err->code;
		goto out;
	}

	if (s.cg && cg_run_stats(s.cg, &st, NULL) == 0) {
		have_stats = true;
		res->time = (double)st.cpu_us / 1e6;
		res->memory_peak = st.memory_peak;
	}
	if (!have_stats || (res->unenforced & HUTCH_UNENF_CPU_TREE))
		res->time = (double)s.exit_rep.cpu_us / 1e6;
	if (!res->memory_peak) /* no cgroup peak (none backend, old kernel): largest RSS */
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
		hu_strlcpy(res->message, err ? err->msg : "sandbox failure", sizeof(res->message));
	}
	if (s.pidfd >= 0) {
		if (r < 0 && s.pid > 0) {
			(void)syscall(SYS_pidfd_send_signal, s.pidfd, SIGKILL, NULL, 0);
			(void)waitid(P_PIDFD, (id_t)s.pidfd, NULL, WEXITED | __WALL);
		}
		close(s.pidfd);
	}
	cg_run_destroy(s.cg);
	net_run_destroy(net); /* init is reaped: its namespace and veth end are going */
	if (wd_chowned && fchown(workdir_fd, wd_st.st_uid, wd_st.st_gid) < 0 && r == 0)
		r = herr(err, errno, "restore owner of workdir %s", spec->workdir);
	if (workdir_fd >= 0)
		close(workdir_fd);
	mnt_plan_release(&ctx.plan);
	if (ctx.empty_caps)
		cap_free(ctx.empty_caps);
	for (int i = 0; i < 2; i++) {
		int *fds[] = { &outp[i], &errp[i], &rep[i], &syncp[i], &scp[i] };
		for (size_t j = 0; j < ARRAY_SIZE(fds); j++)
			if (*fds[j] >= 0)
				close(*fds[j]);
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
	hutch_cgroup_host_free(own_host);
	res->step_us[HUTCH_STEP_DONE] = hu_now_us() - s.t0;
	return r;
}
