/* SPDX-License-Identifier: MIT */
#include "profile.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"
#include "mount.h"
#include "netopts.h"
#include "policy.h"
#include "units.h"
#include "util.h"

#define PROFILE_MAX_BYTES (1u << 20)
#define PROFILE_MAX_DEPTH 8 /* extends chain */
#define PROFILE_MAX_ITEMS 4096

const struct limit_desc limit_table[LIM__MAX] = {
	[LIM_TIME] = { "time", "--time", LK_TIME, 86400ull * 1000000, "CPU time of the whole tree" },
	[LIM_WALL_TIME] = { "wall_time", "--wall-time", LK_TIME, 30ull * 86400 * 1000000, "wall-clock time" },
	[LIM_MEMORY] = { "memory", "--memory", LK_SIZE, 1ull << 40, "memory of the whole tree, swap off" },
	[LIM_PIDS] = { "pids", "--pids", LK_COUNT, 1u << 22, "processes and threads at once" },
	[LIM_FSIZE] = { "fsize", "--fsize", LK_SIZE, 1ull << 42, "largest file the program may write" },
	[LIM_OUTPUT] = { "output", "--output-limit", LK_SIZE, 1ull << 40, "bytes kept of stdout and of stderr, each" },
	[LIM_NOFILE] = { "nofile", "--nofile", LK_COUNT, 1u << 20, "open files per process" },
	[LIM_STACK] = { "stack", "--stack", LK_SIZE, 1ull << 34, "stack size per process" },
	[LIM_TMPFS] = { "tmpfs", "--tmpfs-size", LK_SIZE, 1ull << 40, "writable root layer and /tmp" },
	[LIM_SHM] = { "shm", "--shm-size", LK_SIZE, 1ull << 40, "/dev/shm" },
};

static const struct {
	const char *name;
	int value;
} errno_names[] = {
	{ "EPERM", EPERM }, { "EACCES", EACCES }, { "ENOSYS", ENOSYS }, { "EINVAL", EINVAL },
	{ "ENOENT", ENOENT }, { "EAFNOSUPPORT", EAFNOSUPPORT }, { "EOPNOTSUPP", EOPNOTSUPP },
	{ "ENOTSUP", ENOTSUP }, { "EROFS", EROFS }, { "ENOMEM", ENOMEM },
	{ "EPROTONOSUPPORT", EPROTONOSUPPORT }, { "ESOCKTNOSUPPORT", ESOCKTNOSUPPORT },
	{ "EPROTOTYPE", EPROTOTYPE }, { "ENOTTY", ENOTTY }, { "EAGAIN", EAGAIN }, { "EIO", EIO },
	{ "EBADF", EBADF }, { "ENXIO", ENXIO }, { "ENODEV", ENODEV }, { "EOVERFLOW", EOVERFLOW },
};

/* Whether name is a syscall hutch knows on some architecture: native ones
 * have a number; the others are accepted (and skipped) by the compiler.
 * A table lookup: compiling a one-rule policy per name cost ~150 µs of
 * every `hutch run` with the default profile. */
static bool syscall_name_known(const char *name)
{
	return hutch_seccomp_syscall_known(name);
}

static const char *const net_names[] = { "none", "loopback", "egress", "publish" };

const char *net_mode_name(enum hutch_net_mode m)
{
	return (unsigned)m < ARRAY_SIZE(net_names) ? net_names[m] : "?";
}

int net_mode_parse(const char *s, enum hutch_net_mode *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(net_names); i++)
		if (strcmp(s, net_names[i]) == 0) {
			*ret = (enum hutch_net_mode)i;
			return 0;
		}
	return -EINVAL;
}

/* Error naming file, JSON path and expectation. */
static int perr(struct hutch_error *err, const char *file, const char *jpath, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int perr(struct hutch_error *err, const char *file, const char *jpath, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return herr(err, 0, "%s: %s: %s", file, jpath, what);
}
#ifdef __clang_analyzer__
/* Never >= 0, like herr() (see error.h): the analyzer does not follow a
 * variadic function and would otherwise take its "success" for real. */
#define perr(...) ({ int _pr = perr(__VA_ARGS__); if (_pr >= 0) __builtin_unreachable(); _pr; })
#endif

static char *xstrdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static void strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void profile_free(struct profile *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->path);
	free(p->description);
	free(p->image);
	strv_free(p->masked);
	for (size_t i = 0; i < p->n_binds; i++) {
		free((char *)p->binds[i].src);
		free((char *)p->binds[i].dst);
	}
	free(p->binds);
	for (size_t i = 0; i < p->seccomp.n_rules; i++)
		free((char *)p->sc_rules[i].syscall);
	free(p->sc_rules);
	free((char *)p->seccomp.name);
	strv_free(p->env_set);
	strv_free(p->env_allow);
	free((void *)p->net_opts.allow);
	free((void *)p->net_opts.publish);
	free((void *)p->net_opts.host_ports);
	free((void *)p->net_opts.dns);
	free(p);
}

/* ---------- finding and reading files ---------- */

static const char *default_search_path(void)
{
	const char *env = getenv("HUTCH_PROFILE_PATH");

	if (env && *env)
		return env;
	return "/etc/hutch/profiles:" HUTCH_INSTALLED_PROFILE_DIR ":" HUTCH_PROFILE_DIR;
}

static bool is_path(const char *s)
{
	size_t n = strlen(s);
	return strchr(s, '/') || (n > 5 && strcmp(s + n - 5, ".json") == 0);
}

static int valid_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      *s == '-' || *s == '_' || *s == '.'))
			return 0;
	return 1;
}

