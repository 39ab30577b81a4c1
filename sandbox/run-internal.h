/* SPDX-License-Identifier: MIT */
/* Shared by run.c (supervisor) and child.c (sandbox init and program). */
#ifndef HUTCH_RUN_INTERNAL_H
#define HUTCH_RUN_INTERNAL_H

#include <sys/capability.h>

#include "hutch.h"
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
};

/* Entry of the sandbox's init (pid 1 of the new pid namespace). Never
 * returns. */
__attribute__((noreturn)) void child_init_main(struct child_ctx *ctx);

#endif
