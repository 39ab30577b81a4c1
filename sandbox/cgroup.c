/* SPDX-License-Identifier: MIT */
/*
 * cgroup driver, common part: the public cg_run_* entry points (which
 * dispatch through the backend table), the checked cgroupfs I/O every
 * backend uses, the generic kill/remove of a run's directories, the "none"
 * backend and stale cleanup. Detection lives in cgroup-detect.c;
 * cgroup-v2.c and cgroup-v1.c hold what is specific to each interface.
 * The whole design is in docs/cgroups.md.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

const char *const cg_ctrl_name[CG__MAX] = {
	[CG_MEMORY] = "memory",   [CG_PIDS] = "pids",     [CG_CPU] = "cpu",
	[CG_CPUACCT] = "cpuacct", [CG_CPUSET] = "cpuset", [CG_FREEZER] = "freezer",
};

/* cgroup.procs is kernel-made but unbounded; this cap only stops a
 * runaway read. */
#define CG_PROCS_MAX (16u << 20)

/* ------------------------------------------------------------------ */
/* Checked cgroupfs I/O                                                */
/* ------------------------------------------------------------------ */

int cg_write_at(int dirfd, const char *dirpath, const char *file, const char *value,
		struct hutch_error *err)
{
	_cleanup_close_ int fd = -1;
	size_t len = strlen(value);
	ssize_t n;

	fd = openat(dirfd, file, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return herr(err, errno, "write %s to %s/%s", value, dirpath, file);
	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return herr(err, errno, "write %s to %s/%s", value, dirpath, file);
	/* cgroupfs hands each write(2) to the controller as one command; a
	 * short count means it took a truncated value. Never "continue" it:
	 * the rest would be parsed as a new, different command. */
	if ((size_t)n != len)
		return herr(err, EIO, "write %s to %s/%s: short write (%zd of %zu bytes)", value,
			    dirpath, file, n, len);
	return 0;
}

int cg_write(const struct cg_dir *dir, const char *file, const char *value,
	     struct hutch_error *err)
{
	return cg_write_at(dir->fd, dir->path, file, value, err);
}

int cg_write_u64(const struct cg_dir *dir, const char *file, uint64_t value,
		 struct hutch_error *err)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	return cg_write(dir, file, buf, err);
}

ssize_t cg_read_at(int dirfd, const char *dirpath, const char *file, char *buf, size_t size,
		   struct hutch_error *err)
{
	_cleanup_close_ int fd = -1;
	ssize_t n;

	if (size == 0)
		return herr(err, EINVAL, "read %s/%s: no buffer", dirpath, file);
	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return herr(err, errno, "read %s/%s", dirpath, file);
	n = hu_read_full(fd, buf, size);
	if (n < 0)
		return herr(err, (int)-n, "read %s/%s", dirpath, file);
	if ((size_t)n == size)
		return herr(err, EFBIG, "read %s/%s: longer than %zu bytes", dirpath, file,
			    size - 1);
	buf[n] = '\0';
	return n;
}

