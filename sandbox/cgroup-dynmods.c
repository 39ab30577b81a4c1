/* SPDX-License-Identifier: MIT */
/*
 * favordynmods: keep the join of a v1 cgroup cheap (hutch_cgroup_favor_dynmods
 * in cgroup.h).
 *
 * Every write of a pid to a v1 cgroup.procs takes the kernel's global
 * cgroup_threadgroup_rwsem for writing (kernel/cgroup/cgroup.c,
 * cgroup_procs_write_start). It is a percpu rwsem: a writer first moves the
 * readers (every fork, exit and exec on the host) to their slow path with
 * rcu_sync_enter(), and when no writer came for a couple of RCU grace
 * periods the readers are back on the fast path, so the next writer waits a
 * full grace period. Measured on the development machine (hybrid host, 2
 * vCPU, Linux 6.18): the attach of a run after 50 ms of idleness took
 * 5-30 ms, back to back 50-100 µs. That wait was the largest single cost of
 * a `hutch run` started now and then (a grader, a CLI user).
 *
 * Linux 6.0 added the cgroup mount option favordynmods (Tejun Heo,
 * "cgroup: Make !percpu threadgroup_rwsem operations optional"): while any
 * hierarchy is mounted with it, the rwsem stays in slow-reader mode for good,
 * so writers never wait for a grace period; the price is an atomic operation
 * instead of a per-CPU one in every fork and exit on the host, which the
 * kernel documents as the trade for hosts that move tasks between cgroups
 * often (Documentation/admin-guide/cgroup-v2.rst, "favordynmods"). A host
 * whose job is to start sandboxes is such a host.
 *
 * hutch never remounts a cgroup it did not create (design.md), so it mounts
 * a hierarchy of its own: a named v1 hierarchy ("name=hutch") with no
 * controller, which holds no limits and changes no accounting. It stays
 * mounted (at a path the caller chooses, /run/hutch/cgroup-favordynmods for
 * the CLI) so that the setting outlives each run; unmounting it gives the
 * host its default back.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

/* Whether some controller of a run comes from a v1 hierarchy: then each run
 * writes to a v1 cgroup.procs. (On v2, clone3(CLONE_INTO_CGROUP) takes the
 * rwsem for reading only.) */
static bool host_joins_v1(const struct hutch_cgroup_host *host)
{
	if (!host || host->backend == CG_BACKEND_NONE || host->backend == CG_BACKEND_V2)
		return false;
	for (int c = 0; c < CG__MAX; c++)
		if (host->ctrl[c].src == CG_SRC_V1)
			return true;
	return false;
}

static bool is_cgroupfs(const char *path)
{
	struct statfs sfs;

	return statfs(path, &sfs) == 0 && (long)sfs.f_type == CGROUP_SUPER_MAGIC;
}

int hutch_cgroup_favor_dynmods(const struct hutch_cgroup_host *host, const char *mountpoint,
			       struct hutch_error *err)
{
	_cleanup_close_ int dirfd = -1;
	int r;

	if (!host_joins_v1(host))
		return 0;
	if (!mountpoint || mountpoint[0] != '/')
		return herr(err, EINVAL, "favordynmods: mount point must be an absolute path");
	/* The common case, one statfs: mounted by an earlier run. */
	if (is_cgroupfs(mountpoint))
		return 1;

	if (mkdir(mountpoint, 0755) < 0 && errno != EEXIST)
		return herr(err, errno, "favordynmods: mkdir %s", mountpoint);
	dirfd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dirfd < 0)
		return herr(err, errno, "favordynmods: open %s", mountpoint);
	/* Concurrent first runs: one mounts, the others find it mounted
	 * (a second mount would stack on the first). The lock is on the
	 * directory below the mount, which stays the same inode. */
	if (flock(dirfd, LOCK_EX) < 0)
		return herr(err, errno, "favordynmods: lock %s", mountpoint);
	if (is_cgroupfs(mountpoint))
		return 1;
	r = mount("hutch", mountpoint, "cgroup", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "none,name=hutch,favordynmods");
	if (r < 0) {
		/* EINVAL: a kernel before 6.0 (no such option). EBUSY: a
		 * hierarchy named hutch exists with other options. */
		return herr(err, errno, "favordynmods: mount a cgroup hierarchy on %s%s", mountpoint,
			    errno == EINVAL ? " (the kernel has no favordynmods: Linux 6.0+)" : "");
	}
	return 1;
}
