/* SPDX-License-Identifier: MIT */
/*
 * Runtime recipes (prefix recipe_): runtime/runtimes/NAME.json, the data a
 * runtime image is built from (runtime_cmd.c builds, profiles/README.md
 * documents the format). Loading is strict like profiles: unknown keys,
 * wrong types and words that could be taken for options or shell are
 * errors naming the file and the JSON path.
 */
#include "recipe.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

/* Next to the profiles: installed, $PREFIX/share/hutch/runtimes; in the
 * source tree, runtime/runtimes. The Makefile defines the profile dirs. */
#define HUTCH_INSTALLED_RECIPE_DIR HUTCH_INSTALLED_PROFILE_DIR "/../runtimes"
#define HUTCH_SOURCE_RECIPE_DIR HUTCH_PROFILE_DIR "/../runtime/runtimes"
#define RECIPE_MAX_BYTES (64u << 10)
#define RECIPE_MAX_ITEMS 256


void recipe_strv_free(char **v)
{
	for (size_t i = 0; v && v[i]; i++)
		free(v[i]);
	free(v);
}

void recipe_free(struct recipe *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->file);
	free(r->description);
	free(r->suite);
	free(r->mirror);
	free(r->variant);
	recipe_strv_free(r->packages);
	recipe_strv_free(r->build_only);
	recipe_strv_free(r->npm);
	for (size_t i = 0; r->check && r->check[i]; i++)
		recipe_strv_free(r->check[i]);
	free(r->check);
	free(r->canonical);
	free(r);
}

const char *recipe_search_path(void)
{
	const char *env = getenv("HUTCH_RUNTIME_PATH");

	if (env && *env)
		return env;
	return "/etc/hutch/runtimes:" HUTCH_INSTALLED_RECIPE_DIR ":" HUTCH_SOURCE_RECIPE_DIR;
}

bool recipe_valid_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	return strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-_.") == n;
}

/* Characters each kind of word may hold: no shell or option tricks. */
static bool word_ok(const char *s, const char *allowed, size_t max)
{
	size_t n = strlen(s);

	return n > 0 && n <= max && s[0] != '-' && strspn(s, allowed) == n;
}

#define DEB_CHARS "abcdefghijklmnopqrstuvwxyz0123456789.+-"
#define NPM_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@/._-~^<>=*"
#define URL_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:/._-~%"

__attribute__((format(printf, 4, 5))) static int rerr(struct hutch_error *err, const char *file,
						     const char *jpath, const char *fmt, ...)
{
	char what[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return herr(err, 0, "%s: %s: %s", file, jpath, what);
}

/* An array of strings, each made of chars (any, if NULL) and at most max
 * long; what describes one item for the error message. */
static int words(const cJSON *arr, const char *file, const char *jpath, const char *chars, size_t max,
		 const char *what, char ***ret, struct hutch_error *err)
{
	const cJSON *it;
	size_t i = 0;
	char **v;

	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) > RECIPE_MAX_ITEMS)
		return rerr(err, file, jpath, "expected an array of at most %d strings", RECIPE_MAX_ITEMS);
	v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof(*v));
	if (!v)
		return herr(err, ENOMEM, "%s", file);
	cJSON_ArrayForEach(it, arr) {
		if (!cJSON_IsString(it) || (chars && !word_ok(it->valuestring, chars, max)) ||
		    (!chars && (!it->valuestring[0] || strlen(it->valuestring) > max))) {
			recipe_strv_free(v);
			return rerr(err, file, jpath, "item %zu: expected %s", i, what);
		}
		v[i] = strdup(it->valuestring);
		if (!v[i++]) {
			recipe_strv_free(v);
			return herr(err, ENOMEM, "%s", file);
		}
	}
	*ret = v;
	return 0;
}

static int check_keys(const cJSON *obj, const char *file, const char *jpath, const char *const *keys,
		      struct hutch_error *err)
{
	const cJSON *it;

	if (!cJSON_IsObject(obj))
		return rerr(err, file, jpath, "expected an object");
	cJSON_ArrayForEach(it, obj) {
		size_t i;
		for (i = 0; keys[i] && strcmp(keys[i], it->string) != 0; i++)
			;
		if (!keys[i])
			return rerr(err, file, jpath, "unknown key '%s'", it->string);
	}
	return 0;
}

