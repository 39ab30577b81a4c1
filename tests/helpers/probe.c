/* SPDX-License-Identifier: MIT */
/*
 * probe: one escape or abuse attempt per invocation, for tests/security.
 *
 *   probe NAME [ARG...]      run one probe
 *   probe list               print every probe with its arguments
 *
 * The idea is bubblewrap's tests/try-syscall.c: the sandbox is tested by
 * what a hostile program actually gets from the kernel, not by reading its
 * configuration. Every attempt calls the kernel directly (syscall(2) or
 * inline asm), never a tool that a runtime image may not have, and the
 * binary is static so it runs in any root filesystem.
 *
 * Output contract (what the tests/security scripts match on). One line per attempt:
 *
 *   LABEL: ok [KEY=VALUE...]        the call succeeded
 *   LABEL: errno ENAME [KEY=VALUE...] the call failed with ENAME
 *   LABEL: KEY=VALUE...             a measurement (count=, mb=, ...)
 *   LABEL: WORD [KEY=VALUE...]      a probe-specific verdict (escaped, same,
 *                                   absent, timeout, ...), documented below
 *
 * LABEL is the probe name, followed by its subject when one run makes
 * several attempts ("read /etc/shadow", "unshare user"). Lines are written
 * with write(2), unbuffered, so everything printed before the kernel or the
 * supervisor kills the probe is seen, and nothing is printed twice after a
 * fork. The exit status is 0 when the probe ran, whatever the verdict; 2 on
 * a usage error; 1 when the probe could not even set up its attempt (then a
 * "LABEL: setup ..." line says why). A probe killed by seccomp or by a
 * limit simply dies: the test reads that from hutch's result.
 *
 * Resource bombs are bounded by their arguments, and the two probes that
 * would damage a host (kill-all, fill-all) refuse to run as root of the
 * initial user namespace, so the probe can be tried outside a sandbox.
 *
 * This is deliberately one file past the ~1,000-line mark: the Makefile
 * builds one static helper per file, and one binary bind-mounted at /probe
 * is what every security test needs.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

/* ---------------------------------------------------------------- output */

__attribute__((format(printf, 1, 2))) static void out(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(STDOUT_FILENO, buf + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* stdout gone: nothing else to report to */
		off += w;
	}
}

static const char *ename(int e)
{
	static char unknown[32];
	const char *n = strerrorname_np(e);

	if (n)
		return n;
	snprintf(unknown, sizeof(unknown), "E%d", e);
	return unknown;
}

/* "LABEL: ok" when rc >= 0, else "LABEL: errno ENAME" (errno at call time).
 * Returns rc so callers can chain. */
static long verdict(const char *label, long rc)
{
	int e = errno;

	if (rc >= 0)
		out("%s: ok", label);
	else
		out("%s: errno %s", label, ename(e));
	errno = e;
	return rc;
}

__attribute__((noreturn, format(printf, 1, 2))) static void usage(const char *fmt, ...)
{
	va_list ap;

	fputs("probe: usage: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* ------------------------------------------------------------- arguments */

static const char *arg(int argc, char **argv, int i, const char *def)
{
	return i < argc ? argv[i] : def;
}

/* Unsigned number with an optional K/M/G suffix (powers of 1024). */
static unsigned long long num(const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || end == s)
		usage("bad number '%s'", s);
	switch (*end) {
	case 'k': case 'K': v <<= 10; end++; break;
	case 'm': case 'M': v <<= 20; end++; break;
	case 'g': case 'G': v <<= 30; end++; break;
	}
	if (*end)
		usage("bad number '%s'", s);
	return v;
}

static double seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0)
		usage("bad seconds '%s'", s);
	return v;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

__attribute__((noreturn)) static void sleep_forever(void)
{
	for (;;)
		pause();
}

/* True when running as uid 0 of the initial user namespace, i.e. as the
 * real root of a host: the probes that could damage a host refuse then. */
static bool host_root(void)
{
	char buf[128] = "";
	int fd;
	ssize_t n;
	unsigned long a, b, c;

	if (geteuid() != 0)
		return false;
	fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return true; /* cannot tell: assume the worst */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return true;
	buf[n] = 0;
	return sscanf(buf, "%lu %lu %lu", &a, &b, &c) == 3 && a == 0 && b == 0 && c == 4294967295UL;
}

static void *shared_page(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		out("setup: mmap shared errno %s", ename(errno));
		exit(1);
	}
	return p;
}

/* Read a whole small file (proc, sys) into buf, NUL-terminated. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;

	if (fd < 0)
		return -1;
	while (got < len - 1) {
		ssize_t n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	buf[got] = 0;
	return got;
}

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		p += n;
		len -= n;
	}
	return 0;
}

static const char *fs_type_name(long type)
{
	static char hex[32];
	static const struct {
		long magic;
		const char *name;
	} names[] = {
		{0x01021994, "tmpfs"},	 {0x794c7630, "overlay"}, {0xef53, "ext4"},
		{0x9123683e, "btrfs"},	 {0x58465342, "xfs"},	  {0x9fa0, "proc"},
		{0x62656572, "sysfs"},	 {0x1cd1, "devpts"},	  {0x19800202, "mqueue"},
		{0x63677270, "cgroup2"}, {0x27e0eb, "cgroup"},	  {0x65735546, "fuse"},
		{0x01021997, "9p"},	 {0x858458f6, "ramfs"},	  {0x6e736673, "nsfs"},
		{0x64626720, "debugfs"}, {0x73636673, "securityfs"}, {0x6969, "nfs"},
		{0x5346544e, "ntfs"},	 {0x4d44, "vfat"},	  {0x2fc12fc1, "zfs"},
		{0x73717368, "squashfs"}, {0x42465331, "befs"},	  {0xcafe4a11, "bpf"},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].magic == type)
			return names[i].name;
	snprintf(hex, sizeof(hex), "0x%lx", type);
	return hex;
}

/* Fork, run fn(ctx) in the child (which prints its own verdict) and wait.
 * Used for attempts that would change the probe itself (unshare, setsid,
 * setns) so that later attempts in the same run start from a clean state. */
static void in_child(void (*fn)(void *), void *ctx)
{
	pid_t pid = fork();

	if (pid < 0) {
		out("setup: fork errno %s", ename(errno));
		return;
	}
	if (pid == 0) {
		fn(ctx);
		_exit(0);
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

/* =================================================== 1-2 processes, threads */

/* forkbomb MAX SECONDS: every process forks as fast as it can (the classic
 * exponential bomb) until MAX processes exist in total or SECONDS pass; then
 * every process but the first sleeps forever (left for the sandbox to
 * kill). Prints "forkbomb: count=N [errno E]" with the first fork error. */
static int p_forkbomb(int argc, char **argv)
{
	unsigned long max = num(arg(argc, argv, 1, "4096"));
	double deadline = now() + seconds(arg(argc, argv, 2, "5"));
	pid_t top = getpid();
	struct {
		atomic_long count;
		atomic_int first_errno;
	} *sh = shared_page(4096);

	atomic_store(&sh->count, 1);
	while (now() < deadline) {
		pid_t pid;

		/* reserve a slot first, so that racing forkers cannot overshoot */
		if ((unsigned long)atomic_fetch_add(&sh->count, 1) >= max) {
			atomic_fetch_sub(&sh->count, 1);
			sleep_s(0.01);
			continue;
		}
		pid = fork();
		if (pid < 0) {
			int zero = 0;
			atomic_fetch_sub(&sh->count, 1);
			atomic_compare_exchange_strong(&sh->first_errno, &zero, errno);
			sleep_s(0.001);
		} else if (pid > 0 && getpid() == top) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				; /* keep count honest: nothing, children never exit */
		}
	}
	if (getpid() != top)
		sleep_forever();
	if (atomic_load(&sh->first_errno))
		out("forkbomb: count=%ld errno %s", atomic_load(&sh->count),
		    ename(atomic_load(&sh->first_errno)));
	else
		out("forkbomb: count=%ld", atomic_load(&sh->count));
	return 0;
}

static void *thread_sleep(void *unused)
{
	(void)unused;
	sleep_forever();
}

/* threadbomb MAX: pthread_create (glibc: clone3, falling back to clone on
 * ENOSYS) until it fails or MAX threads run. "threadbomb: count=N [errno E]" */
static int p_threadbomb(int argc, char **argv)
{
	unsigned long max = num(arg(argc, argv, 1, "100000"));
	unsigned long count = 0;
	pthread_attr_t attr;
	int err = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	while (count < max) {
		pthread_t t;
		err = pthread_create(&t, &attr, thread_sleep, NULL);
		if (err)
			break;
		count++;
	}
	if (err)
		out("threadbomb: count=%lu errno %s", count, ename(err));
	else
		out("threadbomb: count=%lu", count);
	return 0;
}

static const struct {
	const char *name;
	unsigned long flag;
} clone_flags[] = {
	{"user", CLONE_NEWUSER}, {"mnt", CLONE_NEWNS},	   {"net", CLONE_NEWNET},
	{"pid", CLONE_NEWPID},	 {"ipc", CLONE_NEWIPC},	   {"uts", CLONE_NEWUTS},
	{"cgroup", CLONE_NEWCGROUP}, {"time", CLONE_NEWTIME}, {"files", CLONE_FILES},
	{"fs", CLONE_FS},	 {"sysvsem", CLONE_SYSVSEM}, {"none", 0},
};

/* "user+mnt" -> CLONE_NEWUSER|CLONE_NEWNS */
static unsigned long parse_clone_flags(const char *spec)
{
	unsigned long flags = 0;
	char buf[256], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (char *tok = strtok_r(buf, "+,", &save); tok; tok = strtok_r(NULL, "+,", &save)) {
		size_t i;
		for (i = 0; i < sizeof(clone_flags) / sizeof(clone_flags[0]); i++)
			if (strcmp(tok, clone_flags[i].name) == 0)
				break;
		if (i == sizeof(clone_flags) / sizeof(clone_flags[0]))
			usage("unknown namespace flag '%s'", tok);
		flags |= clone_flags[i].flag;
	}
	return flags;
}

static const char *const all_ns[] = {"user", "mnt", "net", "pid", "ipc", "uts", "cgroup", "time", NULL};

/* Run a raw clone-like call: 0 in the child, which exits at once. */
static void report_clone(const char *label, long rc)
{
	int e = errno;

	if (rc == 0)
		_exit(0);
	if (rc > 0)
		while (waitpid(rc, NULL, __WALL) < 0 && errno == EINTR)
			;
	errno = e;
	verdict(label, rc);
}

/* clone3 [FLAGS...]: raw clone3 (the policy answers ENOSYS so that libcs
 * fall back to clone, whose flags seccomp can inspect). */
static int p_clone3(int argc, char **argv)
{
	const char *specs[] = {"none", NULL};
	const char *const *list = argc > 1 ? (const char *const *)argv + 1 : specs;

	for (; *list; list++) {
		struct clone_args ca = {.flags = parse_clone_flags(*list), .exit_signal = SIGCHLD};
		char label[300];

		snprintf(label, sizeof(label), "clone3 %s", *list);
		report_clone(label, syscall(SYS_clone3, &ca, sizeof(ca)));
	}
	return 0;
}

/* clone-ns [FLAGS...]: raw clone(SIGCHLD|FLAGS) for each flag set (default:
 * each namespace alone). */
static int p_clone_ns(int argc, char **argv)
{
	const char *const *list = argc > 1 ? (const char *const *)argv + 1 : all_ns;

	for (; *list; list++) {
		char label[300];

		snprintf(label, sizeof(label), "clone %s", *list);
		report_clone(label, syscall(SYS_clone, SIGCHLD | parse_clone_flags(*list), NULL, NULL,
					    NULL, 0));
	}
	return 0;
}

static void unshare_child(void *ctx)
{
	const char *spec = ctx;
	char label[300];

	snprintf(label, sizeof(label), "unshare %s", spec);
	verdict(label, syscall(SYS_unshare, parse_clone_flags(spec)));
}

/* unshare [FLAGS...]: unshare(2) in a child, per flag set (default: each
 * namespace alone). */
static int p_unshare(int argc, char **argv)
{
	const char *const *list = argc > 1 ? (const char *const *)argv + 1 : all_ns;

	for (; *list; list++)
		in_child(unshare_child, (void *)*list);
	return 0;
}

static void nested_child(void *ctx)
{
	char map[64];
	int fd;
	long sock;

	(void)ctx;
	if (verdict("nested unshare", syscall(SYS_unshare, CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET)) < 0)
		return;
	/* become root of the new namespace: deny setgroups, map 0 to ourselves */
	fd = open("/proc/self/setgroups", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)!write(fd, "deny", 4);
		close(fd);
	}
	snprintf(map, sizeof(map), "0 %u 1", getuid());
	fd = open("/proc/self/uid_map", O_WRONLY | O_CLOEXEC);
	verdict("nested uid_map", fd < 0 ? -1 : write(fd, map, strlen(map)));
	if (fd >= 0)
		close(fd);
	(void)mkdir("/tmp/probe-nested", 0755);
	verdict("nested mount-tmpfs", syscall(SYS_mount, "none", "/tmp/probe-nested", "tmpfs", 0, "size=1m"));
	sock = syscall(SYS_socket, AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
	verdict("nested raw-socket", sock);
	sock = syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, 12 /* NETFILTER */);
	verdict("nested netlink-netfilter", sock);
}

/* nested: what a user namespace made inside the sandbox would give:
 * "nested unshare: ok", then root of it: mount a tmpfs, open a raw socket
 * and a netfilter netlink socket (the usual kernel attack surface). */
static int p_nested(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	in_child(nested_child, NULL);
	return 0;
}

