/* SPDX-License-Identifier: MIT */
#include "lang.h"

#include <cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codec.h"
#include "error.h"
#include "seccomp.h"
#include "units.h"
#include "util.h"

#define LANGS_FILE_MAX (1024 * 1024)
#define LANG_ARGV_MAX 64

#ifndef HUTCHD_SOURCE_LANGUAGES
#define HUTCHD_SOURCE_LANGUAGES "server/languages.json"
#endif
#ifndef HUTCHD_INSTALLED_LANGUAGES
#define HUTCHD_INSTALLED_LANGUAGES "/usr/local/share/hutch/languages.json"
#endif

/* ---------- profiles ---------- */

struct profiles {
	pthread_mutex_t mu;
	char *search_path;
	struct loaded_profile **v;
	size_t n;
};

int profiles_new(const char *search_path, struct profiles **ret)
{
	struct profiles *ps = calloc(1, sizeof(*ps));

	if (!ps)
		return -ENOMEM;
	pthread_mutex_init(&ps->mu, NULL);
	if (search_path && *search_path && !(ps->search_path = strdup(search_path))) {
		free(ps);
		return -ENOMEM;
	}
	*ret = ps;
	return 0;
}

int profiles_get(struct profiles *ps, const char *name, const struct loaded_profile **ret,
		 struct hutch_error *err)
{
	struct loaded_profile *lp = NULL, **nv;
	int r = 0;

	pthread_mutex_lock(&ps->mu);
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i]->p->name, name) == 0) {
			*ret = ps->v[i];
			goto out;
		}
	lp = calloc(1, sizeof(*lp));
	if (!lp) {
		r = herr(err, ENOMEM, "profile %s", name);
		goto out;
	}
	r = profile_load(name, ps->search_path, &lp->p, err);
	if (r < 0)
		goto fail;
	if (lp->p->seccomp_enabled) {
		r = hutch_seccomp_compile(&lp->p->seccomp, &lp->sc, err);
		if (r < 0) {
			herr_prefix(err, "profile %s: seccomp", name);
			goto fail;
		}
	}
	/* an array of pointers: sizeof(*nv) is right */
	nv = reallocarray(ps->v, ps->n + 1, sizeof(*nv)); // NOLINT(bugprone-sizeof-expression)
	if (!nv) {
		r = herr(err, ENOMEM, "profile %s", name);
		goto fail;
	}
	ps->v = nv;
	ps->v[ps->n++] = lp;
	*ret = lp;
	goto out;
fail:
	if (lp) {
		hutch_seccomp_free(lp->sc);
		profile_free(lp->p);
		free(lp);
	}
out:
	pthread_mutex_unlock(&ps->mu);
	return r;
}

void profiles_free(struct profiles *ps)
{
	if (!ps)
		return;
	for (size_t i = 0; i < ps->n; i++) {
		hutch_seccomp_free(ps->v[i]->sc);
		profile_free(ps->v[i]->p);
		free(ps->v[i]);
	}
	free(ps->v);
	free(ps->search_path);
	pthread_mutex_destroy(&ps->mu);
	free(ps);
}

/* ---------- languages ---------- */

static void strv_free(char **v)
{
	if (!v)
		return;
	for (char **s = v; *s; s++)
		free(*s);
	free(v);
}

static void lang_clear(struct lang *l)
{
	free(l->name);
	free(l->source_file);
	strv_free(l->compile);
	strv_free(l->run);
	free(l->unavailable);
}

void langs_free(struct langs *ls)
{
	if (!ls)
		return;
	for (size_t i = 0; ls->v && i < ls->n; i++)
		lang_clear(&ls->v[i]);
	free(ls->v);
	free(ls->path);
	strv_free(ls->extract);
	free(ls);
}

const struct lang *lang_find_any(const struct langs *ls, int id)
{
	for (size_t i = 0; ls && i < ls->n; i++)
		if (ls->v[i].id == id)
			return &ls->v[i];
	return NULL;
}

