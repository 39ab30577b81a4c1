/* SPDX-License-Identifier: MIT */
/*
 * Languages (prefix lang_) and the profiles they run under (profiles_).
 *
 * Languages are data: a JSON file (server/languages.json, installed as
 * share/hutch/languages.json, or the config's `languages`) maps each
 * Judge0 language id to a profile, a source file name and argv templates:
 *
 *   { "id": 50, "name": "C (GCC)", "profile": "grade-c", "source_file": "main.c",
 *     "compile": ["/usr/bin/gcc", "-O2", "{compiler_options}", "-o", "main", "main.c"],
 *     "compile_limits": { "time": 10, "memory": "500M" },
 *     "run": ["./main", "{args}"] }
 *
 * "{compiler_options}" and "{args}" are whole elements that expand to the
 * request's compiler_options / command_line_arguments split into words
 * (no shell: words_split). A language whose compiler or interpreter is
 * missing on this host (or in the profile's runtime image) is kept but
 * marked unavailable, with the reason, and is not offered.
 *
 * Profiles are loaded once, at start, through the profile loader; their
 * seccomp policies are compiled once. Both are read-only afterwards and
 * shared by every worker.
 */
#ifndef HUTCHD_LANG_H
#define HUTCHD_LANG_H

#include <stdbool.h>
#include <stddef.h>

#include "hutch.h"
#include "profile.h"

struct hutch_seccomp;

struct loaded_profile {
	struct profile *p;
	struct hutch_seccomp *sc; /* NULL when the profile has seccomp off */
};

struct profiles;

int profiles_new(const char *search_path, struct profiles **ret);
/* The profile called name, loaded on first use. Thread-safe. */
int profiles_get(struct profiles *ps, const char *name, const struct loaded_profile **ret,
		 struct hutch_error *err);
void profiles_free(struct profiles *ps);

#define LANG_ARG_OPTIONS "{compiler_options}"
#define LANG_ARG_ARGS "{args}"

struct lang {
	int id;
	char *name;
	char *source_file;
	char **compile;                /* NULL-terminated template, or NULL: nothing to compile */
	char **run;                    /* NULL-terminated template */
	struct run_overrides compile_ov; /* compile_limits, within the profile's ceilings */
	const struct loaded_profile *prof;
	bool available;
	char *unavailable;             /* why not, for logs and /languages/ID */
};

struct langs {
	struct lang *v;
	size_t n;
	char *path;
	char **extract;                /* argv to unpack additional_files (zip at {zip}) */
};

/* Load the file (path NULL: the default places). Profiles named by the
 * languages are loaded through ps; state_dir is for runtime images. */
int langs_load(const char *path, struct profiles *ps, const char *state_dir, struct langs **ret,
	       struct hutch_error *err);
void langs_free(struct langs *ls);
/* An available language, or NULL. */
const struct lang *lang_find(const struct langs *ls, int id);
/* Any language, available or not (for messages). */
const struct lang *lang_find_any(const struct langs *ls, int id);

/* Expand a template: {compiler_options} and {args} become the words of
 * opts / args (either may be NULL). *ret: NULL-terminated, strings
 * borrowed from tmpl and from the word arrays. */
int lang_expand(char *const *tmpl, char *const *opts, char *const *args, char ***ret);

#endif