static void setns_child(void *ctx)
{
	const char *path = ctx;
	char label[300];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	snprintf(label, sizeof(label), "setns %s", path);
	if (fd < 0) {
		out("%s: open errno %s", label, ename(errno));
		return;
	}
	verdict(label, syscall(SYS_setns, fd, 0));
}

/* setns [PID]: setns(2) into every namespace of PID (default 1). */
static int p_setns(int argc, char **argv)
{
	const char *pid = arg(argc, argv, 1, "1");

	for (const char *const *ns = all_ns; *ns; ns++) {
		char path[128];
		snprintf(path, sizeof(path), "/proc/%s/ns/%s", pid, *ns);
		in_child(setns_child, path);
	}
	return 0;
}

/* ======================================================== 3-8 memory, disk */

/* heapbomb MAXMB: malloc and touch 1 MiB at a time. "heapbomb: mb=N [errno]" */
static int p_heapbomb(int argc, char **argv)
{
	unsigned long max = num(arg(argc, argv, 1, "1048576"));
	unsigned long mb;

	for (mb = 0; mb < max; mb++) {
		char *p = malloc(MIB);
		if (!p) {
			out("heapbomb: mb=%lu errno %s", mb, ename(errno));
			return 0;
		}
		memset(p, 0xa5, MIB);
	}
	out("heapbomb: mb=%lu", mb);
	return 0;
}

/* A large zero-initialised array: costs nothing until touched (bss). Kept at
 * 256 MiB so that an address-space rlimit that small programs live with
 * does not stop every other probe from loading. */
#define BIGARRAY_MB 256
static char bigarray[BIGARRAY_MB * MIB];

/* bigarray: touch every page of a 256 MiB static array. "bigarray: mb=256" */
static int p_bigarray(int argc, char **argv)
{
	long page = sysconf(_SC_PAGESIZE);

	(void)argc;
	(void)argv;
	for (size_t i = 0; i < sizeof(bigarray); i += page)
		((volatile char *)bigarray)[i] = 1;
	out("bigarray: mb=%d", BIGARRAY_MB);
	return 0;
}

/* Write 1 MiB blocks to fd until an error or max_mb. Returns MiB written,
 * *ret_errno = the error (0: reached max_mb). SIGXFSZ must be ignored by
 * the caller to see EFBIG instead of dying. */
static unsigned long fill_fd(int fd, unsigned long max_mb, int *ret_errno)
{
	static char block[MIB];
	unsigned long bytes = 0;

	memset(block, 'f', sizeof(block));
	*ret_errno = 0;
	while (bytes < max_mb * MIB) {
		ssize_t n = write(fd, block, sizeof(block));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			*ret_errno = errno;
			break;
		}
		if (n == 0) {
			*ret_errno = ENOSPC;
			break;
		}
		bytes += n;
	}
	return bytes / MIB;
}

static void fill_report(const char *label, unsigned long mb, int err)
{
	if (err)
		out("%s: mb=%lu errno %s", label, mb, ename(err));
	else
		out("%s: mb=%lu", label, mb);
}

/* fill FILE MAXMB: create FILE and write to it until the filesystem, the
 * fsize limit or the memory limit stops it. "fill FILE: mb=N errno ENOSPC" */
static int p_fill(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL);
	unsigned long max = num(arg(argc, argv, 2, "1048576"));
	char label[PATH_MAX + 16];
	int fd, err;
	unsigned long mb;

	if (!path)
		usage("fill FILE [MAXMB]");
	signal(SIGXFSZ, SIG_IGN);
	snprintf(label, sizeof(label), "fill %s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		out("%s: errno %s", label, ename(errno));
		return 0;
	}
	mb = fill_fd(fd, max, &err);
	fill_report(label, mb, err);
	close(fd);
	return 0;
}

/* fill-many DIR FILES MAXMB: up to FILES files of up to MAXMB each, until
 * the file system says no: a per-file limit (--fsize) alone does not
 * bound the total. "fill-many DIR: files=N mb=M [errno E]" */
static int p_fill_many(int argc, char **argv)
{
	const char *dir = arg(argc, argv, 1, NULL);
	unsigned long files = num(arg(argc, argv, 2, "100"));
	unsigned long max = num(arg(argc, argv, 3, "8"));
	unsigned long total = 0, made = 0;
	int err = 0;

	if (!dir)
		usage("fill-many DIR [FILES] [MAXMB]");
	signal(SIGXFSZ, SIG_IGN);
	for (; made < files; made++) {
		char path[PATH_MAX];
		int fd, e;
		unsigned long mb;

		snprintf(path, sizeof(path), "%s/fill-many.%lu", dir, made);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			err = errno;
			break;
		}
		mb = fill_fd(fd, max, &e);
		close(fd);
		total += mb;
		/* EFBIG is the per-file limit doing its job: go on to the next */
		if (e && e != EFBIG) {
			err = e;
			made++;
			break;
		}
	}
	if (err)
		out("fill-many %s: files=%lu mb=%lu errno %s", dir, made, total, ename(err));
	else
		out("fill-many %s: files=%lu mb=%lu", dir, made, total);
	return 0;
}

/* Directory walker for fill-all and find-sockets: depth-first from "/",
 * never following symlinks, skipping /proc, /sys and pseudo filesystems,
 * bounded in depth and entries. on_dir runs for each directory (dirfd
 * open), on_entry for each non-directory entry. */
struct walk {
	void (*on_dir)(struct walk *w, const char *path, int dirfd);
	void (*on_entry)(struct walk *w, const char *path, const struct stat *st);
	unsigned long entries;
	dev_t devs[64];
	size_t n_devs;
	unsigned long max_mb;
	unsigned long found;
};

static void walk_dir(struct walk *w, char *path, size_t len, int dirfd, int depth)
{
	DIR *d;
	struct dirent *de;
	struct statfs sfs;

	if (fstatfs(dirfd, &sfs) == 0 && (sfs.f_type == 0x9fa0 || sfs.f_type == 0x62656572 ||
					  sfs.f_type == 0x64626720 || sfs.f_type == 0x73636673 ||
					  sfs.f_type == 0x27e0eb || sfs.f_type == 0x63677270)) {
		close(dirfd);
		return;
	}
	if (w->on_dir)
		w->on_dir(w, len ? path : "/", dirfd);
	d = fdopendir(dirfd);
	if (!d) {
		close(dirfd);
		return;
	}
	while ((de = readdir(d)) && w->entries < 200000) {
		struct stat st;
		size_t n;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		w->entries++;
		n = strlen(de->d_name);
		if (len + 1 + n + 1 > PATH_MAX)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			path[len] = 0;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (depth < 16 && strcmp(path, "/proc") && strcmp(path, "/sys")) {
				int sub = openat(dirfd, de->d_name,
						 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
				if (sub >= 0)
					walk_dir(w, path, len + 1 + n, sub, depth + 1);
			}
		} else if (w->on_entry) {
			w->on_entry(w, path, &st);
		}
		path[len] = 0;
	}
	closedir(d);
}

static void walk_root(struct walk *w)
{
	char path[PATH_MAX] = "";
	int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0) {
		out("walk: open / errno %s", ename(errno));
		return;
	}
	walk_dir(w, path, 0, fd, 0);
}

static void fill_all_dir(struct walk *w, const char *path, int dirfd)
{
	struct stat st;
	struct statfs sfs;
	int fd, err;
	char label[PATH_MAX + 16];
	unsigned long mb;

	fd = openat(dirfd, ".probe-fill-all", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	w->found++;
	fstat(fd, &st);
	fstatfs(fd, &sfs);
	out("writable %s: fstype=%s", path, fs_type_name(sfs.f_type));
	for (size_t i = 0; i < w->n_devs; i++)
		if (w->devs[i] == st.st_dev) {
			/* this filesystem is already full: just mark the dir */
			close(fd);
			unlinkat(dirfd, ".probe-fill-all", 0);
			return;
		}
	if (w->n_devs < sizeof(w->devs) / sizeof(w->devs[0]))
		w->devs[w->n_devs++] = st.st_dev;
	snprintf(label, sizeof(label), "fill %s", path);
	mb = fill_fd(fd, w->max_mb, &err);
	fill_report(label, mb, err);
	close(fd);
}

/* fill-all MAXMB: find every directory this process can create a file in
 * ("writable DIR: fstype=T"), and fill each distinct filesystem up to MAXMB
 * ("fill DIR: mb=N errno E"). Ends with "fill-all: dirs=N". */
static int p_fill_all(int argc, char **argv)
{
	struct walk w = {.on_dir = fill_all_dir, .max_mb = num(arg(argc, argv, 1, "1048576"))};

	if (host_root()) {
		out("fill-all: refused (root of the initial user namespace)");
		return 1;
	}
	signal(SIGXFSZ, SIG_IGN);
	walk_root(&w);
	out("fill-all: dirs=%lu", w.found);
	return 0;
}

/* sparse FILE [SIZE] [ignore]: lseek to SIZE-1 (default 2G) and write one
 * byte. With "ignore", SIGXFSZ is ignored so an fsize limit shows as
 * "sparse FILE: errno EFBIG"; without it the limit kills with SIGXFSZ. */
static int p_sparse(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL);
	unsigned long long size = num(arg(argc, argv, 2, "2G"));
	char label[PATH_MAX + 16];
	int fd;

	if (!path || size == 0)
		usage("sparse FILE [SIZE] [ignore]");
	if (argc > 3 && !strcmp(argv[3], "ignore"))
		signal(SIGXFSZ, SIG_IGN);
	snprintf(label, sizeof(label), "sparse %s", path);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		out("%s: open errno %s", label, ename(errno));
		return 0;
	}
	if (lseek(fd, size - 1, SEEK_SET) < 0) {
		out("%s: lseek errno %s", label, ename(errno));
		return 0;
	}
	verdict(label, write(fd, "x", 1));
	close(fd);
	return 0;
}

/* flood stdout|stderr|both [MAXMB]: write as fast as possible (MAXMB 0:
 * forever). Reports "flood: mb=N [errno E]" on the other stream (stderr
 * for both) when it stops by itself. */
static int p_flood(int argc, char **argv)
{
	const char *which = arg(argc, argv, 1, "stdout");
	unsigned long max = num(arg(argc, argv, 2, "0"));
	static char block[64 * 1024];
	int fds[2], n_fds = 0, report_fd = STDERR_FILENO, err = 0;
	unsigned long long bytes = 0;

	for (size_t i = 0; i < sizeof(block); i++)
		block[i] = (i % 64 == 63) ? '\n' : 'A' + i % 26;
	if (!strcmp(which, "stdout") || !strcmp(which, "both"))
		fds[n_fds++] = STDOUT_FILENO;
	if (!strcmp(which, "stderr") || !strcmp(which, "both"))
		fds[n_fds++] = STDERR_FILENO;
	if (!n_fds)
		usage("flood stdout|stderr|both [MAXMB]");
	if (!strcmp(which, "stderr"))
		report_fd = STDOUT_FILENO;
	while (!err && (max == 0 || bytes < max * MIB)) {
		for (int i = 0; i < n_fds; i++) {
			if (write_all(fds[i], block, sizeof(block)) < 0) {
				err = errno;
				break;
			}
			bytes += sizeof(block);
		}
	}
	dprintf(report_fd, "flood: mb=%llu%s%s\n", bytes / MIB, err ? " errno " : "",
		err ? ename(err) : "");
	return 0;
}

/* ============================================================ 9-14 time */

static void spin_until(double deadline)
{
	volatile unsigned long x = 0;

	for (;;) {
		for (int i = 0; i < 1000000; i++)
			x++;
		if (deadline > 0 && now() >= deadline)
			return;
	}
}

/* spin [SECONDS]: burn CPU (0: forever). "spin: done" */
static int p_spin(int argc, char **argv)
{
	double s = seconds(arg(argc, argv, 1, "0"));

	spin_until(s > 0 ? now() + s : 0);
	out("spin: done");
	return 0;
}

static double spin_deadline;

static void *thread_spin(void *unused)
{
	(void)unused;
	spin_until(spin_deadline);
	return NULL;
}

/* spin-threads N [SECONDS]: N threads (the main one included) burn CPU. */
static int p_spin_threads(int argc, char **argv)
{
	unsigned long n = num(arg(argc, argv, 1, "4"));
	double s = seconds(arg(argc, argv, 2, "0"));

	spin_deadline = s > 0 ? now() + s : 0;
	for (unsigned long i = 1; i < n; i++) {
		pthread_t t;
		int err = pthread_create(&t, NULL, thread_spin, NULL);
		if (err) {
			out("spin-threads: count=%lu errno %s", i, ename(err));
			break;
		}
	}
	spin_until(spin_deadline);
	out("spin-threads: done");
	return 0;
}

/* spin-children N [SECONDS]: N processes (this one included) burn CPU. */
static int p_spin_children(int argc, char **argv)
{
	unsigned long n = num(arg(argc, argv, 1, "4"));
	double s = seconds(arg(argc, argv, 2, "0"));
	double deadline = s > 0 ? now() + s : 0;

	for (unsigned long i = 1; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			spin_until(deadline);
			_exit(0);
		}
		if (pid < 0) {
			out("spin-children: count=%lu errno %s", i, ename(errno));
			break;
		}
	}
	spin_until(deadline);
	out("spin-children: done");
	return 0;
}

/* sleep [SECONDS]: nanosleep (0: forever). "sleep: done" */
static int p_sleep(int argc, char **argv)
{
	double s = seconds(arg(argc, argv, 1, "0"));

	if (s == 0)
		sleep_forever();
	sleep_s(s);
	out("sleep: done");
	return 0;
}

/* pause: wait for a signal that never comes. */
static int p_pause(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	pause();
	out("pause: returned");
	return 0;
}

