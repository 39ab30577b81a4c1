/* SPDX-License-Identifier: MIT */
/*
 * Root filesystem (prefix mnt_). Two halves:
 *
 * mnt_plan_prepare() runs in the supervisor, in the host's mount namespace,
 * before clone: every host path a run needs (system dirs, runtime image,
 * workdir, user binds, device nodes) is cloned into a detached mount tree
 * with open_tree(OPEN_TREE_CLONE) and given its final attributes
 * (ro/nosuid/nodev/noexec) with mount_setattr. The child never resolves a
 * host path itself, so it needs no access to the host tree and a host path
 * cannot change between check and use.
 *
 * mnt_build_root() runs in the sandbox's init, inside the new user and mount
 * namespaces: a size-limited tmpfs holds a skeleton (lower layer) and the
 * upper layer of an overlay that becomes the root; the detached trees are
 * moved onto mount points created without following symlinks; /proc, /dev,
 * /dev/pts, /dev/shm are made; secrets are masked; pivot_root; old root
 * detached. It allocates nothing (it may run in a child of a threaded
 * process).
 */
#ifndef HUTCH_MOUNT_H
#define HUTCH_MOUNT_H

#include "hutch.h"

struct mnt_tree {
	int fd;          /* detached mount from open_tree, O_CLOEXEC */
	const char *dst; /* absolute, normalised path inside the sandbox */
	bool is_file;    /* bind of a regular file or device (mount point is a file) */
	uint64_t attrs;  /* MOUNT_ATTR_* given to the tree */
};

struct mnt_link {
	char name[32];     /* top-level entry, e.g. "bin" */
	char target[256];  /* e.g. "usr/bin" */
};

struct mnt_plan {
	struct mnt_tree *trees;
	size_t n_trees;
	int image_fd; /* runtime image (overlay lower) or -1 for the host view */
	struct mnt_link links[8];
	size_t n_links;
	const char *const *masked; /* NULL-terminated or NULL */
	uint64_t tmpfs_bytes;
	uint64_t shm_bytes;
	uid_t uid; /* inside identity: owner of /box when there is no workdir */
	gid_t gid;
	const char *hostname;
};

/* Supervisor side: fill *plan (zeroed first). On failure nothing is left
 * open. */
int mnt_plan_prepare(const struct hutch_spec *spec, struct mnt_plan *plan,
		     struct hutch_error *err);
/* Close every tree fd and free. Accepts a half-built or zeroed plan. */
void mnt_plan_release(struct mnt_plan *plan);

/* Child side (sandbox init, root in its user namespace): build the root and
 * pivot into it. Afterwards cwd is "/". */
int mnt_build_root(const struct mnt_plan *plan, struct hutch_error *err);

/* Validate an inside path: absolute, no "." or ".." component, no empty
 * component, at most PATH_MAX. 0 or -EINVAL with a message. */
int mnt_check_inside_path(const char *what, const char *path, struct hutch_error *err);

#endif