static char *str_or(const cJSON *obj, const char *key, const char *def)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);

	return strdup(cJSON_IsString(v) ? v->valuestring : def);
}

static int recipe_parse(struct recipe *r, cJSON *j, struct hutch_error *err)
{
	static const char *const top[] = { "description", "debian", "npm", "check", NULL };
	static const char *const deb[] = { "suite", "mirror", "variant", "packages", "build_only", NULL };
	const cJSON *d, *v;
	const char *f = r->file;
	size_t i = 0;

	if (check_keys(j, f, "(top level)", top, err) < 0)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(j, "description");
	if (v && !cJSON_IsString(v))
		return rerr(err, f, "description", "expected a string");
	r->description = str_or(j, "description", "");
	d = cJSON_GetObjectItemCaseSensitive(j, "debian");
	if (!d)
		return rerr(err, f, "debian", "missing (the suite and packages of the image)");
	if (check_keys(d, f, "debian", deb, err) < 0)
		return -EINVAL;
	for (const char *const *k = deb; *k && strcmp(*k, "packages") != 0; k++)
		if ((v = cJSON_GetObjectItemCaseSensitive(d, *k)) && !cJSON_IsString(v))
			return rerr(err, f, "debian", "%s: expected a string", *k);
	r->suite = str_or(d, "suite", "bookworm");
	r->mirror = str_or(d, "mirror", "http://deb.debian.org/debian");
	r->variant = str_or(d, "variant", "minbase");
	if (!r->description || !r->suite || !r->mirror || !r->variant)
		return herr(err, ENOMEM, "%s", f);
	if (!word_ok(r->suite, "abcdefghijklmnopqrstuvwxyz0123456789-", 32))
		return rerr(err, f, "debian.suite", "expected a suite name like \"bookworm\"");
	if (strncmp(r->mirror, "http://", 7) != 0 && strncmp(r->mirror, "https://", 8) != 0)
		return rerr(err, f, "debian.mirror", "expected an http:// or https:// URL");
	if (!word_ok(r->mirror, URL_CHARS, 256))
		return rerr(err, f, "debian.mirror", "unexpected characters in the URL");
	if (strcmp(r->variant, "minbase") != 0 && strcmp(r->variant, "buildd") != 0)
		return rerr(err, f, "debian.variant", "expected \"minbase\" or \"buildd\"");
	v = cJSON_GetObjectItemCaseSensitive(d, "packages");
	if (!v)
		return rerr(err, f, "debian.packages", "missing");
	if (words(v, f, "debian.packages", DEB_CHARS, 100, "a Debian package name", &r->packages, err) < 0)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(d, "build_only");
	if (v && words(v, f, "debian.build_only", DEB_CHARS, 100, "a Debian package name", &r->build_only,
		       err) < 0)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(j, "npm");
	if (v && words(v, f, "npm", NPM_CHARS, 214, "an npm package spec like \"mocha@10.8.2\"", &r->npm, err) < 0)
		return -EINVAL;
	v = cJSON_GetObjectItemCaseSensitive(j, "check");
	if (v) {
		const cJSON *c;
		if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) > 16)
			return rerr(err, f, "check", "expected an array of at most 16 commands");
		r->check = calloc((size_t)cJSON_GetArraySize(v) + 1, sizeof(*r->check));
		if (!r->check)
			return herr(err, ENOMEM, "%s", f);
		cJSON_ArrayForEach(c, v) {
			char jp[32];
			snprintf(jp, sizeof(jp), "check[%zu]", i);
			if (!cJSON_IsArray(c) || cJSON_GetArraySize(c) == 0)
				return rerr(err, f, jp, "expected a command: an array of strings");
			if (words(c, f, jp, NULL, 1024, "a non-empty string", &r->check[i++], err) < 0)
				return -EINVAL;
		}
	}
	return 0;
}