int profile_find(const char *name, const char *search_path, char **ret_path, struct hutch_error *err)
{
	const char *sp = search_path ? search_path : default_search_path();
	char buf[PATH_MAX];

	if (is_path(name)) {
		if (access(name, R_OK) < 0)
			return herr(err, errno, "profile %s", name);
		*ret_path = strdup(name);
		return *ret_path ? 0 : -ENOMEM;
	}
	if (!valid_name(name))
		return herr(err, 0, "profile name '%s': use letters, digits, '-', '_' or a path", name);
	for (const char *p = sp; *p;) {
		const char *e = strchrnul(p, ':');
		int n = snprintf(buf, sizeof(buf), "%.*s/%s.json", (int)(e - p), p, name);
		if (n > 0 && (size_t)n < sizeof(buf) && e > p && access(buf, R_OK) == 0) {
			*ret_path = strdup(buf);
			return *ret_path ? 0 : -ENOMEM;
		}
		p = *e ? e + 1 : e;
	}
	return herr(err, ENOENT, "profile '%s' not found in %s (see `hutch profile list`)", name, sp);
}

static int read_json(const char *path, cJSON **ret, struct hutch_error *err)
{
	_cleanup_free_ char *buf = NULL;
	struct stat st;
	ssize_t n;
	/* O_NONBLOCK: a FIFO planted as a profile (or an extends target) must
	 * not hang us in open(); it is refused as not regular just below. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);

	if (fd < 0)
		return herr(err, errno, "profile %s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > PROFILE_MAX_BYTES) {
		close(fd);
		return herr(err, EFBIG, "profile %s: not a regular file of at most %u bytes", path,
			    PROFILE_MAX_BYTES);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return herr(err, ENOMEM, "profile %s", path);
	}
	n = hu_read_full(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n < 0)
		return herr(err, (int)-n, "read profile %s", path);
	buf[n] = '\0';
	return profile_parse_json_text(buf, (size_t)n, path, ret, err);
}

/* Exposed for the fuzzer: parse text into a cJSON tree, bounded depth. */
int profile_parse_json_text(const char *text, size_t len, const char *path, cJSON **ret,
			    struct hutch_error *err)
{
	const char *end = NULL;
	cJSON *j;
	int depth = 0, max = 0;

	/* cJSON recurses per nesting level; refuse deep input before parsing. */
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '"') { /* skip strings */
			for (i++; i < len && text[i] != '"'; i++)
				if (text[i] == '\\')
					i++;
		} else if (text[i] == '{' || text[i] == '[') {
			if (++depth > max)
				max = depth;
		} else if (text[i] == '}' || text[i] == ']') {
			depth--;
		}
	}
	if (max > 16)
		return herr(err, 0, "%s: JSON nested deeper than 16 levels", path);
	j = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (j && end) { /* only whitespace may follow the object */
		for (const char *q = end; q < text + len && *q; q++)
			if (*q != ' ' && *q != '\n' && *q != '\t' && *q != '\r') {
				cJSON_Delete(j);
				j = NULL;
				end = q;
				break;
			}
	}
	if (!j) {
		size_t off = end && end >= text ? (size_t)(end - text) : 0, line = 1;
		for (size_t i = 0; i < off && i < len; i++)
			line += text[i] == '\n';
		return herr(err, 0, "%s: invalid JSON near line %zu", path, line);
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return herr(err, 0, "%s: the profile must be a JSON object", path);
	}
	*ret = j;
	return 0;
}

/* ---------- typed field parsers ---------- */

struct pctx {
	const char *file;
	struct hutch_error *err;
	struct profile *p;
	bool is_child; /* has a parent: ceilings may not rise unless admin */
};

static int check_keys(struct pctx *c, const cJSON *obj, const char *jpath, const char *const *allowed)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return perr(c->err, c->file, jpath, "expected an object");
	cJSON_ArrayForEach(it, obj) {
		size_t i;
		for (i = 0; allowed[i]; i++)
			if (strcmp(it->string, allowed[i]) == 0)
				break;
		if (!allowed[i]) {
			char list[256] = "";
			for (i = 0; allowed[i]; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, allowed[i], sizeof(list) - strlen(list) - 1);
			}
			return perr(c->err, c->file, jpath, "unknown key '%s' (expected one of: %s)",
				    it->string, list);
		}
	}
	return 0;
}

static int get_limit_value(struct pctx *c, const cJSON *v, const char *jpath, const struct limit_desc *d,
			   uint64_t *ret)
{
	int r = -EINVAL;

	if (cJSON_IsNull(v) || (cJSON_IsString(v) && strcmp(v->valuestring, "unlimited") == 0)) {
		*ret = 0;
		return 0;
	}
	if (cJSON_IsNumber(v)) {
		double x = v->valuedouble;
		if (x < 0 || x != x)
			return perr(c->err, c->file, jpath, "must not be negative");
		if (d->kind == LK_TIME) {
			if (x > (double)d->absurd / 1e6)
				return perr(c->err, c->file, jpath, "%g s is absurd (at most %llu s)", x,
					    (unsigned long long)(d->absurd / 1000000));
			*ret = (uint64_t)(x * 1e6 + 0.5);
			return 0;
		}
		/* Bound first: casting a double past 2^64 to an integer is
		 * undefined (found by tests/fuzz/fuzz-profile.c). */
		if (x > (double)d->absurd)
			return perr(c->err, c->file, jpath, "%g is absurd (at most %llu)", x,
				    (unsigned long long)d->absurd);
		if (x != (double)(uint64_t)x)
			return perr(c->err, c->file, jpath, "expected a whole number");
		*ret = (uint64_t)x;
		r = 0;
	} else if (cJSON_IsString(v) && d->kind == LK_SIZE) {
		r = hu_parse_size(v->valuestring, ret);
		if (r < 0)
			return perr(c->err, c->file, jpath,
				    "expected a size like \"256M\" (K, M, G, T) or a number of bytes, got \"%s\"",
				    v->valuestring);
	} else if (cJSON_IsString(v) && d->kind == LK_TIME) {
		r = hu_parse_time(v->valuestring, ret);
		if (r < 0)
			return perr(c->err, c->file, jpath,
				    "expected seconds like 1.5 or \"500ms\", got \"%s\"", v->valuestring);
		r = 0;
	} else {
		return perr(c->err, c->file, jpath, "expected %s",
			    d->kind == LK_SIZE ? "a size (\"256M\" or bytes)"
			    : d->kind == LK_TIME ? "seconds (a number)" : "a whole number");
	}
	if (*ret > d->absurd) {
		char a[32];
		hu_format_size(d->absurd, a, sizeof(a));
		return perr(c->err, c->file, jpath, "%llu is absurd (at most %s)",
			    (unsigned long long)*ret, d->kind == LK_SIZE ? a : "that");
	}
	return r;
}

