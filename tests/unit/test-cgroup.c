/* SPDX-License-Identifier: MIT */
/*
 * Unit test of the cgroup driver (sandbox/cgroup*.c) against the running
 * kernel. Needs root (skips otherwise). Works on hybrid hosts (the
 * development machines), pure v2 (make check-v2) and reports the none
 * backend through a synthetic layout.
 *
 * On a hybrid host it also runs the v2 backend for real: a child process
 * enters a private mount namespace, mounts the cgroup2 hierarchy over
 * /sys/fs/cgroup there (nothing changes on the host's mounts) and drives
 * create / CLONE_INTO_CGROUP / cpu.stat / cgroup.kill / the freeze
 * fallback / destroy; its results come back over a pipe as TAP lines.
 *
 * Every run directory is named r<our pid>.<tag>; the last test checks that
 * none is left under any hierarchy's hutch/.
 */
#include "cgroup-internal.h"
#include "tap.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

#define MiB (1024L * 1024)

static pid_t self_pid;

/* ---- small helpers ---- */

static bool fs_is(const char *path, long magic)
{
	struct statfs s;

	return statfs(path, &s) == 0 && (long)s.f_type == magic;
}

/* Read a small file, trailing newline stripped. Length or -errno. */
static int read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = hu_read_full(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	return (int)n;
}

static int read_in(const char *dir, const char *file, char *buf, size_t size)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return read_file(path, buf, size);
}

static long long read_ll_in(const char *dir, const char *file)
{
	char buf[64];

	if (read_in(dir, file, buf, sizeof(buf)) < 0)
		return -1;
	return strtoll(buf, NULL, 10);
}

static bool exists_in(const char *dir, const char *file)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return access(path, F_OK) == 0;
}