int recipe_load(const char *name, struct recipe **ret, struct hutch_error *err)
{
	_cleanup_free_ char *sp = strdup(recipe_search_path()), *text = NULL;
	struct recipe *r = NULL;
	char path[PATH_MAX] = "";
	cJSON *j = NULL;
	struct stat st;
	int fd = -1, rc;
	ssize_t n;

	if (!recipe_valid_name(name))
		return herr(err, 0, "runtime name '%s': use lowercase letters, digits, '-', '_', '.'", name);
	if (!sp)
		return herr(err, ENOMEM, "recipe");
	for (char *save = NULL, *dir = strtok_r(sp, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		int len = snprintf(path, sizeof(path), "%s/%s.json", dir, name);
		if (len < 0 || (size_t)len >= sizeof(path))
			continue; /* a search path entry too long to hold a recipe */
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		if (fd >= 0)
			break;
	}
	if (fd < 0)
		return herr(err, ENOENT, "no recipe for runtime '%s' in %s (see `hutch runtime list`)", name,
			    recipe_search_path());
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > RECIPE_MAX_BYTES) {
		close(fd);
		return herr(err, EFBIG, "%s: not a regular file of at most %u bytes", path, RECIPE_MAX_BYTES);
	}
	text = malloc((size_t)st.st_size + 1);
	n = text ? hu_read_full(fd, text, (size_t)st.st_size) : -ENOMEM;
	close(fd);
	if (n < 0)
		return herr(err, (int)-n, "read %s", path);
	text[n] = '\0';
	j = cJSON_ParseWithLength(text, (size_t)n);
	if (!j || !cJSON_IsObject(j)) {
		cJSON_Delete(j);
		return herr(err, 0, "%s: invalid JSON or not an object", path);
	}
	r = calloc(1, sizeof(*r));
	if (!r || !(r->name = strdup(name)) || !(r->file = strdup(path)) ||
	    !(r->canonical = cJSON_PrintUnformatted(j))) {
		cJSON_Delete(j);
		recipe_free(r);
		return herr(err, ENOMEM, "recipe");
	}
	rc = recipe_parse(r, j, err);
	cJSON_Delete(j);
	if (rc < 0) {
		recipe_free(r);
		return rc;
	}
	*ret = r;
	return 0;
}

static uint64_t fnv1a(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull; /* field separator */
}

static const char *machine(void)
{
	static struct utsname u;

	if (!u.machine[0] && uname(&u) < 0)
		snprintf(u.machine, sizeof(u.machine), "unknown");
	return u.machine;
}

/* Key of the debootstrap base and of the whole image. */
void recipe_base_key(const struct recipe *r, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(h, RECIPE_BUILDER_VERSION);
	h = fnv1a(h, machine());
	h = fnv1a(h, r->suite);
	h = fnv1a(h, r->mirror);
	h = fnv1a(h, r->variant);
	snprintf(buf, len, "%s-%s-%016llx", r->suite, r->variant, (unsigned long long)h);
}

void recipe_image_key(const struct recipe *r, char *buf, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = fnv1a(h, RECIPE_BUILDER_VERSION);
	h = fnv1a(h, machine());
	h = fnv1a(h, r->canonical);
	snprintf(buf, len, "%016llx", (unsigned long long)h);
}

size_t recipe_names(char names[][65], size_t max)
{
	_cleanup_free_ char *sp = strdup(recipe_search_path());
	size_t n = 0;

	if (!sp)
		return 0;
	for (char *save = NULL, *dir = strtok_r(sp, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		DIR *d = opendir(dir);
		struct dirent *e;
		if (!d)
			continue;
		while ((e = readdir(d)) && n < max) {
			size_t l = strlen(e->d_name);
			bool dup = false;
			if (l <= 5 || l - 5 > 64 || strcmp(e->d_name + l - 5, ".json") != 0)
				continue;
			for (size_t i = 0; i < n; i++)
				dup |= strncmp(names[i], e->d_name, l - 5) == 0 && names[i][l - 5] == '\0';
			if (dup)
				continue;
			memcpy(names[n], e->d_name, l - 5);
			names[n++][l - 5] = '\0';
		}
		closedir(d);
	}
	qsort(names, n, sizeof(names[0]), (int (*)(const void *, const void *))strcmp);
	return n;
}