/* 0 means unlimited: compare with that in mind. */
static bool above(uint64_t a, uint64_t b)
{
	if (b == 0)
		return false;
	return a == 0 || a > b;
}

static int parse_limits(struct pctx *c, const cJSON *obj)
{
	const char *keys[LIM__MAX + 1];
	const cJSON *it;
	int r;

	for (int i = 0; i < LIM__MAX; i++)
		keys[i] = limit_table[i].key;
	keys[LIM__MAX] = NULL;
	r = check_keys(c, obj, "limits", keys);
	if (r < 0)
		return r;
	cJSON_ArrayForEach(it, obj) {
		static const char *const lk[] = { "default", "ceiling", NULL };
		const struct limit_desc *d = NULL;
		char jp[128];
		int id;
		uint64_t v;

		for (id = 0; id < LIM__MAX; id++)
			if (strcmp(limit_table[id].key, it->string) == 0) {
				d = &limit_table[id];
				break;
			}
		if (!cJSON_IsObject(it)) {
			/* a bare value sets the default only */
			snprintf(jp, sizeof(jp), "limits.%s", d->key);
			r = get_limit_value(c, it, jp, d, &v);
			if (r < 0)
				return r;
			c->p->def[id] = v;
		} else {
			const cJSON *dv = cJSON_GetObjectItemCaseSensitive(it, "default");
			const cJSON *cv = cJSON_GetObjectItemCaseSensitive(it, "ceiling");

			snprintf(jp, sizeof(jp), "limits.%s", d->key);
			r = check_keys(c, it, jp, lk);
			if (r < 0)
				return r;
			if (cv) {
				snprintf(jp, sizeof(jp), "limits.%s.ceiling", d->key);
				r = get_limit_value(c, cv, jp, d, &v);
				if (r < 0)
					return r;
				if (c->is_child && !c->p->admin && above(v, c->p->ceil[id]))
					return perr(c->err, c->file, jp,
						    "raises the parent's ceiling; only a profile with \"admin\": true may");
				c->p->ceil[id] = v;
			}
			if (dv) {
				snprintf(jp, sizeof(jp), "limits.%s.default", d->key);
				r = get_limit_value(c, dv, jp, d, &v);
				if (r < 0)
					return r;
				c->p->def[id] = v;
			}
		}
	}
	return 0;
}

static int parse_strv(struct pctx *c, const cJSON *arr, const char *jpath, bool abs_paths, char ***ret)
{
	const cJSON *it;
	char **v;
	size_t n = 0, i = 0;

	if (!cJSON_IsArray(arr))
		return perr(c->err, c->file, jpath, "expected an array of strings");
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > PROFILE_MAX_ITEMS)
		return perr(c->err, c->file, jpath, "more than %d items", PROFILE_MAX_ITEMS);
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return herr(c->err, ENOMEM, "%s", c->file);
	cJSON_ArrayForEach(it, arr) {
		char jp[128];
		snprintf(jp, sizeof(jp), "%s[%zu]", jpath, i);
		if (!cJSON_IsString(it)) {
			strv_free(v);
			return perr(c->err, c->file, jp, "expected a string");
		}
		if (abs_paths && mnt_check_inside_path("path", it->valuestring, NULL) < 0) {
			strv_free(v);
			return perr(c->err, c->file, jp,
				    "expected an absolute path without '.' or '..' components, got \"%s\"",
				    it->valuestring);
		}
		v[i] = strdup(it->valuestring);
		if (!v[i++]) {
			strv_free(v);
			return herr(c->err, ENOMEM, "%s", c->file);
		}
	}
	*ret = v;
	return 0;
}

static int parse_bool(struct pctx *c, const cJSON *v, const char *jpath, bool *ret)
{
	if (!cJSON_IsBool(v))
		return perr(c->err, c->file, jpath, "expected true or false");
	*ret = cJSON_IsTrue(v);
	return 0;
}