static bool dir_exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void sleep_us(uint64_t us)
{
	struct timespec ts = { .tv_sec = (time_t)(us / 1000000), .tv_nsec = (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* We are a subreaper: orphans of the workloads come to us. */
static void reap_all(void)
{
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

/* Sleep while reaping, so that fork-churn zombies never pile up
 * (pid_max can be as low as 32768). */
static void sleep_reaping(uint64_t us)
{
	uint64_t end = hu_now_us() + us;

	while (hu_now_us() < end) {
		reap_all();
		sleep_us(5000);
	}
	reap_all();
}

/* Wait up to timeout_us for pid to end; on timeout SIGKILL it ourselves
 * (so a broken library fails the test instead of hanging it) and report
 * that it did not end. */
static bool wait_dead(pid_t pid, int *status, uint64_t timeout_us)
{
	uint64_t end = hu_now_us() + timeout_us;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return true;
		if (r < 0 && errno != EINTR)
			return false;
		if (hu_now_us() > end) {
			printf("# pid %d still alive after %llu us: killing it\n", (int)pid,
			       (unsigned long long)timeout_us);
			kill(pid, SIGKILL);
			(void)waitpid(pid, status, 0);
			return false;
		}
		sleep_us(1000);
	}
}

static const char *dir_of(const struct cg_run *run, enum cg_ctrl c)
{
	return run->dir_of[c] >= 0 ? run->dirs[run->dir_of[c]].path : NULL;
}

/* Does every live directory of run read an empty cgroup.procs? */
static bool run_is_empty(const struct cg_run *run)
{
	char buf[64];

	for (size_t i = 0; i < run->n_dirs; i++)
		if (read_in(run->dirs[i].path, "cgroup.procs", buf, sizeof(buf)) != 0)
			return false;
	return true;
}

static size_t run_nprocs(const struct cg_run *run)
{
	char buf[65536];
	size_t n = 0;

	if (run->n_dirs == 0 || read_in(run->dirs[0].path, "cgroup.procs", buf, sizeof(buf)) < 0)
		return 0;
	for (char *p = buf; *p; p++)
		n += *p == '\n';
	return buf[0] ? n + 1 : 0;
}

/* ---- workloads ---- */

typedef int (*workload_fn)(long arg);

/* Fork (or clone3 into cgfd when cgfd >= 0) a child that waits for a byte
 * on *ret_go before running fn(arg). */
static pid_t spawn(workload_fn fn, long arg, int cgfd, int *ret_go)
{
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	if (cgfd >= 0) {
		struct clone_args ca = { 0 };

		ca.flags = CLONE_INTO_CGROUP;
		ca.exit_signal = SIGCHLD;
		ca.cgroup = (uint64_t)cgfd;
		pid = (pid_t)syscall(SYS_clone3, &ca, sizeof(ca));
	} else {
		pid = fork();
	}
	if (pid == 0) {
		char c;

		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			_exit(99);
		close(p[0]);
		_exit(fn(arg));
	}
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	*ret_go = p[1];
	return pid;
}

static void go(int *fd)
{
	if (write(*fd, "g", 1) != 1)
		perror("go");
	close(*fd);
	*fd = -1;
}

static int w_spin(long arg)
{
	volatile unsigned long x = 0;

	for (;;)
		x++;
	return 0;
}

static int w_pause(long arg)
{
	for (;;)
		pause();
	return 0;
}

/* Allocate and touch arg bytes, 1 MiB at a time. */
static int w_hog(long bytes)
{
	for (long done = 0; done < bytes; done += MiB) {
		char *p = malloc(MiB);

		if (!p)
			return 3;
		memset(p, 0x5a, MiB);
	}
	return 0;
}

/* Write arg bytes into a tmpfs of a private mount namespace. */
static int w_tmpfs(long bytes)
{
	static char chunk[1 << 20];
	int fd;

	if (unshare(CLONE_NEWNS) < 0)
		return 10;
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return 11;
	if (mount("hutch-test", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "size=1g") < 0)
		return 12;
	fd = open("/tmp/fill", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return 15;
	memset(chunk, 0x5a, sizeof(chunk));
	for (long done = 0; done < bytes; done += MiB)
		if (write(fd, chunk, sizeof(chunk)) != (ssize_t)sizeof(chunk))
			return errno == ENOMEM ? 13 : 14;
	return 0;
}

/* Fork children that pause, until fork fails; exit status: how many. */
static int w_fill_pids(long max)
{
	int n = 0;

	for (long i = 0; i < max; i++) {
		pid_t p = fork();

		if (p == 0)
			w_pause(0);
		if (p < 0)
			break;
		n++;
	}
	return n;
}

/* The classic escape from pid-list killers: the pid changes all the time. */
static int w_churn(long arg)
{
	for (;;) {
		pid_t p = fork();

		if (p > 0)
			_exit(0);
	}
	return 0;
}

static int w_bomb(long arg)
{
	for (;;)
		(void)fork();
	return 0;
}

/* ---- tests ---- */

static void test_none(void)
{
	struct hutch_cgroup_host *host = NULL;
	struct hutch_limits lim = { .memory_bytes = 64 * MiB, .pids = 10, .cpu_time_us = 1000000,
				    .cpu_bandwidth_permille = 500, .cpuset = "0" };
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	struct cg_stats st;
	unsigned unenf = 0;
	uint64_t us;
	char buf[2048], name[64];
	int r;

	r = cg_detect_mountinfo("", &host, &err);
	ok(r == 0, "none: detection of an empty mountinfo succeeds (%s)", err.msg);
	if (r < 0)
		return;
	is_int(cg_host_backend(host), CG_BACKEND_NONE, "none: backend is none");
	r = hutch_cgroup_describe(host, buf, sizeof(buf));
	ok(r > 0 && strstr(buf, "backend: none") && strstr(buf, "memory   --"),
	   "none: describe says why");
	snprintf(name, sizeof(name), "r%d.none", (int)self_pid);
	r = cg_run_create(host, name, &lim, &run, &unenf, &err);
	ok(r == 0, "none: create succeeds (%s)", err.msg);
	is_int(unenf,
	       HUTCH_UNENF_MEMORY | HUTCH_UNENF_PIDS | HUTCH_UNENF_CPU_TREE |
		       HUTCH_UNENF_CPU_BANDWIDTH | HUTCH_UNENF_CPUSET,
	       "none: every asked-for limit is reported unenforced");
	if (r == 0) {
		is_int(cg_run_clone_fd(run), -1, "none: no clone fd");
		is_int(cg_run_attach(run, self_pid, &err), 0, "none: attach is a no-op");
		is_int(cg_run_cpu_usage(run, &us), -ENOTSUP, "none: cpu usage is -ENOTSUP");
		is_int(cg_run_kill(run, &err), 0, "none: kill is a no-op");
		is_int(cg_run_stats(run, &st, &err), -ENOTSUP, "none: stats are -ENOTSUP");
		cg_run_destroy(run);
	}
	lim = (struct hutch_limits){ 0 };
	r = cg_run_create(host, name, &lim, &run, &unenf, &err);
	ok(r == 0 && unenf == HUTCH_UNENF_CPU_TREE,
	   "none: no limits asked: only CPU_TREE (time is always measured)");
	if (r == 0)
		cg_run_destroy(run);
	cg_run_destroy(NULL);
	hutch_cgroup_host_free(host);
}

static enum cg_backend expected_backend(void)
{
	if (fs_is("/sys/fs/cgroup", CGROUP2_SUPER_MAGIC))
		return CG_BACKEND_V2;
	for (int c = 0; c < CG__MAX; c++) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", cg_ctrl_name[c]);
		if (fs_is(path, CGROUP_SUPER_MAGIC))
			return CG_BACKEND_HYBRID;
	}
	if (fs_is("/sys/fs/cgroup/unified", CGROUP2_SUPER_MAGIC))
		return CG_BACKEND_V2;
	return CG_BACKEND_NONE;
}

static void test_detect(const struct hutch_cgroup_host *host)
{
	enum cg_backend want = expected_backend();
	char buf[4096], ctrls[1024] = "";
	int n;

	is_int(cg_host_backend(host), want, "detect: backend %d as the mounts say",
	       (int)cg_host_backend(host));
	n = hutch_cgroup_describe(host, buf, sizeof(buf));
	ok(n > 0 && (size_t)n < sizeof(buf), "describe: %d bytes", n);
	is_int(hutch_cgroup_describe(host, NULL, 0), n, "describe: size query gives the same length");
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		printf("#   %s\n", line);

	if (want == CG_BACKEND_HYBRID) {
		if (host->v2_path)
			(void)read_in(host->v2_path, "cgroup.controllers", ctrls, sizeof(ctrls));
		for (int c = 0; c < CG__MAX; c++) {
			char path[128], real[PATH_MAX], hreal[PATH_MAX];
			const char *hp;

			snprintf(path, sizeof(path), "/sys/fs/cgroup/%s", cg_ctrl_name[c]);
			if (!fs_is(path, CGROUP_SUPER_MAGIC) || cg_list_has(ctrls, cg_ctrl_name[c]))
				continue;
			if (host->v2_used && (c == CG_CPUACCT || c == CG_FREEZER))
				continue;
			hp = host->ctrl[c].src == CG_SRC_V1 ? host->v1[host->ctrl[c].hier].path : "";
			ok(host->ctrl[c].src == CG_SRC_V1 && realpath(path, real) &&
				   realpath(hp, hreal) && strcmp(real, hreal) == 0,
			   "detect: %s from its v1 hierarchy %s (got %s)", cg_ctrl_name[c], path, hp);
		}
		ok(host->v2_path == NULL || fs_is(host->v2_path, CGROUP2_SUPER_MAGIC),
		   "detect: cgroup2 at %s", host->v2_path ? host->v2_path : "(none)");
	} else if (want == CG_BACKEND_V2) {
		(void)read_in(host->v2_path, "cgroup.controllers", ctrls, sizeof(ctrls));
		for (int c = 0; c < CG__MAX; c++) {
			bool v2 = c == CG_CPUACCT || c == CG_FREEZER || cg_list_has(ctrls, cg_ctrl_name[c]);

			is_int(host->ctrl[c].src, v2 ? CG_SRC_V2 : CG_SRC_MISSING, "detect: %s %s",
			       cg_ctrl_name[c], v2 ? "from v2" : "missing");
		}
	}
}

/* Root of the hierarchy a run directory should be in, for a controller. */
static const char *expected_root(const struct hutch_cgroup_host *host, enum cg_ctrl c)
{
	if (host->ctrl[c].src == CG_SRC_V2)
		return host->v2_path;
	if (host->ctrl[c].src == CG_SRC_V1)
		return host->v1[host->ctrl[c].hier].path;
	return NULL;
}

static unsigned expected_unenforced(const struct hutch_cgroup_host *host,
				    const struct hutch_limits *l)
{
	unsigned u = 0;

	if (l->memory_bytes && host->ctrl[CG_MEMORY].src == CG_SRC_MISSING)
		u |= HUTCH_UNENF_MEMORY;
	if (l->pids && host->ctrl[CG_PIDS].src == CG_SRC_MISSING)
		u |= HUTCH_UNENF_PIDS;
	if (host->ctrl[CG_CPUACCT].src == CG_SRC_MISSING)
		u |= HUTCH_UNENF_CPU_TREE;
	if (l->cpu_bandwidth_permille && host->ctrl[CG_CPU].src == CG_SRC_MISSING)
		u |= HUTCH_UNENF_CPU_BANDWIDTH;
	if (l->cpuset && host->ctrl[CG_CPUSET].src == CG_SRC_MISSING)
		u |= HUTCH_UNENF_CPUSET;
	return u;
}

/* Create with every limit, read them back, run a spinning child in it,
 * watch its CPU time, kill it, destroy. */
static void test_lifecycle(const struct hutch_cgroup_host *host)
{
	struct hutch_limits lim = { .memory_bytes = 64 * MiB, .pids = 64, .cpu_time_us = 1000000,
				    .cpu_bandwidth_permille = 500, .cpuset = "0" };
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	struct cg_stats st = { 0 };
	char name[64], buf[256], paths[CG__MAX + 1][512];
	size_t npaths = 0;
	unsigned unenf = ~0u;
	uint64_t u0 = 0, u1 = 0, t0, t1;
	int r, go_fd = -1, status = 0, cgfd;
	pid_t pid;
	const char *d;

	snprintf(name, sizeof(name), "r%d.1", (int)self_pid);
	r = cg_run_create(host, name, &lim, &run, &unenf, &err);
	ok(r == 0, "create %s (%s)", name, err.msg);
	if (r < 0)
		return;
	is_int(unenf, expected_unenforced(host, &lim), "create: unenforced bits match the layout");

	for (int c = 0; c < CG__MAX; c++) {
		const char *root = expected_root(host, c);
		char want[512];

		if (!root)
			continue;
		snprintf(want, sizeof(want), "%s/hutch/%s", root, name);
		d = dir_of(run, c);
		ok(d && strcmp(d, want) == 0 && dir_exists(d), "create: %s directory %s exists",
		   cg_ctrl_name[c], want);
	}
	for (size_t i = 0; i < run->n_dirs; i++)
		snprintf(paths[npaths++], sizeof(paths[0]), "%s", run->dirs[i].path);

	if ((d = dir_of(run, CG_MEMORY))) {
		if (host->ctrl[CG_MEMORY].src == CG_SRC_V1) {
			is_int(read_ll_in(d, "memory.limit_in_bytes"), 64 * MiB,
			       "v1 memory.limit_in_bytes read back");
			if (exists_in(d, "memory.memsw.limit_in_bytes"))
				is_int(read_ll_in(d, "memory.memsw.limit_in_bytes"), 64 * MiB,
				       "v1 memory.memsw.limit_in_bytes = limit (swap off)");
			if (exists_in(d, "memory.swappiness"))
				is_int(read_ll_in(d, "memory.swappiness"), 0, "v1 memory.swappiness 0");
		} else {
			is_int(read_ll_in(d, "memory.max"), 64 * MiB, "v2 memory.max read back");
			if (exists_in(d, "memory.swap.max"))
				is_int(read_ll_in(d, "memory.swap.max"), 0, "v2 memory.swap.max 0");
		}
	}
	if ((d = dir_of(run, CG_PIDS)))
		is_int(read_ll_in(d, "pids.max"), 64, "pids.max read back");
	if ((d = dir_of(run, CG_CPU))) {
		if (host->ctrl[CG_CPU].src == CG_SRC_V1) {
			is_int(read_ll_in(d, "cpu.cfs_period_us"), 100000, "v1 cpu.cfs_period_us");
			is_int(read_ll_in(d, "cpu.cfs_quota_us"), 50000, "v1 cpu.cfs_quota_us (50%%)");
		} else {
			r = read_in(d, "cpu.max", buf, sizeof(buf));
			is_str(r >= 0 ? buf : NULL, "50000 100000", "v2 cpu.max read back");
		}
	}
	if ((d = dir_of(run, CG_CPUSET))) {
		r = read_in(d, "cpuset.cpus", buf, sizeof(buf));
		is_str(r >= 0 ? buf : NULL, "0", "cpuset.cpus read back");
	}

	cgfd = cg_run_clone_fd(run);
	ok((cgfd >= 0) == (run->n_dirs == 1 && run->dirs[0].v2),
	   "clone fd %d only when the run is one v2 cgroup", cgfd);

	pid = spawn(w_spin, 0, cgfd, &go_fd);
	ok(pid > 0, "spawn a spinner%s", cgfd >= 0 ? " with CLONE_INTO_CGROUP" : "");
	if (pid <= 0)
		goto out;
	if (cgfd < 0) {
		r = cg_run_attach(run, pid, &err);
		ok(r == 0, "attach pid %d (%s)", (int)pid, err.msg);
	}
	{
		char cgpath[64], text[4096], suffix[128];
		size_t hits = 0;

		snprintf(cgpath, sizeof(cgpath), "/proc/%d/cgroup", (int)pid);
		snprintf(suffix, sizeof(suffix), ":/hutch/%s", name);
		if (read_file(cgpath, text, sizeof(text)) >= 0)
			for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
				size_t ll = strlen(line), sl = strlen(suffix);

				hits += ll >= sl && strcmp(line + ll - sl, suffix) == 0;
			}
		is_int(hits, run->n_dirs, "/proc/pid/cgroup: the child is in all %zu run cgroups",
		       run->n_dirs);
	}
	go(&go_fd);

	sleep_us(100000);
	r = cg_run_cpu_usage(run, &u0);
	ok(r == 0, "cpu usage readable (%d)", r);
	t0 = hu_now_us();
	sleep_us(1000000);
	r = cg_run_cpu_usage(run, &u1);
	t1 = hu_now_us();
	ok(r == 0 && u1 > u0 + 100000, "cpu usage grows while the child spins: +%llu us in %llu us",
	   (unsigned long long)(u1 - u0), (unsigned long long)(t1 - t0));
	if (!(unenf & HUTCH_UNENF_CPU_BANDWIDTH))
		ok(u1 - u0 < (t1 - t0) * 7 / 10, "50%% bandwidth holds: %llu us of CPU in %llu us",
		   (unsigned long long)(u1 - u0), (unsigned long long)(t1 - t0));
	{
		uint64_t t = 0, samples = 1000, a = hu_now_us();

		for (uint64_t i = 0; i < samples; i++)
			(void)cg_run_cpu_usage(run, &t);
		printf("# cg_run_cpu_usage: %.1f us per call\n",
		       (double)(hu_now_us() - a) / (double)samples);
	}

	t0 = hu_now_us();
	r = cg_run_kill(run, &err);
	t1 = hu_now_us();
	ok(r == 0, "kill (%s) in %llu us", err.msg, (unsigned long long)(t1 - t0));
	ok(wait_dead(pid, &status, 5000000) && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "the spinner died of SIGKILL");
	ok(run_is_empty(run), "no process left in any run cgroup");
	r = cg_run_stats(run, &st, &err);
	ok(r == 0 && st.cpu_us >= u1, "stats: cpu %llu us >= last sample (%s)",
	   (unsigned long long)st.cpu_us, err.msg);
out:
	if (go_fd >= 0)
		close(go_fd);
	cg_run_destroy(run);
	for (size_t i = 0; i < npaths; i++)
		ok(!dir_exists(paths[i]), "destroy removed %s", paths[i]);
}

/* Run fn(arg) in a fresh run with lim; wait for it; stats into *st. */
static int run_workload(const struct hutch_cgroup_host *host, const char *tag,
			const struct hutch_limits *lim, workload_fn fn, long arg, int *ret_status,
			struct cg_stats *st)
{
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	char name[64];
	int r, go_fd = -1;
	pid_t pid;

	snprintf(name, sizeof(name), "r%d.%s", (int)self_pid, tag);
	r = cg_run_create(host, name, lim, &run, NULL, &err);
	if (r < 0) {
		printf("# create %s: %s\n", name, err.msg);
		return r;
	}
	pid = spawn(fn, arg, -1, &go_fd);
	if (pid < 0) {
		cg_run_destroy(run);
		return -errno;
	}
	r = cg_run_attach(run, pid, &err);
	if (r < 0)
		printf("# attach: %s\n", err.msg);
	go(&go_fd);
	if (!wait_dead(pid, ret_status, 60000000))
		printf("# %s: workload did not end\n", name);
	if (r == 0)
		r = cg_run_kill(run, &err);
	if (r == 0)
		r = cg_run_stats(run, st, &err);
	if (r < 0)
		printf("# %s: %s\n", name, err.msg);
	cg_run_destroy(run);
	reap_all();
	return r;
}

static void test_memory(const struct hutch_cgroup_host *host)
{
	const long limit = 32 * MiB;
	struct hutch_limits lim = { .memory_bytes = (uint64_t)limit };
	struct cg_stats st = { 0 };
	int status = 0, r;

	if (host->ctrl[CG_MEMORY].src == CG_SRC_MISSING) {
		tap_skip("no memory controller");
		return;
	}
	r = run_workload(host, "mem", &lim, w_hog, 256 * MiB, &status, &st);
	ok(r == 0, "memory: run a 256 MiB hog under a 32 MiB limit");
	ok(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	   "memory: the hog was killed (status 0x%x)", status);
	ok(st.oom_killed, "memory: oom_killed reported");
	ok(st.memory_peak > (uint64_t)limit / 2 && st.memory_peak <= (uint64_t)limit + limit / 10,
	   "memory: peak %llu bytes near the limit", (unsigned long long)st.memory_peak);
	printf("# memory: peak - limit = %lld bytes\n", (long long)st.memory_peak - limit);

	r = run_workload(host, "tmpfs", &lim, w_tmpfs, 128 * MiB, &status, &st);
	ok(r == 0, "tmpfs: write 128 MiB into a private tmpfs under a 32 MiB limit");
	/* Either the writer is OOM-killed (current kernels) or its write
	 * fails with ENOMEM (kernels that OOM-kill only on page faults):
	 * both mean the tmpfs pages were charged to the run's cgroup. */
	ok((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && st.oom_killed) ||
		   (WIFEXITED(status) && WEXITSTATUS(status) == 13),
	   "tmpfs: pages are charged to the run (status 0x%x, oom_killed %d)", status,
	   st.oom_killed);
	ok(st.memory_peak > (uint64_t)limit * 3 / 4, "tmpfs: peak %llu bytes",
	   (unsigned long long)st.memory_peak);
}

static void test_pids(const struct hutch_cgroup_host *host)
{
	struct hutch_limits lim = { .pids = 16 };
	struct cg_stats st = { 0 };
	int status = 0, r;

	if (host->ctrl[CG_PIDS].src == CG_SRC_MISSING) {
		tap_skip("no pids controller");
		return;
	}
	r = run_workload(host, "pids", &lim, w_fill_pids, 1000, &status, &st);
	ok(r == 0, "pids: fork until refused under pids.max 16");
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 15,
	   "pids: the child got exactly 15 children (status 0x%x, got %d)", status,
	   WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	ok(st.pids_limit_hit, "pids: pids_limit_hit reported");
}

/* Kill a run whose processes keep forking. */
static void test_kill_forkers(const struct hutch_cgroup_host *host, const char *tag,
			      workload_fn fn, uint64_t pids)
{
	struct hutch_limits lim = { .pids = pids };
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	char name[64];
	int r, go_fd = -1, status;
	uint64_t t0, t1;
	size_t before;
	pid_t pid;

	snprintf(name, sizeof(name), "r%d.%s", (int)self_pid, tag);
	r = cg_run_create(host, name, &lim, &run, NULL, &err);
	ok(r == 0, "%s: create (%s)", tag, err.msg);
	if (r < 0)
		return;
	pid = spawn(fn, 0, -1, &go_fd);
	r = pid > 0 ? cg_run_attach(run, pid, &err) : -1;
	ok(r == 0, "%s: attach (%s)", tag, err.msg);
	if (pid > 0)
		go(&go_fd);
	sleep_reaping(200000);
	before = run_nprocs(run);
	ok(before > 0, "%s: %zu processes in the run before the kill", tag, before);
	t0 = hu_now_us();
	r = cg_run_kill(run, &err);
	t1 = hu_now_us();
	ok(r == 0, "%s: kill (%s)", tag, err.msg);
	printf("# %s: cg_run_kill took %llu us\n", tag, (unsigned long long)(t1 - t0));
	ok(run_is_empty(run), "%s: no process left right after kill", tag);
	sleep_reaping(50000);
	ok(run_is_empty(run), "%s: still none 50 ms later", tag);
	if (pid > 0)
		(void)waitpid(pid, &status, WNOHANG);
	cg_run_destroy(run);
	reap_all();
}

/* The v1 freezer path alone (cg_run_kill also sweeps every other
 * hierarchy with a kill loop, which would hide a broken freezer path). */
static void test_v1_freezer(const struct hutch_cgroup_host *host)
{
	struct hutch_limits lim = { .pids = 256 };
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	char name[64];
	int r, go_fd = -1;
	uint64_t t0;
	pid_t pid;

	if (host->ctrl[CG_FREEZER].src != CG_SRC_V1) {
		tap_skip("v1 freezer: not on this host");
		return;
	}
	snprintf(name, sizeof(name), "r%d.freezer", (int)self_pid);
	r = cg_run_create(host, name, &lim, &run, NULL, &err);
	ok(r == 0 && run->dir_of[CG_FREEZER] >= 0, "freezer: create (%s)", err.msg);
	if (r < 0)
		return;
	pid = spawn(w_churn, 0, -1, &go_fd);
	r = pid > 0 ? cg_run_attach(run, pid, &err) : -1;
	ok(r == 0, "freezer: attach a fork churner (%s)", err.msg);
	if (pid > 0)
		go(&go_fd);
	sleep_reaping(200000);
	t0 = hu_now_us();
	r = cg1_freeze_kill(&run->dirs[run->dir_of[CG_FREEZER]], &err);
	ok(r == 0 && run_is_empty(run), "freezer: freeze, kill, thaw empties the run in %llu us (%s)",
	   (unsigned long long)(hu_now_us() - t0), err.msg);
	r = read_in(run->dirs[run->dir_of[CG_FREEZER]].path, "freezer.state", name, sizeof(name));
	is_str(r >= 0 ? name : NULL, "THAWED", "freezer: left THAWED");
	cg_run_destroy(run);
	reap_all();
}

static void test_errors(const struct hutch_cgroup_host *host)
{
	static const char *const bad[] = { "", "../x", "a/b", ".hidden", "cgroup procs", "r1\n" };
	struct hutch_limits lim = { .memory_bytes = 64 * MiB };
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL, *run2 = NULL;
	char name[64];
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		r = cg_run_create(host, bad[i], &lim, &run, NULL, &err);
		ok(r == -EINVAL, "bad run name '%s' refused (%s)", bad[i], err.msg);
	}
	lim.cpuset = "1-";
	snprintf(name, sizeof(name), "r%d.err", (int)self_pid);
	r = cg_run_create(host, name, &lim, &run, NULL, &err);
	ok(r == -EINVAL, "bad cpuset syntax refused (%s)", err.msg);
	lim.cpuset = NULL;

	r = cg_run_create(host, name, &lim, &run, NULL, &err);
	ok(r == 0, "create %s", name);
	r = cg_run_create(host, name, &lim, &run2, NULL, &err);
	ok(r == -EEXIST && strstr(err.msg, name), "same name again: EEXIST (%s)", err.msg);
	ok(run && run->n_dirs > 0 && dir_exists(run->dirs[0].path),
	   "the first run's directory survives the failed second create");
	cg_run_destroy(run);
	run = NULL;

	if (host->ctrl[CG_CPUSET].src != CG_SRC_MISSING) {
		char want[512];

		lim.cpuset = "4000";
		snprintf(name, sizeof(name), "r%d.cpuset", (int)self_pid);
		r = cg_run_create(host, name, &lim, &run, NULL, &err);
		ok(r < 0 && strstr(err.msg, "cpuset") && strstr(err.msg, "/hutch/"),
		   "cpuset 4000 refused, message names the file: %s", err.msg);
		for (int c = 0; c < CG__MAX; c++) {
			const char *root = expected_root(host, c);
			bool seen = false;

			for (int e = 0; e < c; e++)
				seen |= root && expected_root(host, e) == root;
			if (!root || seen)
				continue;
			snprintf(want, sizeof(want), "%s/hutch/%s", root, name);
			ok(!dir_exists(want), "failed create left nothing: %s", want);
		}
		if (r == 0)
			cg_run_destroy(run);
	}
}

/* Roots of every hierarchy where runs may have directories. */
static size_t host_roots(const struct hutch_cgroup_host *host, const char **roots)
{
	size_t n = 0;

	for (size_t i = 0; i < host->n_v1; i++)
		roots[n++] = host->v1[i].path;
	if (host->v2_path)
		roots[n++] = host->v2_path;
	return n;
}

static void test_stale(const struct hutch_cgroup_host *host)
{
	const char *roots[CG__MAX + 1];
	size_t nroots = host_roots(host, roots), made = 0;
	struct hutch_error err = { 0 };
	char dead[1024], live[1024], other[1024];
	int go_fd = -1, status = 0, r;
	pid_t dead_pid, sleeper;

	dead_pid = fork();
	if (dead_pid == 0)
		_exit(0);
	(void)waitpid(dead_pid, NULL, 0);
	sleeper = spawn(w_pause, 0, -1, &go_fd);
	ok(sleeper > 0, "stale: a sleeper to leave behind");
	for (size_t i = 0; i < nroots; i++) {
		char parent[512], procs[1100], pidbuf[32];
		int fd;

		/* cpuset children need cpus/mems before taking a task, and a v2
		 * hierarchy no run uses gets no hutch/: stay out of both. */
		if (host->ctrl[CG_CPUSET].src == CG_SRC_V1 &&
		    strcmp(roots[i], host->v1[host->ctrl[CG_CPUSET].hier].path) == 0)
			continue;
		if (roots[i] == host->v2_path && !host->v2_used)
			continue;
		snprintf(parent, sizeof(parent), "%s/hutch", roots[i]);
		(void)mkdir(parent, 0755);
		snprintf(dead, sizeof(dead), "%s/r%d.7", parent, (int)dead_pid);
		snprintf(live, sizeof(live), "%s/r%d.999", parent, (int)self_pid);
		snprintf(other, sizeof(other), "%s/notarun", parent);
		if (mkdir(dead, 0755) < 0 || mkdir(live, 0755) < 0 || mkdir(other, 0755) < 0) {
			ok(0, "stale: mkdir under %s: %s", parent, strerror(errno));
			continue;
		}
		made++;
		snprintf(pidbuf, sizeof(pidbuf), "%d", (int)sleeper);
		snprintf(procs, sizeof(procs), "%s/cgroup.procs", dead);
		fd = open(procs, O_WRONLY | O_CLOEXEC);
		ok(fd >= 0 && write(fd, pidbuf, strlen(pidbuf)) == (ssize_t)strlen(pidbuf),
		   "stale: sleeper moved into %s", dead);
		if (fd >= 0)
			close(fd);
	}
	ok(made > 0, "stale: fake stale cgroup r%d.7 made in %zu hierarchies", (int)dead_pid, made);

	r = hutch_cgroup_cleanup_stale(host, &err);
	ok(r == 0, "stale: cleanup (%s)", err.msg);
	ok(wait_dead(sleeper, &status, 5000000) && WIFSIGNALED(status) &&
		   WTERMSIG(status) == SIGKILL,
	   "stale: the process left in it was killed");
	close(go_fd);
	for (size_t i = 0; i < nroots; i++) {
		if (roots[i] == host->v2_path && !host->v2_used)
			continue;
		if (host->ctrl[CG_CPUSET].src == CG_SRC_V1 &&
		    strcmp(roots[i], host->v1[host->ctrl[CG_CPUSET].hier].path) == 0)
			continue;
		snprintf(dead, sizeof(dead), "%s/hutch/r%d.7", roots[i], (int)dead_pid);
		snprintf(live, sizeof(live), "%s/hutch/r%d.999", roots[i], (int)self_pid);
		snprintf(other, sizeof(other), "%s/hutch/notarun", roots[i]);
		ok(!dir_exists(dead), "stale: %s removed", dead);
		ok(dir_exists(live), "stale: %s (live supervisor) kept", live);
		ok(dir_exists(other), "stale: %s (not a run name) kept", other);
		(void)rmdir(live);
		(void)rmdir(other);
	}
}

static void test_cycles(const struct hutch_cgroup_host *host)
{
	struct hutch_limits lim = { .memory_bytes = 64 * MiB, .pids = 64 };
	struct hutch_error err = { 0 };
	int failures = 0, killed = 0, sleepers = 0;
	uint64_t t0 = hu_now_us(), t;

	for (int i = 0; i < 100; i++) {
		struct cg_run *run = NULL;
		char name[64];
		int r;

		snprintf(name, sizeof(name), "r%d.c%d", (int)self_pid, i);
		r = cg_run_create(host, name, &lim, &run, NULL, &err);
		if (r < 0) {
			if (failures++ == 0)
				printf("# cycle %d: %s\n", i, err.msg);
			continue;
		}
		if (i % 10 == 0) {
			int go_fd = -1, status = 0;
			pid_t pid = spawn(w_pause, 0, -1, &go_fd);

			sleepers++;
			if (pid > 0 && cg_run_attach(run, pid, &err) == 0) {
				go(&go_fd);
				cg_run_destroy(run); /* with the sleeper still inside */
				run = NULL;
				if (wait_dead(pid, &status, 5000000) && WIFSIGNALED(status) &&
				    WTERMSIG(status) == SIGKILL)
					killed++;
			} else if (pid > 0) {
				kill(pid, SIGKILL);
				(void)waitpid(pid, NULL, 0);
				close(go_fd);
			}
		}
		cg_run_destroy(run);
	}
	t = hu_now_us() - t0;
	is_int(failures, 0, "100 create/destroy cycles without a failure");
	is_int(killed, sleepers, "destroy killed the process left in %d of them", sleepers);
	printf("# create+destroy: %.0f us per cycle (10%% with an attached process)\n",
	       (double)t / 100);
}

/* Every hierarchy's hutch/ must hold none of our runs. */
static void test_leftovers(const struct hutch_cgroup_host *host)
{
	const char *roots[CG__MAX + 1];
	size_t nroots = host_roots(host, roots), left = 0;
	char prefix[32];

	snprintf(prefix, sizeof(prefix), "r%d.", (int)self_pid);
	for (size_t i = 0; i < nroots; i++) {
		char parent[512];
		DIR *d;
		struct dirent *de;

		snprintf(parent, sizeof(parent), "%s/hutch", roots[i]);
		d = opendir(parent);
		if (!d)
			continue;
		while ((de = readdir(d)))
			if (strncmp(de->d_name, prefix, strlen(prefix)) == 0) {
				printf("#   left: %s/%s\n", parent, de->d_name);
				left++;
			}
		closedir(d);
	}
	is_int(left, 0, "nothing of ours left under any */hutch/");
}

/* ---- the v2 backend in a private mount namespace (hybrid hosts) ---- */

static int report_fd = -1;

__attribute__((format(printf, 2, 3))) static void rep(int cond, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	dprintf(report_fd, "%d %s\n", cond ? 1 : 0, buf);
}

static int v2ns_main(void)
{
	struct hutch_limits lim = { .memory_bytes = 64 * MiB, .cpu_time_us = 1000000 };
	struct hutch_cgroup_host *host = NULL;
	struct hutch_error err = { 0 };
	struct cg_run *run = NULL;
	struct cg_stats st = { 0 };
	unsigned unenf = 0;
	uint64_t u0 = 0, u1 = 0, t0;
	char name[64], path[512], text[4096], want[128];
	int r, go_fd = -1, status = 0, cgfd;
	pid_t pid;

	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("cgroup2", "/sys/fs/cgroup", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  NULL) < 0) {
		rep(0, "v2ns: private mount namespace with cgroup2 on /sys/fs/cgroup: %s",
		    strerror(errno));
		return 1;
	}
	r = hutch_cgroup_detect(&host, &err);
	rep(r == 0 && cg_host_backend(host) == CG_BACKEND_V2 &&
		    strcmp(host->v2_path, "/sys/fs/cgroup") == 0,
	    "v2ns: detection sees pure v2 at /sys/fs/cgroup (%s)", err.msg);
	if (r < 0 || cg_host_backend(host) != CG_BACKEND_V2)
		return 1;

	snprintf(name, sizeof(name), "r%d.1", (int)getpid());
	r = cg_run_create(host, name, &lim, &run, &unenf, &err);
	rep(r == 0, "v2ns: create %s (%s)", name, err.msg);
	if (r < 0)
		return 1;
	rep(unenf == expected_unenforced(host, &lim), "v2ns: unenforced 0x%x", unenf);
	cgfd = cg_run_clone_fd(run);
	rep(cgfd >= 0, "v2ns: clone fd %d", cgfd);
	pid = spawn(w_spin, 0, cgfd, &go_fd);
	rep(pid > 0, "v2ns: clone3(CLONE_INTO_CGROUP) a spinner");
	if (pid <= 0)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	snprintf(want, sizeof(want), "0::/hutch/%s", name);
	rep(read_file(path, text, sizeof(text)) >= 0 && strstr(text, want),
	    "v2ns: the child was born in %s", want);
	go(&go_fd);
	sleep_us(100000);
	r = cg_run_cpu_usage(run, &u0);
	sleep_us(500000);
	r |= cg_run_cpu_usage(run, &u1);
	rep(r == 0 && u1 > u0 + 100000, "v2ns: cpu.stat usage grows: +%llu us in 0.5 s",
	    (unsigned long long)(u1 - u0));
	t0 = hu_now_us();
	r = cg_run_kill(run, &err);
	rep(r == 0, "v2ns: cgroup.kill in %llu us (%s)", (unsigned long long)(hu_now_us() - t0),
	    err.msg);
	rep(wait_dead(pid, &status, 5000000) && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL,
	    "v2ns: the spinner died of SIGKILL");
	r = cg_run_stats(run, &st, &err);
	rep(r == 0 && st.cpu_us >= u1, "v2ns: stats cpu %llu us (%s)",
	    (unsigned long long)st.cpu_us, err.msg);
	snprintf(path, sizeof(path), "%s", run->dirs[0].path);
	cg_run_destroy(run);
	rep(!dir_exists(path), "v2ns: destroy removed %s", path);

	/* Attach by pid, fork churn, and the pre-5.14 freeze fallback. */
	snprintf(name, sizeof(name), "r%d.2", (int)getpid());
	lim = (struct hutch_limits){ 0 };
	r = cg_run_create(host, name, &lim, &run, NULL, &err);
	rep(r == 0, "v2ns: create %s (%s)", name, err.msg);
	if (r < 0)
		return 1;
	pid = spawn(w_churn, 0, -1, &go_fd);
	r = pid > 0 ? cg_run_attach(run, pid, &err) : -1;
	rep(r == 0, "v2ns: attach a fork churner by pid (%s)", err.msg);
	go(&go_fd);
	sleep_us(100000);
	rep(run_nprocs(run) > 0, "v2ns: churner running");
	t0 = hu_now_us();
	r = cg2_freeze_kill(&run->dirs[0], &err);
	rep(r == 0 && run_is_empty(run), "v2ns: freeze fallback kill in %llu us (%s)",
	    (unsigned long long)(hu_now_us() - t0), err.msg);
	cg_run_destroy(run);
	hutch_cgroup_host_free(host);
	return 0;
}

