/* SPDX-License-Identifier: MIT */
/*
 * cgroup v1 (Documentation/admin-guide/cgroup-v1/) and the hybrid backend
 * built on it: one directory <mount>/hutch/<run> per v1 hierarchy the run
 * needs, plus a cgroup2 directory (cgroup-v2.c) for the controllers the
 * host has moved to its unified hierarchy. Pure v1 hosts (no cgroup2
 * mount) use the same backend.
 *
 * Which hierarchies a run uses: memory (peak, OOM) and cpuacct (whole-tree
 * CPU time) and freezer (kill) always; pids, cpu and cpuset only when the
 * matching limit is asked for, since each one costs a mkdir, a write to
 * cgroup.procs and an rmdir per run.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Give hutch/ what it needs before any run directory exists under it. */
static int cg1_prepare_parent(int rootfd, const char *root, int parent_fd, unsigned ctrls,
			      struct hutch_error *err)
{
	_cleanup_free_ char *path = NULL;
	struct cg_dir parent;
	int r;

	if (asprintf(&path, "%s/%s", root, CG_PARENT) < 0)
		return herr(err, ENOMEM, "cgroup path");
	parent = (struct cg_dir){ .fd = parent_fd, .parent_fd = -1, .path = path };

	if (ctrls & CG_BIT(CG_MEMORY)) {
		uint64_t v;

		/* Before 5.11 use_hierarchy could be 0 (the old default of the
		 * root), making every child account apart from its parent. Turn
		 * it on so hutch/ covers its runs; it can only change while
		 * hutch/ has no children, so EBUSY means a concurrent
		 * supervisor got there first and the runs' own limits hold
		 * either way. 5.11+ always reads 1. */
		r = cg_read_u64(&parent, "memory.use_hierarchy", &v, err);
		if (r < 0 && r != -ENOENT)
			return r;
		if (r == 0 && v == 0) {
			r = cg_write(&parent, "memory.use_hierarchy", "1", err);
			if (r < 0 && r != -EBUSY)
				return r;
		}
	}
	if (ctrls & CG_BIT(CG_CPUSET)) {
		static const char *const files[] = { "cpuset.cpus", "cpuset.mems" };

		/* A new v1 cpuset starts with empty cpus and mems (unless the
		 * parent has cgroup.clone_children), and a task cannot join
		 * a cpuset with either empty: copy the root's. */
		for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
			_cleanup_free_ char *mine = NULL, *root_val = NULL;

			r = cg_read_alloc_at(parent_fd, path, files[i], 1 << 16, &mine, err);
			if (r < 0)
				return r;
			if (mine[strspn(mine, " \n")] != '\0')
				continue;
			r = cg_read_alloc_at(rootfd, root, files[i], 1 << 16, &root_val, err);
			if (r < 0)
				return r;
			root_val[strcspn(root_val, "\n")] = '\0';
			r = cg_write(&parent, files[i], root_val, err);
			if (r < 0)
				return r;
		}
	}
	return 0;
}

static int cg1_apply(const struct cg_dir *dir, unsigned ctrls, const struct hutch_limits *lim,
		     struct hutch_error *err)
{
	int r;

