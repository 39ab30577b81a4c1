/* SPDX-License-Identifier: MIT */
/*
 * Building runtime images: the language root filesystems that profiles
 * name in rootfs.image and runs use as their read-only overlay lower
 * layer. An image is built once per host from a recipe (recipe.c,
 * runtime/runtimes/NAME.json: a Debian suite and packages, npm packages,
 * check commands; profiles/README.md documents it), and is shared by every
 * run: each run writes to its own upper layer. The commands are in
 * runtime_cmd.c.
 *
 * Layout under the state directory ($HUTCH_STATE_DIR, /var/lib/hutch):
 *
 *   runtimes/NAME/rootfs       the image
 *   runtimes/NAME/image.json   recipe key, build time, size, check output
 *   runtimes/NAME/build.log    everything the build printed
 *   runtimes/.base/KEY/rootfs  debootstrap --variant=minbase, shared by
 *                              the recipes of one suite/mirror/arch
 *   runtimes/.build-NAME-PID   a build in progress (removed on failure)
 *   runtimes/.lock             one build at a time on a host
 *
 * Caching: an image records the key of the recipe it came from (FNV-1a of
 * the recipe's canonical JSON, the builder's version and the machine); a
 * build whose key matches the built image does nothing, so CI can call
 * `hutch runtime build` every time and pay only when a recipe changes. The
 * debootstrap base is cached the same way, so a new recipe costs only its
 * packages.
 *
 * Isolation of the build: every step (debootstrap, cp, apt-get and npm in
 * a chroot) runs in its own mount namespace, so the /proc it mounts and
 * whatever a package script mounts vanish with it, even on ^C; nothing is
 * mounted on the host. Recipes are the admin's, like profiles; packages
 * come from Debian's signed archive and the npm registry. The build runs
 * as root on the host (debootstrap needs it), not in a sandbox: the
 * sandbox's network modes are for untrusted code.
 */
#include "rtbuild.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cgroup.h"
#include "error.h"
#include "seccomp.h"
#include "util.h"

#define HOST_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
#define IMAGE_CA_PATH "/tmp/hutch-host-ca.pem"
#define BUILD_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* snprintf for paths: a path that does not fit is an error, never a
 * silently shorter path. 0, or -1 with buf emptied. */
__attribute__((format(printf, 3, 4))) int rt_pathf(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

struct build {
	const struct recipe *r;
	char dir[PATH_MAX];    /* runtimes/.build-NAME-PID */
	char rootfs[PATH_MAX]; /* dir/rootfs */
	int log_fd;
	int sig_fd;
	bool quiet;
	bool interrupted;
	uint64_t t0;
};

__attribute__((format(printf, 2, 3))) static void say(struct build *b, const char *fmt, ...)
{
	char line[1200];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	printf("[%6.1fs] %s\n", (double)(hu_now_us() - b->t0) / 1e6, line);
	fflush(stdout);
	if (b->log_fd >= 0)
		(void)!dprintf(b->log_fd, "== %s\n", line); /* the log is best effort */
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

/* Remove a tree hutch made, never crossing into another filesystem
 * (FTW_MOUNT) nor following symlinks (FTW_PHYS): an image holds symlinks
 * to absolute paths (/bin -> usr/bin, alternatives) that mean the host
 * when seen from outside. */
int rt_rm_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	return nftw(path, rm_entry, 64, FTW_DEPTH | FTW_PHYS | FTW_MOUNT) < 0 ? -errno : 0;
}

static uint64_t tree_bytes;
static int size_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)path;
	(void)ftw;
	if (flag == FTW_F || flag == FTW_SL || flag == FTW_D)
		tree_bytes += (uint64_t)st->st_blocks * 512u;
	return 0;
}

static uint64_t tree_size(const char *path)
{
	tree_bytes = 0;
	(void)nftw(path, size_entry, 64, FTW_PHYS | FTW_MOUNT); /* a size, best effort */
	return tree_bytes;
}