static void test_v2_private_ns(const struct hutch_cgroup_host *host)
{
	char buf[8192];
	size_t len = 0;
	int p[2], status = 0;
	pid_t pid;
	ssize_t n;

	if (host->backend != CG_BACKEND_HYBRID || !host->v2_path) {
		tap_skip("v2 in a private mount namespace: only on hybrid hosts");
		return;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		ok(0, "pipe");
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(p[0]);
		report_fd = p[1];
		_exit(v2ns_main());
	}
	close(p[1]);
	while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0) {
		len += (size_t)n;
		reap_all();
	}
	close(p[0]);
	buf[len] = '\0';
	(void)wait_dead(pid, &status, 30000000);
	reap_all();
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
		ok(line[0] == '1', "%s", line + 2);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "v2ns: child finished (status 0x%x)",
	   status);
}

int main(void)
{
	struct hutch_cgroup_host *host = NULL;
	struct hutch_error err = { 0 };
	int r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	self_pid = getpid();
	test_none();
	if (geteuid() != 0) {
		printf("# not root: the kernel tests are skipped\n");
		tap_skip("kernel cgroup tests need root");
		return done_testing();
	}
	/* Last resort against a hang: every wait is bounded, but a broken
	 * kill could still stall a test; SIGALRM ends the binary. */
	alarm(600);
	/* Orphans of the workloads come to us to be reaped, not to the
	 * host's pid 1. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		perror("PR_SET_CHILD_SUBREAPER");

	r = hutch_cgroup_detect(&host, &err);
	ok(r == 0, "detect (%s)", err.msg);
	if (r < 0)
		return done_testing();
	test_detect(host);
	if (cg_host_backend(host) == CG_BACKEND_NONE) {
		tap_skip("no cgroup on this host");
		hutch_cgroup_host_free(host);
		return done_testing();
	}
	test_lifecycle(host);
	test_memory(host);
	test_pids(host);
	test_kill_forkers(host, "churn", w_churn, 256);
	if (host->ctrl[CG_PIDS].src != CG_SRC_MISSING)
		test_kill_forkers(host, "bomb", w_bomb, 64);
	else
		tap_skip("fork bomb: no pids controller to contain it");
	test_v1_freezer(host);
	test_errors(host);
	test_stale(host);
	test_cycles(host);
	test_v2_private_ns(host);
	test_leftovers(host);
	hutch_cgroup_host_free(host);
	reap_all();
	return done_testing();
}
