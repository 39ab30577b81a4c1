/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "error.h"
#include "units.h"
#include "util.h"

#define CFG_FILE_MAX (256 * 1024)
#define CFG_LINE_MAX 4096

enum cfg_type { CFG_STR, CFG_UINT, CFG_SIZE, CFG_TIME, CFG_BOOL, CFG_ENUM };

static const char *const role_names[] = { "none", "client", "admin", NULL };
static const char *const sync_names[] = { "normal", "full", NULL };
static const char *const level_names[] = { "debug", "info", "warn", "error", NULL };

struct cfg_key {
	const char *key;
	enum cfg_type type;
	size_t offset;
	const char *def;
	uint64_t min, max;          /* CFG_UINT, CFG_SIZE, CFG_TIME (us) */
	const char *const *names;   /* CFG_ENUM: value i is names[i] */
	const char *help;
};

#define K(name, type, def, min, max, names, help) \
	{ #name, type, offsetof(struct hutchd_config, name), def, min, max, names, help }
#define SEC 1000000ull
#define MiB (1024ull * 1024)

static const struct cfg_key cfg_table[] = {
	K(listen, CFG_STR, "127.0.0.1", 0, 0, NULL,
	  "address to listen on (IPv4 or IPv6); loopback unless you put a proxy with TLS in front"),
	K(port, CFG_UINT, "2358", 0, 65535, NULL, "TCP port (Judge0's is 2358); 0 picks a free one"),
	K(port_file, CFG_STR, "", 0, 0, NULL, "write the bound port to this file once listening"),
	K(http_threads, CFG_UINT, "4", 1, 256, NULL, "threads serving HTTP (epoll, one pool)"),
	K(max_connections, CFG_UINT, "512", 1, 65536, NULL, "open HTTP connections at once"),
	K(connection_timeout, CFG_TIME, "30", 1 * SEC, 3600 * SEC, NULL, "idle HTTP connection timeout"),
	K(state_dir, CFG_STR, "/var/lib/hutch", 0, 0, NULL, "hutch's state directory (database, work dirs)"),
	K(database, CFG_STR, "", 0, 0, NULL, "SQLite database file (default <state_dir>/hutchd.db)"),
	K(sqlite_synchronous, CFG_ENUM, "full", 0, 0, sync_names,
	  "full: an accepted job survives power loss; normal: it survives a crash of hutchd"),
	K(workers, CFG_UINT, "0", 0, 1024, NULL, "sandboxes run at once (0: one per CPU)"),
	K(max_queue, CFG_UINT, "1000", 1, 10000000, NULL, "jobs waiting to run; beyond it: 503 with Retry-After"),
	K(max_attempts, CFG_UINT, "3", 1, 100, NULL,
	  "times a job is started before a crash of hutchd in its middle fails it (Internal Error)"),
	K(shutdown_grace, CFG_TIME, "10", 0, 3600 * SEC, NULL,
	  "on SIGTERM, time running jobs get to finish before they are cancelled and requeued"),
	K(wait_timeout, CFG_TIME, "60", 1 * SEC, 3600 * SEC, NULL,
	  "longest a ?wait=true request is held; then the job's current state is returned"),
	K(languages, CFG_STR, "", 0, 0, NULL, "languages file (default: the one shipped with hutch)"),
	K(profile_path, CFG_STR, "", 0, 0, NULL, "profile search path (default: hutch's)"),
	K(max_body, CFG_SIZE, "16M", 1024, 1024 * MiB, NULL, "largest request body (413 beyond)"),
	K(max_headers, CFG_UINT, "64", 4, 1024, NULL, "most request headers (431 beyond)"),
	K(max_json_depth, CFG_UINT, "16", 2, 256, NULL, "deepest nesting of a JSON body (413 beyond)"),
	K(max_source, CFG_SIZE, "1M", 1, 256 * MiB, NULL, "largest source_code (413 beyond)"),
	K(max_stdin, CFG_SIZE, "4M", 1, 256 * MiB, NULL, "largest stdin or expected_output of one test (413 beyond)"),
	K(max_additional_files, CFG_SIZE, "4M", 1, 256 * MiB, NULL, "largest additional_files zip (413 beyond)"),
	K(max_batch, CFG_UINT, "20", 1, 10000, NULL, "submissions in one batch (413 beyond)"),
	K(max_test_cases, CFG_UINT, "64", 1, 10000, NULL, "test_cases in one submission (413 beyond)"),
	K(max_number_of_runs, CFG_UINT, "20", 1, 1000, NULL, "largest number_of_runs"),
	K(max_output, CFG_SIZE, "1M", 1024, 256 * MiB, NULL,
	  "bytes kept of stdout, of stderr and of compile output (more: output limit)"),
	K(work_size, CFG_SIZE, "128M", 1 * MiB, 64 * 1024 * MiB, NULL,
	  "size of a job's work dir (/box): a tmpfs, so a program cannot fill the host's disk"),
	K(work_inodes, CFG_UINT, "16384", 64, 10000000, NULL, "files and directories a job's work dir may hold"),
	K(anonymous_role, CFG_ENUM, "none", 0, 0, role_names,
	  "role of requests without a token: none (refused), client or admin"),
	K(public_metrics, CFG_BOOL, "false", 0, 0, NULL, "serve /metrics without a token"),
	K(enable_wait_result, CFG_BOOL, "true", 0, 0, NULL, "allow ?wait=true"),
	K(enable_compiler_options, CFG_BOOL, "true", 0, 0, NULL, "allow compiler_options"),
	K(enable_command_line_arguments, CFG_BOOL, "true", 0, 0, NULL, "allow command_line_arguments"),
	K(enable_submission_delete, CFG_BOOL, "true", 0, 0, NULL, "allow DELETE /submissions/TOKEN (admin)"),
	K(enable_callbacks, CFG_BOOL, "true", 0, 0, NULL, "allow callback_url"),
	K(enable_additional_files, CFG_BOOL, "true", 0, 0, NULL, "allow additional_files"),
	K(callbacks_max_tries, CFG_UINT, "3", 1, 100, NULL, "attempts to deliver one callback"),
	K(callbacks_timeout, CFG_TIME, "5", 100000, 600 * SEC, NULL, "timeout of one callback attempt"),
	K(log_level, CFG_ENUM, "info", 0, 0, level_names, "debug, info, warn or error"),
};

const char *role_name(enum role r)
{
	return (unsigned)r < ARRAY_SIZE(role_names) - 1 ? role_names[r] : "?";
}

int role_parse(const char *s, enum role *ret)
{
	for (size_t i = 0; role_names[i]; i++)
		if (strcmp(s, role_names[i]) == 0) {
			*ret = (enum role)i;
			return 0;
		}
	return -EINVAL;
}

static const struct cfg_key *cfg_find(const char *key, size_t len)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_table); i++)
		if (strlen(cfg_table[i].key) == len && strncmp(cfg_table[i].key, key, len) == 0)
			return &cfg_table[i];
	return NULL;
}