/* select: select(2) on nothing, no timeout. */
static int p_select(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	verdict("select", select(0, NULL, NULL, NULL, NULL));
	return 0;
}

/* sigstop: stop itself; a supervisor must still end the run. */
static int p_sigstop(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	raise(SIGSTOP);
	out("sigstop: resumed");
	sleep_forever();
}

static void on_signal(int sig)
{
	char msg[80];
	int n = snprintf(msg, sizeof(msg), "ignore-signals: caught %s\n", sigabbrev_np(sig));
	struct rlimit rl;

	(void)!write(STDOUT_FILENO, msg, n);
	if (sig == SIGXCPU && getrlimit(RLIMIT_CPU, &rl) == 0) {
		/* try to buy more CPU time: soft limit up to the hard one */
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_CPU, &rl);
	}
}

/* ignore-signals spin|sleep [SECONDS]: catch or ignore every catchable
 * signal (SIGTERM, SIGXCPU, SIGINT, ...), block the rest, then spin or sleep
 * (0: forever). A supervisor must end it with SIGKILL. */
static int p_ignore_signals(int argc, char **argv)
{
	const char *mode = arg(argc, argv, 1, "spin");
	double s = seconds(arg(argc, argv, 2, "0"));
	struct sigaction sa = {.sa_handler = on_signal, .sa_flags = SA_RESTART};

	for (int sig = 1; sig < NSIG; sig++) {
		if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV || sig == SIGBUS ||
		    sig == SIGILL || sig == SIGFPE || sig == SIGSYS)
			continue;
		(void)sigaction(sig, &sa, NULL); /* some numbers are not valid */
	}
	out("ignore-signals: armed");
	if (!strcmp(mode, "sleep")) {
		double deadline = now() + s;
		while (s == 0 || now() < deadline)
			sleep_s(0.05);
	} else {
		spin_until(s > 0 ? now() + s : 0);
	}
	out("ignore-signals: done");
	return 0;
}

/* ============================================== 12-13 orphans, races, zombies */

static void ignore_polite_signals(void)
{
	signal(SIGTERM, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
}

/* orphans MARKER [N]: fork, setsid, fork N grandchildren that setsid again,
 * ignore polite signals and sleep forever, then the middle process exits so
 * the grandchildren are orphans. MARKER is only there to be found on the
 * host with pgrep -f. "orphans: spawned=N" */
static int p_orphans(int argc, char **argv)
{
	unsigned long n = num(arg(argc, argv, 2, "4"));
	int pfd[2];
	pid_t mid;
	unsigned long spawned = 0;

	if (argc < 2)
		usage("orphans MARKER [N]");
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 1;
	mid = fork();
	if (mid == 0) {
		unsigned long k = 0;
		setsid();
		for (unsigned long i = 0; i < n; i++) {
			pid_t pid = fork();
			if (pid == 0) {
				setsid();
				ignore_polite_signals();
				sleep_forever();
			}
			if (pid > 0)
				k++;
		}
		(void)!write(pfd[1], &k, sizeof(k));
		_exit(0);
	}
	close(pfd[1]);
	if (read(pfd[0], &spawned, sizeof(spawned)) != sizeof(spawned))
		spawned = 0;
	waitpid(mid, NULL, 0);
	out("orphans: spawned=%lu", spawned);
	return 0;
}

/* forkrace MARKER [SECONDS]: a chain of processes where each one forks and
 * the parent exits at once, so the set of pids never holds still while a
 * killer walks it. The first process reaps for SECONDS, reports and exits,
 * leaving the chain running. "forkrace: generations=N" */
static int p_forkrace(int argc, char **argv)
{
	double s = seconds(arg(argc, argv, 2, "1"));
	atomic_ulong *gens = shared_page(4096);
	double deadline;
	pid_t pid;

	if (argc < 2)
		usage("forkrace MARKER [SECONDS]");
	pid = fork();
	if (pid == 0) {
		ignore_polite_signals();
		for (;;) {
			pid_t next = fork();
			if (next > 0)
				_exit(0);
			if (next == 0)
				atomic_fetch_add(gens, 1);
			else
				sleep_s(0.001);
		}
	}
	deadline = now() + s;
	while (now() < deadline) {
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		sleep_s(0.001);
	}
	out("forkrace: generations=%lu", atomic_load(gens));
	return 0;
}

/* zombies [N] [SECONDS]: N children exit at once and are never reaped; the
 * parent reports, then sleeps SECONDS. "zombies: n=N" */
static int p_zombies(int argc, char **argv)
{
	unsigned long n = num(arg(argc, argv, 1, "16"));
	double s = seconds(arg(argc, argv, 2, "0"));
	unsigned long made = 0;

	signal(SIGCHLD, SIG_DFL);
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (pid > 0)
			made++;
	}
	out("zombies: n=%lu", made);
	sleep_s(s);
	return 0;
}

/* ========================================================= 15-16 limits */

/* nofile [MAX]: open descriptors until EMFILE. "nofile: count=N errno EMFILE" */
static int p_nofile(int argc, char **argv)
{
	unsigned long max = num(arg(argc, argv, 1, "1048576"));
	unsigned long count = 0;
	int base = open("/", O_PATH | O_CLOEXEC);

	if (base < 0) {
		out("nofile: setup errno %s", ename(errno));
		return 1;
	}
	count = 1;
	while (count < max) {
		if (fcntl(base, F_DUPFD_CLOEXEC, 0) < 0) {
			out("nofile: count=%lu errno %s", count, ename(errno));
			return 0;
		}
		count++;
	}
	out("nofile: count=%lu", count);
	return 0;
}

static const struct {
	const char *name;
	int resource;
} rlimits[] = {
	{"cpu", RLIMIT_CPU},	   {"fsize", RLIMIT_FSIZE},   {"data", RLIMIT_DATA},
	{"stack", RLIMIT_STACK},   {"core", RLIMIT_CORE},     {"rss", RLIMIT_RSS},
	{"nproc", RLIMIT_NPROC},   {"nofile", RLIMIT_NOFILE}, {"memlock", RLIMIT_MEMLOCK},
	{"as", RLIMIT_AS},	   {"locks", RLIMIT_LOCKS},   {"sigpending", RLIMIT_SIGPENDING},
	{"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE}, {"rtprio", RLIMIT_RTPRIO},
	{"rttime", RLIMIT_RTTIME},
};

static void rlim_str(rlim_t v, char *buf, size_t len)
{
	if (v == RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%llu", (unsigned long long)v);
}

/* rlimit [NAME...]: "rlimit NAME: soft=S hard=H" and the attempt to raise
 * the hard limit: "rlimit-raise NAME: errno EPERM" (or ok, or "unlimited"
 * when there is nothing to raise). */
static int p_rlimit(int argc, char **argv)
{
	size_t n = sizeof(rlimits) / sizeof(rlimits[0]);

	for (size_t i = 0; i < n; i++) {
		struct rlimit rl;
		char soft[32], hard[32], label[64];
		bool wanted = argc < 2;

		for (int a = 1; a < argc; a++)
			wanted |= !strcmp(argv[a], rlimits[i].name);
		if (!wanted)
			continue;
		if (getrlimit(rlimits[i].resource, &rl) < 0) {
			out("rlimit %s: errno %s", rlimits[i].name, ename(errno));
			continue;
		}
		rlim_str(rl.rlim_cur, soft, sizeof(soft));
		rlim_str(rl.rlim_max, hard, sizeof(hard));
		out("rlimit %s: soft=%s hard=%s", rlimits[i].name, soft, hard);
		snprintf(label, sizeof(label), "rlimit-raise %s", rlimits[i].name);
		if (rl.rlim_max == RLIM_INFINITY) {
			out("%s: unlimited", label);
			continue;
		}
		rl.rlim_max = RLIM_INFINITY;
		rl.rlim_cur = RLIM_INFINITY;
		verdict(label, setrlimit(rlimits[i].resource, &rl));
	}
	return 0;
}

/* core [DIR]: try to allow core dumps (RLIMIT_CORE unlimited, dumpable),
 * chdir to DIR (where a core would land) and abort(). */
static int p_core(int argc, char **argv)
{
	const char *dir = arg(argc, argv, 1, NULL);
	struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY}, cur;
	char soft[32], hard[32];

	verdict("core-raise", setrlimit(RLIMIT_CORE, &rl));
	verdict("core-dumpable", prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	getrlimit(RLIMIT_CORE, &cur);
	rlim_str(cur.rlim_cur, soft, sizeof(soft));
	rlim_str(cur.rlim_max, hard, sizeof(hard));
	out("core: soft=%s hard=%s", soft, hard);
	if (dir && chdir(dir) < 0)
		out("core: chdir errno %s", ename(errno));
	signal(SIGABRT, SIG_DFL);
	abort();
}

/* ========================================================== 17-20 files */

/* read PATH...: open and read up to 1 MiB. "read PATH: ok bytes=N" or
 * "read PATH: dir entries=N" or the errno of open/read. */
static int p_read(int argc, char **argv)
{
	static char buf[MIB];

	for (int i = 1; i < argc; i++) {
		char label[PATH_MAX + 16];
		int fd;
		struct stat st;

		snprintf(label, sizeof(label), "read %s", argv[i]);
		fd = open(argv[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			out("%s: errno %s", label, ename(errno));
			continue;
		}
		if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = fdopendir(fd);
			unsigned long n = 0;
			while (d && readdir(d))
				n++;
			out("%s: dir entries=%lu", label, n >= 2 ? n - 2 : n);
			if (d)
				closedir(d);
			continue;
		}
		ssize_t total = 0, n;
		while (total < (ssize_t)sizeof(buf) &&
		       (n = read(fd, buf + total, sizeof(buf) - total)) != 0) {
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			total += n;
		}
		if (total == 0 && errno && errno != EINTR && errno != EAGAIN) {
			out("%s: errno %s", label, ename(errno));
		} else {
			out("%s: ok bytes=%zd", label, total);
		}
		close(fd);
		errno = 0;
	}
	return 0;
}

/* list DIR...: "list DIR: entries=N names=a,b,..." (first 40 names). */
static int p_list(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char names[2048] = "";
		size_t used = 0;
		unsigned long n = 0;
		DIR *d = opendir(argv[i]);
		struct dirent *de;

		if (!d) {
			out("list %s: errno %s", argv[i], ename(errno));
			continue;
		}
		while ((de = readdir(d))) {
			if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
				continue;
			if (n < 40 && used + strlen(de->d_name) + 2 < sizeof(names))
				used += snprintf(names + used, sizeof(names) - used, "%s%s",
						 n ? "," : "", de->d_name);
			n++;
		}
		closedir(d);
		out("list %s: entries=%lu names=%s", argv[i], n, names);
	}
	return 0;
}

/* stat PATH...: "stat PATH: ok uid=U gid=G mode=0MODE type=T dev=M:N" */
static int p_stat(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		struct stat st;
		const char *type;

		if (lstat(argv[i], &st) < 0) {
			out("stat %s: errno %s", argv[i], ename(errno));
			continue;
		}
		type = S_ISREG(st.st_mode)	? "file"
		       : S_ISDIR(st.st_mode)	? "dir"
		       : S_ISLNK(st.st_mode)	? "symlink"
		       : S_ISCHR(st.st_mode)	? "chr"
		       : S_ISBLK(st.st_mode)	? "blk"
		       : S_ISFIFO(st.st_mode)	? "fifo"
		       : S_ISSOCK(st.st_mode)	? "socket"
						: "other";
		out("stat %s: ok uid=%u gid=%u mode=0%o type=%s size=%lld", argv[i], st.st_uid,
		    st.st_gid, st.st_mode & 07777, type, (long long)st.st_size);
	}
	return 0;
}

/* write PATH [DATA]: open O_WRONLY|O_APPEND (no create) and append DATA. */
static int p_write(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL);
	const char *data = arg(argc, argv, 2, "probe was here\n");
	char label[PATH_MAX + 16];
	int fd;

	if (!path)
		usage("write PATH [DATA]");
	snprintf(label, sizeof(label), "write %s", path);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		out("%s: errno %s", label, ename(errno));
		return 0;
	}
	verdict(label, write_all(fd, data, strlen(data)));
	close(fd);
	return 0;
}

/* open-write PATH...: open O_WRONLY without writing a byte (safe on
 * sysctls and device files). "open-write PATH: ok|errno E" */
static int p_open_write(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char label[PATH_MAX + 16];
		int fd;

		snprintf(label, sizeof(label), "open-write %s", argv[i]);
		fd = open(argv[i], O_WRONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		verdict(label, fd);
		if (fd >= 0)
			close(fd);
	}
	return 0;
}

/* create PATH...: create a new file (O_EXCL) and write a line into it. */
static int p_create(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char label[PATH_MAX + 16];
		int fd;

		snprintf(label, sizeof(label), "create %s", argv[i]);
		fd = open(argv[i], O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0) {
			out("%s: errno %s", label, ename(errno));
			continue;
		}
		verdict(label, write_all(fd, "created by probe\n", 17));
		close(fd);
	}
	return 0;
}

/* One-path and two-path file system operations, each a thin wrapper over
 * the syscall: "OP PATH: ok|errno E". */
