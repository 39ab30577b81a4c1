/* SPDX-License-Identifier: MIT */
/*
 * What the cgroup driver's own files share (cgroup.c, cgroup-detect.c,
 * cgroup-v1.c, cgroup-v2.c, and the unit test): the host layout found by detection, the
 * per-run state, the backend table, and the checked cgroupfs I/O helpers.
 * Nothing outside sandbox/cgroup*.c and tests/unit/test-cgroup.c includes it.
 *
 * Model. A run owns one directory per hierarchy it uses ("dirs"): on pure
 * v2 exactly one; on a hybrid host one per v1 hierarchy plus, when some
 * controller comes from cgroup2, one in the unified hierarchy. dir_of[]
 * maps each controller to the directory that provides it. cpuacct and
 * freezer have no controller of that name on v2: there whole-tree CPU time
 * (cpu.stat usage_usec) and freeze/kill (cgroup.freeze, cgroup.kill) are
 * core files every v2 cgroup has, so they come from the run's v2 directory
 * whenever it has one.
 */
#ifndef HUTCH_CGROUP_INTERNAL_H
#define HUTCH_CGROUP_INTERNAL_H

#include "cgroup.h"
#include "error.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The controllers hutch drives, in the order describe() prints them. */
enum cg_ctrl {
	CG_MEMORY = 0,
	CG_PIDS,
	CG_CPU,     /* bandwidth: v2 cpu.max, v1 cpu.cfs_quota_us */
	CG_CPUACCT, /* whole-tree CPU time: v1 cpuacct.usage, v2 core cpu.stat */
	CG_CPUSET,
	CG_FREEZER, /* v1 freezer.state, v2 core cgroup.freeze/cgroup.kill */
	CG__MAX,
};

#define CG_BIT(c) (1u << (c))

enum cg_src {
	CG_SRC_MISSING = 0,
	CG_SRC_V2,
	CG_SRC_V1,
};

/* Longest run name accepted (r<pid>.<seq> needs at most 32). */
#define CG_NAME_MAX 64
/* Name of hutch's own parent cgroup in every hierarchy. */
#define CG_PARENT "hutch"

/* One mounted v1 hierarchy carrying at least one controller of enum
 * cg_ctrl (several may share one, e.g. "cpu,cpuacct"). */
struct cg_hier {
	char *path;     /* mount point, e.g. /sys/fs/cgroup/memory */
	unsigned ctrls; /* CG_BIT() mask of what it carries */
};

struct hutch_cgroup_host {
	enum cg_backend backend;
	const struct cg_ops *ops;
	char *v2_path;      /* cgroup2 mount point, NULL when none */
	unsigned v2_ctrls;  /* controllers listed in its root cgroup.controllers */
	bool v2_used;       /* runs make a directory in the cgroup2 hierarchy */
	struct cg_hier v1[CG__MAX];
	size_t n_v1;
	struct {
		enum cg_src src;
		int hier; /* index into v1[] when src == CG_SRC_V1, else -1 */
		char why[160];
	} ctrl[CG__MAX];
	char why[512]; /* why this backend (and which mounts were skipped) */
};

/* One directory of a run. Live iff fd >= 0; the directory was made by
 * hutch (mkdirat under parent_fd) and is removed by it. */
struct cg_dir {
	int fd;         /* O_RDONLY|O_DIRECTORY: also the CLONE_INTO_CGROUP fd */
	int parent_fd;  /* O_PATH of .../hutch, for the final rmdir */
	char *path;     /* full path, for error messages */
	unsigned ctrls; /* controllers this directory provides for the run */
	bool v2;
};

struct cg_run {
	const struct cg_ops *ops;
	char name[CG_NAME_MAX + 1];
	struct cg_dir dirs[CG__MAX + 1]; /* every v1 hierarchy + the v2 one */
	size_t n_dirs;
	int dir_of[CG__MAX]; /* index into dirs[] or -1 */
	int cpu_fd;          /* cpu.stat (v2) or cpuacct.usage (v1), or -1 */
	bool cpu_v2;
};

