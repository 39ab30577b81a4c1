/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 (Documentation/admin-guide/cgroup-v2.rst): the pure-v2
 * backend, and the pieces the hybrid backend uses for the controllers a
 * hybrid host has moved to its unified hierarchy.
 *
 * Layout: <root>/hutch/<run>. hutch/ never holds a process (so the
 * "no internal processes" rule never bites) and has the run's
 * controllers in cgroup.subtree_control; <run> holds the program's tree.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The controllers that exist under that name on v2. */
#define CG2_REAL (CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS) | CG_BIT(CG_CPU) | CG_BIT(CG_CPUSET))
/* What a v2 directory gives every run regardless of controllers. */
#define CG2_CORE (CG_BIT(CG_CPUACCT) | CG_BIT(CG_FREEZER))

/*
 * Make sure every controller of ctrls is in dirfd's cgroup.subtree_control.
 * Only the missing ones are written, one "+name" per write(2) so that a
 * refusal names the controller; hutch never writes "-name".
 */
static int cg2_enable(int dirfd, const char *path, unsigned ctrls, struct hutch_error *err)
{
	char have[1024], tok[32];
	ssize_t n;

	n = cg_read_at(dirfd, path, "cgroup.subtree_control", have, sizeof(have), err);
	if (n < 0)
		return (int)n;
	for (int c = 0; c < CG__MAX; c++) {
		int r;

		if (!(ctrls & CG2_REAL & CG_BIT(c)) || cg_list_has(have, cg_ctrl_name[c]))
			continue;
		snprintf(tok, sizeof(tok), "+%s", cg_ctrl_name[c]);
		r = cg_write_at(dirfd, path, "cgroup.subtree_control", tok, err);
		if (r == -EBUSY)
			/* "No internal processes": a non-root cgroup with
			 * processes of its own cannot hand controllers down. */
			return herr_prefix(err, "%s has processes of its own and cannot delegate "
						"controllers (docs/cgroups.md)",
					   path);
		if (r < 0)
			return r;
	}
	return 0;
}

/* cpuset.cpus on v2 is a request: CPUs outside the parent's set are
 * silently dropped, and a request with none of them falls back to the
 * parent's whole set. Check that the effective set is inside the request,
 * or the limit would be quietly void. */
static int cg2_check_cpuset(const struct cg_dir *dir, const char *want, struct hutch_error *err)
{
	uint64_t req[CG_CPUSET_MAX_CPUS / 64], eff[CG_CPUSET_MAX_CPUS / 64];
	char buf[4096];
	ssize_t n;

	n = cg_read_at(dir->fd, dir->path, "cpuset.cpus.effective", buf, sizeof(buf), err);
	if (n < 0)
		return (int)n;
	if (cg_cpulist_parse(want, req, CG_CPUSET_MAX_CPUS) < 0 ||
	    cg_cpulist_parse(buf, eff, CG_CPUSET_MAX_CPUS) < 0)
		return herr(err, EINVAL, "%s/cpuset.cpus.effective: cannot parse '%.64s'",
			    dir->path, buf);
	for (size_t i = 0; i < ARRAY_SIZE(req); i++)
		if (eff[i] & ~req[i]) {
			buf[strcspn(buf, "\n")] = '\0';
			return herr(err, EINVAL,
				    "cpuset %s is not available under %s (effective: %s)", want,
				    dir->path, buf);
		}
	return 0;
}

static int cg2_apply(const struct cg_dir *dir, unsigned ctrls, const struct hutch_limits *lim,
		     struct hutch_error *err)
{
	int r;

