/* SPDX-License-Identifier: MIT */
/*
 * Sandboxes that hutch's own admin commands run (prefix prun_): `hutch
 * profile audit` runs its probes and `hutch profile learn` its traced
 * command in sandboxes made from a profile exactly as `hutch run` makes
 * them (spec_build: the same limits, ceilings, image, binds, environment),
 * with the program's output captured in memory.
 */
#ifndef HUTCH_PRUN_H
#define HUTCH_PRUN_H

#include <stdbool.h>
#include <stddef.h>

#include "hutch.h"
#include "profile.h"

/* What every run of one command shares: the cgroup host, the profile's
 * compiled seccomp program, and a signalfd that cancels the current run on
 * SIGINT/SIGTERM/SIGHUP (so ^C leaves nothing behind). */
struct prun_ctx {
	const struct profile *p;
	struct hutch_seccomp *sc; /* NULL: seccomp disabled by the profile */
	struct hutch_cgroup_host *cg;
	int cancel_fd;
	bool cancelled; /* a signal arrived: stop running more */
};

/* Load nothing, check nothing of the profile but its seccomp policy
 * (compiled here). 0 or -errno with err set. */
int prun_init(struct prun_ctx *ctx, const struct profile *p, struct hutch_error *err);
void prun_fini(struct prun_ctx *ctx);

struct prun_opts {
	char *const *argv;
	const struct run_overrides *ov; /* may be NULL */
	const char *workdir;            /* host dir at /box, or NULL */
	const struct hutch_bind *binds;
	size_t n_binds;
	const char *const *env;               /* extra "K=V", NULL-terminated; may be NULL */
	const struct hutch_seccomp *seccomp;  /* instead of the profile's (a tracing program) */
	size_t capture_max;                   /* bytes of stdout+stderr kept (0: 64 KiB) */
};

/* One run. *ret_output (malloc'd, NUL-terminated, may be NULL when empty)
 * receives stdout then stderr, capped at capture_max. Returns 0 when the
 * program ran (res holds its verdict) or -errno when the sandbox could not
 * be made (err says why). */
int prun_run(struct prun_ctx *ctx, const struct prun_opts *o, struct hutch_result *res,
	     char **ret_output, struct hutch_error *err);

/* The probe program (tests/helpers/probe.c, installed as hutch-probe):
 * $HUTCH_PROBE, else next to the hutch executable (hutch-probe,
 * build/hutch-probe) or in ../libexec/hutch/. NULL if none is found. */
const char *prun_probe_path(void);

#endif