const struct lang *lang_find(const struct langs *ls, int id)
{
	const struct lang *l = lang_find_any(ls, id);

	return l && l->available ? l : NULL;
}

int lang_expand(char *const *tmpl, char *const *opts, char *const *args, char ***ret)
{
	size_t n = 0, k = 0;
	char **v;

	for (char *const *t = tmpl; *t; t++) {
		char *const *words = strcmp(*t, LANG_ARG_OPTIONS) == 0 ? opts
				     : strcmp(*t, LANG_ARG_ARGS) == 0 ? args : NULL;
		if (strcmp(*t, LANG_ARG_OPTIONS) == 0 || strcmp(*t, LANG_ARG_ARGS) == 0)
			for (char *const *w = words; w && *w; w++)
				n++;
		else
			n++;
	}
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return -ENOMEM;
	for (char *const *t = tmpl; *t; t++) {
		bool o = strcmp(*t, LANG_ARG_OPTIONS) == 0, a = strcmp(*t, LANG_ARG_ARGS) == 0;
		if (o || a)
			for (char *const *w = o ? opts : args; w && *w; w++)
				v[k++] = *w;
		else
			v[k++] = *t;
	}
	v[k] = NULL;
	*ret = v;
	return 0;
}

/* An argv template: a non-empty array of at most LANG_ARGV_MAX strings. */
static int parse_argv(const cJSON *j, const char *where, char ***ret, struct hutch_error *err)
{
	size_t n = 0, i = 0;
	const cJSON *e;
	char **v;

	if (!cJSON_IsArray(j) || (n = (size_t)cJSON_GetArraySize(j)) == 0 || n > LANG_ARGV_MAX)
		return herr(err, 0, "%s: expected an array of 1 to %d strings", where, LANG_ARGV_MAX);
	v = calloc(n + 1, sizeof(char *));
	if (!v)
		return herr(err, ENOMEM, "%s", where);
	cJSON_ArrayForEach(e, j) {
		if (!cJSON_IsString(e) || !*e->valuestring) {
			strv_free(v);
			return herr(err, 0, "%s[%zu]: expected a non-empty string", where, i);
		}
		if (!(v[i++] = strdup(e->valuestring))) {
			strv_free(v);
			return herr(err, ENOMEM, "%s", where);
		}
	}
	*ret = v;
	return 0;
}

/* "compile_limits": { "time": 10, "memory": "500M", ... } with the
 * profile's limit keys and units. */
static int parse_limits(const cJSON *j, const char *where, struct run_overrides *ov, struct hutch_error *err)
{
	const cJSON *e;

	if (!cJSON_IsObject(j))
		return herr(err, 0, "%s: expected an object", where);
	cJSON_ArrayForEach(e, j) {
		int id = -1;
		uint64_t v = 0;
		char text[64];
		int r;

		for (int i = 0; i < LIM__MAX; i++)
			if (strcmp(limit_table[i].key, e->string) == 0)
				id = i;
		if (id < 0)
			return herr(err, 0, "%s.%s: unknown limit", where, e->string);
		if (cJSON_IsNumber(e) && e->valuedouble > 0 && e->valuedouble < 1e12)
			snprintf(text, sizeof(text), "%.6f", e->valuedouble);
		else if (cJSON_IsString(e) && strlen(e->valuestring) < sizeof(text))
			snprintf(text, sizeof(text), "%s", e->valuestring);
		else
			return herr(err, 0, "%s.%s: expected a number or a string", where, e->string);
		if (limit_table[id].kind == LK_TIME) {
			r = hu_parse_time(text, &v);
		} else if (limit_table[id].kind == LK_SIZE) {
			r = hu_parse_size(text, &v);
		} else {
			char *end;
			double d = strtod(text, &end);
			r = (*end || d < 1 || d != floor(d)) ? -EINVAL : 0;
			v = (uint64_t)d;
		}
		if (r < 0 || v == 0)
			return herr(err, 0, "%s.%s = %s: not a valid limit", where, e->string, text);
		ov->set[id] = true;
		ov->val[id] = v;
	}
	return 0;
}

