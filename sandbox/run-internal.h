/* SPDX-License-Identifier: MIT */
/* Shared by run.c (supervisor) and child.c (sandbox init and program). */
#ifndef HUTCH_RUN_INTERNAL_H
#define HUTCH_RUN_INTERNAL_H

#include <sys/capability.h>

#include "hutch.h"
#include "cgroup.h"
#include "mount.h"
#include "net.h"

/* Messages on the report pipe, child -> supervisor. Each is written with
 * one write() below PIPE_BUF, so it arrives whole. */
enum report_kind {
	REPORT_SETUP_FAILED = 1, /* init could not build the sandbox: err */
	REPORT_EXEC_FAILED,      /* execve failed: err.code, err.msg */
	REPORT_EXITED,           /* main program ended: wstatus, rusage of the tree */
	REPORT_TIMINGS,          /* step timestamps (CLOCK_MONOTONIC µs) */
};

struct report {
	int kind;
	int wstatus;
	uint64_t cpu_us;     /* RUSAGE_CHILDREN of init: every reaped process */
	uint64_t maxrss;     /* bytes, largest single process */
	int step;            /* REPORT_TIMINGS: first step index */
	uint64_t t_us[4];    /* REPORT_TIMINGS: consecutive steps from `step` */
	int code;
	char msg[1024];
};

/* Everything the child needs, prepared by the supervisor before clone so
 * that the child allocates nothing. */
struct child_ctx {
	const struct hutch_spec *spec;
	struct mnt_plan plan;
	int sync_fd;     /* read end: supervisor says "maps written" */
	int report_fd;   /* write end of the report pipe */
	int seccomp_sock; /* where the program sends its seccomp listener, or -1 */
	int stdin_fd;    /* -1: /dev/null inside */
	int stdout_w;    /* pipe write ends */
	int stderr_w;
	cap_t empty_caps; /* cap_init() made by the supervisor */
	int cap_last;    /* highest capability number of this kernel */
	unsigned unenforced; /* limits the cgroup could not enforce: use rlimits */
	bool timings;
	const char *cwd;
	struct net_inside net; /* lo and the veth's inside end (net.c) */
	/* Warm sandbox (zygote.c): after building the root, init serves runs
	 * sent on zygote_sock instead of starting one program. */
	bool zygote;
	int zygote_sock;
};

/* clone3 the sandbox's init into new user, pid, mount, ipc, uts and net
 * namespaces, into cgroup fd cgfd when >= 0 (falling back to a later
 * attach on kernels without CLONE_INTO_CGROUP). Like fork: returns 0 in the
 * child, the pid in the parent (with *ret_pidfd and *ret_attach_needed
 * set), or -1 with errno. */
long run_clone_sandbox(int cgfd, int *ret_pidfd, bool *ret_attach_needed);

/* Entry of the sandbox's init (pid 1 of the new pid namespace). Never
 * returns. */
__attribute__((noreturn)) void child_init_main(struct child_ctx *ctx);

/* For zygote.c, from child.c: report a setup failure and _exit; the
 * program's own setup and execve (works on a copy of ctx); start a program
 * child with clone(CLONE_VM | CLONE_VFORK | extra_flags) running entry. */
__attribute__((noreturn)) void child_setup_failed(const struct child_ctx *ctx,
						  const struct hutch_error *err);
__attribute__((noreturn)) void child_program_main(struct child_ctx *shared);
pid_t child_start_program(struct child_ctx *ctx, int (*entry)(void *), unsigned long extra_flags);

/* zygote.c: init's loop in a warm sandbox. Never returns. */
__attribute__((noreturn)) void zygote_main(struct child_ctx *ctx);

/* Messages on a warm sandbox's control socket, supervisor -> zygote: one
 * SOCK_SEQPACKET message per run, this header then argc + envc + 1 (cwd)
 * NUL-terminated strings, with the run's fds attached in the order of
 * enum zygote_fd (those whose flag is clear are absent). */
#define ZYGOTE_MAGIC 0x687a7931u /* "hzy1" */
#define ZYGOTE_MSG_MAX (256u << 10)
#define ZYGOTE_ARGS_MAX 4096u

enum zygote_flags {
	ZF_REDIRECT_STDERR = 1u << 0,
	ZF_STDIN = 1u << 1,   /* a stdin fd is attached (else /dev/null) */
	ZF_SECCOMP = 1u << 2, /* a seccomp-listener socket is attached */
	ZF_WORKDIR = 1u << 3, /* a detached workdir tree is attached */
};

enum zygote_fd { ZFD_STDOUT = 0, ZFD_STDERR, ZFD_REPORT, ZFD_STDIN, ZFD_SECCOMP, ZFD_WORKDIR, ZFD__MAX };

struct zygote_msg {
	uint32_t magic;
	uint32_t flags;
	uint32_t argc;
	uint32_t envc;
};


/* ---- the supervisor (run.c), shared with warm.c ---- */

enum kill_reason { KILL_NONE = 0, KILL_OUTPUT, KILL_CPU, KILL_WALL, KILL_SECCOMP, KILL_CANCEL, KILL_INTERNAL };

struct stream {
	int fd;      /* read end, -1 when closed */
	int out_fd;  /* caller's fd or -1 */
	uint64_t limit;
	uint64_t bytes;
	bool truncated;
};

struct supervisor {
	const struct hutch_spec *spec;
	struct hutch_result *res;
	struct cg_run *cg;
	pid_t pid;
	int pidfd;
	int report_fd;
	int sc_sock;
	int listener;
	struct stream out, errs;
	enum kill_reason killed;
	bool init_exited;
	bool got_exit_report;
	bool setup_failed;
	struct report exit_rep;
	struct hutch_error setup_err;
	uint64_t t0;
	int ncpu;
	/* Warm sandbox: the end of a run is the EOF of its report pipe (the
	 * zygote outlives it), and CPU time counts from cpu_base. */
	bool warm;
	uint64_t cpu_base;
};

int run_check_spec(const struct hutch_spec *spec, struct hutch_error *err);
int run_write_id_maps(pid_t pid, uid_t base, struct hutch_error *err);
void sup_kill(struct supervisor *s, enum kill_reason why);
void sup_read_reports(struct supervisor *s);
/* Until the run is over: output, limits, seccomp events, cancel. */
void sup_loop(struct supervisor *s);
/* The verdict of what was observed, into s->res. */
void sup_verdict(struct supervisor *s, const struct cg_stats *st, bool have_stats);

#endif