static int parse_rootfs(struct pctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "image", "masked", "binds", "workdir_exec", NULL };
	const cJSON *v;
	int r = check_keys(c, obj, "rootfs", keys);

	if (r < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "image"))) {
		free(c->p->image);
		c->p->image = NULL;
		if (cJSON_IsString(v)) {
			if (!valid_name(v->valuestring) && v->valuestring[0] != '/')
				return perr(c->err, c->file, "rootfs.image",
					    "expected a runtime name (see `hutch runtime list`) or an absolute path");
			c->p->image = xstrdup(v->valuestring);
		} else if (!cJSON_IsNull(v)) {
			return perr(c->err, c->file, "rootfs.image", "expected a string or null (host view)");
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "masked"))) {
		char **m = NULL;
		r = parse_strv(c, v, "rootfs.masked", true, &m);
		if (r < 0)
			return r;
		strv_free(c->p->masked);
		c->p->masked = m;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "workdir_exec"))) {
		r = parse_bool(c, v, "rootfs.workdir_exec", &c->p->workdir_exec);
		if (r < 0)
			return r;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "binds"))) {
		static const char *const bk[] = { "src", "dst", "rw", "exec", "optional", NULL };
		const cJSON *it;
		size_t n, i = 0;
		struct hutch_bind *b;

		if (!cJSON_IsArray(v))
			return perr(c->err, c->file, "rootfs.binds", "expected an array of {src, dst, rw, exec}");
		n = (size_t)cJSON_GetArraySize(v);
		if (n > 256)
			return perr(c->err, c->file, "rootfs.binds", "more than 256 binds");
		b = calloc(n ? n : 1, sizeof(*b));
		if (!b)
			return herr(c->err, ENOMEM, "%s", c->file);
		for (size_t k = 0; k < c->p->n_binds; k++) {
			free((char *)c->p->binds[k].src);
			free((char *)c->p->binds[k].dst);
		}
		free(c->p->binds);
		c->p->binds = b;
		c->p->n_binds = 0;
		cJSON_ArrayForEach(it, v) {
			char jp[128];
			const cJSON *s, *d, *f;
			bool flag = false;

			snprintf(jp, sizeof(jp), "rootfs.binds[%zu]", i++);
			r = check_keys(c, it, jp, bk);
			if (r < 0)
				return r;
			s = cJSON_GetObjectItemCaseSensitive(it, "src");
			d = cJSON_GetObjectItemCaseSensitive(it, "dst");
			if (!cJSON_IsString(s) || s->valuestring[0] != '/')
				return perr(c->err, c->file, jp, "src: expected an absolute host path");
			if (d && (!cJSON_IsString(d) || mnt_check_inside_path("path", d->valuestring, NULL) < 0))
				return perr(c->err, c->file, jp, "dst: expected an absolute path inside");
			b = &c->p->binds[c->p->n_binds++];
			b->src = xstrdup(s->valuestring);
			b->dst = xstrdup(d ? d->valuestring : s->valuestring);
			if ((f = cJSON_GetObjectItemCaseSensitive(it, "rw"))) {
				if (parse_bool(c, f, jp, &flag) < 0)
					return -EINVAL;
				b->flags |= flag ? HUTCH_BIND_RW : 0;
			}
			if ((f = cJSON_GetObjectItemCaseSensitive(it, "exec"))) {
				if (parse_bool(c, f, jp, &flag) < 0)
					return -EINVAL;
				b->flags |= flag ? HUTCH_BIND_EXEC : 0;
			}
			if ((f = cJSON_GetObjectItemCaseSensitive(it, "optional"))) {
				if (parse_bool(c, f, jp, &flag) < 0)
					return -EINVAL;
				b->flags |= flag ? HUTCH_BIND_OPTIONAL : 0;
			}
		}
	}
	return 0;
}

/* network.publish / network.host_ports: an array of ports. */
static int parse_port_list(struct pctx *c, const cJSON *v, const char *jpath, uint16_t **ret,
			   size_t *ret_n)
{
	const cJSON *it;
	uint16_t *ports;
	size_t n = 0;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > HUTCH_NET_MAX_PORTS)
		return perr(c->err, c->file, jpath, "expected an array of at most %d ports",
			    HUTCH_NET_MAX_PORTS);
	ports = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*ports));
	if (!ports)
		return herr(c->err, ENOMEM, "%s", c->file);
	cJSON_ArrayForEach(it, v) {
		if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 65535 ||
		    it->valuedouble != (double)it->valueint) {
			free(ports);
			return perr(c->err, c->file, jpath, "expected port numbers 1..65535");
		}
		ports[n++] = (uint16_t)it->valueint;
	}
	*ret = ports;
	*ret_n = n;
	return 0;
}

/* The keys of "network" beyond mode/allowed. A child layer that is not
 * admin may narrow what its parent lets out, never widen it: its allowlist
 * stays within the parent's, its host ports are a subset, and it may not
 * move the address pool or, under an allowlist, pick resolvers (port 53 to
 * a resolver is allowed whatever the list says). */