/* Whether argv[0] of tmpl can run: an absolute path must exist and be
 * executable, on the host or in the profile's runtime image. Relative
 * names ("./main") are made by the compile step. */
static void check_program(struct lang *l, char *const *tmpl, const char *state_dir)
{
	char path[PATH_MAX];
	const char *prog = tmpl[0];
	const char *image = l->prof->p->image;

	if (!l->available || !prog || prog[0] != '/')
		return;
	if (!image)
		snprintf(path, sizeof(path), "%s", prog);
	else if (image[0] == '/')
		snprintf(path, sizeof(path), "%s%s", image, prog);
	else
		snprintf(path, sizeof(path), "%s/runtimes/%s/rootfs%s", state_dir, image, prog);
	if (access(path, X_OK) < 0) {
		l->available = false;
		if (asprintf(&l->unavailable, "%s: %s", path, strerror(errno)) < 0)
			l->unavailable = NULL;
	}
}

static int parse_lang(const cJSON *j, size_t idx, struct profiles *ps, const char *state_dir, struct lang *l,
		      struct hutch_error *err)
{
	static const char *const keys[] = { "id", "name", "profile", "source_file", "compile",
					    "compile_limits", "run", NULL };
	const cJSON *e;
	char where[64];
	int r;

	snprintf(where, sizeof(where), "languages[%zu]", idx);
	if (!cJSON_IsObject(j))
		return herr(err, 0, "%s: expected an object", where);
	cJSON_ArrayForEach(e, j) {
		bool known = false;
		for (const char *const *k = keys; *k; k++)
			known |= strcmp(*k, e->string) == 0;
		if (!known)
			return herr(err, 0, "%s.%s: unknown key", where, e->string);
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "id");
	if (!cJSON_IsNumber(e) || e->valuedouble < 1 || e->valuedouble > 1e6 || e->valuedouble != floor(e->valuedouble))
		return herr(err, 0, "%s.id: expected a whole number from 1", where);
	l->id = (int)e->valuedouble;
	snprintf(where, sizeof(where), "language %d", l->id);
	e = cJSON_GetObjectItemCaseSensitive(j, "name");
	if (!cJSON_IsString(e) || !*e->valuestring)
		return herr(err, 0, "%s.name: expected a string", where);
	l->name = strdup(e->valuestring);
	e = cJSON_GetObjectItemCaseSensitive(j, "source_file");
	if (!cJSON_IsString(e) || !*e->valuestring || strchr(e->valuestring, '/') || e->valuestring[0] == '.')
		return herr(err, 0, "%s.source_file: expected a plain file name", where);
	l->source_file = strdup(e->valuestring);
	if (!l->name || !l->source_file)
		return herr(err, ENOMEM, "%s", where);
	e = cJSON_GetObjectItemCaseSensitive(j, "profile");
	if (!cJSON_IsString(e))
		return herr(err, 0, "%s.profile: expected a profile name", where);
	r = profiles_get(ps, e->valuestring, &l->prof, err);
	if (r < 0)
		return herr_prefix(err, "%s", where);
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "compile"))) {
		char w[80];
		snprintf(w, sizeof(w), "%s.compile", where);
		if ((r = parse_argv(e, w, &l->compile, err)) < 0)
			return r;
	}
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "compile_limits"))) {
		struct hutch_limits lim;
		char w[80];
		snprintf(w, sizeof(w), "%s.compile_limits", where);
		if ((r = parse_limits(e, w, &l->compile_ov, err)) < 0)
			return r;
		if (profile_apply_limits(l->prof->p, &l->compile_ov, &lim, err) < 0)
			return herr_prefix(err, "%s", w);
	}
	e = cJSON_GetObjectItemCaseSensitive(j, "run");
	{
		char w[80];
		snprintf(w, sizeof(w), "%s.run", where);
		if ((r = parse_argv(e, w, &l->run, err)) < 0)
			return r;
	}
	l->available = true;
	if (l->compile)
		check_program(l, l->compile, state_dir);
	check_program(l, l->run, state_dir);
	return 0;
}

