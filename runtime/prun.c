/* SPDX-License-Identifier: MIT */
#include "prun.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cgroup.h"
#include "cli.h"
#include "error.h"
#include "netopts.h"
#include "seccomp.h"
#include "spec.h"
#include "util.h"

#define PRUN_CAPTURE_DEFAULT (64u << 10)

extern char **environ;

int prun_init(struct prun_ctx *ctx, const struct profile *p, struct hutch_error *err)
{
	sigset_t sigs;
	int r;

	memset(ctx, 0, sizeof(*ctx));
	ctx->p = p;
	ctx->cancel_fd = -1;
	if (p->seccomp_enabled) {
		r = hutch_seccomp_compile(&p->seccomp, &ctx->sc, err);
		if (r < 0)
			return herr_prefix(err, "profile %s: seccomp", p->name);
	}
	r = hutch_cgroup_detect(&ctx->cg, err);
	if (r < 0) {
		herr_prefix(err, "cgroups");
		prun_fini(ctx);
		return r;
	}
	/* Runs of crashed hutch processes would count against nothing of ours,
	 * but they hold memory: the same cleanup as `hutch run`. */
	(void)hutch_cgroup_cleanup_stale(ctx->cg, NULL); /* best effort, as hutch run */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGQUIT);
	if (sigprocmask(SIG_BLOCK, &sigs, NULL) == 0)
		ctx->cancel_fd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	return 0;
}

void prun_fini(struct prun_ctx *ctx)
{
	hutch_seccomp_free(ctx->sc);
	ctx->sc = NULL;
	hutch_cgroup_host_free(ctx->cg);
	ctx->cg = NULL;
	if (ctx->cancel_fd >= 0)
		close(ctx->cancel_fd);
	ctx->cancel_fd = -1;
}

/* Up to max bytes of fd (a memfd the run wrote) appended to *buf. */
static int slurp_memfd(int fd, size_t max, char **buf, size_t *len)
{
	struct stat st;
	size_t n;
	char *nb;
	ssize_t got;

	if (fstat(fd, &st) < 0)
		return -errno;
	n = (size_t)st.st_size < max ? (size_t)st.st_size : max;
	if (n == 0)
		return 0;
	nb = realloc(*buf, *len + n + 1);
	if (!nb)
		return -ENOMEM;
	*buf = nb;
	got = pread(fd, nb + *len, n, 0);
	if (got < 0)
		return -errno;
	*len += (size_t)got;
	nb[*len] = '\0';
	return 0;
}

int prun_run(struct prun_ctx *ctx, const struct prun_opts *o, struct hutch_result *res,
	     char **ret_output, struct hutch_error *err)
{
	static const struct net_overrides no_net = { 0 };
	struct spec_extras x = {
		.caller_env = (const char *const *)environ,
		.env = o->env,
		.binds = o->binds,
		.n_binds = o->n_binds,
		.seccomp = o->seccomp ? o->seccomp : ctx->sc,
		.state_dir = cli_state_dir(),
	};
	struct spec_parts parts;
	struct hutch_spec spec;
	_cleanup_close_ int out = -1, errs = -1;
	size_t cap = o->capture_max ? o->capture_max : PRUN_CAPTURE_DEFAULT, len = 0;
	char *buf = NULL;
	int r;

	memset(res, 0, sizeof(*res));
	res->status = HUTCH_XX;
	if (ctx->cancelled)
		return herr(err, ECANCELED, "cancelled");
	hutch_spec_init(&spec);
	r = spec_build(ctx->p, o->ov, &x, &parts, &spec, err);
	if (r < 0)
		return r;
	r = netopt_apply(&ctx->p->net_opts, &no_net, &spec, err);
	if (r < 0)
		goto out;
	if (o->seccomp && !ctx->p->seccomp_enabled)
		spec.seccomp = o->seccomp; /* tracing a profile without a policy */
	out = memfd_create("hutch-prun-out", MFD_CLOEXEC);
	errs = memfd_create("hutch-prun-err", MFD_CLOEXEC);
	if (out < 0 || errs < 0) {
		r = herr(err, errno, "memfd_create");
		goto out;
	}
	spec.argv = o->argv;
	spec.workdir = o->workdir;
	spec.cwd = o->workdir ? "/box" : "/";
	spec.stdin_fd = -1;
	spec.stdout_fd = out;
	spec.stderr_fd = errs;
	spec.cgroups = ctx->cg;
	spec.cancel_fd = ctx->cancel_fd;

	r = hutch_run(&spec, res, err);
	if (res->cancelled)
		ctx->cancelled = true;
	if (ret_output) {
		if (slurp_memfd(out, cap, &buf, &len) < 0 || slurp_memfd(errs, cap, &buf, &len) < 0) {
			free(buf);
			buf = NULL;
		}
		*ret_output = buf;
	}
out:
	spec_parts_free(&parts);
	return r;
}

/* dirname of /proc/self/exe into dir. */
static int exe_dir(char *dir, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", dir, len - 1);
	char *slash;

	if (n <= 0)
		return -1;
	dir[n] = '\0';
	slash = strrchr(dir, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	return 0;
}

const char *prun_probe_path(void)
{
	static const char *const rel[] = {
		"hutch-probe",
		"build/hutch-probe",
		"../libexec/hutch/hutch-probe",
		"build/tests/helpers/probe", /* a source tree built with make */
	};
	static char found[PATH_MAX];
	const char *env = getenv("HUTCH_PROBE");
	char dir[PATH_MAX];

	if (env && *env)
		return access(env, X_OK) == 0 ? env : NULL;
	if (exe_dir(dir, sizeof(dir)) < 0)
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
		int n = snprintf(found, sizeof(found), "%s/%s", dir, rel[i]);
		struct stat st;

		if (n > 0 && (size_t)n < sizeof(found) && stat(found, &st) == 0 && S_ISREG(st.st_mode) &&
		    access(found, X_OK) == 0)
			return found;
	}
	return NULL;
}
