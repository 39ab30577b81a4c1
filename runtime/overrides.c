/* SPDX-License-Identifier: MIT */
#include "overrides.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "units.h"

int ovr_limit(struct run_overrides *o, enum limit_id id, const char *value, const char *what,
	      struct hutch_error *err)
{
	const struct limit_desc *d = &limit_table[id];
	uint64_t v = 0;
	int r;

	if (d->kind == LK_TIME) {
		r = hu_parse_time(value, &v);
	} else if (d->kind == LK_SIZE) {
		r = hu_parse_size(value, &v);
	} else {
		char *end;
		errno = 0;
		v = strtoull(value, &end, 10);
		r = (errno || *end || !*value || value[0] == '-') ? -EINVAL : 0;
	}
	if (r < 0)
		return herr(err, 0, "%s '%s': expected %s", what, value,
			    d->kind == LK_TIME   ? "seconds, e.g. 1.5 or 500ms"
			    : d->kind == LK_SIZE ? "a size, e.g. 64M or 1G"
						 : "a whole number");
	if (v == 0)
		return herr(err, 0,
			    "%s 0: a limit of zero would stop everything; leave it out to use the "
			    "profile's default",
			    what);
	o->set[id] = true;
	o->val[id] = v;
	return 0;
}

int ovr_set(struct run_overrides *o, const char *assignment, struct hutch_error *err)
{
	const char *eq = strchr(assignment, '=');
	char path[128], what[160];
	size_t n;

	if (!eq || eq == assignment)
		return herr(err, 0, "--set %s: expected PATH=VALUE, e.g. limits.memory=128M", assignment);
	n = (size_t)(eq - assignment);
	if (n >= sizeof(path))
		return herr(err, 0, "--set: path too long");
	memcpy(path, assignment, n);
	path[n] = '\0';
	snprintf(what, sizeof(what), "--set %s", path);

	if (strncmp(path, "limits.", 7) == 0) {
		const char *key = path + 7, *dot = strchr(key, '.');
		size_t klen = dot ? (size_t)(dot - key) : strlen(key);

		for (int i = 0; i < LIM__MAX; i++) {
			if (strlen(limit_table[i].key) != klen || strncmp(limit_table[i].key, key, klen) != 0)
				continue;
			if (dot && strcmp(dot, ".default") != 0) {
				if (strcmp(dot, ".ceiling") == 0)
					return herr(err, 0,
						    "%s: a ceiling is the profile's; a run chooses a value up to "
						    "it with --set limits.%s=VALUE (or use a profile with a "
						    "higher ceiling)",
						    what, limit_table[i].key);
				return herr(err, 0, "%s: expected limits.%s or limits.%s.default", what,
					    limit_table[i].key, limit_table[i].key);
			}
			return ovr_limit(o, (enum limit_id)i, eq + 1, what, err);
		}
		{
			char list[256] = "";
			for (int i = 0; i < LIM__MAX; i++) {
				strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
				strncat(list, limit_table[i].key, sizeof(list) - strlen(list) - 1);
			}
			return herr(err, 0, "%s: unknown limit (expected one of: %s)", what, list);
		}
	}
	if (strcmp(path, "network.mode") == 0) {
		if (net_mode_parse(eq + 1, &o->net) < 0)
			return herr(err, 0, "%s=%s: expected none, loopback, egress or publish", what, eq + 1);
		o->net_set = true;
		return 0;
	}
	if (strncmp(path, "environment.", 12) == 0)
		return herr(err, 0, "%s: set variables with --env NAME=VALUE (the profile decides the rest)",
			    what);
	return herr(err, 0,
		    "%s: a run may set limits.NAME and network.mode only; everything else is the "
		    "profile's (write a profile that extends it: profiles/README.md)",
		    what);
}