static int read_file_bounded(const char *path, char **ret, size_t *ret_len, struct hutch_error *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0)
		return herr(err, errno, "%s", path);
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		return herr(err, errno ? errno : EINVAL, "%s: not a regular file", path);
	if (st.st_size > LANGS_FILE_MAX)
		return herr(err, EFBIG, "%s: larger than %d bytes", path, LANGS_FILE_MAX);
	buf = malloc((size_t)st.st_size + 1);
	if (!buf)
		return herr(err, ENOMEM, "%s", path);
	n = hu_read_full(fd, buf, (size_t)st.st_size);
	if (n < 0) {
		free(buf);
		return herr(err, (int)-n, "read %s", path);
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = (size_t)n;
	return 0;
}

int langs_load(const char *path, struct profiles *ps, const char *state_dir, struct langs **ret,
	       struct hutch_error *err)
{
	static const char *const defaults[] = { "/etc/hutch/languages.json", HUTCHD_INSTALLED_LANGUAGES,
						HUTCHD_SOURCE_LANGUAGES, NULL };
	_cleanup_free_ char *text = NULL;
	struct langs *ls = NULL;
	cJSON *j = NULL;
	const cJSON *arr, *e;
	char msg[256];
	size_t len = 0, i = 0;
	int r;

	if (!path || !*path) {
		for (const char *const *d = defaults; *d; d++)
			if (access(*d, R_OK) == 0) {
				path = *d;
				break;
			}
		if (!path || !*path)
			return herr(err, ENOENT, "no languages file (looked in /etc/hutch, %s and %s); set "
				    "`languages` in hutchd.conf", HUTCHD_INSTALLED_LANGUAGES, HUTCHD_SOURCE_LANGUAGES);
	}
	r = read_file_bounded(path, &text, &len, err);
	if (r < 0)
		return r;
	r = json_parse_body(text, len, 8, &j, msg, sizeof(msg));
	if (r < 0)
		return herr(err, 0, "%s: %s", path, msg);
	ls = calloc(1, sizeof(*ls));
	if (!ls || !(ls->path = strdup(path))) {
		r = herr(err, ENOMEM, "%s", path);
		goto fail;
	}
	cJSON_ArrayForEach(e, j) {
		if (strcmp(e->string, "languages") != 0 && strcmp(e->string, "extract") != 0 &&
		    strcmp(e->string, "comment") != 0) {
			r = herr(err, 0, "%s: unknown key '%s' (expected languages, extract, comment)", path, e->string);
			goto fail;
		}
	}
	if ((e = cJSON_GetObjectItemCaseSensitive(j, "extract")) &&
	    (r = parse_argv(e, "extract", &ls->extract, err)) < 0)
		goto fail;
	arr = cJSON_GetObjectItemCaseSensitive(j, "languages");
	if (!cJSON_IsArray(arr)) {
		r = herr(err, 0, "%s: languages: expected an array", path);
		goto fail;
	}
	ls->v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*ls->v));
	if (!ls->v) {
		r = herr(err, ENOMEM, "%s", path);
		goto fail;
	}
	cJSON_ArrayForEach(e, arr) {
		r = parse_lang(e, i, ps, state_dir, &ls->v[i], err);
		ls->n = i + 1;
		if (r < 0) {
			herr_prefix(err, "%s", path);
			goto fail;
		}
		for (size_t k = 0; k < i; k++)
			if (ls->v[k].id == ls->v[i].id) {
				r = herr(err, 0, "%s: language id %d appears twice", path, ls->v[i].id);
				goto fail;
			}
		i++;
	}
	cJSON_Delete(j);
	*ret = ls;
	return 0;
fail:
	cJSON_Delete(j);
	langs_free(ls);
	return r < 0 ? r : -EINVAL;
}