int cg_read_alloc_at(int dirfd, const char *dirpath, const char *file, size_t max, char **ret,
		     struct hutch_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t cap = 4096, len = 0;

	fd = openat(dirfd, file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return herr(err, errno, "read %s/%s", dirpath, file);
	buf = malloc(cap);
	if (!buf)
		return herr(err, ENOMEM, "read %s/%s", dirpath, file);
	for (;;) {
		ssize_t n;

		if (len + 1 >= cap) {
			char *nb;

			if (cap >= max)
				return herr(err, EFBIG, "read %s/%s: longer than %zu bytes",
					    dirpath, file, max);
			cap = cap * 2 > max ? max : cap * 2;
			nb = realloc(buf, cap);
			if (!nb)
				return herr(err, ENOMEM, "read %s/%s", dirpath, file);
			buf = nb;
		}
		n = read(fd, buf + len, cap - 1 - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return herr(err, errno, "read %s/%s", dirpath, file);
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

/* Parse a decimal uint64 at s; *end gets the first byte after it. */
static int cg_parse_u64(const char *s, uint64_t *ret, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return -EINVAL;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	*ret = v;
	if (end)
		*end = p;
	return 0;
}

int cg_read_u64(const struct cg_dir *dir, const char *file, uint64_t *ret,
		struct hutch_error *err)
{
	char buf[64];
	const char *end;
	uint64_t v;
	ssize_t n;
	int r;

	n = cg_read_at(dir->fd, dir->path, file, buf, sizeof(buf), err);
	if (n < 0)
		return (int)n;
	if (strcmp(buf, "max\n") == 0 || strcmp(buf, "max") == 0) {
		*ret = UINT64_MAX;
		return 0;
	}
	r = cg_parse_u64(buf, &v, &end);
	if (r < 0 || (*end != '\n' && *end != '\0'))
		return herr(err, EINVAL, "read %s/%s: not a number: '%.32s'", dir->path, file, buf);
	*ret = v;
	return 0;
}

int cg_parse_key(const char *text, const char *key, uint64_t *ret)
{
	size_t klen = strlen(key);
	const char *line = text;

	while (line && *line) {
		if (strncmp(line, key, klen) == 0 && line[klen] == ' ') {
			const char *end;
			int r = cg_parse_u64(line + klen + 1, ret, &end);

			if (r < 0)
				return r;
			return (*end == '\n' || *end == '\0') ? 0 : -EINVAL;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

int cg_read_event(const struct cg_dir *dir, const char *file, const char *key, bool *flag,
		  struct hutch_error *err)
{
	char buf[1024];
	uint64_t v;
	ssize_t n = cg_read_at(dir->fd, dir->path, file, buf, sizeof(buf), err);

	if (n < 0)
		return (int)n;
	if (cg_parse_key(buf, key, &v) == 0 && v > 0)
		*flag = true;
	return 0;
}

bool cg_list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);
	const char *p = list;

	while (*p) {
		size_t n;

		p += strspn(p, " \t\n");
		n = strcspn(p, " \t\n");
		if (n == wlen && strncmp(p, word, n) == 0)
			return true;
		p += n;
	}
	return false;
}

ssize_t cg_pread_text(int fd, char *buf, size_t size)
{
	size_t got = 0;

	if (size == 0)
		return -EINVAL;
	/* A pread at offset 0 makes kernfs regenerate the seq_file, so one
	 * fd kept open serves every sample: no open/close per call. */
	for (;;) {
		char more;
		ssize_t n = got < size - 1 ? pread(fd, buf + got, size - 1 - got, (off_t)got)
					   : pread(fd, &more, 1, (off_t)got);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		if (got == size - 1)
			return -EFBIG; /* a byte beyond what buf can hold */
		got += (size_t)n;
	}
	buf[got] = '\0';
	return (ssize_t)got;
}

int cg_cpulist_parse(const char *s, uint64_t *bits, size_t nbits)
{
	const char *p = s;

	memset(bits, 0, (nbits + 63) / 64 * sizeof(uint64_t));
	while (*p && *p != '\n') {
		uint64_t a, b;
		int r = cg_parse_u64(p, &a, &p);

		if (r < 0)
			return -EINVAL;
		b = a;
		if (*p == '-') {
			r = cg_parse_u64(p + 1, &b, &p);
			if (r < 0 || b < a)
				return -EINVAL;
		}
		if (b >= nbits)
			return -ERANGE;
		for (uint64_t i = a; i <= b; i++)
			bits[i / 64] |= UINT64_C(1) << (i % 64);
		if (*p == ',')
			p++;
		else if (*p && *p != '\n')
			return -EINVAL;
	}
	return 0;
}

void cg_backoff(uint64_t *step_us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)(*step_us * 1000) };

	/* An interrupted sleep only shortens one polling step. */
	(void)nanosleep(&ts, NULL);
	if (*step_us < 5000)
		*step_us *= 2;
}

int cg_bandwidth(uint64_t permille, uint64_t *ret_quota_us, uint64_t *ret_period_us,
		 struct hutch_error *err)
{
	uint64_t period = 100000;

	/* Both v1 cfs_quota_us and v2 cpu.max refuse a quota under 1 ms;
	 * below 1% of a CPU, stretch the period to 1 s instead. */
	if (permille > 1000u * 4096)
		return herr(err, EINVAL, "cpu bandwidth %" PRIu64 " permille: more than 4096 CPUs",
			    permille);
	if (permille * period / 1000 < 1000)
		period = 1000000;
	*ret_period_us = period;
	*ret_quota_us = permille * period / 1000;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Directories                                                         */
/* ------------------------------------------------------------------ */

int cg_parent_open(int rootfd, const char *root, int *ret_parent_fd, struct hutch_error *err)
{
	int fd;

	/* Concurrent supervisors race here harmlessly: EEXIST is success. */
	if (mkdirat(rootfd, CG_PARENT, 0755) < 0 && errno != EEXIST)
		return herr(err, errno, "mkdir %s/%s", root, CG_PARENT);
	fd = openat(rootfd, CG_PARENT, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return herr(err, errno, "open %s/%s", root, CG_PARENT);
	*ret_parent_fd = fd;
	return 0;
}

static void cg_dir_init(struct cg_dir *dir)
{
	dir->fd = -1;
	dir->parent_fd = -1;
	dir->path = NULL;
	dir->ctrls = 0;
	dir->v2 = false;
}

int cg_dir_make(int parent_fd, const char *root, const char *name, struct cg_dir *dir,
		struct hutch_error *err)
{
	_cleanup_close_ int pfd = parent_fd;
	_cleanup_free_ char *path = NULL;
	int fd, r;

	if (asprintf(&path, "%s/%s/%s", root, CG_PARENT, name) < 0)
		return herr(err, ENOMEM, "cgroup path for %s", name);
	if (mkdirat(pfd, name, 0755) < 0) {
		if (errno == EEXIST)
			return herr(err, EEXIST,
				    "mkdir %s: exists already (left by an earlier supervisor with "
				    "the same pid?); not reused",
				    path);
		return herr(err, errno, "mkdir %s", path);
	}
	fd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		r = herr(err, errno, "open %s", path);
		/* Just made by us and empty: nothing else can be using it. */
		(void)unlinkat(pfd, name, AT_REMOVEDIR);
		return r;
	}
	dir->fd = fd;
	dir->parent_fd = TAKE_FD(pfd);
	dir->path = TAKE_PTR(path);
	return 0;
}

int cg_dir_open_existing(int parent_fd, const char *root, const char *name, struct cg_dir *dir,
			 struct hutch_error *err)
{
	_cleanup_close_ int pfd = -1;
	_cleanup_free_ char *path = NULL;
	int fd;

	if (asprintf(&path, "%s/%s/%s", root, CG_PARENT, name) < 0)
		return herr(err, ENOMEM, "cgroup path for %s", name);
	fd = openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? -ENOENT : herr(err, errno, "open %s", path);
	pfd = fcntl(parent_fd, F_DUPFD_CLOEXEC, 3);
	if (pfd < 0) {
		int e = errno;

		(void)close(fd); /* read-only directory fd: close cannot lose data */
		return herr(err, e, "dup fd of %s/%s", root, CG_PARENT);
	}
	dir->fd = fd;
	dir->parent_fd = TAKE_FD(pfd);
	dir->path = TAKE_PTR(path);
	return 0;
}

void cg_dir_close(struct cg_dir *dir)
{
	closep(&dir->fd);
	closep(&dir->parent_fd);
	free(dir->path);
	cg_dir_init(dir);
}

int cg_dir_remove(struct cg_dir *dir, const char *name)
{
	uint64_t deadline = hu_now_us() + CG_RMDIR_TIMEOUT_US, step = 50;
	int r = 0;

	if (dir->fd < 0)
		return 0;
	for (;;) {
		if (unlinkat(dir->parent_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)
			break;
		/* EBUSY: tasks that got SIGKILL are still leaving the cgroup
		 * (v1 keeps them listed until exit finishes). */
		if (errno != EBUSY || hu_now_us() > deadline) {
			r = -errno;
			break;
		}
		cg_backoff(&step);
	}
	cg_dir_close(dir);
	return r;
}

/* ------------------------------------------------------------------ */
/* Killing through cgroup.procs                                        */
/* ------------------------------------------------------------------ */

int cg_procs_kill(const struct cg_dir *dir, size_t *ret_n, struct hutch_error *err)
{
	_cleanup_free_ char *text = NULL;
	pid_t self = getpid();
	size_t n = 0;
	const char *p;
	int r;

	r = cg_read_alloc_at(dir->fd, dir->path, "cgroup.procs", CG_PROCS_MAX, &text, err);
	if (r < 0)
		return r;
	for (p = text; *p;) {
		uint64_t v;
		const char *end;

		if (cg_parse_u64(p, &v, &end) < 0 || (*end != '\n' && *end != '\0'))
			return herr(err, EINVAL, "read %s/cgroup.procs: bad line", dir->path);
		p = *end ? end + 1 : end;
		n++;
		/* Never signal pid <= 1 (kill(-1) or init) nor ourselves: neither
		 * can be in a run cgroup unless something is badly wrong. */
		if (v <= 1 || v > INT32_MAX || (pid_t)v == self)
			continue;
		if (kill((pid_t)v, SIGKILL) < 0 && errno != ESRCH)
			return herr(err, errno, "kill %" PRIu64 " (listed in %s)", v, dir->path);
	}
	*ret_n = n;
	return 0;
}

int cg_procs_kill_until_empty(const struct cg_dir *dir, uint64_t deadline_us,
			      struct hutch_error *err)
{
	uint64_t step = 50;

	for (;;) {
		size_t n;
		int r = cg_procs_kill(dir, &n, err);

		if (r < 0)
			return r;
		if (n == 0)
			return 0;
		if (hu_now_us() > deadline_us)
			return herr(err, EBUSY, "%s: %zu processes still there after SIGKILL",
				    dir->path, n);
		cg_backoff(&step);
	}
}

static int cg_dir_is_empty(const struct cg_dir *dir, bool *ret, struct hutch_error *err)
{
	char buf[16];
	ssize_t n;

	if (dir->v2) {
		bool populated;
		int r = cg2_populated(dir, &populated, err);

		if (r < 0)
			return r;
		*ret = !populated;
		return 0;
	}
	/* One pid is enough to know: a short buffer and EFBIG mean "no". */
	n = cg_read_at(dir->fd, dir->path, "cgroup.procs", buf, sizeof(buf), NULL);
	if (n == -EFBIG) {
		*ret = false;
		return 0;
	}
	if (n < 0)
		return herr(err, (int)-n, "read %s/cgroup.procs", dir->path);
	*ret = n == 0;
	return 0;
}

int cg_run_kill_dirs(struct cg_run *run, struct hutch_error *err)
{
	uint64_t deadline = hu_now_us() + CG_KILL_TIMEOUT_US;
	int killer = -1, r = 0;

	/* Every process of the run is in every one of its directories, so
	 * one directory that can kill atomically does it all: v2 first
	 * (cgroup.kill), else the v1 freezer (freeze, kill, thaw). */
	for (size_t i = 0; i < run->n_dirs; i++)
		if (run->dirs[i].fd >= 0 && run->dirs[i].v2) {
			killer = (int)i;
			r = cg2_kill(&run->dirs[i], err);
			break;
		}
	if (killer < 0 && run->dir_of[CG_FREEZER] >= 0 &&
	    run->dirs[run->dir_of[CG_FREEZER]].fd >= 0) {
		killer = run->dir_of[CG_FREEZER];
		r = cg1_freeze_kill(&run->dirs[killer], err);
	}
	/* Then make sure of every other directory: a process attached to
	 * only some hierarchies (attach failed half way), or no freezer at
	 * all, is handled by the kill loop. */
	for (size_t i = 0; i < run->n_dirs; i++) {
		int q;

		if ((int)i == killer || run->dirs[i].fd < 0 || run->dirs[i].v2)
			continue;
		q = cg_procs_kill_until_empty(&run->dirs[i], deadline, r < 0 ? NULL : err);
		if (q < 0 && r == 0)
			r = q;
	}
	return r;
}

void cg_run_release_dirs(struct cg_run *run)
{
	bool empty = true;

	for (size_t i = 0; i < run->n_dirs && empty; i++)
		if (run->dirs[i].fd >= 0 && cg_dir_is_empty(&run->dirs[i], &empty, NULL) < 0)
			empty = false;
	/* Best effort: if the kill fails, rmdir fails with EBUSY below and
	 * the directory stays for hutch_cgroup_cleanup_stale(). */
	if (!empty)
		(void)cg_run_kill_dirs(run, NULL);
	/* v2 first would not matter; remove in reverse creation order. */
	for (size_t i = run->n_dirs; i-- > 0;)
		(void)cg_dir_remove(&run->dirs[i], run->name);
	closep(&run->cpu_fd);
}

/* ------------------------------------------------------------------ */
/* Runs                                                                */
/* ------------------------------------------------------------------ */

/* Run names become directory names: a strict alphabet, no '/' nor a
 * leading '.', so they can neither escape hutch/ nor hit interface files. */
static int cg_name_check(const char *name, struct hutch_error *err)
{
	size_t len = strlen(name);

	if (len == 0 || len > CG_NAME_MAX)
		return herr(err, EINVAL, "cgroup run name '%.80s': 1 to %d characters", name,
			    CG_NAME_MAX);
	if (!((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
		return herr(err, EINVAL, "cgroup run name '%s': must start with a letter", name);
	for (size_t i = 0; i < len; i++) {
		char ch = name[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '.' || ch == '-' || ch == '_'))
			return herr(err, EINVAL,
				    "cgroup run name '%s': only letters, digits, '.', '-', '_'",
				    name);
	}
	return 0;
}

static int cg_limits_check(const struct hutch_limits *limits, struct hutch_error *err)
{
	uint64_t q, p;

	if (limits->cpuset) {
		uint64_t bits[CG_CPUSET_MAX_CPUS / 64];
		int r;

		if (strlen(limits->cpuset) > 1024)
			return herr(err, EINVAL, "cpuset: longer than 1024 characters");
		r = cg_cpulist_parse(limits->cpuset, bits, CG_CPUSET_MAX_CPUS);
		if (r < 0 || !limits->cpuset[0] || strchr(limits->cpuset, '\n'))
			return herr(err, EINVAL,
				    "cpuset '%.64s': expected a CPU list like 0-3,6 (CPUs < %d)",
				    limits->cpuset, CG_CPUSET_MAX_CPUS);
	}
	if (limits->cpu_bandwidth_permille)
		return cg_bandwidth(limits->cpu_bandwidth_permille, &q, &p, err);
	return 0;
}

unsigned cg_unenforced(const struct hutch_limits *limits, unsigned provided)
{
	unsigned u = 0;

	if (limits->memory_bytes && !(provided & CG_BIT(CG_MEMORY)))
		u |= HUTCH_UNENF_MEMORY;
	if (limits->pids && !(provided & CG_BIT(CG_PIDS)))
		u |= HUTCH_UNENF_PIDS;
	/* Whole-tree CPU time is always measured (result.time), limit or
	 * not: without it the caller must fall back to per-process rusage. */
	if (!(provided & CG_BIT(CG_CPUACCT)))
		u |= HUTCH_UNENF_CPU_TREE;
	if (limits->cpu_bandwidth_permille && !(provided & CG_BIT(CG_CPU)))
		u |= HUTCH_UNENF_CPU_BANDWIDTH;
	if (limits->cpuset && !(provided & CG_BIT(CG_CPUSET)))
		u |= HUTCH_UNENF_CPUSET;
	return u;
}

static struct cg_run *cg_run_new(const struct cg_ops *ops, const char *name)
{
	struct cg_run *run = calloc(1, sizeof(*run));

	if (!run)
		return NULL;
	run->ops = ops;
	snprintf(run->name, sizeof(run->name), "%s", name);
	for (size_t i = 0; i < ARRAY_SIZE(run->dirs); i++)
		cg_dir_init(&run->dirs[i]);
	for (int c = 0; c < CG__MAX; c++)
		run->dir_of[c] = -1;
	run->cpu_fd = -1;
	return run;
}

static void cg_run_destroyp(struct cg_run **run)
{
	cg_run_destroy(*run);
}

int cg_run_create(const struct hutch_cgroup_host *host, const char *name,
		  const struct hutch_limits *limits, struct cg_run **ret, unsigned *ret_unenforced,
		  struct hutch_error *err)
{
	__attribute__((cleanup(cg_run_destroyp))) struct cg_run *run = NULL;
	unsigned unenforced = 0;
	int r;

	if (!host || !name || !limits || !ret)
		return herr(err, EINVAL, "cg_run_create: missing argument");
	r = cg_name_check(name, err);
	if (r < 0)
		return r;
	r = cg_limits_check(limits, err);
	if (r < 0)
		return r;
	run = cg_run_new(host->ops, name);
	if (!run)
		return herr(err, ENOMEM, "cgroup run %s", name);
	r = host->ops->create(host, run, limits, &unenforced, err);
	if (r < 0)
		return r; /* cleanup releases whatever create made */
	*ret = TAKE_PTR(run);
	if (ret_unenforced)
		*ret_unenforced = unenforced;
	return 0;
}

/* Only when the run lives in one v2 cgroup and nothing else: then
 * CLONE_INTO_CGROUP places the child completely and no attach is needed.
 * A hybrid run with v1 directories too returns -1, so that callers which
 * skip cg_run_attach after CLONE_INTO_CGROUP still join every hierarchy. */
int cg_run_clone_fd(const struct cg_run *run)
{
	if (!run || run->n_dirs != 1 || !run->dirs[0].v2)
		return -1;
	return run->dirs[0].fd;
}

int cg_run_attach(struct cg_run *run, pid_t pid, struct hutch_error *err)
{
	if (!run || pid <= 1)
		return herr(err, EINVAL, "cg_run_attach: bad run or pid %d", (int)pid);
	return run->ops->attach(run, pid, err);
}

int cg_run_cpu_usage(struct cg_run *run, uint64_t *ret_us)
{
	if (!run || !ret_us)
		return -EINVAL;
	return run->ops->cpu_usage(run, ret_us);
}

int cg_run_kill(struct cg_run *run, struct hutch_error *err)
{
	if (!run)
		return herr(err, EINVAL, "cg_run_kill: no run");
	return run->ops->kill(run, err);
}

int cg_run_stats(struct cg_run *run, struct cg_stats *ret, struct hutch_error *err)
{
	struct cg_stats st = { 0 };
	int r;

	if (!run || !ret)
		return herr(err, EINVAL, "cg_run_stats: missing argument");
	r = run->ops->stats(run, &st, err);
	if (r < 0)
		return r;
	*ret = st;
	return 0;
}

void cg_run_destroy(struct cg_run *run)
{
	if (!run)
		return;
	run->ops->release(run);
	for (size_t i = 0; i < ARRAY_SIZE(run->dirs); i++)
		cg_dir_close(&run->dirs[i]);
	closep(&run->cpu_fd);
	free(run);
}

/* ------------------------------------------------------------------ */
/* The none backend: no cgroup at all                                  */
/* ------------------------------------------------------------------ */

static int none_create(const struct hutch_cgroup_host *host, struct cg_run *run,
		       const struct hutch_limits *limits, unsigned *unenforced,
		       struct hutch_error *err)
{
	*unenforced = cg_unenforced(limits, 0);
	return 0;
}

static int none_attach(struct cg_run *run, pid_t pid, struct hutch_error *err)
{
	return 0;
}

static int none_cpu_usage(struct cg_run *run, uint64_t *ret_us)
{
	return -ENOTSUP;
}

/* Nothing lists the run's processes: the caller's pid namespace (its
 * init dying kills the rest) is what ends them. */
static int none_kill(struct cg_run *run, struct hutch_error *err)
{
	return 0;
}

static int none_stats(struct cg_run *run, struct cg_stats *st, struct hutch_error *err)
{
	return herr(err, ENOTSUP, "no cgroup on this host: no accounting for run %s", run->name);
}

static void none_release(struct cg_run *run)
{
}

const struct cg_ops cg_ops_none = {
	.name = "none",
	.create = none_create,
	.attach = none_attach,
	.cpu_usage = none_cpu_usage,
	.kill = none_kill,
	.stats = none_stats,
	.release = none_release,
};

/* ------------------------------------------------------------------ */
/* Stale cleanup                                                       */
/* ------------------------------------------------------------------ */

/* "r<pid>.<rest>" (rest: whatever the caller uses to make names unique,
 * e.g. "<seq>" or "<tid>.<time>") → pid; 0 if name is not of that form. */
static pid_t run_name_pid(const char *name)
{
	const char *end;
	uint64_t pid;

	if (name[0] != 'r' || cg_parse_u64(name + 1, &pid, &end) < 0 || *end != '.' ||
	    end[1] == '\0')
		return 0;
	return pid > 1 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

/* Could the supervisor with this pid still be running? Unsure means yes:
 * a live run must never be killed. A zombie supervisor is dead. A pid
 * reused by an unrelated process reads as alive: that cgroup waits for
 * a later cleanup (see docs/cgroups.md). */
static bool supervisor_alive(pid_t pid)
{
	char path[64], buf[512];
	_cleanup_close_ int fd = -1;
	const char *paren;
	ssize_t n;

	if (kill(pid, 0) < 0 && errno == ESRCH)
		return false;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno != ENOENT;
	n = hu_read_full(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return true;
	buf[n] = '\0';
	/* "pid (comm) S ...": comm may hold ')' and spaces, so take the last. */
	paren = strrchr(buf, ')');
	if (!paren || paren[1] != ' ')
		return true;
	return paren[2] != 'Z' && paren[2] != 'X';
}

/* Kill and remove run `name` in every hierarchy where it exists. */
static int cleanup_one(const struct hutch_cgroup_host *host, const char *name,
		       struct hutch_error *err)
{
	__attribute__((cleanup(cg_run_destroyp))) struct cg_run *run = NULL;
	int r = 0;

	run = cg_run_new(host->ops, name);
	if (!run)
		return herr(err, ENOMEM, "stale cgroup %s", name);
	for (size_t i = 0; i <= host->n_v1; i++) {
		const char *root = i < host->n_v1 ? host->v1[i].path : host->v2_path;
		_cleanup_close_ int rootfd = -1, pfd = -1;
		struct cg_dir *d = &run->dirs[run->n_dirs];

		if (!root)
			continue;
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			continue;
		pfd = openat(rootfd, CG_PARENT, O_PATH | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (pfd < 0)
			continue;
		r = cg_dir_open_existing(pfd, root, name, d, err);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			return r;
		d->v2 = i == host->n_v1;
		d->ctrls = d->v2 ? 0 : host->v1[i].ctrls;
		if (d->ctrls & CG_BIT(CG_FREEZER))
			run->dir_of[CG_FREEZER] = (int)run->n_dirs;
		run->n_dirs++;
	}
	r = cg_run_kill_dirs(run, err);
	for (size_t i = run->n_dirs; i-- > 0;) {
		int q = cg_dir_remove(&run->dirs[i], name);

		if (q < 0 && r == 0)
			r = herr(err, -q, "rmdir stale cgroup %s in hierarchy %zu", name, i);
	}
	return r;
}

int hutch_cgroup_cleanup_stale(const struct hutch_cgroup_host *host, struct hutch_error *err)
{
	int first = 0;

	if (!host)
		return herr(err, EINVAL, "hutch_cgroup_cleanup_stale: no host");
	for (size_t i = 0; i <= host->n_v1; i++) {
		const char *root = i < host->n_v1 ? host->v1[i].path : host->v2_path;
		_cleanup_close_ int rootfd = -1;
		DIR *d;
		struct dirent *de;
		int fd;

		if (!root)
			continue;
		rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (rootfd < 0)
			continue;
		fd = openat(rootfd, CG_PARENT, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0) {
			if (errno != ENOENT && first == 0)
				first = herr(err, errno, "open %s/%s", root, CG_PARENT);
			continue;
		}
		d = fdopendir(fd);
		if (!d) {
			if (first == 0)
				first = herr(err, errno, "opendir %s/%s", root, CG_PARENT);
			(void)close(fd); /* directory fd: nothing to flush */
			continue;
		}
		/* Removing entries while reading the directory is fine: a
		 * name is either seen once or not at all, and cleanup_one
		 * handles every hierarchy, so later passes find it gone. */
		while ((errno = 0, de = readdir(d))) {
			pid_t pid = run_name_pid(de->d_name);
			struct hutch_error e;
			int r;

			if (!pid || de->d_type != DT_DIR || supervisor_alive(pid))
				continue;
			r = cleanup_one(host, de->d_name, &e);
			if (r < 0 && first == 0) {
				first = r;
				if (err)
					*err = e;
			}
		}
		if (errno && first == 0)
			first = herr(err, errno, "readdir %s/%s", root, CG_PARENT);
		(void)closedir(d); /* directory stream: nothing to flush */
	}
	return first;
}
