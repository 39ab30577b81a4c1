/* SPDX-License-Identifier: MIT */
/*
 * cgroup driver (prefix cg_): one cgroup per run under hutch's own parent
 * ("hutch/" in every hierarchy it uses), created before the program starts
 * and removed after. Three backends behind struct cg_ops
 * (cgroup-internal.h):
 *   v2      pure cgroup v2 at /sys/fs/cgroup
 *   hybrid  cgroup2 at /sys/fs/cgroup/unified plus v1 hierarchies; each
 *           controller (memory, pids, cpu, cpuacct, cpuset, freezer) is taken
 *           from v2 where it is enabled there, else from its v1 mount
 *   none    no usable cgroup: the run goes on, and the unenforced bits say
 *           which limits the core must fall back to rlimits for
 * Detection is automatic and per controller (cg_detect). hutch never writes
 * to, moves or removes a cgroup it did not create.
 */
#ifndef HUTCH_CGROUP_H
#define HUTCH_CGROUP_H

#include "hutch.h"

enum cg_backend { CG_BACKEND_V2 = 0, CG_BACKEND_HYBRID, CG_BACKEND_NONE };

struct cg_run; /* one run's cgroup(s) */

struct cg_stats {
	uint64_t cpu_us;      /* user+sys of the whole tree */
	uint64_t memory_peak; /* bytes: v2 memory.peak, v1 max_usage_in_bytes */
	bool oom_killed;      /* v2 memory.events oom_kill > 0, v1 oom_control */
	bool pids_limit_hit;  /* v2 pids.events max > 0, v1 pids.events */
};

/* Detect the host's cgroup layout. *ret is owned by the caller
 * (hutch_cgroup_host_free). Never fails for lack of cgroups: that yields
 * the none backend with the reason in its description. */
int hutch_cgroup_detect(struct hutch_cgroup_host **ret, struct hutch_error *err);
void hutch_cgroup_host_free(struct hutch_cgroup_host *host);

/* Human-readable, multi-line: backend, then one line per controller with
 * where it comes from (v2 / v1 path / missing) and why. For `hutch info`. */
int hutch_cgroup_describe(const struct hutch_cgroup_host *host, char *buf, size_t len);
enum cg_backend cg_host_backend(const struct hutch_cgroup_host *host);

/* Kill and remove cgroups under hutch/ left by supervisors that are no
 * longer alive (the run name embeds the supervisor pid). */
int hutch_cgroup_cleanup_stale(const struct hutch_cgroup_host *host, struct hutch_error *err);

/* Keep joining a v1 cgroup cheap: mount hutch's own named v1 hierarchy
 * (no controller) with the favordynmods option at mountpoint, unless it is
 * mounted there already. Without it, the first run after an idle spell waits
 * for an RCU grace period (5-30 ms) in its cgroup.procs write; see
 * cgroup-dynmods.c. The mount stays for later runs. Returns 1 when in
 * effect, 0 when this host does not need it (no controller on v1), or
 * -errno (EINVAL: kernel before 6.0). */
int hutch_cgroup_favor_dynmods(const struct hutch_cgroup_host *host, const char *mountpoint,
			       struct hutch_error *err);

/* Create the run's cgroup(s) named `name` (e.g. "r1234.7") under hutch/ and
 * apply limits (memory.max with swap off, pids.max, cpu.max, cpuset).
 * *ret_unenforced gets enum hutch_unenforced bits for what could not be
 * applied. On failure nothing is left behind. */
int cg_run_create(const struct hutch_cgroup_host *host, const char *name,
		  const struct hutch_limits *limits, struct cg_run **ret,
		  unsigned *ret_unenforced, struct hutch_error *err);

/* v2: an O_DIRECTORY fd of the run's cgroup for clone3(CLONE_INTO_CGROUP),
 * owned by run; -1 when not applicable (then use cg_run_attach). */
int cg_run_clone_fd(const struct cg_run *run);

/* Move pid into the run's cgroup(s) (every hierarchy that has not been
 * joined via CLONE_INTO_CGROUP). */
int cg_run_attach(struct cg_run *run, pid_t pid, struct hutch_error *err);

/* Whole-tree CPU time so far, in microseconds. Cheap: called every few ms. */
int cg_run_cpu_usage(struct cg_run *run, uint64_t *ret_us);

/* Kill every process in the run's cgroup so that none can escape by
 * forking: cgroup.kill on v2, freeze + SIGKILL + thaw on v1. */
int cg_run_kill(struct cg_run *run, struct hutch_error *err);

/* Read the final accounting (call after the processes are gone). */
int cg_run_stats(struct cg_run *run, struct cg_stats *ret, struct hutch_error *err);

/* Kill what is left, remove the cgroup(s), free run. Accepts NULL. */
void cg_run_destroy(struct cg_run *run);

#endif