static int parse_network_options(struct pctx *c, const cJSON *obj)
{
	struct hutch_net_options *o = &c->p->net_opts;
	bool narrow = c->is_child && !c->p->admin;
	const cJSON *v, *it;
	size_t n;
	int r;

	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "allow"))) {
		struct hutch_net_dest *d;

		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > HUTCH_NET_MAX_ALLOW)
			return perr(c->err, c->file, "network.allow",
				    "expected an array of at most %d \"A.B.C.D[/N][:PORT]\"",
				    HUTCH_NET_MAX_ALLOW);
		d = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*d));
		if (!d)
			return herr(c->err, ENOMEM, "%s", c->file);
		n = 0;
		cJSON_ArrayForEach(it, v) {
			bool covered = !(narrow && o->allow_only);

			if (!cJSON_IsString(it) || netopt_parse_dest(it->valuestring, &d[n]) < 0) {
				free(d);
				return perr(c->err, c->file, "network.allow",
					    "expected \"A.B.C.D[/N][:PORT]\" (host bits zero), got %s",
					    cJSON_IsString(it) ? it->valuestring : "a non-string");
			}
			for (size_t k = 0; !covered && k < o->n_allow; k++)
				covered = netopt_dest_covers(&o->allow[k], &d[n]);
			if (!covered) {
				free(d);
				return perr(c->err, c->file, "network.allow",
					    "%s is outside the parent's allowlist; only an admin profile may widen it",
					    it->valuestring);
			}
			n++;
		}
		free((void *)o->allow);
		o->allow = d;
		o->n_allow = n;
		o->allow_only = true;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "publish"))) {
		uint16_t *ports;

		r = parse_port_list(c, v, "network.publish", &ports, &n);
		if (r < 0)
			return r;
		free((void *)o->publish);
		o->publish = ports;
		o->n_publish = n;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "host_ports"))) {
		uint16_t *ports;

		r = parse_port_list(c, v, "network.host_ports", &ports, &n);
		if (r < 0)
			return r;
		for (size_t i = 0; narrow && i < n; i++) {
			bool found = false;
			for (size_t k = 0; k < o->n_host_ports; k++)
				found |= o->host_ports[k] == ports[i];
			if (!found) {
				unsigned port = ports[i];
				free(ports);
				return perr(c->err, c->file, "network.host_ports",
					    "port %u is not among the parent's; only an admin profile may add it",
					    port);
			}
		}
		free((void *)o->host_ports);
		o->host_ports = ports;
		o->n_host_ports = n;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "dns"))) {
		struct in_addr *dns;

		if (narrow && o->allow_only)
			return perr(c->err, c->file, "network.dns",
				    "the parent has an allowlist; only an admin profile may choose resolvers");
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > HUTCH_NET_MAX_DNS)
			return perr(c->err, c->file, "network.dns", "expected an array of at most %d IPv4 addresses",
				    HUTCH_NET_MAX_DNS);
		/* one more than needed: an empty array must still be non-NULL ("no resolver") */
		dns = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*dns));
		if (!dns)
			return herr(c->err, ENOMEM, "%s", c->file);
		n = 0;
		cJSON_ArrayForEach(it, v) {
			uint8_t prefix;

			if (!cJSON_IsString(it) || netopt_parse_cidr(it->valuestring, &dns[n], &prefix) < 0 ||
			    prefix != 32) {
				free(dns);
				return perr(c->err, c->file, "network.dns", "expected IPv4 addresses");
			}
			n++;
		}
		free((void *)o->dns);
		o->dns = dns;
		o->n_dns = n;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "pool"))) {
		if (narrow)
			return perr(c->err, c->file, "network.pool", "only an admin profile may move the address pool");
		if (!cJSON_IsString(v) || netopt_parse_cidr(v->valuestring, &o->pool, &o->pool_prefix) < 0 ||
		    o->pool_prefix < 8 || o->pool_prefix > 28)
			return perr(c->err, c->file, "network.pool", "expected \"A.B.C.D/N\", N from 8 to 28");
	}
	return 0;
}

static int parse_network(struct pctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "mode", "allowed", "allow", "publish", "host_ports",
					    "dns", "pool", NULL };
	const cJSON *v, *it;
	int r = check_keys(c, obj, "network", keys);
	enum hutch_net_mode m;

	if (r < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "allowed"))) {
		unsigned mask = 0;
		if (!cJSON_IsArray(v))
			return perr(c->err, c->file, "network.allowed", "expected an array of modes");
		cJSON_ArrayForEach(it, v) {
			if (!cJSON_IsString(it) || net_mode_parse(it->valuestring, &m) < 0)
				return perr(c->err, c->file, "network.allowed",
					    "expected none, loopback, egress or publish");
			mask |= 1u << m;
		}
		if (c->is_child && !c->p->admin && (mask & ~c->p->net_allowed))
			return perr(c->err, c->file, "network.allowed",
				    "allows a mode the parent does not; only an admin profile may");
		c->p->net_allowed = mask;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "mode"))) {
		if (!cJSON_IsString(v) || net_mode_parse(v->valuestring, &m) < 0)
			return perr(c->err, c->file, "network.mode",
				    "expected \"none\", \"loopback\", \"egress\" or \"publish\"");
		c->p->net = m;
	}
	if (!(c->p->net_allowed & (1u << c->p->net)))
		return perr(c->err, c->file, "network.mode", "\"%s\" is not in network.allowed",
			    net_mode_name(c->p->net));
	return parse_network_options(c, obj);
}

static int parse_errno(struct pctx *c, const cJSON *v, const char *jpath, int *ret)
{
	if (cJSON_IsNumber(v) && v->valueint > 0 && v->valueint < 4096) {
		*ret = v->valueint;
		return 0;
	}
	if (cJSON_IsString(v))
		for (size_t i = 0; i < ARRAY_SIZE(errno_names); i++)
			if (strcmp(v->valuestring, errno_names[i].name) == 0) {
				*ret = errno_names[i].value;
				return 0;
			}
	return perr(c->err, c->file, jpath, "expected an errno name (EPERM, EACCES, ENOSYS, ...) or number");
}

static int parse_action(struct pctx *c, const cJSON *v, const char *jpath, enum hutch_sc_action *ret)
{
	static const char *const names[] = { "allow", "errno", "kill", "log" };

	if (cJSON_IsString(v))
		for (size_t i = 0; i < ARRAY_SIZE(names); i++)
			if (strcmp(v->valuestring, names[i]) == 0) {
				*ret = (enum hutch_sc_action)i;
				return 0;
			}
	return perr(c->err, c->file, jpath, "expected \"allow\", \"errno\", \"kill\" or \"log\"");
}