static void fmt_value(const struct hutchd_config *c, const struct cfg_key *k, char *buf, size_t len)
{
	const char *base = (const char *)c;
	const void *field = base + k->offset;
	uint64_t v;

	switch (k->type) {
	case CFG_STR:
		snprintf(buf, len, "\"%s\"", *(char *const *)field ? *(char *const *)field : "");
		return;
	case CFG_UINT:
		snprintf(buf, len, "%llu", (unsigned long long)*(const uint64_t *)field);
		return;
	case CFG_SIZE:
		hu_format_size(*(const uint64_t *)field, buf, (unsigned)len);
		return;
	case CFG_TIME:
		v = *(const uint64_t *)field;
		hu_format_time(v, buf, (unsigned)len);
		return;
	case CFG_BOOL:
		snprintf(buf, len, "%s", *(const bool *)field ? "true" : "false");
		return;
	case CFG_ENUM:
		snprintf(buf, len, "%s", k->names[*(const int *)field]);
		return;
	}
}

/* Parse value for key k into c. The message says what was expected. */
static int cfg_assign(struct hutchd_config *c, const struct cfg_key *k, const char *value,
		      struct hutch_error *err)
{
	char *base = (char *)c;
	void *field = base + k->offset;
	uint64_t v = 0;
	char lo[32], hi[32];
	int r;

