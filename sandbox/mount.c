/* SPDX-License-Identifier: MIT */
#include "mount.h"

#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

/* The staging tmpfs is mounted over /tmp of the sandbox's private mount
 * namespace (the host's /tmp is not touched: propagation is private). */
#define STAGE "/tmp"
#define STAGE_ROOT STAGE "/root"

/* Host directories that make the default "host view" root. Symlinks (merged
 * /usr on Debian 12: bin -> usr/bin) are recreated as symlinks in the
 * skeleton; directories are bound read-only. Anything else of the host
 * (/root, /home, /var, /run, /srv, /opt, /boot, /mnt, /media) is absent. */
static const char *const host_view_dirs[] = {
	"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc",
};

/* /proc entries that leak host kernel state or allow writes: files get an
 * empty read-only file bound over them, directories a read-only bind of
 * themselves (kept readable: programs read /proc/sys/kernel/...). */
static const char *const proc_masked_files[] = {
	"kcore", "sysrq-trigger", "kallsyms", "keys", "key-users", "timer_list",
	"sched_debug", "latency_stats", "kmsg", "kpagecount", "kpageflags",
	"kpagecgroup", "vmallocinfo", "config.gz", "modules", "slabinfo",
};
static const char *const proc_readonly_dirs[] = { "sys", "irq", "bus", "fs", "sysvipc" };
static const char *const proc_empty_dirs[] = { "acpi", "scsi", "driver", "tty" };

static int sys_open_tree(int dfd, const char *path, unsigned flags)
{
	return (int)syscall(SYS_open_tree, dfd, path, flags);
}

static int sys_mount_setattr(int dfd, const char *path, unsigned flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dfd, path, flags, attr, sizeof(*attr));
}

static int sys_move_mount(int from_dfd, const char *from, int to_dfd, const char *to, unsigned flags)
{
	return (int)syscall(SYS_move_mount, from_dfd, from, to_dfd, to, flags);
}

static int sys_pivot_root(const char *new_root, const char *put_old)
{
	return (int)syscall(SYS_pivot_root, new_root, put_old);
}