static int parse_arg(struct pctx *c, const cJSON *a, const char *jp, struct hutch_sc_arg *ret)
{
	static const char *const keys[] = { "index", "op", "value", "mask", NULL };
	static const char *const ops[] = { "eq", "ne", "lt", "le", "gt", "ge", "masked_eq" };
	const cJSON *v;
	int r = check_keys(c, a, jp, keys);

	if (r < 0)
		return r;
	v = cJSON_GetObjectItemCaseSensitive(a, "index");
	if (!cJSON_IsNumber(v) || v->valueint < 0 || v->valueint > 5)
		return perr(c->err, c->file, jp, "index: expected 0..5");
	ret->index = (unsigned)v->valueint;
	v = cJSON_GetObjectItemCaseSensitive(a, "op");
	ret->op = HUTCH_SC_EQ;
	if (v) {
		size_t i;
		for (i = 0; i < ARRAY_SIZE(ops); i++)
			if (cJSON_IsString(v) && strcmp(v->valuestring, ops[i]) == 0)
				break;
		if (i == ARRAY_SIZE(ops))
			return perr(c->err, c->file, jp, "op: expected eq, ne, lt, le, gt, ge or masked_eq");
		ret->op = (enum hutch_sc_op)i;
	}
	for (int k = 0; k < 2; k++) {
		const char *key = k ? "mask" : "value";
		uint64_t *dst = k ? &ret->mask : &ret->value;
		v = cJSON_GetObjectItemCaseSensitive(a, key);
		if (!v) {
			if (k == 0 || ret->op == HUTCH_SC_MASKED_EQ)
				return perr(c->err, c->file, jp, "%s: missing", key);
			continue;
		}
		if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 9007199254740992.0)
			*dst = (uint64_t)v->valuedouble;
		else if (cJSON_IsString(v)) {
			char *end;
			errno = 0;
			*dst = strtoull(v->valuestring, &end, 0);
			if (errno || *end || !v->valuestring[0])
				return perr(c->err, c->file, jp, "%s: expected a number or a \"0x...\" string", key);
		} else
			return perr(c->err, c->file, jp, "%s: expected a number or a \"0x...\" string", key);
	}
	return 0;
}

static int parse_seccomp(struct pctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "enabled", "default_action", "default_errno", "rules", NULL };
	static const char *const rk[] = { "syscalls", "action", "errno", "args", "comment", NULL };
	const cJSON *v, *rule;
	int r = check_keys(c, obj, "seccomp", keys);
	size_t total = 0, i = 0;
	struct hutch_sc_rule *rules;

	if (r < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "enabled")) &&
	    parse_bool(c, v, "seccomp.enabled", &c->p->seccomp_enabled) < 0)
		return -EINVAL;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "default_action")) &&
	    parse_action(c, v, "seccomp.default_action", &c->p->seccomp.default_action) < 0)
		return -EINVAL;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "default_errno")) &&
	    parse_errno(c, v, "seccomp.default_errno", &c->p->seccomp.default_errno) < 0)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(obj, "rules");
	if (!v)
		return 0;
	if (!cJSON_IsArray(v))
		return perr(c->err, c->file, "seccomp.rules", "expected an array of rules");
	cJSON_ArrayForEach(rule, v) {
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(rule, "syscalls");
		if (cJSON_IsArray(s))
			total += (size_t)cJSON_GetArraySize(s);
	}
	if (total > PROFILE_MAX_ITEMS)
		return perr(c->err, c->file, "seccomp.rules", "more than %d syscalls", PROFILE_MAX_ITEMS);
	rules = calloc(total ? total : 1, sizeof(*rules));
	if (!rules)
		return herr(c->err, ENOMEM, "%s", c->file);
	for (size_t k = 0; k < c->p->seccomp.n_rules; k++)
		free((char *)c->p->sc_rules[k].syscall);
	free(c->p->sc_rules);
	c->p->sc_rules = rules;
	c->p->seccomp.rules = rules;
	c->p->seccomp.n_rules = 0;
	cJSON_ArrayForEach(rule, v) {
		struct hutch_sc_rule tmpl = { 0 };
		const cJSON *s, *sc;
		char jp[128];
		size_t ri = i++;

		snprintf(jp, sizeof(jp), "seccomp.rules[%zu]", ri);
		r = check_keys(c, rule, jp, rk);
		if (r < 0)
			return r;
		s = cJSON_GetObjectItemCaseSensitive(rule, "action");
		snprintf(jp, sizeof(jp), "seccomp.rules[%zu].action", ri);
		if (!s)
			return perr(c->err, c->file, jp, "missing");
		if (parse_action(c, s, jp, &tmpl.action) < 0)
			return -EINVAL;
		if ((s = cJSON_GetObjectItemCaseSensitive(rule, "errno"))) {
			snprintf(jp, sizeof(jp), "seccomp.rules[%zu].errno", ri);
			if (parse_errno(c, s, jp, &tmpl.errno_value) < 0)
				return -EINVAL;
			if (tmpl.action != HUTCH_SC_ERRNO)
				return perr(c->err, c->file, jp, "only valid with \"action\": \"errno\"");
		}
		if ((s = cJSON_GetObjectItemCaseSensitive(rule, "args"))) {
			const cJSON *a;
			snprintf(jp, sizeof(jp), "seccomp.rules[%zu].args", ri);
			if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) > 6)
				return perr(c->err, c->file, jp, "expected an array of at most 6 conditions");
			cJSON_ArrayForEach(a, s) {
				snprintf(jp, sizeof(jp), "seccomp.rules[%zu].args[%u]", ri, tmpl.n_args);
				if (parse_arg(c, a, jp, &tmpl.args[tmpl.n_args]) < 0)
					return -EINVAL;
				tmpl.n_args++;
			}
		}
		s = cJSON_GetObjectItemCaseSensitive(rule, "syscalls");
		snprintf(jp, sizeof(jp), "seccomp.rules[%zu].syscalls", ri);
		if (!cJSON_IsArray(s) || cJSON_GetArraySize(s) == 0)
			return perr(c->err, c->file, jp, "expected a non-empty array of syscall names or @groups");
		cJSON_ArrayForEach(sc, s) {
			const char *nm = cJSON_IsString(sc) ? sc->valuestring : NULL;
			if (!nm || (nm[0] == '@' ? !hutch_seccomp_group(nm) : !syscall_name_known(nm)))
				return perr(c->err, c->file, jp, "unknown %s \"%s\"",
					    nm && nm[0] == '@' ? "syscall group" : "syscall",
					    nm ? nm : "(not a string)");
			rules[c->p->seccomp.n_rules] = tmpl;
			rules[c->p->seccomp.n_rules].syscall = strdup(nm);
			if (!rules[c->p->seccomp.n_rules++].syscall)
				return herr(c->err, ENOMEM, "%s", c->file);
		}
	}
	return 0;
}