static long op_mkdir(char **a) { return syscall(SYS_mkdirat, AT_FDCWD, a[0], 0755); }
static long op_rmdir(char **a) { return syscall(SYS_unlinkat, AT_FDCWD, a[0], AT_REMOVEDIR); }
static long op_unlink(char **a) { return syscall(SYS_unlinkat, AT_FDCWD, a[0], 0); }
static long op_rename(char **a) { return syscall(SYS_renameat2, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
static long op_link(char **a) { return syscall(SYS_linkat, AT_FDCWD, a[0], AT_FDCWD, a[1], 0); }
static long op_symlink(char **a) { return syscall(SYS_symlinkat, a[0], AT_FDCWD, a[1]); }
static long op_truncate(char **a) { return syscall(SYS_truncate, a[0], 0); }
static long op_chmod(char **a) { return syscall(SYS_fchmodat, AT_FDCWD, a[0], (mode_t)strtoul(a[1], NULL, 8)); }
static long op_utime(char **a) { return syscall(SYS_utimensat, AT_FDCWD, a[0], NULL, 0); }
static long op_mkfifo(char **a) { return syscall(SYS_mknodat, AT_FDCWD, a[0], S_IFIFO | 0644, 0); }
static long op_chroot(char **a) { return syscall(SYS_chroot, a[0]); }
static long op_chown(char **a)
{
	return syscall(SYS_fchownat, AT_FDCWD, a[0], (uid_t)strtol(a[1], NULL, 0),
		       (gid_t)strtol(a[2], NULL, 0), AT_SYMLINK_NOFOLLOW);
}
static long op_mknod(char **a)
{
	mode_t type = !strcmp(a[1], "b") ? S_IFBLK : S_IFCHR;
	return syscall(SYS_mknodat, AT_FDCWD, a[0], type | 0666,
		       makedev(strtoul(a[2], NULL, 0), strtoul(a[3], NULL, 0)));
}
static long op_setxattr(char **a)
{
	return syscall(SYS_setxattr, a[0], a[1], a[2], strlen(a[2]), 0);
}

/* ============================================== 19 exec from writable dirs */

/* exec-written DIR: copy this binary into DIR, chmod 0755 and execute it
 * (noexec must refuse): "exec-written DIR: errno EACCES", or the copy
 * itself prints "exec-written DIR: ran". Also mmap(PROT_EXEC) of the copy
 * (what a dynamic loader would do): "mmap-exec DIR: errno EPERM". */
static int p_exec_written(int argc, char **argv)
{
	const char *dir = arg(argc, argv, 1, NULL);
	char copy[PATH_MAX], label[PATH_MAX + 32], tag[PATH_MAX + 16];
	static char buf[64 * 1024];
	int in, outfd, pfd[2], child_errno = 0;
	ssize_t n;
	pid_t pid;
	void *map;

	if (!dir)
		usage("exec-written DIR");
	snprintf(copy, sizeof(copy), "%s/probe-copy-%d", dir, getpid());
	snprintf(label, sizeof(label), "exec-written %s", dir);
	in = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		out("%s: setup open /proc/self/exe errno %s", label, ename(errno));
		return 1;
	}
	outfd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (outfd < 0) {
		out("%s: create errno %s", label, ename(errno));
		return 0;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write_all(outfd, buf, n) < 0) {
			out("%s: write errno %s", label, ename(errno));
			return 0;
		}
	close(in);
	if (fchmod(outfd, 0755) < 0)
		out("%s: chmod errno %s", label, ename(errno));
	close(outfd);

	outfd = open(copy, O_RDONLY | O_CLOEXEC);
	map = outfd < 0 ? MAP_FAILED : mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE, outfd, 0);
	snprintf(tag, sizeof(tag), "mmap-exec %s", dir);
	verdict(tag, map == MAP_FAILED ? -1 : 0);
	if (outfd >= 0)
		close(outfd);

	if (pipe2(pfd, O_CLOEXEC) < 0)
		return 1;
	snprintf(tag, sizeof(tag), "%s:", dir);
	pid = fork();
	if (pid == 0) {
		char *args[] = {copy, "echo", "exec-written", tag, "ran", NULL};
		char *envp[] = {NULL};
		execve(copy, args, envp);
		child_errno = errno;
		(void)!write(pfd[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(pfd[1]);
	if (read(pfd[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno))
		out("%s: errno %s", label, ename(child_errno));
	close(pfd[0]);
	waitpid(pid, NULL, 0);
	return 0;
}

/* ============================================================ 21 setuid */

struct proc_ids {
	long uid[4], gid[4];
	unsigned long long capeff;
	char name[32];
};

static int read_proc_ids(pid_t pid, struct proc_ids *ids)
{
	char path[64], buf[4096], *line;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (slurp(path, buf, sizeof(buf)) < 0)
		return -1;
	memset(ids, 0, sizeof(*ids));
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		if (!strncmp(line, "Uid:", 4))
			sscanf(line + 4, "%ld %ld %ld %ld", &ids->uid[0], &ids->uid[1], &ids->uid[2],
			       &ids->uid[3]);
		else if (!strncmp(line, "Gid:", 4))
			sscanf(line + 4, "%ld %ld %ld %ld", &ids->gid[0], &ids->gid[1], &ids->gid[2],
			       &ids->gid[3]);
		else if (!strncmp(line, "CapEff:", 7))
			ids->capeff = strtoull(line + 7, NULL, 16);
		else if (!strncmp(line, "Name:", 5))
			sscanf(line + 5, "%31s", ids->name);
	}
	return 0;
}

/* setuid-exec PATH [ARG...]: execute a set-user-ID program with stdin a
 * silent pipe and stdout/stderr a full pipe, so that it blocks on its first
 * prompt or line of output; meanwhile sample /proc/PID/status and report
 * the effective uid/gid it ran with after exec (the first one that is not
 * the caller's, if any) and the union of its effective capabilities:
 * "setuid-exec PATH: euid=1000 egid=1000 capeff=0 samples=N". Also
 * "setuid-file PATH: mode=04755 owner=U nosuid=0|1" for context. */
static int p_setuid_exec(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL);
	char label[PATH_MAX + 16];
	const char *base;
	int in[2], outp[2], epipe[2], child_errno = 0, status;
	struct stat st;
	struct statvfs vfs;
	long seen_euid = -1, seen_egid = -1;
	unsigned long long caps = 0;
	unsigned samples = 0;
	pid_t pid;
	double deadline;

	if (!path)
		usage("setuid-exec PATH [ARG...]");
	snprintf(label, sizeof(label), "setuid-exec %s", path);
	base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	if (stat(path, &st) < 0) {
		out("%s: errno %s", label, ename(errno));
		return 0;
	}
	out("setuid-file %s: mode=0%o owner=%u nosuid=%d", path, st.st_mode & 07777, st.st_uid,
	    statvfs(path, &vfs) == 0 ? !!(vfs.f_flag & ST_NOSUID) : -1);
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(outp, O_CLOEXEC) < 0 || pipe2(epipe, O_CLOEXEC) < 0)
		return 1;
	/* fill the output pipe so the program's first write blocks */
	fcntl(outp[1], F_SETFL, O_NONBLOCK);
	{
		static char junk[4096];
		while (write(outp[1], junk, sizeof(junk)) > 0)
			;
	}
	fcntl(outp[1], F_SETFL, 0);
	pid = fork();
	if (pid == 0) {
		char *envp[] = {"PATH=/usr/bin:/bin", "LANG=C", NULL};
		dup2(in[0], 0);
		dup2(outp[1], 1);
		dup2(outp[1], 2);
		setsid(); /* no controlling tty: prompts go to the full pipe */
		execve(path, argv + 1, envp);
		child_errno = errno;
		(void)!write(epipe[1], &child_errno, sizeof(child_errno));
		_exit(127);
	}
	close(epipe[1]);
	if (read(epipe[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		out("%s: errno %s", label, ename(child_errno));
		waitpid(pid, NULL, 0);
		return 0;
	}
	deadline = now() + 1.5;
	while (now() < deadline) {
		struct proc_ids ids;
		if (read_proc_ids(pid, &ids) < 0)
			break;
		if (!strncmp(ids.name, base, 15)) {
			samples++;
			/* keep the first effective id that is not ours */
			if (seen_euid < 0 || seen_euid == (long)geteuid())
				seen_euid = ids.uid[1];
			if (seen_egid < 0 || seen_egid == (long)getegid())
				seen_egid = ids.gid[1];
			caps |= ids.capeff;
		}
		if (waitpid(pid, &status, WNOHANG) == pid) {
			pid = -1;
			break;
		}
		sleep_s(0.005);
	}
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	if (!samples)
		out("%s: exited-before-sample", label);
	else
		out("%s: euid=%ld egid=%ld capeff=%llx samples=%u", label, seen_euid, seen_egid, caps,
		    samples);
	return 0;
}

/* ids: "ids: uid=R/E/S gid=R/E/S groups=N" */
static int p_ids(int argc, char **argv)
{
	uid_t r, e, s;
	gid_t gr, ge, gs;
	gid_t groups[64];
	int n = getgroups(64, groups);
	char list[512] = "";
	size_t used = 0;

	(void)argc;
	(void)argv;
	getresuid(&r, &e, &s);
	getresgid(&gr, &ge, &gs);
	for (int i = 0; i < n && used < sizeof(list) - 16; i++)
		used += snprintf(list + used, sizeof(list) - used, "%s%u", i ? "," : "", groups[i]);
	out("ids: uid=%u/%u/%u gid=%u/%u/%u groups=%s", r, e, s, gr, ge, gs, list);
	return 0;
}

/* caps: capability sets, no_new_privs and seccomp mode from /proc/self/status:
 * "caps: inh=H prm=H eff=H bnd=H amb=H nnp=N seccomp=N" */
static int p_caps(int argc, char **argv)
{
	char buf[8192], *line;
	char inh[20] = "?", prm[20] = "?", eff[20] = "?", bnd[20] = "?", amb[20] = "?";
	char nnp[8] = "?", sec[8] = "?";

	(void)argc;
	(void)argv;
	if (slurp("/proc/self/status", buf, sizeof(buf)) < 0) {
		out("caps: errno %s", ename(errno));
		return 0;
	}
	for (line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		sscanf(line, "CapInh: %19s", inh);
		sscanf(line, "CapPrm: %19s", prm);
		sscanf(line, "CapEff: %19s", eff);
		sscanf(line, "CapBnd: %19s", bnd);
		sscanf(line, "CapAmb: %19s", amb);
		sscanf(line, "NoNewPrivs: %7s", nnp);
		sscanf(line, "Seccomp: %7s", sec);
	}
	out("caps: inh=%s prm=%s eff=%s bnd=%s amb=%s nnp=%s seccomp=%s", inh, prm, eff, bnd, amb,
	    nnp, sec);
	return 0;
}

/* setresuid: try to become uid/gid 0 and drop supplementary groups. */
static int p_setresuid(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	verdict("setgroups", syscall(SYS_setgroups, 0, NULL));
	verdict("setresgid 0", syscall(SYS_setresgid, 0, 0, 0));
	verdict("setresuid 0", syscall(SYS_setresuid, 0, 0, 0));
	return 0;
}

/* ============================================================ 22 ptrace */

static void ptrace_one(const char *label, pid_t pid)
{
	char l2[128];
	char buf[16];
	struct iovec local = {buf, sizeof(buf)}, remote = {(void *)0x400000, sizeof(buf)};

	if (pid <= 0) {
		out("%s: no-target", label);
		return;
	}
	if (verdict(label, syscall(SYS_ptrace, PTRACE_ATTACH, pid, NULL, NULL)) == 0) {
		waitpid(pid, NULL, __WALL);
		syscall(SYS_ptrace, PTRACE_DETACH, pid, NULL, NULL);
	}
	snprintf(l2, sizeof(l2), "process_vm_readv %s", strchr(label, ' ') + 1);
	/* address may well be unmapped: EFAULT still means the check passed */
	verdict(l2, syscall(SYS_process_vm_readv, pid, &local, 1, &remote, 1, 0));
	snprintf(l2, sizeof(l2), "open-mem %s", strchr(label, ' ') + 1);
	{
		char path[64];
		int fd;
		snprintf(path, sizeof(path), "/proc/%d/mem", pid);
		fd = open(path, O_RDWR | O_CLOEXEC);
		verdict(l2, fd);
		if (fd >= 0)
			close(fd);
	}
}

/* ptrace [TARGET...]: PTRACE_ATTACH, process_vm_readv and open
 * /proc/PID/mem for each target: 1, parent, child, sibling, traceme, or a
 * pid number (default: all named targets). "ptrace TARGET: errno EPERM" */
static int p_ptrace(int argc, char **argv)
{
	const char *defaults[] = {"1", "parent", "child", "sibling", "traceme", NULL};
	const char *const *list = argc > 1 ? (const char *const *)argv + 1 : defaults;

	for (; *list; list++) {
		char label[64];
		snprintf(label, sizeof(label), "ptrace %s", *list);
		if (!strcmp(*list, "parent")) {
			ptrace_one(label, getppid());
		} else if (!strcmp(*list, "child") || !strcmp(*list, "sibling")) {
			pid_t victim = fork();
			if (victim == 0)
				sleep_forever();
			if (!strcmp(*list, "child")) {
				ptrace_one(label, victim);
			} else {
				pid_t attacker = fork();
				if (attacker == 0) {
					ptrace_one(label, victim);
					_exit(0);
				}
				waitpid(attacker, NULL, 0);
			}
			kill(victim, SIGKILL);
			waitpid(victim, NULL, __WALL);
		} else if (!strcmp(*list, "traceme")) {
			pid_t child = fork();
			if (child == 0) {
				verdict(label, syscall(SYS_ptrace, PTRACE_TRACEME, 0, NULL, NULL));
				_exit(0);
			}
			waitpid(child, NULL, __WALL);
		} else {
			ptrace_one(label, (pid_t)num(*list));
		}
	}
	return 0;
}

/* ====================================================== 23-24 syscall ABI */

/* int80: the i386 getpid (20) through int $0x80. Seccomp must kill; a
 * returned value is a hole. "int80: returned N" (only if it returned) */
static int p_int80(int argc, char **argv)
{
	long ret;

	(void)argc;
	(void)argv;
	out("int80: trying");
	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(20L) : "memory", "r8", "r9", "r10", "r11");
	out("int80: returned %ld", ret);
	return 0;
}

/* x32: getpid with the x32 bit (0x40000000|39). Seccomp must kill; ENOSYS
 * from a kernel without x32 is shown but is not the sandbox's doing.
 * "x32: returned N" or "x32: errno ENOSYS" */
static int p_x32(int argc, char **argv)
{
	long ret;

	(void)argc;
	(void)argv;
	out("x32: trying");
	__asm__ volatile("syscall" : "=a"(ret) : "a"(0x40000000L | 39) : "rcx", "r11", "memory");
	if (ret < 0 && ret > -4096)
		out("x32: errno %s", ename((int)-ret));
	else
		out("x32: returned %ld", ret);
	return 0;
}

/* ====================================== 25-26, 34-35 dangerous syscalls */

static long sys_kexec_load(void) { return syscall(SYS_kexec_load, 0, 0, NULL, 0); }
static long sys_kexec_file_load(void) { return syscall(SYS_kexec_file_load, -1, -1, 0, "", 0); }
static long sys_init_module(void) { return syscall(SYS_init_module, NULL, 0, ""); }
static long sys_finit_module(void) { return syscall(SYS_finit_module, -1, "", 0); }
static long sys_delete_module(void) { return syscall(SYS_delete_module, "hutch_probe_none", O_NONBLOCK); }
/* wrong magic: EINVAL even for a real root, EPERM when denied */
static long sys_reboot(void) { return syscall(SYS_reboot, 0, 0, 0, NULL); }
static long sys_swapon(void) { return syscall(SYS_swapon, "/nonexistent-probe-swap", 0); }
static long sys_swapoff(void) { return syscall(SYS_swapoff, "/nonexistent-probe-swap"); }
static long sys_acct(void) { return syscall(SYS_acct, "/nonexistent-probe-acct"); }
static long sys_iopl(void) { return syscall(SYS_iopl, 0); }
static long sys_ioperm(void) { return syscall(SYS_ioperm, 0x80, 1, 0); }
static long sys_quotactl(void) { return syscall(SYS_quotactl, 0, "/nonexistent", 0, NULL); }
static long sys_clock_settime(void)
{
	/* invalid nsec: EINVAL if allowed (even for root), EPERM if denied */
	struct timespec ts = {0, 2000000000L};
	return syscall(SYS_clock_settime, CLOCK_REALTIME, &ts);
}
static long sys_settimeofday(void)
{
	struct timeval tv = {0, 2000000L};
	return syscall(SYS_settimeofday, &tv, NULL);
}
static long sys_adjtimex(void)
{
	struct timex { unsigned modes; char pad[204]; } tx = {.modes = 0x0001 /* ADJ_OFFSET */};
	/* huge offset field left 0 with ADJ_OFFSET: a privileged change */
	return syscall(SYS_adjtimex, &tx);
}
static long sys_syslog(void)
{
	static char buf[16384];
	return syscall(SYS_syslog, 3 /* READ_ALL, non-destructive */, buf, sizeof(buf));
}
static long sys_open_by_handle_at(void)
{
	/* the "shocker" escape: open inode 2 of the root's filesystem by handle */
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char f_handle[8];
	} h = {.handle_bytes = 8, .handle_type = 1, .f_handle = {2, 0, 0, 0, 0, 0, 0, 0}};
	int root = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	long rc = syscall(SYS_open_by_handle_at, root, &h, O_RDONLY);
	int e = errno;
	close(root);
	errno = e;
	return rc;
}
static long sys_name_to_handle_at(void)
{
	struct {
		unsigned int handle_bytes;
		int handle_type;
		unsigned char f_handle[128];
	} h = {.handle_bytes = 128};
	int mount_id;
	return syscall(SYS_name_to_handle_at, AT_FDCWD, "/", &h, &mount_id, 0);
}
static long sys_bpf(void)
{
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.map_type = BPF_MAP_TYPE_ARRAY;
	attr.key_size = 4;
	attr.value_size = 4;
	attr.max_entries = 1;
	return syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof(attr));
}
static long sys_bpf_prog(void)
{
	struct bpf_insn prog[] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr attr;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (uintptr_t)prog;
	attr.insn_cnt = 2;
	attr.license = (uintptr_t) "GPL";
	return syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
}
static long sys_perf_event_open(void)
{
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_SOFTWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_SW_CPU_CLOCK;
	pe.disabled = 1;
	return syscall(SYS_perf_event_open, &pe, 0, -1, -1, 0);
}
static long sys_perf_event_open_kernel(void)
{
	/* a hardware counter on every CPU, kernel included: needs privilege */
	struct perf_event_attr pe;
	memset(&pe, 0, sizeof(pe));
	pe.type = PERF_TYPE_HARDWARE;
	pe.size = sizeof(pe);
	pe.config = PERF_COUNT_HW_INSTRUCTIONS;
	pe.disabled = 1;
	return syscall(SYS_perf_event_open, &pe, -1, 0, -1, 0);
}
static long sys_userfaultfd(void) { return syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK); }
static long sys_io_uring_setup(void)
{
	char params[120]; /* struct io_uring_params */
	memset(params, 0, sizeof(params));
	return syscall(SYS_io_uring_setup, 4, params);
}
static long sys_add_key(void)
{
	return syscall(SYS_add_key, "user", "hutch-probe", "secret", 6, -3 /* session */);
}
static long sys_request_key(void)
{
	return syscall(SYS_request_key, "user", "hutch-probe-none", NULL, -3);
}
static long sys_keyctl(void) { return syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -4 /* user */, 0); }
static long sys_fanotify_init(void) { return syscall(SYS_fanotify_init, 0, O_RDONLY); }
static long sys_mount(void) { return syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, "size=1m"); }
static long sys_umount2(void) { return syscall(SYS_umount2, "/proc", MNT_DETACH); }
static long sys_pivot_root(void) { return syscall(SYS_pivot_root, "/tmp", "/tmp"); }
static long sys_chroot(void) { return syscall(SYS_chroot, "/tmp"); }
static long sys_fsopen(void) { return syscall(SYS_fsopen, "tmpfs", 1 /* CLOEXEC */); }
static long sys_open_tree(void) { return syscall(SYS_open_tree, AT_FDCWD, "/", 1 /* CLONE */ | O_CLOEXEC); }
static long sys_move_mount(void) { return syscall(SYS_move_mount, -1, "", -1, "/tmp", 0); }
static long sys_mount_setattr(void)
{
	struct {
		uint64_t set, clr, propagation, userns_fd;
	} attr = {.clr = 0x1 /* MOUNT_ATTR_RDONLY */};
	return syscall(SYS_mount_setattr, AT_FDCWD, "/usr", 0, &attr, sizeof(attr));
}
static long sys_personality(void)
{
	long rc = syscall(SYS_personality, READ_IMPLIES_EXEC);
	long now_p = syscall(SYS_personality, 0xffffffffUL);
	/* success means READ_IMPLIES_EXEC is now set (rc is the old value) */
	if (rc >= 0 && !(now_p & READ_IMPLIES_EXEC)) {
		errno = EINVAL;
		return -1;
	}
	return rc;
}
static long sys_modify_ldt(void)
{
	static char buf[16];
	return syscall(SYS_modify_ldt, 0, buf, sizeof(buf));
}
static long sys_sched_fifo(void)
{
	struct sched_param sp = {.sched_priority = 1};
	return syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &sp);
}
static long sys_nice_neg(void) { return syscall(SYS_setpriority, PRIO_PROCESS, 0, -20); }
static long sys_ioprio_rt(void) { return syscall(SYS_ioprio_set, 1, 0, (1 << 13) | 0); }
static long sys_pidfd_getfd(void)
{
	long pfd = syscall(SYS_pidfd_open, 1, 0);
	long rc;
	int e;
	if (pfd < 0)
		return pfd;
	rc = syscall(SYS_pidfd_getfd, (int)pfd, 0, 0);
	e = errno;
	close((int)pfd);
	errno = e;
	return rc;
}
static long sys_kcmp(void) { return syscall(SYS_kcmp, getpid(), 1, 0 /* KCMP_FILE */, 0, 0); }
static long sys_lookup_dcookie(void) { return syscall(212 /* lookup_dcookie */, 0, NULL, 0); }
static long sys_vm86(void) { return syscall(SYS_uselib, "/nonexistent"); }
static long sys_mbind(void) { return syscall(SYS_migrate_pages, 1, 1, NULL, NULL); }
static long sys_setns(void) { return syscall(SYS_setns, 0, CLONE_NEWNS); }
static long sys_unshare(void) { return syscall(SYS_unshare, CLONE_NEWUSER); }
static long sys_sethostname(void) { return syscall(SYS_sethostname, "probe-host", 10); }
static long sys_memfd_exec(void)
{
	/* noexec bypass: exec a memfd. Only the creation is tried here. */
	return syscall(SYS_memfd_create, "probe", 1 /* MFD_CLOEXEC */);
}