/*
 * A backend. create() fills run->dirs (and applies limits) and sets
 * *unenforced bits; on failure it may leave half-made state: the caller
 * then calls release(), which must accept it. release() kills whatever
 * is left and removes the directories; it does not free run.
 */
struct cg_ops {
	const char *name;
	int (*create)(const struct hutch_cgroup_host *host, struct cg_run *run,
		      const struct hutch_limits *limits, unsigned *unenforced,
		      struct hutch_error *err);
	int (*attach)(struct cg_run *run, pid_t pid, struct hutch_error *err);
	int (*cpu_usage)(struct cg_run *run, uint64_t *ret_us);
	int (*kill)(struct cg_run *run, struct hutch_error *err);
	int (*stats)(struct cg_run *run, struct cg_stats *ret, struct hutch_error *err);
	void (*release)(struct cg_run *run);
};

extern const struct cg_ops cg_ops_v2;
extern const struct cg_ops cg_ops_hybrid;
extern const struct cg_ops cg_ops_none;

extern const char *const cg_ctrl_name[CG__MAX];

/* Detection from the text of a mountinfo file (hutch_cgroup_detect passes
 * /proc/self/mountinfo; the unit test passes synthetic layouts). */
int cg_detect_mountinfo(const char *mountinfo, struct hutch_cgroup_host **ret,
			struct hutch_error *err);

/* How long kill waits for a cgroup to empty, and freeze for FROZEN. */
#define CG_KILL_TIMEOUT_US (10u * 1000 * 1000)
#define CG_FREEZE_TIMEOUT_US (1u * 1000 * 1000)
#define CG_RMDIR_TIMEOUT_US (2u * 1000 * 1000)

/* ---- checked cgroupfs I/O (cgroup.c) ---- */

/* Write value to dir/file with exactly one write(2). cgroupfs takes each
 * write(2) as one whole command, so a short write is an error, never
 * retried with the rest. Errors read "write VALUE to PATH/FILE: strerror". */
int cg_write(const struct cg_dir *dir, const char *file, const char *value,
	     struct hutch_error *err);
int cg_write_u64(const struct cg_dir *dir, const char *file, uint64_t value,
		 struct hutch_error *err);
/* Same, for a directory known by fd and path (a parent or root). */
int cg_write_at(int dirfd, const char *dirpath, const char *file, const char *value,
		struct hutch_error *err);

/* Read dirfd/file whole into buf (NUL-terminated, at most size-1 bytes;
 * -EFBIG if it does not fit). Returns the length or -errno. */
ssize_t cg_read_at(int dirfd, const char *dirpath, const char *file, char *buf,
		   size_t size, struct hutch_error *err);
/* Read dirfd/file whole into a malloc'd buffer of at most max bytes. */
int cg_read_alloc_at(int dirfd, const char *dirpath, const char *file, size_t max,
		     char **ret, struct hutch_error *err);
/* A single-value file: a decimal number, or "max" (UINT64_MAX). */
int cg_read_u64(const struct cg_dir *dir, const char *file, uint64_t *ret,
		struct hutch_error *err);
/* Value of "key N" in a flat-keyed text ("usage_usec 123\n..."). */
int cg_parse_key(const char *text, const char *key, uint64_t *ret);
/* Read the flat-keyed events file dir/file and set *flag when its "key N"
 * count is above zero (memory.events oom_kill, pids.events max, ...). A
 * missing key leaves *flag as it is. 0 or -errno. */
int cg_read_event(const struct cg_dir *dir, const char *file, const char *key, bool *flag,
		  struct hutch_error *err);
/* Does the space/newline separated list contain word? */
bool cg_list_has(const char *list, const char *word);

/* pread() an open stats file from offset 0 (kernfs regenerates the
 * seq_file at offset 0) into buf, NUL-terminated. Length or -errno. */
ssize_t cg_pread_text(int fd, char *buf, size_t size);

/* Directory helpers. cg_dir_make: ensure <root>/hutch exists and make
 * <root>/hutch/<name>; on success dir is live. -EEXIST if the run's
 * directory already exists (never reused: it is not ours). */