	switch (k->type) {
	case CFG_STR: {
		char *s = strdup(value);
		if (!s)
			return herr(err, ENOMEM, "%s", k->key);
		free(*(char **)field);
		*(char **)field = s;
		return 0;
	}
	case CFG_BOOL:
		if (strcmp(value, "true") == 0 || strcmp(value, "yes") == 0 || strcmp(value, "1") == 0)
			*(bool *)field = true;
		else if (strcmp(value, "false") == 0 || strcmp(value, "no") == 0 || strcmp(value, "0") == 0)
			*(bool *)field = false;
		else
			return herr(err, 0, "%s = %s: expected true or false", k->key, value);
		return 0;
	case CFG_ENUM:
		for (int i = 0; k->names[i]; i++)
			if (strcmp(value, k->names[i]) == 0) {
				*(int *)field = i;
				return 0;
			}
		{
			char list[256] = "";
			for (int i = 0; k->names[i]; i++)
				snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s", i ? ", " : "",
					 k->names[i]);
			return herr(err, 0, "%s = %s: expected one of %s", k->key, value, list);
		}
	case CFG_UINT: {
		char *end;
		errno = 0;
		v = strtoull(value, &end, 10);
		r = (errno || *end || !*value || value[0] == '-') ? -EINVAL : 0;
		if (r < 0)
			return herr(err, 0, "%s = %s: expected a whole number", k->key, value);
		snprintf(lo, sizeof(lo), "%llu", (unsigned long long)k->min);
		snprintf(hi, sizeof(hi), "%llu", (unsigned long long)k->max);
		break;
	}
	case CFG_SIZE:
		if (hu_parse_size(value, &v) < 0)
			return herr(err, 0, "%s = %s: expected a size such as 64K or 16M", k->key, value);
		hu_format_size(k->min, lo, sizeof(lo));
		hu_format_size(k->max, hi, sizeof(hi));
		break;
	case CFG_TIME:
		if (hu_parse_time(value, &v) < 0)
			return herr(err, 0, "%s = %s: expected seconds such as 5, 0.5 or 500ms", k->key, value);
		hu_format_time(k->min, lo, sizeof(lo));
		hu_format_time(k->max, hi, sizeof(hi));
		break;
	}
	if (v < k->min || v > k->max)
		return herr(err, 0, "%s = %s: must be between %s and %s", k->key, value, lo, hi);
	*(uint64_t *)field = v;
	return 0;
}

int cfg_defaults(struct hutchd_config *c, struct hutch_error *err)
{
	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < ARRAY_SIZE(cfg_table); i++) {
		int r = cfg_assign(c, &cfg_table[i], cfg_table[i].def, err);
		if (r < 0)
			return herr_prefix(err, "built-in default");
	}
	return 0;
}

void cfg_free(struct hutchd_config *c)
{
	for (size_t i = 0; i < ARRAY_SIZE(cfg_table); i++)
		if (cfg_table[i].type == CFG_STR) {
			char **s = (char **)((char *)c + cfg_table[i].offset);
			free(*s);
			*s = NULL;
		}
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* One "key = value" (or "key=value" from --set). where names the origin
 * for messages ("hutchd.conf:12" or "--set"). */
static int cfg_line(struct hutchd_config *c, char *line, const char *where, struct hutch_error *err)
{
	char *eq = strchr(line, '='), *key, *value;
	const struct cfg_key *k;
	size_t vl;

	if (!eq)
		return herr(err, 0, "%s: expected key = value", where);
	*eq = '\0';
	key = trim(line);
	value = trim(eq + 1);
	vl = strlen(value);
	if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
		value[vl - 1] = '\0';
		value++;
	}
	k = cfg_find(key, strlen(key));
	if (!k)
		return herr(err, 0, "%s: unknown key '%s' (hutchd config lists them)", where, key);
	if (cfg_assign(c, k, value, err) < 0)
		return herr_prefix(err, "%s", where);
	return 0;
}