static const struct {
	const char *name;
	long (*fn)(void);
} syscalls[] = {
	{"kexec_load", sys_kexec_load},
	{"kexec_file_load", sys_kexec_file_load},
	{"init_module", sys_init_module},
	{"finit_module", sys_finit_module},
	{"delete_module", sys_delete_module},
	{"reboot", sys_reboot},
	{"swapon", sys_swapon},
	{"swapoff", sys_swapoff},
	{"acct", sys_acct},
	{"iopl", sys_iopl},
	{"ioperm", sys_ioperm},
	{"quotactl", sys_quotactl},
	{"clock_settime", sys_clock_settime},
	{"settimeofday", sys_settimeofday},
	{"adjtimex", sys_adjtimex},
	{"syslog", sys_syslog},
	{"open_by_handle_at", sys_open_by_handle_at},
	{"name_to_handle_at", sys_name_to_handle_at},
	{"bpf", sys_bpf},
	{"bpf-prog", sys_bpf_prog},
	{"perf_event_open", sys_perf_event_open},
	{"perf_event_open-kernel", sys_perf_event_open_kernel},
	{"userfaultfd", sys_userfaultfd},
	{"io_uring_setup", sys_io_uring_setup},
	{"add_key", sys_add_key},
	{"request_key", sys_request_key},
	{"keyctl", sys_keyctl},
	{"fanotify_init", sys_fanotify_init},
	{"mount", sys_mount},
	{"umount2", sys_umount2},
	{"pivot_root", sys_pivot_root},
	{"chroot", sys_chroot},
	{"fsopen", sys_fsopen},
	{"open_tree", sys_open_tree},
	{"move_mount", sys_move_mount},
	{"mount_setattr", sys_mount_setattr},
	{"personality", sys_personality},
	{"modify_ldt", sys_modify_ldt},
	{"sched-fifo", sys_sched_fifo},
	{"nice-neg", sys_nice_neg},
	{"ioprio-rt", sys_ioprio_rt},
	{"pidfd_getfd", sys_pidfd_getfd},
	{"kcmp", sys_kcmp},
	{"lookup_dcookie", sys_lookup_dcookie},
	{"uselib", sys_vm86},
	{"migrate_pages", sys_mbind},
	{"setns", sys_setns},
	{"unshare", sys_unshare},
	{"sethostname", sys_sethostname},
	{"memfd_create", sys_memfd_exec},
};

/* sys NAME...: one dangerous syscall each, with arguments chosen to be
 * harmless even where it is allowed. "sys NAME: ok|errno E". `sys all`
 * tries every one (a KILL action stops the run at the first denied). */
static int p_sys(int argc, char **argv)
{
	size_t n = sizeof(syscalls) / sizeof(syscalls[0]);

	if (argc < 2)
		usage("sys NAME...|all");
	for (int a = 1; a < argc; a++) {
		bool all = !strcmp(argv[a], "all"), found = false;
		for (size_t i = 0; i < n; i++) {
			char label[80];
			long rc;
			if (!all && strcmp(argv[a], syscalls[i].name))
				continue;
			found = true;
			if (!strcmp(syscalls[i].name, "iopl") && host_root())
				continue; /* would grant the probe I/O ports on a host */
			snprintf(label, sizeof(label), "sys %s", syscalls[i].name);
			errno = 0;
			rc = syscalls[i].fn();
			verdict(label, rc);
			if (rc >= 0 && rc < 1024 && (!strcmp(syscalls[i].name, "bpf") ||
						    !strcmp(syscalls[i].name, "bpf-prog") ||
						    !strcmp(syscalls[i].name, "userfaultfd") ||
						    !strcmp(syscalls[i].name, "io_uring_setup") ||
						    !strcmp(syscalls[i].name, "perf_event_open") ||
						    !strcmp(syscalls[i].name, "memfd_create") ||
						    !strcmp(syscalls[i].name, "fsopen") ||
						    !strcmp(syscalls[i].name, "open_tree") ||
						    !strcmp(syscalls[i].name, "fanotify_init")))
				close((int)rc);
		}
		if (!found)
			usage("unknown syscall probe '%s' (see: probe list)", argv[a]);
	}
	return 0;
}

/* ===================================================== 34 mounts, cgroups */

/* mount-fs FSTYPE DIR [OPTIONS]: mount a fresh filesystem (tmpfs, proc,
 * sysfs, cgroup, cgroup2, ...) on DIR, creating DIR. */
static int p_mount_fs(int argc, char **argv)
{
	const char *type = arg(argc, argv, 1, NULL), *dir = arg(argc, argv, 2, NULL);
	const char *opts = arg(argc, argv, 3, NULL);
	char label[PATH_MAX + 32];

	if (!type || !dir)
		usage("mount-fs FSTYPE DIR [OPTIONS]");
	(void)mkdir(dir, 0755); /* may exist already */
	snprintf(label, sizeof(label), "mount-fs %s", type);
	verdict(label, syscall(SYS_mount, type, dir, type, 0, opts));
	return 0;
}