int cg_parent_open(int rootfd, const char *root, int *ret_parent_fd, struct hutch_error *err);
/* Takes ownership of parent_fd (closed on failure). */
int cg_dir_make(int parent_fd, const char *root, const char *name, struct cg_dir *dir,
		struct hutch_error *err);
/* Open an existing run directory (stale cleanup). -ENOENT if absent. */
int cg_dir_open_existing(int parent_fd, const char *root, const char *name,
			 struct cg_dir *dir, struct hutch_error *err);
/* rmdir the directory (retrying EBUSY while exiting tasks drain) and
 * close it. Returns 0 or -errno; the dir is closed either way. */
int cg_dir_remove(struct cg_dir *dir, const char *name);
void cg_dir_close(struct cg_dir *dir);

/* Process listing and killing through cgroup.procs. */
/* SIGKILL every pid in dir's cgroup.procs; *ret_n gets how many were
 * listed (0: empty). */
int cg_procs_kill(const struct cg_dir *dir, size_t *ret_n, struct hutch_error *err);
/* Loop: kill what cgroup.procs lists, until it reads empty or deadline. */
int cg_procs_kill_until_empty(const struct cg_dir *dir, uint64_t deadline_us,
			      struct hutch_error *err);
/* Exponential back-off sleep for polling loops: *step_us doubles to 5 ms. */
void cg_backoff(uint64_t *step_us);

/* Parse a kernel CPU list ("0-3,8", optional trailing newline) into a
 * bitmap of nbits. -EINVAL on bad syntax, -ERANGE for a CPU >= nbits. */
#define CG_CPUSET_MAX_CPUS 8192
int cg_cpulist_parse(const char *s, uint64_t *bits, size_t nbits);

/* enum hutch_unenforced bits: limits asked for whose controller is not in
 * provided (a CG_BIT mask). */
unsigned cg_unenforced(const struct hutch_limits *limits, unsigned provided);

/* cpu.max / cfs numbers for a bandwidth in permille of one CPU. */
int cg_bandwidth(uint64_t permille, uint64_t *ret_quota_us, uint64_t *ret_period_us,
		 struct hutch_error *err);

/* ---- cgroup v2 pieces (cgroup-v2.c), also used by the hybrid backend ---- */

/* Make <root>/hutch/<name> with ctrls enabled down the path (root's and
 * hutch/'s cgroup.subtree_control), then apply the limits of ctrls. */
int cg2_dir_create(const char *root, unsigned root_ctrls, const char *name, unsigned ctrls,
		   const struct hutch_limits *limits, struct cg_dir *dir,
		   struct hutch_error *err);
int cg2_kill(const struct cg_dir *dir, struct hutch_error *err);
/* cg2_kill's fallback for kernels without cgroup.kill (< 5.14): freeze,
 * SIGKILL the listed pids, thaw, loop until empty. Exposed for the test. */
int cg2_freeze_kill(const struct cg_dir *dir, struct hutch_error *err);
/* Is anything left in the cgroup (cgroup.events "populated")? */
int cg2_populated(const struct cg_dir *dir, bool *ret, struct hutch_error *err);
int cg2_cpu_usage_fd(int fd, uint64_t *ret_us);
int cg2_stats(const struct cg_dir *dir, unsigned ctrls, struct cg_stats *st,
	      struct hutch_error *err);

/* ---- cgroup v1 pieces (cgroup-v1.c) ---- */

int cg1_dir_create(const struct cg_hier *hier, const char *name, unsigned ctrls,
		   const struct hutch_limits *limits, struct cg_dir *dir,
		   struct hutch_error *err);
int cg1_freeze_kill(const struct cg_dir *freezer, struct hutch_error *err);
int cg1_stats(const struct cg_dir *dir, unsigned ctrls, struct cg_stats *st,
	      struct hutch_error *err);

/* Kill every process of run and wait until none is left in any of its
 * directories (generic over the directory list; cgroup.c). */
int cg_run_kill_dirs(struct cg_run *run, struct hutch_error *err);
/* Kill what is left and remove every directory (generic release). */
void cg_run_release_dirs(struct cg_run *run);

#endif