int cfg_load_text(struct hutchd_config *c, const char *text, const char *name, struct hutch_error *err)
{
	unsigned lineno = 0;

	for (const char *p = text; *p;) {
		const char *nl = strchrnul(p, '\n');
		size_t len = (size_t)(nl - p);
		char line[CFG_LINE_MAX], where[512], *l;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u", name, lineno);
		if (len >= sizeof(line))
			return herr(err, 0, "%s: line longer than %d bytes", where, CFG_LINE_MAX - 1);
		memcpy(line, p, len);
		line[len] = '\0';
		p = *nl ? nl + 1 : nl;
		if (memchr(line, '\0', len))
			return herr(err, 0, "%s: NUL byte", where);
		l = trim(line);
		if (*l == '\0' || *l == '#')
			continue;
		if (cfg_line(c, l, where, err) < 0)
			return -EINVAL;
	}
	return 0;
}

int cfg_load_file(struct hutchd_config *c, const char *path, bool optional, struct hutch_error *err)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	struct stat st;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		return herr(err, errno, "config %s", path);
	}
	if (fstat(fd, &st) < 0)
		return herr(err, errno, "config %s: fstat", path);
	/* /dev/null means "no file": handy for tests and for one-off runs. */
	if (S_ISCHR(st.st_mode) && major(st.st_rdev) == 1 && minor(st.st_rdev) == 3)
		return 0;
	if (!S_ISREG(st.st_mode))
		return herr(err, 0, "config %s: not a regular file", path);
	if (st.st_size > CFG_FILE_MAX)
		return herr(err, EFBIG, "config %s: larger than %d bytes", path, CFG_FILE_MAX);
	text = malloc((size_t)st.st_size + 1);
	if (!text)
		return herr(err, ENOMEM, "config %s", path);
	n = hu_read_full(fd, text, (size_t)st.st_size);
	if (n < 0)
		return herr(err, (int)-n, "config %s: read", path);
	text[n] = '\0';
	if (strlen(text) != (size_t)n)
		return herr(err, 0, "config %s: NUL byte", path);
	return cfg_load_text(c, text, path, err);
}

int cfg_set(struct hutchd_config *c, const char *key_eq_value, struct hutch_error *err)
{
	_cleanup_free_ char *copy = strdup(key_eq_value);

	if (!copy)
		return herr(err, ENOMEM, "--set");
	return cfg_line(c, copy, "--set", err);
}

int cfg_finish(struct hutchd_config *c, struct hutch_error *err)
{
	if (c->state_dir[0] != '/')
		return herr(err, 0, "state_dir = %s: must be an absolute path", c->state_dir);
	if (!c->database[0]) {
		char *db;
		if (asprintf(&db, "%s/hutchd.db", c->state_dir) < 0)
			return herr(err, ENOMEM, "database");
		free(c->database);
		c->database = db;
	}
	if (c->workers == 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		c->workers = n > 0 ? (uint64_t)n : 1;
	}
	return 0;
}

void cfg_print(const struct hutchd_config *c, FILE *f)
{
	char val[PATH_MAX + 8];

	fputs("# hutchd configuration: every key, its current value and what it does.\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(cfg_table); i++) {
		fmt_value(c, &cfg_table[i], val, sizeof(val));
		fprintf(f, "\n# %s\n%s = %s\n", cfg_table[i].help, cfg_table[i].key, val);
	}
}