	if (lim->memory_bytes && (ctrls & CG_BIT(CG_MEMORY))) {
		/* limit_in_bytes covers anonymous memory and page cache, tmpfs
		 * included: pages are charged to the memcg of the task that
		 * first touches them. It must not exceed memsw.limit_in_bytes,
		 * so it goes first (both start at "unlimited"). */
		r = cg_write_u64(dir, "memory.limit_in_bytes", lim->memory_bytes, err);
		if (r < 0)
			return r;
		/* Swap off: memory+swap limited to the same amount. The file
		 * is absent without swap accounting (CONFIG_MEMCG_SWAP=n or
		 * swapaccount=0); nothing more can be done then. */
		r = cg_write_u64(dir, "memory.memsw.limit_in_bytes", lim->memory_bytes, err);
		if (r < 0 && r != -ENOENT)
			return r;
		/* Older kernels refuse a per-cgroup swappiness under a
		 * use_hierarchy parent (EINVAL); it is only a hint on top of
		 * memsw, so that refusal is fine. */
		r = cg_write(dir, "memory.swappiness", "0", err);
		if (r < 0 && r != -EINVAL && r != -ENOENT)
			return r;
	}
	if (lim->pids && (ctrls & CG_BIT(CG_PIDS))) {
		r = cg_write_u64(dir, "pids.max", lim->pids, err);
		if (r < 0)
			return r;
	}
	if (lim->cpu_bandwidth_permille && (ctrls & CG_BIT(CG_CPU))) {
		uint64_t quota, period;

		r = cg_bandwidth(lim->cpu_bandwidth_permille, &quota, &period, err);
		if (r < 0)
			return r;
		r = cg_write_u64(dir, "cpu.cfs_period_us", period, err);
		if (r < 0)
			return r;
		r = cg_write_u64(dir, "cpu.cfs_quota_us", quota, err);
		if (r < 0)
			return r;
	}
	if (lim->cpuset && (ctrls & CG_BIT(CG_CPUSET))) {
		_cleanup_free_ char *mems = NULL;
		_cleanup_free_ char *ppath = NULL;

		/* v1 refuses CPUs outside the parent's set (EINVAL): no silent
		 * widening as on v2. */
		r = cg_write(dir, "cpuset.cpus", lim->cpuset, err);
		if (r < 0)
			return r;
		if (asprintf(&ppath, "%.*s", (int)(strrchr(dir->path, '/') - dir->path),
			     dir->path) < 0)
			return herr(err, ENOMEM, "cgroup path");
		r = cg_read_alloc_at(dir->parent_fd, ppath, "cpuset.mems", 1 << 16, &mems, err);
		if (r < 0)
			return r;
		mems[strcspn(mems, "\n")] = '\0';
		r = cg_write(dir, "cpuset.mems", mems, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int cg1_dir_create(const struct cg_hier *hier, const char *name, unsigned ctrls,
		   const struct hutch_limits *limits, struct cg_dir *dir, struct hutch_error *err)
{
	_cleanup_close_ int rootfd = -1, parent_fd = -1;
	int r;

	rootfd = open(hier->path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return herr(err, errno, "open %s", hier->path);
	r = cg_parent_open(rootfd, hier->path, &parent_fd, err);
	if (r < 0)
		return r;
	r = cg1_prepare_parent(rootfd, hier->path, parent_fd, ctrls, err);
	if (r < 0)
		return r;
	r = cg_dir_make(TAKE_FD(parent_fd), hier->path, name, dir, err);
	if (r < 0)
		return r;
	dir->ctrls = ctrls;
	return cg1_apply(dir, ctrls, limits, err);
}

/* Wait until freezer.state reads FROZEN (it passes through FREEZING). */
static void cg1_wait_frozen(const struct cg_dir *dir)
{
	uint64_t deadline = hu_now_us() + CG_FREEZE_TIMEOUT_US, step = 20;
	char buf[32];

	while (cg_read_at(dir->fd, dir->path, "freezer.state", buf, sizeof(buf), NULL) >= 0 &&
	       strcmp(buf, "FROZEN\n") != 0 && hu_now_us() < deadline)
		cg_backoff(&step);
}

/*
 * Freeze, SIGKILL everything listed, thaw, wait until empty. Frozen, no
 * task can fork, so the list read is complete; a v1-frozen task does not
 * act on SIGKILL until thawed (it sits in the refrigerator), hence the
 * thaw. If freezing cannot complete (a task in uninterruptible sleep), we
 * go on after CG_FREEZE_TIMEOUT_US: the kill loop then catches stragglers,
 * and a task with SIGKILL pending cannot fork anyway.
 */
int cg1_freeze_kill(const struct cg_dir *dir, struct hutch_error *err)
{
	size_t n;
	int r, q;

	/* The common case: the run's init is gone and the pid namespace took
	 * everything with it. An empty cgroup stays empty (only a member can
	 * fork into it), so skip the freeze/thaw round trip. */
	r = cg_procs_kill(dir, &n, err);
	if (r < 0 || n == 0)
		return r;
	r = cg_write(dir, "freezer.state", "FROZEN", err);
	if (r < 0)
		return cg_procs_kill_until_empty(dir, hu_now_us() + CG_KILL_TIMEOUT_US, err);
	cg1_wait_frozen(dir);
	r = cg_procs_kill(dir, &n, err);
	q = cg_write(dir, "freezer.state", "THAWED", r < 0 ? NULL : err);
	if (r < 0)
		return r;
	if (q < 0)
		return q; /* still frozen: nothing would ever die */
	return cg_procs_kill_until_empty(dir, hu_now_us() + CG_KILL_TIMEOUT_US, err);
}

int cg1_stats(const struct cg_dir *dir, unsigned ctrls, struct cg_stats *st,
	      struct hutch_error *err)
{
	uint64_t v;
	int r;

	if (dir->fd < 0)
		return 0;
	if (ctrls & CG_BIT(CG_MEMORY)) {
		r = cg_read_u64(dir, "memory.max_usage_in_bytes", &v, err);
		if (r < 0)
			return r;
		st->memory_peak = v;
		/* "oom_kill N" appeared in 4.13; before it, memory.oom_control
		 * has no count of kills and oom_killed stays false. */
		r = cg_read_event(dir, "memory.oom_control", "oom_kill", &st->oom_killed, err);
		if (r < 0)
			return r;
	}
	if (ctrls & CG_BIT(CG_PIDS))
		return cg_read_event(dir, "pids.events", "max", &st->pids_limit_hit, err);
	return 0;
}

/* ---- the hybrid backend ---- */

static int hy_create(const struct hutch_cgroup_host *host, struct cg_run *run,
		     const struct hutch_limits *limits, unsigned *unenforced,
		     struct hutch_error *err)
{
	unsigned want = CG_BIT(CG_MEMORY) | CG_BIT(CG_CPUACCT) | CG_BIT(CG_FREEZER);
	unsigned v2set = 0, provided = 0, per_hier[CG__MAX] = { 0 };
	int r, i;

	if (limits->pids)
		want |= CG_BIT(CG_PIDS);
	if (limits->cpu_bandwidth_permille)
		want |= CG_BIT(CG_CPU);
	if (limits->cpuset)
		want |= CG_BIT(CG_CPUSET);
	for (int c = 0; c < CG__MAX; c++) {
		if (!(want & CG_BIT(c)))
			continue;
		if (host->ctrl[c].src == CG_SRC_V2)
			v2set |= CG_BIT(c);
		else if (host->ctrl[c].src == CG_SRC_V1)
			per_hier[host->ctrl[c].hier] |= CG_BIT(c);
		else
			continue;
		provided |= CG_BIT(c);
	}
	*unenforced = cg_unenforced(limits, provided);

	/* The v2 directory first: it is the CLONE_INTO_CGROUP target and
	 * the one cg_run_kill_dirs() kills through. */
	if (v2set) {
		r = cg2_dir_create(host->v2_path, host->v2_ctrls, run->name, v2set, limits,
				   &run->dirs[run->n_dirs++], err);
		if (r < 0)
			return r;
	}
	for (size_t h = 0; h < host->n_v1; h++) {
		if (!per_hier[h])
			continue;
		r = cg1_dir_create(&host->v1[h], run->name, per_hier[h], limits,
				   &run->dirs[run->n_dirs++], err);
		if (r < 0)
			return r;
	}
	for (size_t d = 0; d < run->n_dirs; d++)
		for (int c = 0; c < CG__MAX; c++)
			if (run->dirs[d].ctrls & CG_BIT(c) & provided)
				run->dir_of[c] = (int)d;

	i = run->dir_of[CG_CPUACCT];
	if (i >= 0) {
		const struct cg_dir *d = &run->dirs[i];
		const char *file = d->v2 ? "cpu.stat" : "cpuacct.usage";

		run->cpu_fd = openat(d->fd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (run->cpu_fd < 0)
			return herr(err, errno, "open %s/%s", d->path, file);
		run->cpu_v2 = d->v2;
	}
	return 0;
}

static int hy_attach(struct cg_run *run, pid_t pid, struct hutch_error *err)
{
	for (size_t i = 0; i < run->n_dirs; i++) {
		int r;

		if (run->dirs[i].fd < 0)
			continue;
		r = cg_write_u64(&run->dirs[i], "cgroup.procs", (uint64_t)pid, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int hy_cpu_usage(struct cg_run *run, uint64_t *ret_us)
{
	char buf[64];
	const char *end = NULL;
	uint64_t ns;
	ssize_t n;

	if (run->cpu_fd < 0)
		return -ENOTSUP;
	if (run->cpu_v2)
		return cg2_cpu_usage_fd(run->cpu_fd, ret_us);
	n = cg_pread_text(run->cpu_fd, buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/* cpuacct.usage: nanoseconds, user+system, the whole subtree. */
	errno = 0;
	ns = strtoull(buf, (char **)&end, 10);
	if (errno || end == buf)
		return -EINVAL;
	*ret_us = ns / 1000;
	return 0;
}

static int hy_stats(struct cg_run *run, struct cg_stats *st, struct hutch_error *err)
{
	int r = hy_cpu_usage(run, &st->cpu_us);

	if (r < 0 && r != -ENOTSUP)
		return herr(err, -r, "read CPU usage of %s",
			    run->dirs[run->dir_of[CG_CPUACCT]].path);
	for (size_t i = 0; i < run->n_dirs; i++) {
		const struct cg_dir *d = &run->dirs[i];

		r = d->v2 ? cg2_stats(d, d->ctrls, st, err) : cg1_stats(d, d->ctrls, st, err);
		if (r < 0)
			return r;
	}
	return 0;
}

const struct cg_ops cg_ops_hybrid = {
	.name = "hybrid",
	.create = hy_create,
	.attach = hy_attach,
	.cpu_usage = hy_cpu_usage,
	.kill = cg_run_kill_dirs,
	.stats = hy_stats,
	.release = cg_run_release_dirs,
};