	if (lim->memory_bytes && (ctrls & CG_BIT(CG_MEMORY))) {
		r = cg_write_u64(dir, "memory.max", lim->memory_bytes, err);
		if (r < 0)
			return r;
		/* Swap off, so the limit is on memory, not memory + swap.
		 * memory.swap.max is absent when the kernel has no swap
		 * accounting (CONFIG_MEMCG_SWAP=n, or swapaccount=0 before
		 * 6.1): then there is nothing more to set. */
		r = cg_write(dir, "memory.swap.max", "0", err);
		if (r < 0 && r != -ENOENT)
			return r;
	}
	if (lim->pids && (ctrls & CG_BIT(CG_PIDS))) {
		r = cg_write_u64(dir, "pids.max", lim->pids, err);
		if (r < 0)
			return r;
	}
	if (lim->cpu_bandwidth_permille && (ctrls & CG_BIT(CG_CPU))) {
		uint64_t quota, period;
		char buf[64];

		r = cg_bandwidth(lim->cpu_bandwidth_permille, &quota, &period, err);
		if (r < 0)
			return r;
		snprintf(buf, sizeof(buf), "%" PRIu64 " %" PRIu64, quota, period);
		r = cg_write(dir, "cpu.max", buf, err);
		if (r < 0)
			return r;
	}
	if (lim->cpuset && (ctrls & CG_BIT(CG_CPUSET))) {
		/* cpuset.mems stays empty: on v2 that means the parent's. */
		r = cg_write(dir, "cpuset.cpus", lim->cpuset, err);
		if (r < 0)
			return r;
		r = cg2_check_cpuset(dir, lim->cpuset, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg2_dir_create(const char *root, unsigned root_ctrls, const char *name, unsigned ctrls,
		   const struct hutch_limits *limits, struct cg_dir *dir, struct hutch_error *err)
{
	_cleanup_close_ int rootfd = -1;
	_cleanup_free_ char *parent_path = NULL;
	int parent_fd = -1, r;

	ctrls &= CG2_REAL;
	if (ctrls & ~root_ctrls)
		return herr(err, ENOTSUP, "%s/cgroup.controllers lacks a needed controller", root);
	rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return herr(err, errno, "open %s", root);
	/*
	 * The root's cgroup.subtree_control is the one file hutch writes in a
	 * cgroup it did not create: a controller must be enabled in every
	 * ancestor's subtree_control before hutch/ can enable it (top-down
	 * constraint). It is written only when a controller is missing, and
	 * only ever "+name": on systemd hosts systemd has already enabled
	 * memory, pids and cpu there, and hutch then writes nothing.
	 */
	r = cg2_enable(rootfd, root, ctrls, err);
	if (r < 0)
		return r;
	r = cg_parent_open(rootfd, root, &parent_fd, err);
	if (r < 0)
		return r;
	if (asprintf(&parent_path, "%s/%s", root, CG_PARENT) < 0) {
		(void)close(parent_fd); /* O_PATH fd: nothing to flush */
		return herr(err, ENOMEM, "cgroup path");
	}
	r = cg2_enable(parent_fd, parent_path, ctrls, err);
	if (r < 0) {
		(void)close(parent_fd); /* O_PATH fd: nothing to flush */
		return r;
	}
	r = cg_dir_make(parent_fd, root, name, dir, err);
	if (r < 0)
		return r;
	dir->v2 = true;
	dir->ctrls = ctrls | CG2_CORE;
	return cg2_apply(dir, ctrls, limits, err);
}

int cg2_populated(const struct cg_dir *dir, bool *ret, struct hutch_error *err)
{
	char buf[512];
	uint64_t v;
	ssize_t n;

	n = cg_read_at(dir->fd, dir->path, "cgroup.events", buf, sizeof(buf), err);
	if (n < 0)
		return (int)n;
	if (cg_parse_key(buf, "populated", &v) < 0)
		return herr(err, EINVAL, "%s/cgroup.events: no 'populated' line", dir->path);
	*ret = v != 0;
	return 0;
}

/* Kernels before 5.14 have no cgroup.kill. Freeze (5.2+) so that nothing
 * forks between reading cgroup.procs and signalling it, SIGKILL the list,
 * thaw; without cgroup.freeze (4.5-5.1) only the kill loop remains, which
 * still ends because a process with SIGKILL pending cannot fork. */
int cg2_freeze_kill(const struct cg_dir *dir, struct hutch_error *err)
{
	uint64_t deadline = hu_now_us() + CG_FREEZE_TIMEOUT_US, step = 50;
	bool frozen;
	size_t n;
	int r;

	r = cg_write(dir, "cgroup.freeze", "1", err);
	frozen = r == 0;
	if (r < 0 && r != -ENOENT)
		return r;
	while (frozen) {
		char buf[512];
		uint64_t v = 0;

		if (cg_read_at(dir->fd, dir->path, "cgroup.events", buf, sizeof(buf), NULL) < 0 ||
		    cg_parse_key(buf, "frozen", &v) < 0 || v == 1 || hu_now_us() > deadline)
			break; /* stuck freezing (D state): the kill loop copes */
		cg_backoff(&step);
	}
	r = cg_procs_kill(dir, &n, err);
	if (frozen) {
		/* Frozen v2 tasks do die on SIGKILL; thaw anyway so that
		 * nothing is left frozen whatever happens next. */
		int q = cg_write(dir, "cgroup.freeze", "0", r < 0 ? NULL : err);

		if (q < 0 && r == 0)
			r = q;
	}
	if (r < 0)
		return r;
	return cg_procs_kill_until_empty(dir, hu_now_us() + CG_KILL_TIMEOUT_US, err);
}

int cg2_kill(const struct cg_dir *dir, struct hutch_error *err)
{
	uint64_t deadline = hu_now_us() + CG_KILL_TIMEOUT_US, step = 20;
	int r;

	if (dir->fd < 0)
		return 0;
	/* cgroup.kill (5.14+) kills the whole subtree in the kernel, racing
	 * forks correctly: the documented way to make sure nothing escapes. */
	r = cg_write(dir, "cgroup.kill", "1", err);
	if (r == -ENOENT)
		r = cg2_freeze_kill(dir, err);
	if (r < 0)
		return r;
	/* SIGKILL is asynchronous: wait until the tasks have left. */
	for (;;) {
		bool populated;

		r = cg2_populated(dir, &populated, err);
		if (r < 0)
			return r;
		if (!populated)
			return 0;
		if (hu_now_us() > deadline)
			return herr(err, EBUSY, "%s: still populated %u s after SIGKILL", dir->path,
				    CG_KILL_TIMEOUT_US / 1000000);
		cg_backoff(&step);
	}
}

int cg2_cpu_usage_fd(int fd, uint64_t *ret_us)
{
	char buf[1024];
	ssize_t n;

	if (fd < 0)
		return -ENOTSUP;
	n = cg_pread_text(fd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	return cg_parse_key(buf, "usage_usec", ret_us) < 0 ? -EINVAL : 0;
}

int cg2_stats(const struct cg_dir *dir, unsigned ctrls, struct cg_stats *st,
	      struct hutch_error *err)
{
	uint64_t v;
	int r;

	if (dir->fd < 0)
		return 0;
	if (ctrls & CG_BIT(CG_MEMORY)) {
		/* memory.peak is 5.19+; older kernels record no maximum. */
		r = cg_read_u64(dir, "memory.peak", &v, err);
		if (r == 0)
			st->memory_peak = v;
		else if (r != -ENOENT)
			return r;
		/* memory.events is hierarchical; the run has no children. */
		r = cg_read_event(dir, "memory.events", "oom_kill", &st->oom_killed, err);
		if (r < 0)
			return r;
	}
	if (ctrls & CG_BIT(CG_PIDS))
		return cg_read_event(dir, "pids.events", "max", &st->pids_limit_hit, err);
	return 0;
}

/* ---- the pure v2 backend: one directory, dirs[0] ---- */

static int v2_create(const struct hutch_cgroup_host *host, struct cg_run *run,
		     const struct hutch_limits *limits, unsigned *unenforced,
		     struct hutch_error *err)
{
	unsigned want = (CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS) | CG_BIT(CG_CPU)) & host->v2_ctrls;
	int r;

	if (limits->cpuset)
		want |= CG_BIT(CG_CPUSET) & host->v2_ctrls;
	*unenforced = cg_unenforced(limits, want | CG2_CORE);
	run->n_dirs = 1;
	r = cg2_dir_create(host->v2_path, host->v2_ctrls, run->name, want, limits, &run->dirs[0],
			   err);
	if (r < 0)
		return r;
	for (int c = 0; c < CG__MAX; c++)
		if (run->dirs[0].ctrls & CG_BIT(c))
			run->dir_of[c] = 0;
	run->cpu_fd = openat(run->dirs[0].fd, "cpu.stat", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (run->cpu_fd < 0)
		return herr(err, errno, "open %s/cpu.stat", run->dirs[0].path);
	run->cpu_v2 = true;
	return 0;
}

/* Also right after clone3(CLONE_INTO_CGROUP): moving a task to the
 * cgroup it is in already is a no-op. */
static int v2_attach(struct cg_run *run, pid_t pid, struct hutch_error *err)
{
	return cg_write_u64(&run->dirs[0], "cgroup.procs", (uint64_t)pid, err);
}

static int v2_cpu_usage(struct cg_run *run, uint64_t *ret_us)
{
	return cg2_cpu_usage_fd(run->cpu_fd, ret_us);
}

static int v2_kill(struct cg_run *run, struct hutch_error *err)
{
	return cg2_kill(&run->dirs[0], err);
}

static int v2_stats(struct cg_run *run, struct cg_stats *st, struct hutch_error *err)
{
	int r = cg2_cpu_usage_fd(run->cpu_fd, &st->cpu_us);

	if (r < 0)
		return herr(err, -r, "read %s/cpu.stat", run->dirs[0].path);
	return cg2_stats(&run->dirs[0], run->dirs[0].ctrls, st, err);
}

const struct cg_ops cg_ops_v2 = {
	.name = "v2",
	.create = v2_create,
	.attach = v2_attach,
	.cpu_usage = v2_cpu_usage,
	.kill = v2_kill,
	.stats = v2_stats,
	.release = cg_run_release_dirs,
};
