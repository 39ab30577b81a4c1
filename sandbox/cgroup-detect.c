/* SPDX-License-Identifier: MIT */
/*
 * cgroup driver: detection of the host's layout from /proc/self/mountinfo,
 * per controller (docs/cgroups.md, "Detection"), and its description for
 * `hutch info`. Read-only: nothing is created or written here.
 */
#include "cgroup-internal.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif
#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

/* mountinfo is kernel-made but unbounded; this cap only stops a runaway
 * read. */
#define CG_MOUNTINFO_MAX (16u << 20)

/* Undo mountinfo's octal escapes (\040 space, \011 tab, \012 newline,
 * \134 backslash) in place. */
static void mi_unescape(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

struct mi_entry {
	char *mnt;
	char *opts;
	char *fstype;
	char *super;
};

/* Split one mountinfo line in place:
 * id parent maj:min root mountpoint opts [optional...] - fstype source super */
static bool mi_split(char *line, struct mi_entry *e)
{
	char *f[6], *save = NULL, *tok;
	int i;

	for (i = 0; i < 6; i++) {
		f[i] = strtok_r(i ? NULL : line, " ", &save);
		if (!f[i])
			return false;
	}
	while ((tok = strtok_r(NULL, " ", &save)) && strcmp(tok, "-") != 0)
		;
	if (!tok)
		return false;
	e->mnt = f[4];
	e->opts = f[5];
	e->fstype = strtok_r(NULL, " ", &save);
	if (!e->fstype || !strtok_r(NULL, " ", &save))
		return false;
	e->super = strtok_r(NULL, " ", &save);
	if (!e->super)
		return false;
	mi_unescape(e->mnt);
	return true;
}

static bool comma_list_has(const char *list, const char *word)
{
	size_t wlen = strlen(word);

	for (const char *p = list; *p;) {
		size_t n = strcspn(p, ",");

		if (n == wlen && strncmp(p, word, n) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

/* Prefer the standard places when a hierarchy is mounted more than once
 * (e.g. also inside a container's rootfs). */
static int mount_score(const char *mnt, bool v2)
{
	if (v2 && strcmp(mnt, "/sys/fs/cgroup") == 0)
		return 3;
	if (v2 && strcmp(mnt, "/sys/fs/cgroup/unified") == 0)
		return 2;
	if (!v2 && strncmp(mnt, "/sys/fs/cgroup/", 15) == 0)
		return 2;
	return 1;
}

__attribute__((format(printf, 2, 3))) static void why_append(struct hutch_cgroup_host *h,
							      const char *fmt, ...)
{
	size_t len = strlen(h->why);
	va_list ap;

	if (len >= sizeof(h->why) - 1)
		return;
	va_start(ap, fmt);
	vsnprintf(h->why + len, sizeof(h->why) - len, fmt, ap);
	va_end(ap);
}

/* Is the mount usable: writable and really the filesystem mountinfo says
 * (statfs sees through to what is visible at the path: an overmounted
 * cgroupfs shows up as the filesystem on top). */
static bool mount_usable(struct hutch_cgroup_host *h, const struct mi_entry *e, long magic)
{
	struct statfs sfs;

	if (comma_list_has(e->opts, "ro")) {
		why_append(h, "; skipped read-only %s", e->mnt);
		return false;
	}
	if (statfs(e->mnt, &sfs) < 0) {
		why_append(h, "; skipped %s (statfs: %s)", e->mnt, strerror(errno));
		return false;
	}
	if ((long)sfs.f_type != magic) {
		why_append(h, "; skipped %s (hidden by another mount)", e->mnt);
		return false;
	}
	return true;
}

static int host_add_mount(struct hutch_cgroup_host *h, const struct mi_entry *e, int *v2_score)
{
	if (strcmp(e->fstype, "cgroup2") == 0) {
		int score = mount_score(e->mnt, true);
		char *p;

		if (score <= *v2_score || !mount_usable(h, e, CGROUP2_SUPER_MAGIC))
			return 0;
		p = strdup(e->mnt);
		if (!p)
			return -ENOMEM;
		free(h->v2_path);
		h->v2_path = p;
		*v2_score = score;
	} else if (strcmp(e->fstype, "cgroup") == 0) {
		unsigned ctrls = 0;
		size_t i;

		for (int c = 0; c < CG__MAX; c++)
			if (comma_list_has(e->super, cg_ctrl_name[c]))
				ctrls |= CG_BIT(c);
		if (!ctrls || !mount_usable(h, e, CGROUP_SUPER_MAGIC))
			return 0;
		/* A controller lives in exactly one hierarchy, so overlapping
		 * sets are the same hierarchy mounted twice. */
		for (i = 0; i < h->n_v1; i++)
			if (h->v1[i].ctrls & ctrls)
				break;
		if (i < h->n_v1) {
			char *p;

			if (mount_score(e->mnt, false) <= mount_score(h->v1[i].path, false))
				return 0;
			p = strdup(e->mnt);
			if (!p)
				return -ENOMEM;
			free(h->v1[i].path);
			h->v1[i].path = p;
			return 0;
		}
		if (h->n_v1 == ARRAY_SIZE(h->v1))
			return 0; /* cannot happen: each carries a distinct controller */
		h->v1[h->n_v1].path = strdup(e->mnt);
		if (!h->v1[h->n_v1].path)
			return -ENOMEM;
		h->v1[h->n_v1++].ctrls = ctrls;
	}
	return 0;
}

/* Fill h->ctrl[] and the backend from the mounts found. The rule, per
 * controller: from cgroup2 when its root lists it in cgroup.controllers,
 * else from its v1 hierarchy, else missing. */
static void host_decide(struct hutch_cgroup_host *h)
{
	const unsigned real = CG_BIT(CG_MEMORY) | CG_BIT(CG_PIDS) | CG_BIT(CG_CPU) |
			      CG_BIT(CG_CPUSET);
	bool any_v1 = false, v2_real = false;

	for (int c = 0; c < CG__MAX; c++) {
		h->ctrl[c].src = CG_SRC_MISSING;
		h->ctrl[c].hier = -1;
		for (size_t i = 0; i < h->n_v1; i++)
			if (h->v1[i].ctrls & CG_BIT(c))
				h->ctrl[c].hier = (int)i;
	}
	for (int c = 0; c < CG__MAX; c++) {
		if (!(real & CG_BIT(c)))
			continue;
		if (h->v2_ctrls & CG_BIT(c)) {
			h->ctrl[c].src = CG_SRC_V2;
			h->ctrl[c].hier = -1;
			v2_real = true;
		} else if (h->ctrl[c].hier >= 0) {
			h->ctrl[c].src = CG_SRC_V1;
		}
	}
	/* A run gets a v2 directory when cgroup2 provides one of the real
	 * controllers, or when it is the only hierarchy there is. */
	h->v2_used = h->v2_path && (v2_real || h->n_v1 == 0);
	/* cpuacct and freezer have no v2 controller: cpu.stat (usage_usec)
	 * and cgroup.kill/cgroup.freeze are core files of every v2 cgroup,
	 * so a run with a v2 directory takes them from there. */
	for (int c = CG_CPUACCT; c < CG__MAX; c++) {
		if (real & CG_BIT(c))
			continue;
		if (h->v2_used) {
			h->ctrl[c].src = CG_SRC_V2;
			h->ctrl[c].hier = -1;
		} else if (h->ctrl[c].hier >= 0) {
			h->ctrl[c].src = CG_SRC_V1;
		}
	}

	for (int c = 0; c < CG__MAX; c++) {
		char *why = h->ctrl[c].why;
		size_t wlen = sizeof(h->ctrl[c].why);

		switch (h->ctrl[c].src) {
		case CG_SRC_V2:
			if (real & CG_BIT(c))
				snprintf(why, wlen, "listed in %s/cgroup.controllers", h->v2_path);
			else
				snprintf(why, wlen, "cgroup2 core files: %s",
					 c == CG_CPUACCT ? "cpu.stat usage_usec"
							 : "cgroup.kill, cgroup.freeze");
			break;
		case CG_SRC_V1:
			any_v1 = true;
			if (!h->v2_path)
				snprintf(why, wlen, "v1 hierarchy; no cgroup2 mount");
			else if (real & CG_BIT(c))
				snprintf(why, wlen, "v1 hierarchy; not in %s/cgroup.controllers",
					 h->v2_path);
			else
				snprintf(why, wlen, "v1 hierarchy; runs make no directory in %s",
					 h->v2_path);
			break;
		case CG_SRC_MISSING:
			if (h->v2_path)
				snprintf(why, wlen, "not in %s/cgroup.controllers, no v1 hierarchy",
					 h->v2_path);
			else
				snprintf(why, wlen, "no cgroup2 mount, no v1 hierarchy");
			break;
		}
	}

	if (!h->v2_path && !any_v1) {
		h->backend = CG_BACKEND_NONE;
		h->ops = &cg_ops_none;
	} else if (!any_v1) {
		h->backend = CG_BACKEND_V2;
		h->ops = &cg_ops_v2;
	} else {
		/* Also pure v1 hosts (no cgroup2 mount at all). */
		h->backend = CG_BACKEND_HYBRID;
		h->ops = &cg_ops_hybrid;
	}
}

int cg_detect_mountinfo(const char *mountinfo, struct hutch_cgroup_host **ret,
			struct hutch_error *err)
{
	struct hutch_cgroup_host *h;
	_cleanup_free_ char *copy = NULL;
	char *save = NULL, *line;
	int v2_score = 0, r;

	h = calloc(1, sizeof(*h));
	copy = strdup(mountinfo);
	if (!h || !copy) {
		free(h);
		return herr(err, ENOMEM, "cgroup detection");
	}
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct mi_entry e;

		if (!mi_split(line, &e))
			continue;
		r = host_add_mount(h, &e, &v2_score);
		if (r < 0) {
			hutch_cgroup_host_free(h);
			return herr(err, -r, "cgroup detection");
		}
	}

	if (h->v2_path) {
		_cleanup_close_ int fd = open(h->v2_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		char buf[1024];

		/* Unreadable cgroup.controllers: the hierarchy still gives
		 * cgroup.kill and cpu.stat, just no controller. */
		if (fd >= 0 &&
		    cg_read_at(fd, h->v2_path, "cgroup.controllers", buf, sizeof(buf), NULL) >= 0) {
			for (int c = 0; c < CG__MAX; c++)
				if (cg_list_has(buf, cg_ctrl_name[c]))
					h->v2_ctrls |= CG_BIT(c);
		}
	}
	{
		char mounts[sizeof(h->why)];

		snprintf(mounts, sizeof(mounts), "%s", h->why);
		h->why[0] = '\0';
		host_decide(h);
		switch (h->backend) {
		case CG_BACKEND_V2:
			why_append(h, "cgroup2 at %s and no v1 hierarchy of hutch's controllers",
				   h->v2_path);
			break;
		case CG_BACKEND_HYBRID:
			why_append(h, "v1 hierarchies carry some controllers%s%s%s",
				   h->v2_path ? "; cgroup2 at " : "; no cgroup2 mount",
				   h->v2_path ? h->v2_path : "",
				   h->v2_path ? (h->v2_used ? " used too" : " has none of them")
					      : "");
			break;
		case CG_BACKEND_NONE:
			why_append(h, "no usable cgroup2 or v1 cgroup mount in mountinfo: limits "
				      "fall back to rlimits");
			break;
		}
		why_append(h, "%s", mounts);
	}
	*ret = h;
	return 0;
}

int hutch_cgroup_detect(struct hutch_cgroup_host **ret, struct hutch_error *err)
{
	_cleanup_close_ int procfd = -1;
	_cleanup_free_ char *text = NULL;
	int r;

	if (!ret)
		return herr(err, EINVAL, "hutch_cgroup_detect: no ret");
	procfd = open("/proc/self", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return herr(err, errno, "open /proc/self");
	r = cg_read_alloc_at(procfd, "/proc/self", "mountinfo", CG_MOUNTINFO_MAX, &text, err);
	if (r < 0)
		return herr_prefix(err, "detect cgroups");
	return cg_detect_mountinfo(text, ret, err);
}

void hutch_cgroup_host_free(struct hutch_cgroup_host *host)
{
	if (!host)
		return;
	free(host->v2_path);
	for (size_t i = 0; i < host->n_v1; i++)
		free(host->v1[i].path);
	free(host);
}

enum cg_backend cg_host_backend(const struct hutch_cgroup_host *host)
{
	return host ? host->backend : CG_BACKEND_NONE;
}

static const char *const backend_name[] = {
	[CG_BACKEND_V2] = "v2",
	[CG_BACKEND_HYBRID] = "hybrid",
	[CG_BACKEND_NONE] = "none",
};

/* Like snprintf: returns the length the whole text needs (excluding the
 * NUL), writes what fits. */
int hutch_cgroup_describe(const struct hutch_cgroup_host *host, char *buf, size_t len)
{
	size_t need = 0;
	int n;

	if (!host)
		return -EINVAL;
#define PUT(...)                                                                       \
	do {                                                                           \
		n = snprintf(buf && need < len ? buf + need : NULL,                    \
			     buf && need < len ? len - need : 0, __VA_ARGS__);         \
		if (n < 0)                                                             \
			return -EINVAL;                                                \
		need += (size_t)n;                                                     \
	} while (0)
	PUT("backend: %s (%s)\n", backend_name[host->backend], host->why);
	for (int c = 0; c < CG__MAX; c++) {
		const char *where = "missing";

		if (host->ctrl[c].src == CG_SRC_V2)
			where = host->v2_path;
		else if (host->ctrl[c].src == CG_SRC_V1)
			where = host->v1[host->ctrl[c].hier].path;
		PUT("%-8s %s %s (%s)\n", cg_ctrl_name[c],
		    host->ctrl[c].src == CG_SRC_V2   ? "v2"
		    : host->ctrl[c].src == CG_SRC_V1 ? "v1"
						     : "--",
		    where, host->ctrl[c].why);
	}
#undef PUT
	return need > INT32_MAX ? -EOVERFLOW : (int)need;
}