/* mount-bind SRC DST: bind mount. remount PATH: make a read-only bind
 * writable. umount PATH: detach (would reveal what a mask covers). */
static int p_mount_bind(int argc, char **argv)
{
	if (argc < 3)
		usage("mount-bind SRC DST");
	verdict("mount-bind", syscall(SYS_mount, argv[1], argv[2], NULL, MS_BIND | MS_REC, NULL));
	return 0;
}

static int p_remount(int argc, char **argv)
{
	char label[PATH_MAX + 16];

	if (argc < 2)
		usage("remount PATH");
	snprintf(label, sizeof(label), "remount %s", argv[1]);
	verdict(label, syscall(SYS_mount, NULL, argv[1], NULL, MS_REMOUNT | MS_BIND, NULL));
	return 0;
}

static int p_umount(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char label[PATH_MAX + 16];
		snprintf(label, sizeof(label), "umount %s", argv[i]);
		verdict(label, syscall(SYS_umount2, argv[i], MNT_DETACH));
	}
	return 0;
}

static int p_pivot_root(int argc, char **argv)
{
	const char *new_root = arg(argc, argv, 1, "/tmp");
	const char *put_old = arg(argc, argv, 2, new_root);

	verdict("pivot-root", syscall(SYS_pivot_root, new_root, put_old));
	return 0;
}

/* release-agent [DIR]: the cgroup v1 release_agent escape (CVE-2022-0492):
 * mount a v1 hierarchy on DIR, then write its release_agent; also open
 * every release_agent already visible under /sys/fs/cgroup for writing. */
static int p_release_agent(int argc, char **argv)
{
	const char *dir = arg(argc, argv, 1, "/tmp/probe-cgroup");
	const char *ctrls[] = {"memory", "rdma", "pids", "none,name=probe", NULL};
	char path[PATH_MAX];
	DIR *d;

	(void)mkdir(dir, 0755);
	for (const char *const *c = ctrls; *c; c++) {
		char label[128];
		snprintf(label, sizeof(label), "mount-cgroup1 %s", *c);
		if (verdict(label, syscall(SYS_mount, "cgroup", dir, "cgroup", 0, *c)) == 0) {
			int fd;
			snprintf(path, sizeof(path), "%s/release_agent", dir);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			verdict("open-write release_agent", fd);
			if (fd >= 0)
				close(fd);
			syscall(SYS_umount2, dir, MNT_DETACH);
			break;
		}
	}
	d = opendir("/sys/fs/cgroup");
	if (!d) {
		out("list /sys/fs/cgroup: errno %s", ename(errno));
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		int fd;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/fs/cgroup/%s/release_agent", de->d_name);
		if (access(path, F_OK) < 0)
			continue;
		fd = open(path, O_WRONLY | O_CLOEXEC);
		{
			char label[PATH_MAX + 16];
			snprintf(label, sizeof(label), "open-write %s", path);
			verdict(label, fd);
		}
		if (fd >= 0)
			close(fd);
	}
	closedir(d);
	return 0;
}

/* ============================================================= 27 ttys */

static void tty_attacks(const char *what, int fd)
{
	char c = 0; /* NUL: harmless if it does land in a real terminal */
	char label[64];
	char sub = 6; /* TIOCL_GETSHIFTSTATE, read-only */

	snprintf(label, sizeof(label), "tiocsti %s", what);
	verdict(label, syscall(SYS_ioctl, fd, (unsigned long)TIOCSTI, &c));
	snprintf(label, sizeof(label), "tiocsti-hi %s", what);
	verdict(label, syscall(SYS_ioctl, fd, 0xffffffff00000000UL | TIOCSTI, &c));
	snprintf(label, sizeof(label), "tioclinux %s", what);
	verdict(label, syscall(SYS_ioctl, fd, (unsigned long)TIOCLINUX, &sub));
	sub = 6;
	snprintf(label, sizeof(label), "tioclinux-hi %s", what);
	verdict(label, syscall(SYS_ioctl, fd, 0xffffffff00000000UL | TIOCLINUX, &sub));
}

/* tiocsti: terminal injection. On a fresh pty (made the controlling
 * terminal of a new session, which is what TIOCSTI requires), on fd 0 if
 * it is a terminal, and on /dev/tty if the sandbox still has a controlling
 * terminal. "tiocsti pty: errno EPERM", "tiocsti fd0: not-a-tty", ... */
static int p_tiocsti(int argc, char **argv)
{
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	int fd;

	(void)argc;
	(void)argv;
	if (master < 0) {
		out("ptmx: errno %s", ename(errno));
	} else {
		int unlock = 0;
		pid_t pid;
		out("ptmx: ok");
		ioctl(master, TIOCSPTLCK, &unlock);
		pid = fork();
		if (pid == 0) {
			int slave;
			setsid();
			slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_CLOEXEC);
			if (slave < 0) {
				out("pty-peer: errno %s", ename(errno));
				_exit(0);
			}
			(void)ioctl(slave, TIOCSCTTY, 0); /* already ours on most kernels */
			tty_attacks("pty", slave);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		close(master);
	}
	if (isatty(0))
		tty_attacks("fd0", 0);
	else
		out("tiocsti fd0: not-a-tty");
	fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		out("open /dev/tty: errno %s", ename(errno));
	} else {
		out("open /dev/tty: ok");
		tty_attacks("devtty", fd);
		close(fd);
	}
	return 0;
}

/* ============================================== 28-29 fds, cwd, /proc roots */

/* fds: every open descriptor >= 3, found by F_GETFD on 3..1023 and by
 * listing /proc/self/fd: "fd N: TARGET", then "fds: count=N". */
static int p_fds(int argc, char **argv)
{
	int count = 0;
	int open_fds[1024];

	(void)argc;
	(void)argv;
	/* scan first: opening /proc/self/fd would add a descriptor */
	for (int fd = 3; fd < 1024; fd++)
		if (syscall(SYS_fcntl, fd, F_GETFD) >= 0)
			open_fds[count++] = fd;
	for (int i = 0; i < count; i++) {
		char path[64], target[PATH_MAX];
		ssize_t n;
		snprintf(path, sizeof(path), "/proc/self/fd/%d", open_fds[i]);
		n = readlink(path, target, sizeof(target) - 1);
		target[n > 0 ? n : 0] = 0;
		out("fd %d: %s", open_fds[i], n > 0 ? target : "?");
	}
	out("fds: count=%d", count);
	return 0;
}

/* cwd: "cwd: PATH", "cwd-link: PATH", and the ".." walk: openat("..") 64
 * times from the cwd and compare with "/": "dotdot: root" or "dotdot:
 * escaped". Then chroot escape: "chroot-escape: errno EPERM". */
static int p_cwd(int argc, char **argv)
{
	char buf[PATH_MAX];
	ssize_t n;
	struct stat root, here;
	int fd;

	(void)argc;
	(void)argv;
	if (getcwd(buf, sizeof(buf)))
		out("cwd: %s", buf);
	else
		out("cwd: errno %s", ename(errno));
	n = readlink("/proc/self/cwd", buf, sizeof(buf) - 1);
	if (n >= 0) {
		buf[n] = 0;
		out("cwd-link: %s", buf);
	} else {
		out("cwd-link: errno %s", ename(errno));
	}
	fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (int i = 0; i < 64 && fd >= 0; i++) {
		int up = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		close(fd);
		fd = up;
	}
	if (fd < 0 || fstat(fd, &here) < 0 || stat("/", &root) < 0)
		out("dotdot: errno %s", ename(errno));
	else if (here.st_dev == root.st_dev && here.st_ino == root.st_ino)
		out("dotdot: root");
	else
		out("dotdot: escaped dev=%lu ino=%lu", (unsigned long)here.st_dev,
		    (unsigned long)here.st_ino);
	if (fd >= 0)
		close(fd);
	(void)mkdir("/tmp/probe-chroot", 0755);
	verdict("chroot-escape", syscall(SYS_chroot, "/tmp/probe-chroot"));
	return 0;
}

/* proc-roots: stat /proc/PID/root of every visible pid against "/":
 * "proc-root PID: differs|errno E" for the odd ones, then
 * "proc-roots: same=N differ=M denied=K". */
static int p_proc_roots(int argc, char **argv)
{
	struct stat root;
	unsigned same = 0, differ = 0, denied = 0;
	DIR *d = opendir("/proc");

	(void)argc;
	(void)argv;
	if (!d || stat("/", &root) < 0) {
		out("proc-roots: errno %s", ename(errno));
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		char path[300];
		struct stat st;
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/root/", de->d_name);
		if (stat(path, &st) < 0) {
			if (errno != ENOENT) {
				denied++;
				out("proc-root %s: errno %s", de->d_name, ename(errno));
			}
			continue;
		}
		if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
			same++;
		} else {
			differ++;
			out("proc-root %s: differs", de->d_name);
		}
	}
	closedir(d);
	out("proc-roots: same=%u differ=%u denied=%u", same, differ, denied);
	return 0;
}

/* ================================================= 30 symlink games */

/* symlink-loop PATH TARGET [SECONDS]: keep replacing PATH with a symlink
 * to TARGET (0 seconds: once, and leave it). "symlink-loop PATH: n=N" */
static int p_symlink_loop(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL), *target = arg(argc, argv, 2, NULL);
	double s = seconds(arg(argc, argv, 3, "0"));
	double deadline = now() + s;
	unsigned long n = 0;
	char label[PATH_MAX + 16];

	if (!path || !target)
		usage("symlink-loop PATH TARGET [SECONDS]");
	snprintf(label, sizeof(label), "symlink-loop %s", path);
	do {
		(void)unlink(path); /* may not exist yet */
		(void)rmdir(path);
		if (symlink(target, path) < 0) {
			out("%s: errno %s", label, ename(errno));
			return 0;
		}
		n++;
	} while (now() < deadline);
	out("%s: n=%lu", label, n);
	return 0;
}

/* swap-race DIR TARGETDIR [SECONDS]: DIR/d is a real directory, DIR/s a
 * symlink to TARGETDIR; exchange the two names atomically as fast as
 * possible (0 seconds: until killed). Anything in the supervisor that walks
 * DIR by path may land in TARGETDIR. "swap-race DIR: swaps=N" */
static int p_swap_race(int argc, char **argv)
{
	const char *dir = arg(argc, argv, 1, NULL), *target = arg(argc, argv, 2, NULL);
	double s = seconds(arg(argc, argv, 3, "0"));
	double deadline = now() + s;
	char d[PATH_MAX], l[PATH_MAX], f[PATH_MAX + 8], label[PATH_MAX + 16];
	unsigned long swaps = 0;
	int fd;

	if (!dir || !target)
		usage("swap-race DIR TARGETDIR [SECONDS]");
	snprintf(label, sizeof(label), "swap-race %s", dir);
	snprintf(d, sizeof(d), "%s/d", dir);
	snprintf(l, sizeof(l), "%s/s", dir);
	snprintf(f, sizeof(f), "%s/file", d);
	(void)mkdir(d, 0755);
	fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	(void)unlink(l);
	if (symlink(target, l) < 0) {
		out("%s: symlink errno %s", label, ename(errno));
		return 0;
	}
	while (s == 0 || now() < deadline) {
		for (int i = 0; i < 1000; i++) {
			if (syscall(SYS_renameat2, AT_FDCWD, d, AT_FDCWD, l, 2 /* EXCHANGE */) < 0) {
				out("%s: errno %s swaps=%lu", label, ename(errno), swaps);
				return 0;
			}
			swaps++;
		}
	}
	out("%s: swaps=%lu", label, swaps);
	return 0;
}

/* ============================================================ 36 /proc, /sys */

/* proc-pids: every pid visible in /proc with its name:
 * "proc-pids: count=N pids=1:probe,2:probe" */
static int p_proc_pids(int argc, char **argv)
{
	char list[4096] = "";
	size_t used = 0;
	unsigned count = 0;
	DIR *d = opendir("/proc");

	(void)argc;
	(void)argv;
	if (!d) {
		out("proc-pids: errno %s", ename(errno));
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		char path[300], comm[64] = "?";
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		count++;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if (slurp(path, comm, sizeof(comm)) > 0)
			comm[strcspn(comm, "\n ")] = 0;
		if (used < sizeof(list) - 100)
			used += snprintf(list + used, sizeof(list) - used, "%s%s:%s", count > 1 ? "," : "",
					 de->d_name, comm);
	}
	closedir(d);
	out("proc-pids: count=%u pids=%s", count, list);
	return 0;
}

/* kallsyms: "kallsyms: lines=N nonzero=M" (M > 0: kernel addresses leak) */
static int p_kallsyms(int argc, char **argv)
{
	FILE *f = fopen("/proc/kallsyms", "re");
	char line[512];
	unsigned long lines = 0, nonzero = 0;

	(void)argc;
	(void)argv;
	if (!f) {
		out("kallsyms: errno %s", ename(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		lines++;
		if (strtoull(line, NULL, 16) != 0)
			nonzero++;
	}
	fclose(f);
	out("kallsyms: lines=%lu nonzero=%lu", lines, nonzero);
	return 0;
}

/* Open a kernel log file and read what is there without waiting:
 * "LABEL: ok bytes=N" (0: a mask, or nothing to read) or the errno. */
static void kmsg_try(const char *label, const char *path, bool may_read)
{
	char buf[4096];
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0) {
		out("%s: errno %s", label, ename(errno));
		return;
	}
	if (may_read)
		n = read(fd, buf, sizeof(buf));
	if (n < 0 && errno != EAGAIN)
		out("%s: errno %s", label, ename(errno));
	else
		out("%s: ok bytes=%zd", label, n < 0 ? 0 : n);
	close(fd);
}

/* kmsg: /proc/kmsg and /dev/kmsg. On a host, /proc/kmsg is opened but not
 * read: reading it takes the messages away from syslog. */
static int p_kmsg(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	kmsg_try("kmsg", "/proc/kmsg", !host_root());
	kmsg_try("dev-kmsg", "/dev/kmsg", true);
	return 0;
}

/* cgroup-info: "cgroup: LINE" for each line of /proc/self/cgroup. */
static int p_cgroup_info(int argc, char **argv)
{
	char buf[8192];

	(void)argc;
	(void)argv;
	if (slurp("/proc/self/cgroup", buf, sizeof(buf)) < 0) {
		out("cgroup: errno %s", ename(errno));
		return 0;
	}
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save))
		out("cgroup: %s", line);
	return 0;
}