static int parse_environment(struct pctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "set", "allow", NULL };
	const cJSON *v, *it;
	int r = check_keys(c, obj, "environment", keys);

	if (r < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "set"))) {
		size_t n, i = 0;
		char **e;
		if (!cJSON_IsObject(v))
			return perr(c->err, c->file, "environment.set", "expected an object of NAME: \"value\"");
		n = (size_t)cJSON_GetArraySize(v);
		if (n > 256)
			return perr(c->err, c->file, "environment.set", "more than 256 variables");
		e = calloc(n + 1, sizeof(char *));
		if (!e)
			return herr(c->err, ENOMEM, "%s", c->file);
		cJSON_ArrayForEach(it, v) {
			if (!cJSON_IsString(it) || !it->string[0] || strchr(it->string, '=')) {
				strv_free(e);
				return perr(c->err, c->file, "environment.set",
					    "\"%s\": expected a name without '=' and a string value", it->string);
			}
			if (asprintf(&e[i], "%s=%s", it->string, it->valuestring) < 0) {
				e[i] = NULL;
				strv_free(e);
				return herr(c->err, ENOMEM, "%s", c->file);
			}
			i++;
		}
		strv_free(c->p->env_set);
		c->p->env_set = e;
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(obj, "allow"))) {
		char **a = NULL;
		r = parse_strv(c, v, "environment.allow", false, &a);
		if (r < 0)
			return r;
		strv_free(c->p->env_allow);
		c->p->env_allow = a;
	}
	return 0;
}

static int parse_identity(struct pctx *c, const cJSON *obj)
{
	static const char *const keys[] = { "uid", "gid", NULL };
	const cJSON *v;
	int r = check_keys(c, obj, "identity", keys);

	if (r < 0)
		return r;
	for (int k = 0; k < 2; k++) {
		v = cJSON_GetObjectItemCaseSensitive(obj, k ? "gid" : "uid");
		if (!v)
			continue;
		if (!cJSON_IsNumber(v) || v->valueint < 1 || v->valueint > 65535 ||
		    v->valuedouble != (double)v->valueint)
			return perr(c->err, c->file, k ? "identity.gid" : "identity.uid",
				    "expected a whole number 1..65535 (0, root, is not allowed)");
		if (k)
			c->p->gid = (gid_t)v->valueint;
		else
			c->p->uid = (uid_t)v->valueint;
	}
	return 0;
}

/* The seccomp section of a layer. A child that is not admin may only
 * tighten its parent's policy (pol_is_tighter: what the parent denies stays
 * denied), as it may only lower ceilings. */
static int parse_seccomp_layer(struct pctx *c, const cJSON *v)
{
	struct hutch_sc_policy *before = NULL;
	bool was_enabled = c->p->seccomp_enabled;
	char why[160];
	int r;

	if (c->is_child && !c->p->admin && !(before = pol_copy(&c->p->seccomp)))
		return herr(c->err, ENOMEM, "%s", c->file);
	r = parse_seccomp(c, v);
	if (r == 0 && before &&
	    !pol_is_tighter(before, was_enabled, &c->p->seccomp, c->p->seccomp_enabled, why, sizeof(why)))
		r = perr(c->err, c->file, "seccomp",
			 "%s; only a profile with \"admin\": true may loosen its parent's policy", why);
	pol_copy_free(before);
	return r;
}

/* Apply one profile file's object on top of what its parents set. */
static int apply_layer(struct pctx *c, const cJSON *j)
{
	static const char *const keys[] = { "description", "extends", "admin", "rootfs", "limits",
					    "network", "seccomp", "environment", "identity", "$schema",
					    NULL };
	const cJSON *v;
	int r = check_keys(c, j, "(top level)", keys);

	if (r < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "description"))) {
		if (!cJSON_IsString(v))
			return perr(c->err, c->file, "description", "expected a string");
		free(c->p->description);
		c->p->description = xstrdup(v->valuestring);
	}
	c->p->admin = false;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "admin")) && parse_bool(c, v, "admin", &c->p->admin) < 0)
		return -EINVAL;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "limits")) && (r = parse_limits(c, v)) < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "rootfs")) && (r = parse_rootfs(c, v)) < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "network")) && (r = parse_network(c, v)) < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "seccomp")) && (r = parse_seccomp_layer(c, v)) < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "environment")) && (r = parse_environment(c, v)) < 0)
		return r;
	if ((v = cJSON_GetObjectItemCaseSensitive(j, "identity")) && (r = parse_identity(c, v)) < 0)
		return r;
	return 0;
}

static int validate_final(struct pctx *c)
{
	for (int i = 0; i < LIM__MAX; i++)
		if (above(c->p->def[i], c->p->ceil[i])) {
			char jp[64];
			snprintf(jp, sizeof(jp), "limits.%s.default", limit_table[i].key);
			return perr(c->err, c->file, jp, "is above limits.%s.ceiling", limit_table[i].key);
		}
	return 0;
}

/*
 * Load a profile and its extends chain. The top layer is the file
 * name_or_path names, or, when text is not NULL, that JSON text (named
 * name_or_path in messages, never opened); the parents always come from
 * files found through search_path.
 */