int mnt_check_inside_path(const char *what, const char *path, struct hutch_error *err)
{
	const char *p;

	if (!path || path[0] != '/')
		return herr(err, EINVAL, "%s '%s': must be an absolute path", what, path ? path : "");
	if (strlen(path) >= PATH_MAX)
		return herr(err, ENAMETOOLONG, "%s: path too long", what);
	for (p = path; *p;) {
		const char *c = p + 1, *e;
		size_t n;

		e = strchrnul(c, '/');
		n = (size_t)(e - c);
		if (*e == '\0' && n == 0 && p == path)
			break; /* "/" itself */
		if (n == 0 || (n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return herr(err, EINVAL,
				    "%s '%s': empty, '.' or '..' components are not allowed", what, path);
		p = e;
	}
	return 0;
}

/* Clone host path src into a detached tree with the given attributes. The
 * path is the caller's own (trusted) host path, resolved on the host. */
static int clone_tree(const char *src, uint64_t attr_set, bool *ret_is_file, int *ret_fd,
		      struct hutch_error *err)
{
	struct mount_attr attr = { .attr_set = attr_set };
	struct stat st;
	int fd;

	fd = sys_open_tree(AT_FDCWD, src, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (fd < 0)
		return herr(err, errno, "open_tree %s", src);
	if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0) {
		int e = errno;
		close(fd);
		return herr(err, e, "mount_setattr %s", src);
	}
	if (fstat(fd, &st) < 0) {
		int e = errno;
		close(fd);
		return herr(err, e, "stat %s", src);
	}
	*ret_is_file = !S_ISDIR(st.st_mode);
	*ret_fd = fd;
	return 0;
}

static int plan_add(struct mnt_plan *plan, size_t cap, const char *src, const char *dst,
		    uint64_t attrs, bool optional, struct hutch_error *err)
{
	struct mnt_tree *t;
	bool is_file = false;
	int fd = -1, r;

	if (plan->n_trees >= cap)
		return herr(err, E2BIG, "too many mounts");
	r = clone_tree(src, attrs, &is_file, &fd, err);
	if (r < 0) {
		if (optional && r == -ENOENT)
			return 0;
		return r;
	}
	t = &plan->trees[plan->n_trees++];
	t->fd = fd;
	t->dst = dst;
	t->is_file = is_file;
	t->attrs = attrs;
	return 0;
}

int mnt_plan_prepare(const struct hutch_spec *spec, struct mnt_plan *plan, struct hutch_error *err)
{
	/* Device nodes bound from the host's /dev. /dev/tty is left out: the
	 * program has no controlling terminal (setsid) and must not find one. */
	static const char *const dev_paths[] = { "/dev/null", "/dev/zero", "/dev/full",
						 "/dev/random", "/dev/urandom" };
	static const char *const host_paths[] = { "/usr", "/bin", "/sbin", "/lib", "/lib32",
						  "/lib64", "/libx32", "/etc" };
	const uint64_t base = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
	size_t cap, i;
	int r;

	memset(plan, 0, sizeof(*plan));
	plan->image_fd = -1;
	plan->masked = spec->masked_paths;
	plan->tmpfs_bytes = spec->limits.tmpfs_bytes ? spec->limits.tmpfs_bytes : 64ull << 20;
	plan->shm_bytes = spec->limits.shm_bytes ? spec->limits.shm_bytes : 16ull << 20;
	plan->uid = spec->uid;
	plan->gid = spec->gid;
	plan->hostname = spec->hostname ? spec->hostname : "hutch";

	cap = ARRAY_SIZE(host_view_dirs) + ARRAY_SIZE(dev_paths) + 1 + spec->n_binds;
	plan->trees = calloc(cap, sizeof(*plan->trees));
	if (!plan->trees)
		return herr(err, ENOMEM, "allocate mount plan");

	if (spec->rootfs) {
		struct mount_attr attr = { .attr_set = MOUNT_ATTR_RDONLY | base };
		struct stat st;

		plan->image_fd = sys_open_tree(AT_FDCWD, spec->rootfs,
					       OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
		if (plan->image_fd < 0) {
			r = herr(err, errno, "runtime image %s", spec->rootfs);
			goto fail;
		}
		if (fstat(plan->image_fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
			r = herr(err, ENOTDIR, "runtime image %s", spec->rootfs);
			goto fail;
		}
		if (sys_mount_setattr(plan->image_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0) {
			r = herr(err, errno, "mount_setattr %s", spec->rootfs);
			goto fail;
		}
	} else {
		for (i = 0; i < ARRAY_SIZE(host_view_dirs); i++) {
			struct stat st;

			if (lstat(host_paths[i], &st) < 0)
				continue; /* not on this host (lib32, libx32) */
			if (S_ISLNK(st.st_mode)) {
				struct mnt_link *l = &plan->links[plan->n_links];
				ssize_t n = readlink(host_paths[i], l->target, sizeof(l->target) - 1);

				if (n < 0 || (size_t)n >= sizeof(l->target) - 1) {
					r = herr(err, n < 0 ? errno : ENAMETOOLONG, "readlink %s",
						 host_paths[i]);
					goto fail;
				}
				l->target[n] = '\0';
				snprintf(l->name, sizeof(l->name), "%s", host_view_dirs[i]);
				plan->n_links++;
			} else if (S_ISDIR(st.st_mode)) {
				r = plan_add(plan, cap, host_paths[i], host_paths[i],
					     MOUNT_ATTR_RDONLY | base, false, err);
				if (r < 0)
					goto fail;
			}
		}
	}

	for (i = 0; i < ARRAY_SIZE(dev_paths); i++) {
		/* Device binds keep nodev off (they are the devices) but nosuid
		 * and noexec; they stay writable (/dev/null must take writes). */
		r = plan_add(plan, cap, dev_paths[i], dev_paths[i],
			     MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC, true, err);
		if (r < 0)
			goto fail;
	}

	if (spec->workdir) {
		uint64_t a = base | (spec->workdir_exec ? 0 : MOUNT_ATTR_NOEXEC);

		r = plan_add(plan, cap, spec->workdir, "/box", a, false, err);
		if (r < 0) {
			herr_prefix(err, "workdir");
			goto fail;
		}
		if (plan->trees[plan->n_trees - 1].is_file) {
			r = herr(err, ENOTDIR, "workdir %s", spec->workdir);
			goto fail;
		}
	}

	for (i = 0; i < spec->n_binds; i++) {
		const struct hutch_bind *b = &spec->binds[i];
		uint64_t a = base;

		if (!(b->flags & HUTCH_BIND_RW))
			a |= MOUNT_ATTR_RDONLY;
		if (!(b->flags & HUTCH_BIND_EXEC))
			a |= MOUNT_ATTR_NOEXEC;
		r = mnt_check_inside_path("bind destination", b->dst, err);
		if (r < 0)
			goto fail;
		if (strcmp(b->dst, "/") == 0 || strcmp(b->dst, "/proc") == 0 ||
		    strncmp(b->dst, "/proc/", 6) == 0 || strcmp(b->dst, "/dev") == 0 ||
		    strncmp(b->dst, "/dev/", 5) == 0) {
			r = herr(err, EINVAL, "bind destination %s: / , /proc and /dev are reserved",
				 b->dst);
			goto fail;
		}
		r = plan_add(plan, cap, b->src, b->dst, a, b->flags & HUTCH_BIND_OPTIONAL, err);
		if (r < 0) {
			herr_prefix(err, "bind %s", b->src);
			goto fail;
		}
	}
	return 0;
fail:
	mnt_plan_release(plan);
	return r;
}

void mnt_plan_release(struct mnt_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->n_trees; i++)
		if (plan->trees[i].fd >= 0)
			(void)close(plan->trees[i].fd); /* detached tree freed on close */
	free(plan->trees);
	plan->trees = NULL;
	plan->n_trees = 0;
	if (plan->image_fd >= 0)
		(void)close(plan->image_fd);
	plan->image_fd = -1;
}

/* ---- child side: no allocation below this line ---- */

static int do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		    const char *data, struct hutch_error *err)
{
	if (mount(src, dst, type, flags, data) < 0)
		return herr(err, errno, "mount %s on %s (%s)", src ? src : "none", dst,
			    data ? data : "");
	return 0;
}

/* Open (creating where missing) the mount point `path` below rootfd
 * without following any symlink: each component is opened O_NOFOLLOW
 * relative to the previous one, so a symlink planted in the image or by a
 * previous bind cannot redirect the mount outside the root (the runc
 * CVE-2021-30465 class). Returns an O_PATH fd or -errno. */
static int open_mount_point(int rootfd, const char *path, bool is_file, struct hutch_error *err)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	int cur = dup(rootfd);

	if (cur < 0)
		return herr(err, errno, "dup");
	while (*p == '/')
		p++;
	while (*p) {
		const char *e = strchrnul(p, '/');
		size_t n = (size_t)(e - p);
		bool last;
		int next;

		if (n > NAME_MAX) {
			close(cur);
			return herr(err, ENAMETOOLONG, "mount point %s", path);
		}
		memcpy(comp, p, n);
		comp[n] = '\0';
		while (*e == '/')
			e++;
		last = *e == '\0';
		if (last && is_file) {
			next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			if (next < 0 && errno == ENOENT) {
				int fd = openat(cur, comp, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
						0444);
				if (fd < 0) {
					int e2 = errno;
					close(cur);
					return herr(err, e2, "create mount point %s", path);
				}
				close(fd);
				next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
			}
			if (next >= 0) {
				struct stat st;
				if (fstat(next, &st) < 0 || S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode)) {
					close(next);
					close(cur);
					return herr(err, ENOTDIR, "mount point %s: not a file", path);
				}
			}
		} else {
			next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			if (next < 0 && errno == ENOENT) {
				if (mkdirat(cur, comp, 0755) < 0 && errno != EEXIST) {
					int e2 = errno;
					close(cur);
					return herr(err, e2, "create mount point %s (at '%s')", path, comp);
				}
				next = openat(cur, comp, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
			}
		}
		if (next < 0) {
			int e2 = errno;
			close(cur);
			/* ENOTDIR/ELOOP: a symlink or file where a directory was expected */
			return herr(err, e2, "mount point %s (at '%s', symlinks are not followed)",
				    path, comp);
		}
		close(cur);
		cur = next;
		p = e;
	}
	return cur;
}

/* Move detached tree fd onto path below rootfd.
 *
 * A read-only directory tree (the host's /usr and /etc, read-only binds) is
 * not placed as is: it becomes the lower layer of a read-only overlay that
 * belongs to this sandbox alone. Locks (flock, POSIX) live on the inode,
 * and an overlay has inodes of its own, so a lock taken inside no longer
 * reaches the host's file or another sandbox's: no covert channel through
 * shared files, and no way to block a host process's flock on /etc files. */
static int place_tree(int rootfd, const struct mnt_tree *t, size_t idx, struct hutch_error *err)
{
	int target = open_mount_point(rootfd, t->dst, t->is_file, err);
	int r = 0;

	if (target < 0)
		return target;
	if (!t->is_file && (t->attrs & MOUNT_ATTR_RDONLY)) {
		char lower[64], at[64], opts[192];
		unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV;

		if (t->attrs & MOUNT_ATTR_NOEXEC)
			flags |= MS_NOEXEC;
		snprintf(lower, sizeof(lower), STAGE "/lower/%zu", idx);
		if (mkdir(lower, 0755) < 0) {
			r = herr(err, errno, "mkdir %s", lower);
			goto out;
		}
		if (sys_move_mount(t->fd, "", AT_FDCWD, lower, MOVE_MOUNT_F_EMPTY_PATH) < 0) {
			r = herr(err, errno, "move_mount %s for %s", lower, t->dst);
			goto out;
		}
		/* Without an upper layer an overlay needs two lowers and is
		 * read-only; the second is an empty directory. */
		snprintf(opts, sizeof(opts), "lowerdir=%s:" STAGE "/lower/empty,userxattr", lower);
		snprintf(at, sizeof(at), "/proc/self/fd/%d", target);
		if (mount("overlay", at, "overlay", flags, opts) < 0) {
			int e = errno;
			opts[strlen(opts) - strlen(",userxattr")] = '\0';
			if (e != EINVAL || mount("overlay", at, "overlay", flags, opts) < 0)
				r = herr(err, e, "mount read-only overlay of %s (%s)", t->dst, opts);
		}
		goto out;
	}
	if (sys_move_mount(t->fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		r = herr(err, errno, "move_mount onto %s", t->dst);
out:
	close(target);
	return r;
}

/* Bind the empty file (or an empty read-only tmpfs for a directory) over
 * path, which is relative to the new root's mount point. Missing: fine. */
static int mask_path(const char *root, const char *path, struct hutch_error *err)
{
	char full[PATH_MAX];
	struct stat st;

	if ((size_t)snprintf(full, sizeof(full), "%s%s", root, path) >= sizeof(full))
		return herr(err, ENAMETOOLONG, "mask %s", path);
	if (lstat(full, &st) < 0)
		return errno == ENOENT || errno == ENOTDIR ? 0 : herr(err, errno, "mask %s", path);
	if (S_ISLNK(st.st_mode))
		return 0; /* a symlink cannot be a mount point; it points elsewhere */
	if (S_ISDIR(st.st_mode))
		return do_mount("tmpfs", full, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				"size=0,nr_inodes=1,mode=0555", err);
	if (do_mount(STAGE "/empty", full, NULL, MS_BIND, NULL, err) < 0)
		return -err->code;
	return do_mount(NULL, full, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			NULL, err);
}

/* Bind path onto itself and make the bind read-only. */
static int readonly_path(const char *full, struct hutch_error *err)
{
	struct stat st;

	if (lstat(full, &st) < 0)
		return errno == ENOENT ? 0 : herr(err, errno, "read-only %s", full);
	if (do_mount(full, full, NULL, MS_BIND | MS_REC, NULL, err) < 0)
		return -err->code;
	return do_mount(NULL, full, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			NULL, err);
}

static int setup_proc(struct hutch_error *err)
{
	char full[PATH_MAX];
	size_t i;
	int r;

	/* hidepid=invisible (5.8): the program sees only processes of its own
	 * uid, not the sandbox's init, whose command line is hutch's. */
	r = do_mount("proc", STAGE_ROOT "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		     "hidepid=invisible", err);
	if (r < 0)
		return r;
	for (i = 0; i < ARRAY_SIZE(proc_masked_files); i++) {
		snprintf(full, sizeof(full), "/proc/%s", proc_masked_files[i]);
		r = mask_path(STAGE_ROOT, full, err);
		if (r < 0)
			return r;
	}
	for (i = 0; i < ARRAY_SIZE(proc_empty_dirs); i++) {
		snprintf(full, sizeof(full), "/proc/%s", proc_empty_dirs[i]);
		r = mask_path(STAGE_ROOT, full, err);
		if (r < 0)
			return r;
	}
	for (i = 0; i < ARRAY_SIZE(proc_readonly_dirs); i++) {
		snprintf(full, sizeof(full), STAGE_ROOT "/proc/%s", proc_readonly_dirs[i]);
		r = readonly_path(full, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int setup_dev(const struct mnt_plan *plan, int rootfd, struct hutch_error *err)
{
	static const struct {
		const char *name, *target;
	} links[] = {
		{ "fd", "/proc/self/fd" },       { "stdin", "/proc/self/fd/0" },
		{ "stdout", "/proc/self/fd/1" }, { "stderr", "/proc/self/fd/2" },
		{ "ptmx", "pts/ptmx" },
	};
	char opts[64];
	size_t i;
	int r;

	r = do_mount("tmpfs", STAGE_ROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC,
		     "size=64k,nr_inodes=64,mode=0755", err);
	if (r < 0)
		return r;
	for (i = 0; i < ARRAY_SIZE(links); i++) {
		char p[64];
		snprintf(p, sizeof(p), STAGE_ROOT "/dev/%s", links[i].name);
		if (symlink(links[i].target, p) < 0)
			return herr(err, errno, "symlink %s", p);
	}
	if (mkdir(STAGE_ROOT "/dev/pts", 0755) < 0 || mkdir(STAGE_ROOT "/dev/shm", 01777) < 0)
		return herr(err, errno, "mkdir /dev/pts, /dev/shm");
	/* Trees of device nodes (dst under /dev) go here, before /dev turns ro. */
	for (i = 0; i < plan->n_trees; i++)
		if (strncmp(plan->trees[i].dst, "/dev/", 5) == 0) {
			r = place_tree(rootfd, &plan->trees[i], i, err);
			if (r < 0)
				return r;
		}
	/* A new devpts instance: the host's terminals are not visible. */
	r = do_mount("devpts", STAGE_ROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		     "newinstance,ptmxmode=0666,mode=0620", err);
	if (r < 0)
		return r;
	snprintf(opts, sizeof(opts), "size=%llu,mode=1777", (unsigned long long)plan->shm_bytes);
	r = do_mount("tmpfs", STAGE_ROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, opts, err);
	if (r < 0)
		return r;
	/* Nothing can be added to /dev afterwards (no mknod, no new files). */
	return do_mount(NULL, STAGE_ROOT "/dev", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC,
			"size=64k,nr_inodes=64,mode=0755", err);
}

/* Skeleton: the lower layer of the overlay root. Mount points for /box,
 * /proc, /dev, and the host view's system dirs; empty /run, /var; /tmp
 * sticky; a writable /box owned by the program when there is no workdir. */
static int make_skeleton(const struct mnt_plan *plan, struct hutch_error *err)
{
	static const struct {
		const char *path;
		mode_t mode;
	} dirs[] = {
		{ STAGE "/skel/box", 0755 }, { STAGE "/skel/proc", 0555 }, { STAGE "/skel/dev", 0755 },
		{ STAGE "/skel/tmp", 01777 }, { STAGE "/skel/run", 0755 }, { STAGE "/skel/var", 0755 },
		{ STAGE "/skel/var/tmp", 01777 },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		if (mkdir(dirs[i].path, dirs[i].mode) < 0)
			return herr(err, errno, "mkdir %s", dirs[i].path);
		/* mkdir applies the umask; sticky and world bits must be exact */
		if (chmod(dirs[i].path, dirs[i].mode) < 0)
			return herr(err, errno, "chmod %s", dirs[i].path);
	}
	if (chown(STAGE "/skel/box", plan->uid, plan->gid) < 0)
		return herr(err, errno, "chown %s", STAGE "/skel/box");
	if (plan->image_fd < 0) {
		for (i = 0; i < plan->n_links; i++) {
			char p[128];
			snprintf(p, sizeof(p), STAGE "/skel/%s", plan->links[i].name);
			if (symlink(plan->links[i].target, p) < 0)
				return herr(err, errno, "symlink %s", p);
		}
	}
	return 0;
}

int mnt_build_root(const struct mnt_plan *plan, struct hutch_error *err)
{
	char opts[PATH_MAX + 256];
	int rootfd = -1, fd, r;
	size_t i;

	/* Nothing we mount may propagate back to the host. */
	r = do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL, err);
	if (r < 0)
		return r;
	snprintf(opts, sizeof(opts), "size=%llu,mode=0755", (unsigned long long)plan->tmpfs_bytes);
	r = do_mount("tmpfs", STAGE, "tmpfs", MS_NOSUID | MS_NODEV, opts, err);
	if (r < 0)
		return herr_prefix(err, "staging tmpfs");
	if (mkdir(STAGE "/skel", 0755) < 0 || mkdir(STAGE "/upper", 0755) < 0 ||
	    mkdir(STAGE "/work", 0755) < 0 || mkdir(STAGE_ROOT, 0755) < 0 ||
	    mkdir(STAGE "/image", 0755) < 0 || mkdir(STAGE "/lower", 0755) < 0 ||
	    mkdir(STAGE "/lower/empty", 0755) < 0)
		return herr(err, errno, "mkdir staging dirs");
	fd = open(STAGE "/empty", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0444);
	if (fd < 0)
		return herr(err, errno, "create %s", STAGE "/empty");
	close(fd);
	r = make_skeleton(plan, err);
	if (r < 0)
		return herr_prefix(err, "skeleton");

	if (plan->image_fd >= 0) {
		if (sys_move_mount(plan->image_fd, "", AT_FDCWD, STAGE "/image", MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return herr(err, errno, "move_mount runtime image");
		snprintf(opts, sizeof(opts),
			 "lowerdir=%s/skel:%s/image,upperdir=%s/upper,workdir=%s/work", STAGE, STAGE,
			 STAGE, STAGE);
	} else {
		snprintf(opts, sizeof(opts), "lowerdir=%s/skel,upperdir=%s/upper,workdir=%s/work",
			 STAGE, STAGE, STAGE);
	}
	/* Inside a user namespace overlayfs keeps its metadata in user.*
	 * xattrs ("userxattr", Linux 5.11+); without it the mount is refused. */
	i = strlen(opts);
	snprintf(opts + i, sizeof(opts) - i, ",userxattr");
	if (mount("overlay", STAGE_ROOT, "overlay", MS_NOSUID | MS_NODEV, opts) < 0) {
		int e = errno;
		opts[strlen(opts) - strlen(",userxattr")] = '\0';
		if (e != EINVAL || mount("overlay", STAGE_ROOT, "overlay", MS_NOSUID | MS_NODEV, opts) < 0)
			return herr(err, e, "mount overlay root (%s)", opts);
	}

	rootfd = open(STAGE_ROOT, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return herr(err, errno, "open %s", STAGE_ROOT);

	/* System dirs, /box, then user binds, in plan order (parents first). */
	for (i = 0; i < plan->n_trees; i++) {
		if (strncmp(plan->trees[i].dst, "/dev/", 5) == 0)
			continue;
		r = place_tree(rootfd, &plan->trees[i], i, err);
		if (r < 0)
			goto out;
	}
	r = setup_dev(plan, rootfd, err);
	if (r < 0) {
		herr_prefix(err, "/dev");
		goto out;
	}
	r = setup_proc(err);
	if (r < 0) {
		herr_prefix(err, "/proc");
		goto out;
	}
	for (i = 0; plan->masked && plan->masked[i]; i++) {
		r = mask_path(STAGE_ROOT, plan->masked[i], err);
		if (r < 0)
			goto out;
	}

	/* pivot_root(".", ".") stacks the old root under the new one; the
	 * detach then drops it (and the staging tmpfs) from the namespace. */
	if (chdir(STAGE_ROOT) < 0) {
		r = herr(err, errno, "chdir %s", STAGE_ROOT);
		goto out;
	}
	if (sys_pivot_root(".", ".") < 0) {
		r = herr(err, errno, "pivot_root");
		goto out;
	}
	if (umount2(".", MNT_DETACH) < 0) {
		r = herr(err, errno, "detach old root");
		goto out;
	}
	if (chdir("/") < 0) {
		r = herr(err, errno, "chdir /");
		goto out;
	}
	if (sethostname(plan->hostname, strlen(plan->hostname)) < 0) {
		r = herr(err, errno, "sethostname");
		goto out;
	}
	r = 0;
out:
	if (rootfd >= 0)
		close(rootfd);
	return r;
}