static void step_child(int out, const char *chroot_dir, char *const argv[], char *const envp[])
{
	int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)setpgid(0, 0);
	if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
		_exit(126);
	/* Our own mount namespace: what this step mounts (debootstrap's /proc,
	 * ours below) is gone when it ends, whatever happens. */
	if (unshare(CLONE_NEWNS) < 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) {
		dprintf(2, "hutch: private mount namespace: %s\n", strerror(errno));
		_exit(126);
	}
	if (chroot_dir) {
		char proc[PATH_MAX];
		rt_pathf(proc, sizeof(proc), "%s/proc", chroot_dir);
		if (mount("proc", proc, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0 ||
		    chroot(chroot_dir) < 0 || chdir("/") < 0) {
			dprintf(2, "hutch: enter %s: %s\n", chroot_dir, strerror(errno));
			_exit(126);
		}
	}
	execve(argv[0], argv, envp);
	dprintf(2, "hutch: cannot execute %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Run argv (absolute path) on the host or chrooted into the image, its
 * output to the log and, line by line, to the terminal. ^C (the signalfd)
 * kills the step's process group. 0 or -1 (the step failed or was
 * interrupted; the message is printed). */
static int step(struct build *b, const char *title, const char *chroot_dir, char *const argv[],
		char *const envp[])
{
	char buf[8192], line[1024];
	size_t ll = 0;
	int pfd[2], st = 0;
	pid_t pid;

	say(b, "%s", title);
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		say(b, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		say(b, "fork: %s", strerror(errno));
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	if (pid == 0)
		step_child(pfd[1], chroot_dir, argv, envp);
	close(pfd[1]);
	for (;;) {
		struct pollfd p[2] = { { .fd = pfd[0], .events = POLLIN }, { .fd = b->sig_fd, .events = POLLIN } };
		ssize_t n;

		if (poll(p, b->sig_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			(void)!read(b->sig_fd, &si, sizeof(si));
			b->interrupted = true;
			(void)kill(-pid, SIGKILL);
			(void)kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (b->log_fd >= 0)
			(void)hu_write_all(b->log_fd, buf, (size_t)n); /* best effort */
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n' && ll < sizeof(line) - 1) {
				line[ll++] = buf[i] == '\r' ? ' ' : buf[i];
				continue;
			}
			if (buf[i] == '\n') {
				line[ll] = '\0';
				if (!b->quiet && ll)
					printf("           %s\n", line);
				ll = 0;
			}
		}
		fflush(stdout);
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	/* reap what the step left in its group */
	(void)kill(-pid, SIGKILL);
	if (b->interrupted) {
		say(b, "interrupted");
		return -1;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		if (WIFSIGNALED(st))
			say(b, "failed: %s was killed by signal %d", argv[0], WTERMSIG(st));
		else
			say(b, "failed: %s exited with status %d", argv[0], WEXITSTATUS(st));
		return -1;
	}
	return 0;
}

/* The environment of build steps: a clean one, plus the host's proxy
 * settings (apt, wget and npm honour them). */
static char **step_env(bool with_ca)
{
	static const char *const pass[] = { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
					    "no_proxy", "NO_PROXY", NULL };
	char **e = calloc(16, sizeof(*e));
	size_t n = 0;

	if (!e)
		return NULL;
	e[n++] = strdup("PATH=" BUILD_PATH);
	e[n++] = strdup("HOME=/root");
	e[n++] = strdup("LANG=C.UTF-8");
	e[n++] = strdup("DEBIAN_FRONTEND=noninteractive");
	for (size_t i = 0; pass[i]; i++) {
		const char *v = getenv(pass[i]);
		if (v && asprintf(&e[n], "%s=%s", pass[i], v) >= 0)
			n++;
	}
	if (with_ca) {
		e[n++] = strdup("NODE_EXTRA_CA_CERTS=" IMAGE_CA_PATH);
		e[n++] = strdup("npm_config_cafile=" IMAGE_CA_PATH);
	}
	for (size_t i = 0; i < n; i++)
		if (!e[i]) {
			recipe_strv_free(e);
			return NULL;
		}
	return e;
}

static int write_file(const char *root, const char *rel, const char *text, mode_t mode, bool append)
{
	char path[PATH_MAX];
	int fd, r;

	rt_pathf(path, sizeof(path), "%s%s", root, rel);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW | (append ? O_APPEND : O_TRUNC), mode);
	if (fd < 0)
		return -errno;
	r = hu_write_all(fd, text, strlen(text));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

static int copy_file(const char *src, const char *root, const char *rel)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;
	int fd = open(src, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || st.st_size > (16 << 20) || !(buf = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return -EFBIG;
	}
	n = hu_read_full(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	r = write_file(root, rel, buf, 0644, false);
	return r;
}

/* Files that keep the image small and its package scripts quiet. */
static int configure_image(struct build *b)
{
	static const char dpkg_slim[] =
		"# hutch runtime image: no documentation, manuals or translations\n"
		"path-exclude /usr/share/doc/*\n"
		"path-include /usr/share/doc/*/copyright\n"
		"path-exclude /usr/share/man/*\n"
		"path-exclude /usr/share/info/*\n"
		"path-exclude /usr/share/locale/*\n"
		"path-include /usr/share/locale/locale.alias\n"
		"path-exclude /usr/share/lintian/*\n";
	static const char apt_slim[] = "APT::Install-Recommends \"false\";\n"
				       "APT::Install-Suggests \"false\";\n"
				       "Acquire::Languages \"none\";\n";
	/* no service starts in a chroot (invoke-rc.d asks this) */
	static const char policy_rc[] = "#!/bin/sh\nexit 101\n";
	int r;

	if ((r = write_file(b->rootfs, "/etc/dpkg/dpkg.cfg.d/01-hutch-slim", dpkg_slim, 0644, false)) < 0 ||
	    (r = write_file(b->rootfs, "/etc/apt/apt.conf.d/01-hutch-slim", apt_slim, 0644, false)) < 0 ||
	    (r = write_file(b->rootfs, "/usr/sbin/policy-rc.d", policy_rc, 0755, false)) < 0) {
		say(b, "configure the image: %s", strerror(-r));
		return -1;
	}
	/* apt and npm resolve names with the host's resolvers during the build */
	if (copy_file("/etc/resolv.conf", b->rootfs, "/etc/resolv.conf") < 0)
		say(b, "warning: no /etc/resolv.conf to copy: name resolution may fail");
	return 0;
}

/* The sandbox user (uid/gid 1000, home /box) gets a name in the image:
 * tools that look their user up (npm, pip, getpass) fail without one. */
static int add_sandbox_user(struct build *b)
{
	char path[PATH_MAX], line[512];
	bool have_user = false, have_group = false;
	FILE *f;

	rt_pathf(path, sizeof(path), "%s/etc/passwd", b->rootfs);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f))
			have_user |= strstr(line, ":x:1000:") != NULL;
		fclose(f);
	}
	rt_pathf(path, sizeof(path), "%s/etc/group", b->rootfs);
	if ((f = fopen(path, "re"))) {
		while (fgets(line, sizeof(line), f))
			have_group |= strstr(line, ":x:1000:") != NULL;
		fclose(f);
	}
	if ((!have_user && write_file(b->rootfs, "/etc/passwd",
				      "hutch:x:1000:1000:hutch sandbox user:/box:/bin/sh\n", 0644, true) < 0) ||
	    (!have_group && write_file(b->rootfs, "/etc/group", "hutch:x:1000:\n", 0644, true) < 0)) {
		say(b, "add the sandbox user: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Run the recipe's check commands in a real hutch sandbox on the new
 * image (the way profiles will use it); their output goes to image.json. */
static int check_image(struct build *b, cJSON *versions)
{
	struct hutch_cgroup_host *cg = NULL;
	struct hutch_seccomp *sc = NULL;
	struct hutch_error err = { 0 };
	char *const envp[] = { "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/box", "LANG=C.UTF-8", NULL };
	int rc = -1;

	if (!b->r->check)
		return 0;
	if (hutch_cgroup_detect(&cg, &err) < 0 ||
	    hutch_seccomp_compile(hutch_seccomp_default_policy(), &sc, &err) < 0) {
		say(b, "check: %s", err.msg);
		goto out;
	}
	for (size_t i = 0; b->r->check[i]; i++) {
		struct hutch_spec spec;
		struct hutch_result res;
		char out[4096] = "", cmd[512] = "";
		_cleanup_close_ int fd = memfd_create("hutch-check", MFD_CLOEXEC);
		ssize_t n;

		for (size_t k = 0, l = 0; b->r->check[i][k] && l < sizeof(cmd) - 2; k++)
			l += (size_t)snprintf(cmd + l, sizeof(cmd) - l, "%s%s", k ? " " : "", b->r->check[i][k]);
		if (fd < 0) {
			say(b, "check: memfd: %s", strerror(errno));
			goto out;
		}
		hutch_spec_init(&spec);
		spec.argv = b->r->check[i];
		spec.envp = envp;
		spec.rootfs = b->rootfs;
		spec.cwd = "/";
		spec.stdout_fd = fd;
		spec.stderr_fd = fd;
		spec.stdin_fd = -1;
		spec.cancel_fd = b->sig_fd;
		spec.seccomp = sc;
		spec.cgroups = cg;
		spec.limits.wall_time_us = 60ull * 1000000;
		spec.limits.memory_bytes = 1ull << 30;
		spec.limits.pids = 256;
		spec.limits.output_bytes = sizeof(out) - 1;
		if (hutch_run(&spec, &res, &err) < 0) {
			say(b, "check `%s`: the sandbox failed: %s", cmd, err.msg);
			goto out;
		}
		n = pread(fd, out, sizeof(out) - 1, 0);
		out[n > 0 ? n : 0] = '\0';
		out[strcspn(out, "\n")] = '\0';
		if (res.status != HUTCH_OK) {
			say(b, "check `%s` failed in a sandbox on the image: %s %s", cmd,
			    hutch_status_name(res.status), res.message);
			goto out;
		}
		say(b, "check `%s`: %s", cmd, out);
		cJSON_AddStringToObject(versions, cmd, out);
	}
	rc = 0;
out:
	hutch_seccomp_free(sc);
	hutch_cgroup_host_free(cg);
	return rc;
}

/* The debootstrap base for r, cached under runtimes/.base/KEY. */
static int ensure_base(struct build *b, const char *runtimes, char *ret_base, size_t len)
{
	char key[128], tmp[PATH_MAX], tmp_root[PATH_MAX], dir[PATH_MAX];
	_cleanup_free_ char *debootstrap = NULL;
	char **env = NULL;
	int r;

	recipe_base_key(b->r, key, sizeof(key));
	rt_pathf(dir, sizeof(dir), "%s/.base", runtimes);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		say(b, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(ret_base, len, "%s/.base/%s/rootfs", runtimes, key);
	if (access(ret_base, F_OK) == 0) {
		say(b, "base: %s %s from the cache (%s)", b->r->suite, b->r->variant, key);
		return 0;
	}
	if (access("/usr/sbin/debootstrap", X_OK) == 0)
		debootstrap = strdup("/usr/sbin/debootstrap");
	if (!debootstrap) {
		say(b, "debootstrap is not installed: apt-get install debootstrap (scripts/deps.sh does it)");
		return -1;
	}
	rt_pathf(tmp, sizeof(tmp), "%s/.base/.tmp-%d", runtimes, (int)getpid());
	rt_pathf(tmp_root, sizeof(tmp_root), "%s/rootfs", tmp);
	(void)rt_rm_tree(tmp);
	if (mkdir(tmp, 0755) < 0) {
		say(b, "mkdir %s: %s", tmp, strerror(errno));
		return -1;
	}
	env = step_env(false);
	{
		char variant[64], title[512];
		char *argv[] = { debootstrap, variant, b->r->suite, tmp_root, b->r->mirror, NULL };
		snprintf(variant, sizeof(variant), "--variant=%s", b->r->variant);
		snprintf(title, sizeof(title), "base: debootstrap --variant=%s %s from %s", b->r->variant,
			 b->r->suite, b->r->mirror);
		r = env ? step(b, title, NULL, argv, env) : -1;
	}
	recipe_strv_free(env);
	if (r == 0) {
		char final[PATH_MAX];
		rt_pathf(final, sizeof(final), "%s/.base/%s", runtimes, key);
		if (rename(tmp, final) < 0) {
			say(b, "rename %s: %s", tmp, strerror(errno));
			r = -1;
		}
	}
	if (r < 0)
		(void)rt_rm_tree(tmp);
	return r;
}

/* One step running prefix followed by the words of a and b (either may be
 * NULL): apt-get install PACKAGES, npm install SPECS. Nothing to do is
 * success. */
static int words_step(struct build *b, const char *const *prefix, char *const *a, char *const *bw,
		      char *const envp[])
{
	size_t np = 0, na = 0, nb = 0, tl = 0;
	char **argv, title[1024] = "";
	int r;

	while (prefix[np])
		np++;
	while (a && a[na])
		na++;
	while (bw && bw[nb])
		nb++;
	if (!na && !nb)
		return 0;
	argv = calloc(np + na + nb + 1, sizeof(*argv));
	if (!argv)
		return -1;
	for (size_t i = 0; i < np; i++)
		argv[i] = (char *)prefix[i];
	for (size_t i = 0; i < na; i++)
		argv[np + i] = a[i];
	for (size_t i = 0; i < nb; i++)
		argv[np + na + i] = bw[i];
	/* the title: the command without its path and quiet/yes flags */
	for (size_t i = 0; argv[i] && tl < sizeof(title) - 1; i++) {
		const char *w = i ? argv[i] : strrchr(argv[0], '/') + 1;
		if (strcmp(w, "-q") == 0 || strcmp(w, "-y") == 0 || strncmp(w, "--no-", 5) == 0 ||
		    strncmp(w, "--omit", 6) == 0)
			continue;
		tl += (size_t)snprintf(title + tl, sizeof(title) - tl, "%s%s", tl ? " " : "", w);
	}
	r = step(b, title, b->rootfs, argv, envp);
	free(argv);
	return r;
}

int rt_build(const struct recipe *rc, const char *runtimes, bool force, bool quiet, int sig_fd)
{
	struct build b = { .r = rc, .log_fd = -1, .sig_fd = sig_fd, .quiet = quiet, .t0 = hu_now_us() };
	char base[PATH_MAX], key[64], final[PATH_MAX], meta[PATH_MAX], old[PATH_MAX];
	char **env = NULL;
	cJSON *img = NULL, *versions;
	bool with_ca = false;
	int status = -1;

	recipe_image_key(rc, key, sizeof(key));
	rt_pathf(final, sizeof(final), "%s/%s", runtimes, rc->name);
	rt_pathf(meta, sizeof(meta), "%s/image.json", final);
	if (!force) {
		_cleanup_free_ char *text = NULL;
		FILE *f = fopen(meta, "re");
		size_t n = 0;
		if (f) {
			text = calloc(1, 65536);
			if (text)
				n = fread(text, 1, 65535, f);
			fclose(f);
		}
		if (text && n) {
			cJSON *j = cJSON_Parse(text);
			const cJSON *k = cJSON_GetObjectItemCaseSensitive(j, "key");
			char root[PATH_MAX];
			rt_pathf(root, sizeof(root), "%s/rootfs", final);
			if (cJSON_IsString(k) && strcmp(k->valuestring, key) == 0 && access(root, F_OK) == 0) {
				printf("runtime %s: up to date (recipe key %s); --force rebuilds it\n", rc->name, key);
				cJSON_Delete(j);
				return 0;
			}
			cJSON_Delete(j);
		}
	}
	if (rt_pathf(b.dir, sizeof(b.dir), "%s/.build-%s-%d", runtimes, rc->name, (int)getpid()) < 0 ||
	    rt_pathf(b.rootfs, sizeof(b.rootfs), "%s/rootfs", b.dir) < 0) {
		fprintf(stderr, "hutch: %s: path too long\n", runtimes);
		return -1;
	}
	(void)rt_rm_tree(b.dir);
	if (mkdir(b.dir, 0755) < 0) {
		fprintf(stderr, "hutch: mkdir %s: %s\n", b.dir, strerror(errno));
		return -1;
	}
	{
		char log[PATH_MAX];
		rt_pathf(log, sizeof(log), "%s/build.log", b.dir);
		b.log_fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	}
	say(&b, "runtime %s: building from %s (key %s) into %s", rc->name, rc->file, key, final);
	if (ensure_base(&b, runtimes, base, sizeof(base)) < 0)
		goto out;
	{
		char *argv[] = { "/bin/cp", "-a", "--reflink=auto", base, b.rootfs, NULL };
		char *envp[] = { "PATH=" BUILD_PATH, NULL };
		if (step(&b, "copy the base", NULL, argv, envp) < 0)
			goto out;
	}
	if (configure_image(&b) < 0)
		goto out;
	with_ca = rc->npm && rc->npm[0] && access(HOST_CA_BUNDLE, R_OK) == 0;
	env = step_env(with_ca);
	if (!env)
		goto out;
	{
		char *argv[] = { "/usr/bin/apt-get", "-q", "update", NULL };
		if (step(&b, "apt-get update", b.rootfs, argv, env) < 0)
			goto out;
	}
	{
		static const char *const install[] = { "/usr/bin/apt-get", "-q", "-y", "install",
						       "--no-install-recommends", NULL };
		if (words_step(&b, install, rc->packages, rc->build_only, env) < 0)
			goto out;
	}
	if (rc->npm && rc->npm[0]) {
		static const char *const npm_install[] = { "/usr/bin/npm", "install", "--global", "--no-fund",
							   "--no-audit", "--omit=dev", NULL };
		char npm[PATH_MAX];

		if (rt_pathf(npm, sizeof(npm), "%s/usr/bin/npm", b.rootfs) < 0 || access(npm, X_OK) < 0) {
			say(&b, "the recipe has npm packages but no npm: add \"npm\" to debian.packages or "
				"debian.build_only");
			goto out;
		}
		if (with_ca && copy_file(HOST_CA_BUNDLE, b.rootfs, IMAGE_CA_PATH) < 0)
			say(&b, "warning: could not copy the host's CA bundle for npm");
		if (words_step(&b, npm_install, rc->npm, NULL, env) < 0)
			goto out;
	}
	if (rc->build_only && rc->build_only[0]) {
		static const char *const purge[] = { "/usr/bin/apt-get", "-q", "-y", "purge", "--auto-remove", NULL };
		if (words_step(&b, purge, rc->build_only, NULL, env) < 0)
			goto out;
	}
	{
		/* What no run needs: package lists and caches, logs, the build's
		 * own helpers. Documentation was never unpacked (dpkg excludes). */
		char *argv[] = { "/bin/sh", "-c",
				 "apt-get clean && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin "
				 "/var/cache/debconf/*-old /var/log/apt /var/log/dpkg.log /var/log/alternatives.log "
				 "/root/.npm /root/.cache /tmp/* /usr/share/doc/*/changelog* "
				 "/usr/share/man/* /usr/share/info/* /usr/sbin/policy-rc.d && "
				 "find /usr/share/doc -mindepth 1 -maxdepth 1 -type d -empty -delete && "
				 "find /usr/share/locale -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +",
				 NULL };
		if (step(&b, "clean up", b.rootfs, argv, env) < 0)
			goto out;
	}
	/* The sandbox mounts its own /etc/resolv.conf where it has a network;
	 * the image keeps an empty one, not the build host's. */
	if (write_file(b.rootfs, "/etc/resolv.conf", "", 0644, false) < 0 || add_sandbox_user(&b) < 0)
		goto out;
	img = cJSON_CreateObject();
	versions = cJSON_AddObjectToObject(img, "checks");
	if (check_image(&b, versions) < 0)
		goto out;
	{
		char *text, path[PATH_MAX];
		uint64_t size = tree_size(b.rootfs);
		double secs = (double)(hu_now_us() - b.t0) / 1e6;
		char sz[32];

		cJSON_AddStringToObject(img, "name", rc->name);
		cJSON_AddStringToObject(img, "key", key);
		cJSON_AddStringToObject(img, "recipe_file", rc->file);
		cJSON_AddItemToObject(img, "recipe", cJSON_Parse(rc->canonical));
		cJSON_AddNumberToObject(img, "built_at", (double)time(NULL));
		cJSON_AddNumberToObject(img, "build_seconds", (double)(int)(secs * 10) / 10);
		cJSON_AddNumberToObject(img, "size_bytes", (double)size);
		text = cJSON_Print(img);
		rt_pathf(path, sizeof(path), "%s/image.json", b.dir);
		if (!text || write_file(path, "", text, 0644, false) < 0) {
			free(text);
			say(&b, "write %s: %s", path, strerror(errno));
			goto out;
		}
		free(text);
		snprintf(sz, sizeof(sz), "%.1f MiB", (double)size / (1 << 20));
		/* Swap in atomically: a run that starts now sees the old image or
		 * the new one, never half of one. */
		rt_pathf(old, sizeof(old), "%s/.old-%s-%d", runtimes, rc->name, (int)getpid());
		if (access(final, F_OK) == 0) {
			if (renameat2(AT_FDCWD, b.dir, AT_FDCWD, final, RENAME_EXCHANGE) < 0) {
				say(&b, "replace %s: %s", final, strerror(errno));
				goto out;
			}
			/* b.dir now holds the old image */
			(void)rt_rm_tree(b.dir);
		} else if (rename(b.dir, final) < 0) {
			say(&b, "rename to %s: %s", final, strerror(errno));
			goto out;
		}
		say(&b, "runtime %s ready: %s, built in %.1f s", rc->name, sz, secs);
		status = 0;
	}
out:
	if (b.log_fd >= 0)
		close(b.log_fd);
	if (status < 0) {
		char log[PATH_MAX];
		rt_pathf(log, sizeof(log), "%s/build.log", b.dir);
		if (!b.interrupted)
			fprintf(stderr, "hutch: runtime %s: build failed; the log was %s (removed with the partial "
					"build)\n",
				rc->name, log);
	}
	if (status < 0 || access(b.dir, F_OK) == 0)
		(void)rt_rm_tree(b.dir);
	cJSON_Delete(img);
	recipe_strv_free(env);
	return status;
}