static int load_chain(const char *text, size_t text_len, const char *name_or_path,
		      const char *search_path, struct profile **ret, struct hutch_error *err)
{
	cJSON *chain[PROFILE_MAX_DEPTH] = { 0 };
	char *paths[PROFILE_MAX_DEPTH] = { 0 };
	struct profile *p = calloc(1, sizeof(*p));
	const char *next = name_or_path;
	int depth = 0, r = 0;

	if (!name_or_path) {
		free(p);
		return herr(err, EINVAL, "profile: no name given");
	}
	if (!p)
		return herr(err, ENOMEM, "profile");
	/* Walk the extends chain child -> root, then apply root -> child. */
	while (next) {
		const cJSON *ext;
		if (depth == PROFILE_MAX_DEPTH) {
			r = herr(err, ELOOP, "%s: extends chain longer than %d", paths[0], PROFILE_MAX_DEPTH);
			goto out;
		}
		if (depth == 0 && text) {
			paths[0] = strdup(name_or_path);
			r = paths[0] ? profile_parse_json_text(text, text_len, paths[0], &chain[0], err)
				     : herr(err, ENOMEM, "profile");
			if (r < 0) {
				depth++;
				goto out;
			}
			goto parsed;
		}
		r = profile_find(next, search_path, &paths[depth], err);
		if (r < 0) {
			if (depth > 0)
				herr_prefix(err, "%s: extends", paths[depth - 1]);
			goto out;
		}
		/* A text layer is no file: it cannot be part of a cycle. */
		for (int k = text ? 1 : 0; k < depth; k++) {
			char a[PATH_MAX], b[PATH_MAX];
			if (realpath(paths[k], a) && realpath(paths[depth], b) && strcmp(a, b) == 0) {
				r = herr(err, ELOOP, "%s: extends: cycle through %s", paths[0], paths[depth]);
				depth++;
				goto out;
			}
		}
		r = read_json(paths[depth], &chain[depth], err);
		if (r < 0) {
			depth++;
			goto out;
		}
parsed:
		ext = cJSON_GetObjectItemCaseSensitive(chain[depth], "extends");
		if (ext && !cJSON_IsString(ext)) {
			r = perr(err, paths[depth], "extends", "expected a profile name");
			depth++;
			goto out;
		}
		next = ext ? ext->valuestring : NULL;
		depth++;
	}
	/* Built-in base: the values a profile without a parent starts from. */
	p->uid = HUTCH_DEFAULT_UID;
	p->gid = HUTCH_DEFAULT_UID;
	p->net = HUTCH_NET_NONE;
	p->net_allowed = (1u << HUTCH_NET_NONE) | (1u << HUTCH_NET_LOOPBACK) | (1u << HUTCH_NET_EGRESS) |
			 (1u << HUTCH_NET_PUBLISH);
	p->seccomp_enabled = true;
	p->seccomp.default_action = HUTCH_SC_ALLOW;
	p->seccomp.default_errno = EPERM;
	for (int k = depth - 1; k >= 0; k--) {
		struct pctx c = { .file = paths[k], .err = err, .p = p, .is_child = k != depth - 1 };
		r = apply_layer(&c, chain[k]);
		if (r < 0)
			goto out;
		if (k == 0)
			r = validate_final(&c);
		if (r < 0)
			goto out;
	}
	{
		const char *base = strrchr(paths[0], '/');
		char *nm = strdup(base ? base + 1 : paths[0]);
		if (nm && strlen(nm) > 5 && strcmp(nm + strlen(nm) - 5, ".json") == 0)
			nm[strlen(nm) - 5] = '\0';
		p->name = nm;
		p->path = strdup(paths[0]);
		if (asprintf((char **)&p->seccomp.name, "profile %s", nm ? nm : "?") < 0)
			p->seccomp.name = NULL;
	}
	*ret = TAKE_PTR(p);
	r = 0;
out:
	for (int k = 0; k < PROFILE_MAX_DEPTH; k++) {
		cJSON_Delete(chain[k]);
		free(paths[k]);
	}
	profile_free(p);
	return r;
}

int profile_load(const char *name_or_path, const char *search_path, struct profile **ret,
		 struct hutch_error *err)
{
	return load_chain(NULL, 0, name_or_path, search_path, ret, err);
}

int profile_load_text(const char *text, size_t len, const char *name, const char *search_path,
		      struct profile **ret, struct hutch_error *err)
{
	return load_chain(text, len, name, search_path, ret, err);
}

int profile_apply_limits(const struct profile *p, const struct run_overrides *o,
			 struct hutch_limits *l, struct hutch_error *err)
{
	uint64_t v[LIM__MAX];

	for (int i = 0; i < LIM__MAX; i++) {
		v[i] = p->def[i];
		if (o && o->set[i]) {
			if (above(o->val[i], p->ceil[i])) {
				char want[32], ceil[32];
				if (limit_table[i].kind == LK_SIZE) {
					hu_format_size(o->val[i], want, sizeof(want));
					hu_format_size(p->ceil[i], ceil, sizeof(ceil));
				} else if (limit_table[i].kind == LK_TIME) {
					hu_format_time(o->val[i], want, sizeof(want));
					hu_format_time(p->ceil[i], ceil, sizeof(ceil));
				} else {
					snprintf(want, sizeof(want), "%llu", (unsigned long long)o->val[i]);
					snprintf(ceil, sizeof(ceil), "%llu", (unsigned long long)p->ceil[i]);
				}
				return herr(err, EPERM,
					    "%s %s is above the ceiling of profile %s (limits.%s.ceiling = %s); "
					    "ask for at most %s or use a profile with a higher ceiling",
					    limit_table[i].option, o->val[i] ? want : "unlimited", p->name,
					    limit_table[i].key, ceil, ceil);
			}
			v[i] = o->val[i];
		}
	}
	l->cpu_time_us = v[LIM_TIME];
	l->wall_time_us = v[LIM_WALL_TIME];
	l->memory_bytes = v[LIM_MEMORY];
	l->pids = v[LIM_PIDS];
	l->fsize_bytes = v[LIM_FSIZE];
	l->output_bytes = v[LIM_OUTPUT];
	l->nofile = v[LIM_NOFILE];
	l->stack_bytes = v[LIM_STACK];
	l->tmpfs_bytes = v[LIM_TMPFS];
	l->shm_bytes = v[LIM_SHM];
	return 0;
}
