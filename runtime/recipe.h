/* SPDX-License-Identifier: MIT */
/* Runtime recipes: what a runtime image is built from (recipe.c). */
#ifndef HUTCH_RECIPE_H
#define HUTCH_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

#include "hutch.h"

/* Bumped when the builder changes what it makes of a recipe: every image
 * is then out of date. */
#define RECIPE_BUILDER_VERSION "1"

struct recipe {
	char *name;
	char *file;
	char *description;
	char *suite;
	char *mirror;
	char *variant;
	char **packages;   /* NULL-terminated */
	char **build_only; /* installed for the build, purged after it */
	char **npm;
	char ***check;   /* NULL-terminated list of argv */
	char *canonical; /* the recipe's JSON, unformatted: what the key hashes */
};

/* Where recipes are found: $HUTCH_RUNTIME_PATH (colon-separated), else
 * /etc/hutch/runtimes, the installed share/hutch/runtimes, the source
 * tree's runtime/runtimes. */
const char *recipe_search_path(void);

/* Lowercase letters, digits, '-', '_', '.'; 1..64; not starting with '.' or '-'. */
bool recipe_valid_name(const char *s);

/* Find NAME.json on the search path and validate it. 0 or -errno with err
 * naming the file and the JSON path. */
int recipe_load(const char *name, struct recipe **ret, struct hutch_error *err);
void recipe_free(struct recipe *r);
void recipe_strv_free(char **v);

/* Cache keys: of the debootstrap base ("bookworm-minbase-HASH": suite,
 * mirror, variant, machine, builder) and of the whole image (the recipe's
 * canonical JSON, machine, builder). */
void recipe_base_key(const struct recipe *r, char *buf, size_t len);
void recipe_image_key(const struct recipe *r, char *buf, size_t len);

/* The names of the recipes on the search path, sorted, without repeats. */
size_t recipe_names(char names[][65], size_t max);

#endif