/* mountinfo: "mount MOUNTPOINT: fstype=T source=S options=O" per mount. */
static int p_mountinfo(int argc, char **argv)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096];
	unsigned n = 0;

	(void)argc;
	(void)argv;
	if (!f) {
		out("mountinfo: errno %s", ename(errno));
		return 0;
	}
	while (fgets(line, sizeof(line), f)) {
		char root[1024], mnt[1024], opts[512], fstype[64], src[1024];
		char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %1023s %1023s %511s", root, mnt, opts) != 3 ||
		    sscanf(dash + 3, "%63s %1023s", fstype, src) != 2)
			continue;
		n++;
		out("mount %s: fstype=%s source=%s root=%s options=%s", mnt, fstype, src, root, opts);
	}
	fclose(f);
	out("mountinfo: count=%u", n);
	return 0;
}

/* grep-environ NEEDLE [environ|cmdline|both]: look for NEEDLE in the
 * environment and/or command line (default both) of every visible process
 * but its own command line. "grep-environ: absent scanned=N" or
 * "grep-environ: found pid=N file=environ" */
static int p_grep_environ(int argc, char **argv)
{
	static char buf[MIB];
	const char *needle = arg(argc, argv, 1, NULL);
	const char *which = arg(argc, argv, 2, "both");
	unsigned scanned = 0, found = 0;
	DIR *d;

	if (!needle)
		usage("grep-environ NEEDLE");
	d = opendir("/proc");
	if (!d) {
		out("grep-environ: errno %s", ename(errno));
		return 0;
	}
	for (struct dirent *de; (de = readdir(d));) {
		const char *files[] = {"environ", "cmdline", NULL};
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		for (const char *const *file = files; *file; file++) {
			char path[300];
			ssize_t n;
			if (strcmp(which, "both") && strcmp(which, *file))
				continue;
			snprintf(path, sizeof(path), "/proc/%s/%s", de->d_name, *file);
			n = slurp(path, buf, sizeof(buf));
			if (n <= 0)
				continue;
			scanned++;
			/* skip our own argv, which holds the needle */
			if (!strcmp(*file, "cmdline") && (pid_t)atoi(de->d_name) == getpid())
				continue;
			if (memmem(buf, n, needle, strlen(needle))) {
				found++;
				out("grep-environ: found pid=%s file=%s", de->d_name, *file);
			}
		}
	}
	closedir(d);
	if (!found)
		out("grep-environ: absent scanned=%u", scanned);
	return 0;
}

/* ================================================================ 37 net */

static const struct {
	const char *name;
	int value;
} families[] = {
	{"unix", AF_UNIX},	   {"inet", AF_INET},	   {"inet6", AF_INET6},
	{"netlink", AF_NETLINK},   {"packet", AF_PACKET},  {"vsock", AF_VSOCK},
	{"bluetooth", AF_BLUETOOTH}, {"alg", AF_ALG},	   {"key", AF_KEY},
	{"tipc", AF_TIPC},	   {"xdp", AF_XDP},	   {"can", AF_CAN},
	{"rds", AF_RDS},	   {"llc", AF_LLC},	   {"appletalk", AF_APPLETALK},
	{"ax25", AF_AX25},	   {"x25", AF_X25},	   {"nfc", AF_NFC},
	{"phonet", AF_PHONET},	   {"qipcrtr", AF_QIPCRTR}, {"smc", AF_SMC},
	{"mctp", 45},		   {"ipx", AF_IPX},	   {"decnet", AF_DECnet},
	{"atmsvc", AF_ATMSVC},	   {"rxrpc", AF_RXRPC},	   {"kcm", AF_KCM},
	{"ieee802154", AF_IEEE802154}, {"caif", AF_CAIF},  {"isdn", AF_ISDN},
};

static const struct {
	const char *name;
	int value;
} socktypes[] = {
	{"stream", SOCK_STREAM}, {"dgram", SOCK_DGRAM}, {"raw", SOCK_RAW},
	{"seqpacket", SOCK_SEQPACKET}, {"packet", SOCK_PACKET},
};

/* socket FAMILY TYPE [PROTO]: "socket FAMILY/TYPE[/PROTO]: ok|errno E".
 * FAMILY "all" tries every family with TYPE. */
static int p_socket(int argc, char **argv)
{
	const char *fam = arg(argc, argv, 1, NULL), *type = arg(argc, argv, 2, "stream");
	const char *proto = arg(argc, argv, 3, NULL);
	int t = -1, p = 0;

	if (!fam)
		usage("socket FAMILY|all TYPE [PROTO]");
	for (size_t i = 0; i < sizeof(socktypes) / sizeof(socktypes[0]); i++)
		if (!strcmp(type, socktypes[i].name))
			t = socktypes[i].value;
	if (t < 0)
		usage("unknown socket type '%s'", type);
	if (proto)
		p = !strcmp(proto, "icmp") ? IPPROTO_ICMP
		    : !strcmp(proto, "tcp") ? IPPROTO_TCP
		    : !strcmp(proto, "udp") ? IPPROTO_UDP
		    : !strcmp(proto, "all") ? 0x0300 /* htons(ETH_P_ALL) */
					    : (int)num(proto);
	for (size_t i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		char label[128];
		long fd;
		if (strcmp(fam, "all") && strcmp(fam, families[i].name))
			continue;
		snprintf(label, sizeof(label), "socket %s/%s%s%s", families[i].name, type,
			 proto ? "/" : "", proto ? proto : "");
		fd = syscall(SYS_socket, families[i].value, t | SOCK_CLOEXEC, p);
		verdict(label, fd);
		if (fd >= 0)
			close((int)fd);
		if (strcmp(fam, "all"))
			return 0;
	}
	if (strcmp(fam, "all"))
		usage("unknown socket family '%s'", fam);
	return 0;
}

/* Non-blocking connect with a 2 s limit: 0, -1 with errno, or -2 timeout */
static int connect_timed(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct pollfd pfd = {.fd = fd, .events = POLLOUT};
	int err = 0;
	socklen_t el = sizeof(err);

	if (connect(fd, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return -1;
	if (poll(&pfd, 1, 2000) == 0)
		return -2;
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el);
	if (err) {
		errno = err;
		return -1;
	}
	return 0;
}

static void report_connect(const char *label, int rc)
{
	if (rc == -2)
		out("%s: timeout", label);
	else
		verdict(label, rc);
}

/* connect-tcp ADDR PORT: "connect-tcp ADDR:PORT: errno ENETUNREACH" */
static int p_connect_tcp(int argc, char **argv)
{
	const char *addr = arg(argc, argv, 1, "127.0.0.1");
	unsigned port = (unsigned)num(arg(argc, argv, 2, "1"));
	char label[128];
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6, .sin6_port = htons(port)};
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	bool v6 = strchr(addr, ':') != NULL;
	int fd;

	snprintf(label, sizeof(label), "connect-tcp %s:%u", addr, port);
	if ((v6 ? inet_pton(AF_INET6, addr, &s6.sin6_addr) : inet_pton(AF_INET, addr, &s4.sin_addr)) != 1)
		usage("bad address '%s'", addr);
	fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		out("%s: socket errno %s", label, ename(errno));
		return 0;
	}
	report_connect(label, connect_timed(fd, v6 ? (struct sockaddr *)&s6 : (struct sockaddr *)&s4,
					    v6 ? sizeof(s6) : sizeof(s4)));
	close(fd);
	return 0;
}

/* udp-send ADDR PORT: one datagram. "udp-send ADDR:PORT: ok|errno E" */
static int p_udp_send(int argc, char **argv)
{
	const char *addr = arg(argc, argv, 1, "127.0.0.1");
	unsigned port = (unsigned)num(arg(argc, argv, 2, "1"));
	struct sockaddr_in s4 = {.sin_family = AF_INET, .sin_port = htons(port)};
	char label[128];
	int fd;

	snprintf(label, sizeof(label), "udp-send %s:%u", addr, port);
	if (inet_pton(AF_INET, addr, &s4.sin_addr) != 1)
		usage("bad address '%s'", addr);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		out("%s: socket errno %s", label, ename(errno));
		return 0;
	}
	verdict(label, sendto(fd, "probe", 5, 0, (struct sockaddr *)&s4, sizeof(s4)));
	close(fd);
	return 0;
}

/* connect-unix PATH | connect-abstract NAME */
static int connect_unix(const char *label, const char *name, bool abstract)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	size_t n = strlen(name);
	socklen_t len;
	int fd;

	if (n + 2 > sizeof(sun.sun_path))
		usage("unix socket name too long");
	memcpy(sun.sun_path + (abstract ? 1 : 0), name, n);
	len = offsetof(struct sockaddr_un, sun_path) + n + (abstract ? 1 : 0);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		out("%s: socket errno %s", label, ename(errno));
		return 0;
	}
	report_connect(label, connect_timed(fd, (struct sockaddr *)&sun, len));
	close(fd);
	return 0;
}

static int p_connect_unix(int argc, char **argv)
{
	char label[PATH_MAX + 32];

	if (argc < 2)
		usage("connect-unix PATH");
	snprintf(label, sizeof(label), "connect-unix %s", argv[1]);
	return connect_unix(label, argv[1], false);
}

static int p_connect_abstract(int argc, char **argv)
{
	char label[PATH_MAX + 32];

	if (argc < 2)
		usage("connect-abstract NAME");
	snprintf(label, sizeof(label), "connect-abstract %s", argv[1]);
	return connect_unix(label, argv[1], true);
}

/* ifaces: every interface of /proc/net/dev with its state:
 * "ifaces: count=N lo:down" */
static int p_ifaces(int argc, char **argv)
{
	char buf[16384], list[2048] = "";
	size_t used = 0;
	unsigned count = 0;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	(void)argc;
	(void)argv;
	if (slurp("/proc/net/dev", buf, sizeof(buf)) < 0) {
		out("ifaces: errno %s", ename(errno));
		return 0;
	}
	for (char *save = NULL, *line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':'), *name = line;
		struct ifreq ifr;
		const char *state = "?";
		if (!colon || strchr(line, '|'))
			continue;
		*colon = 0;
		while (*name == ' ')
			name++;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		if (s >= 0 && ioctl(s, SIOCGIFFLAGS, &ifr) == 0)
			state = (ifr.ifr_flags & IFF_UP) ? "up" : "down";
		count++;
		if (used < sizeof(list) - 64)
			used += snprintf(list + used, sizeof(list) - used, "%s%s:%s", count > 1 ? "," : "",
					 name, state);
	}
	if (s >= 0)
		close(s);
	out("ifaces: count=%u list=%s", count, list);
	return 0;
}

static void find_socket_entry(struct walk *w, const char *path, const struct stat *st)
{
	if (S_ISSOCK(st->st_mode)) {
		w->found++;
		out("socket-file %s: uid=%u mode=0%o", path, st->st_uid, st->st_mode & 0777);
	}
}

/* find-sockets: every unix socket file visible in the file system. */
static int p_find_sockets(int argc, char **argv)
{
	struct walk w = {.on_entry = find_socket_entry};

	(void)argc;
	(void)argv;
	walk_root(&w);
	out("find-sockets: count=%lu", w.found);
	return 0;
}

/* ===================================================== 26 locks, 38 IPC */

/* lock PATH hold [SECONDS] | lock PATH try: the covert channel through
 * locks on a file two sandboxes share. hold takes flock(LOCK_EX) and a
 * POSIX read lock, prints "lock-hold PATH: ok" and sleeps; try reports
 * "flock-try PATH: errno EAGAIN" (a lock from elsewhere is visible) or ok,
 * and "getlk PATH: locked pid=N" or "getlk PATH: unlocked". */
static int p_lock(int argc, char **argv)
{
	const char *path = arg(argc, argv, 1, NULL), *mode = arg(argc, argv, 2, "try");
	double s = seconds(arg(argc, argv, 3, "5"));
	char label[PATH_MAX + 16];
	int fd;

	if (!path)
		usage("lock PATH hold [SECONDS] | lock PATH try");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		out("lock %s: open errno %s", path, ename(errno));
		return 0;
	}
	if (!strcmp(mode, "hold")) {
		struct flock fl = {.l_type = F_RDLCK, .l_whence = SEEK_SET};
		snprintf(label, sizeof(label), "flock-hold %s", path);
		verdict(label, flock(fd, LOCK_EX | LOCK_NB));
		snprintf(label, sizeof(label), "posix-hold %s", path);
		verdict(label, fcntl(fd, F_SETLK, &fl));
		out("lock-hold %s: ok", path);
		sleep_s(s);
	} else {
		struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
		snprintf(label, sizeof(label), "flock-try %s", path);
		verdict(label, flock(fd, LOCK_EX | LOCK_NB));
		if (fcntl(fd, F_GETLK, &fl) < 0)
			out("getlk %s: errno %s", path, ename(errno));
		else if (fl.l_type == F_UNLCK)
			out("getlk %s: unlocked", path);
		else
			out("getlk %s: locked pid=%d", path, fl.l_pid);
	}
	close(fd);
	return 0;
}

/* kill PID [SIG]: "kill PID: ok|errno E" */
static int p_kill(int argc, char **argv)
{
	char label[64];
	long pid, sig = (long)num(arg(argc, argv, 2, "9"));

	if (argc < 2)
		usage("kill PID [SIG]");
	pid = strtol(argv[1], NULL, 0);
	snprintf(label, sizeof(label), "kill %ld", pid);
	verdict(label, syscall(SYS_kill, (pid_t)pid, (int)sig));
	return 0;
}

/* kill-all [SIG]: kill(-1, SIG), which reaches every process the caller
 * may signal. Then "kill-all: ok" (something was hit) or "errno ESRCH". */
static int p_kill_all(int argc, char **argv)
{
	int sig = (int)num(arg(argc, argv, 1, "9"));

	if (host_root()) {
		out("kill-all: refused (root of the initial user namespace)");
		return 1;
	}
	verdict("kill-all", syscall(SYS_kill, -1, sig));
	return 0;
}

/* ipc-create shm|msg|sem KEY [SECONDS]: create a System V object with KEY
 * (shm: holding "hutch-probe"), report "ipc-create TYPE KEY: ok id=N",
 * wait SECONDS, remove it. ipc-get TYPE KEY: "ipc-get TYPE KEY: errno
 * ENOENT" when it is not visible, "ok id=N [data=...]" when it is. */
static int ipc_get(const char *type, key_t key, int flags)
{
	if (!strcmp(type, "shm"))
		return shmget(key, flags ? 4096 : 0, flags);
	if (!strcmp(type, "msg"))
		return msgget(key, flags);
	if (!strcmp(type, "sem"))
		return semget(key, flags ? 1 : 0, flags);
	usage("ipc type must be shm, msg or sem");
}

static void ipc_remove(const char *type, int id)
{
	if (!strcmp(type, "shm"))
		(void)shmctl(id, IPC_RMID, NULL);
	else if (!strcmp(type, "msg"))
		(void)msgctl(id, IPC_RMID, NULL);
	else
		(void)semctl(id, 0, IPC_RMID);
}

static int p_ipc_create(int argc, char **argv)
{
	const char *type = arg(argc, argv, 1, NULL), *keys = arg(argc, argv, 2, NULL);
	double s = seconds(arg(argc, argv, 3, "0"));
	char label[128];
	int id;

	if (!type || !keys)
		usage("ipc-create shm|msg|sem KEY [SECONDS]");
	snprintf(label, sizeof(label), "ipc-create %s %s", type, keys);
	id = ipc_get(type, (key_t)num(keys), IPC_CREAT | IPC_EXCL | 0666);
	if (id < 0) {
		out("%s: errno %s", label, ename(errno));
		return 0;
	}
	if (!strcmp(type, "shm")) {
		char *p = shmat(id, NULL, 0);
		if (p != (void *)-1) {
			strcpy(p, "hutch-probe");
			shmdt(p);
		}
	}
	out("%s: ok id=%d", label, id);
	sleep_s(s);
	ipc_remove(type, id);
	return 0;
}

static int p_ipc_get(int argc, char **argv)
{
	const char *type = arg(argc, argv, 1, NULL), *keys = arg(argc, argv, 2, NULL);
	char label[128];
	int id;

	if (!type || !keys)
		usage("ipc-get shm|msg|sem KEY");
	snprintf(label, sizeof(label), "ipc-get %s %s", type, keys);
	id = ipc_get(type, (key_t)num(keys), 0);
	if (id < 0) {
		out("%s: errno %s", label, ename(errno));
		return 0;
	}
	if (!strcmp(type, "shm")) {
		char *p = shmat(id, NULL, SHM_RDONLY);
		if (p != (void *)-1) {
			out("%s: ok id=%d data=%.16s", label, id, p);
			shmdt(p);
			return 0;
		}
	}
	out("%s: ok id=%d", label, id);
	return 0;
}

/* sethostname NAME: in a private UTS namespace this only renames the box. */
static int p_sethostname(int argc, char **argv)
{
	const char *name = arg(argc, argv, 1, "probe");

	verdict("sethostname", syscall(SYS_sethostname, name, strlen(name)));
	return 0;
}

/* ============================================================== helpers */

/* echo WORD...: print the words, space-separated (used by exec-written). */
static int p_echo(int argc, char **argv)
{
	char buf[4096];
	size_t used = 0;

	buf[0] = 0;
	for (int i = 1; i < argc && used < sizeof(buf) - 1; i++)
		used += snprintf(buf + used, sizeof(buf) - used, "%s%s", i > 1 ? " " : "", argv[i]);
	out("%s", buf);
	return 0;
}

static int p_exit(int argc, char **argv)
{
	return (int)num(arg(argc, argv, 1, "0"));
}

/* A one-path or multi-path file operation from the table below. */
struct fs_op {
	const char *name;
	int nargs;
	long (*fn)(char **args);
	const char *usage;
};

static const struct fs_op fs_ops[] = {
	{"mkdir", 1, op_mkdir, "mkdir PATH..."},
	{"rmdir", 1, op_rmdir, "rmdir PATH..."},
	{"unlink", 1, op_unlink, "unlink PATH..."},
	{"truncate", 1, op_truncate, "truncate PATH..."},
	{"utime", 1, op_utime, "utime PATH..."},
	{"mkfifo", 1, op_mkfifo, "mkfifo PATH..."},
	{"chroot", 1, op_chroot, "chroot DIR"},
	{"rename", 2, op_rename, "rename SRC DST"},
	{"link", 2, op_link, "link SRC DST"},
	{"symlink", 2, op_symlink, "symlink TARGET LINK"},
	{"chmod", 2, op_chmod, "chmod PATH OCTAL"},
	{"chown", 3, op_chown, "chown PATH UID GID"},
	{"setxattr", 3, op_setxattr, "setxattr PATH NAME VALUE"},
	{"mknod", 4, op_mknod, "mknod PATH c|b MAJOR MINOR"},
};

/* Single-argument ops take any number of paths, each its own line;
 * the others take exactly their arguments. */
static int run_fs_op(const struct fs_op *op, int argc, char **argv)
{
	char label[PATH_MAX + 32];

	if (argc < 1 + op->nargs)
		usage("%s", op->usage);
	if (op->nargs == 1) {
		for (int i = 1; i < argc; i++) {
			snprintf(label, sizeof(label), "%s %s", op->name, argv[i]);
			verdict(label, op->fn(argv + i));
		}
	} else {
		/* the label names every argument: "chown /box/f 0 0" */
		size_t used = snprintf(label, sizeof(label), "%s", op->name);
		for (int i = 1; i <= op->nargs && used < sizeof(label); i++)
			used += snprintf(label + used, sizeof(label) - used, " %s", argv[i]);
		verdict(label, op->fn(argv + 1));
	}
	return 0;
}

struct probe {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	int attack; /* the attack class of tests/security (0: helper) */
};

static const struct probe probes[] = {
	{"forkbomb", p_forkbomb, "[MAX] [SECONDS]", 1},
	{"threadbomb", p_threadbomb, "[MAX]", 2},
	{"clone3", p_clone3, "[FLAGS...]", 23},
	{"clone-ns", p_clone_ns, "[FLAGS...]", 23},
	{"unshare", p_unshare, "[FLAGS...]", 23},
	{"setns", p_setns, "[PID]", 34},
	{"nested", p_nested, "", 34},
	{"heapbomb", p_heapbomb, "[MAXMB]", 3},
	{"bigarray", p_bigarray, "", 4},
	{"fill", p_fill, "FILE [MAXMB]", 5},
	{"fill-all", p_fill_all, "[MAXMB]", 6},
	{"fill-many", p_fill_many, "DIR [FILES] [MAXMB]", 6},
	{"sparse", p_sparse, "FILE [SIZE] [ignore]", 7},
	{"flood", p_flood, "stdout|stderr|both [MAXMB]", 8},
	{"spin", p_spin, "[SECONDS]", 9},
	{"spin-threads", p_spin_threads, "N [SECONDS]", 10},
	{"spin-children", p_spin_children, "N [SECONDS]", 10},
	{"sleep", p_sleep, "[SECONDS]", 11},
	{"pause", p_pause, "", 11},
	{"select", p_select, "", 11},
	{"sigstop", p_sigstop, "", 11},
	{"orphans", p_orphans, "MARKER [N]", 12},
	{"forkrace", p_forkrace, "MARKER [SECONDS]", 12},
	{"zombies", p_zombies, "[N] [SECONDS]", 13},
	{"ignore-signals", p_ignore_signals, "spin|sleep [SECONDS]", 14},
	{"nofile", p_nofile, "[MAX]", 15},
	{"rlimit", p_rlimit, "[NAME...]", 15},
	{"core", p_core, "[DIR]", 16},
	{"read", p_read, "PATH...", 17},
	{"list", p_list, "DIR...", 17},
	{"grep-environ", p_grep_environ, "NEEDLE [environ|cmdline|both]", 17},
	{"stat", p_stat, "PATH...", 0},
	{"write", p_write, "PATH [DATA]", 18},
	{"open-write", p_open_write, "PATH...", 18},
	{"create", p_create, "PATH...", 18},
	{"exec-written", p_exec_written, "DIR", 19},
	{"setuid-exec", p_setuid_exec, "PATH [ARG...]", 21},
	{"ids", p_ids, "", 21},
	{"caps", p_caps, "", 21},
	{"setresuid", p_setresuid, "", 21},
	{"ptrace", p_ptrace, "[1|parent|child|sibling|traceme|PID...]", 22},
	{"int80", p_int80, "", 24},
	{"x32", p_x32, "", 24},
	{"sys", p_sys, "NAME...|all", 35},
	{"tiocsti", p_tiocsti, "", 27},
	{"fds", p_fds, "", 28},
	{"cwd", p_cwd, "", 28},
	{"proc-roots", p_proc_roots, "", 29},
	{"symlink-loop", p_symlink_loop, "PATH TARGET [SECONDS]", 30},
	{"swap-race", p_swap_race, "DIR TARGETDIR [SECONDS]", 30},
	{"mount-fs", p_mount_fs, "FSTYPE DIR [OPTIONS]", 34},
	{"mount-bind", p_mount_bind, "SRC DST", 34},
	{"remount", p_remount, "PATH", 34},
	{"umount", p_umount, "PATH...", 34},
	{"pivot-root", p_pivot_root, "[NEW] [OLD]", 34},
	{"release-agent", p_release_agent, "[DIR]", 34},
	{"proc-pids", p_proc_pids, "", 36},
	{"kallsyms", p_kallsyms, "", 36},
	{"kmsg", p_kmsg, "", 36},
	{"cgroup-info", p_cgroup_info, "", 36},
	{"mountinfo", p_mountinfo, "", 36},
	{"socket", p_socket, "FAMILY|all TYPE [PROTO]", 37},
	{"connect-tcp", p_connect_tcp, "ADDR PORT", 37},
	{"udp-send", p_udp_send, "ADDR PORT", 37},
	{"connect-unix", p_connect_unix, "PATH", 37},
	{"connect-abstract", p_connect_abstract, "NAME", 37},
	{"ifaces", p_ifaces, "", 37},
	{"find-sockets", p_find_sockets, "", 37},
	{"lock", p_lock, "PATH hold [SECONDS] | PATH try", 26},
	{"kill", p_kill, "PID [SIG]", 38},
	{"kill-all", p_kill_all, "[SIG]", 38},
	{"ipc-create", p_ipc_create, "shm|msg|sem KEY [SECONDS]", 38},
	{"ipc-get", p_ipc_get, "shm|msg|sem KEY", 38},
	{"sethostname", p_sethostname, "[NAME]", 38},
	{"echo", p_echo, "WORD...", 0},
	{"exit", p_exit, "[CODE]", 0},
};

static int run_probe(int argc, char **argv);

/* steps PROBE [ARG...] + PROBE [ARG...] + ...: several probes in sequence
 * in one process (for attacks that need a few steps inside one run). */
static int p_steps(int argc, char **argv)
{
	int start = 1;

	for (int i = 1; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "+"))
			continue;
		if (i > start) {
			char *sep = argv[i]; /* "+", or the NULL at argv[argc] */
			argv[i] = NULL;
			run_probe(i - start, argv + start);
			argv[i] = sep;
		}
		start = i + 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = sizeof(probes) / sizeof(probes[0]);

	if (argc < 2 || !strcmp(argv[1], "list") || !strcmp(argv[1], "--help")) {
		for (size_t i = 0; i < n; i++)
			out("%-16s %s", probes[i].name, probes[i].args);
		for (size_t i = 0; i < sizeof(fs_ops) / sizeof(fs_ops[0]); i++)
			out("%-16s %s", fs_ops[i].name, strchr(fs_ops[i].usage, ' ') + 1);
		out("%-16s %s", "steps", "PROBE [ARG...] + PROBE [ARG...] + ...");
		return argc < 2 ? 2 : 0;
	}
	return run_probe(argc - 1, argv + 1);
}

/* Children must not share a stdio buffer with the parent: all output goes
 * through out() (write(2)), and stdin is never read. */
static int run_probe(int argc, char **argv)
{
	size_t n = sizeof(probes) / sizeof(probes[0]);

	if (!strcmp(argv[0], "steps"))
		return p_steps(argc, argv);
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[0], probes[i].name))
			return probes[i].fn(argc, argv);
	for (size_t i = 0; i < sizeof(fs_ops) / sizeof(fs_ops[0]); i++)
		if (!strcmp(argv[0], fs_ops[i].name))
			return run_fs_op(&fs_ops[i], argc, argv);
	usage("unknown probe '%s' (see: probe list)", argv[0]);
}
