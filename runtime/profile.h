/* SPDX-License-Identifier: MIT */
/*
 * Profiles: JSON files that set a sandbox's defaults and ceilings
 * (profiles/README.md documents every key). Loading is parse -> merge the
 * `extends` chain -> validate strictly -> typed struct profile; nothing of
 * a profile reaches the library except through profile_build_spec().
 */
#ifndef HUTCH_PROFILE_H
#define HUTCH_PROFILE_H

#include "hutch.h"
#include "seccomp.h"

enum limit_id {
	LIM_TIME = 0, LIM_WALL_TIME, LIM_MEMORY, LIM_PIDS, LIM_FSIZE, LIM_OUTPUT,
	LIM_NOFILE, LIM_STACK, LIM_TMPFS, LIM_SHM, LIM__MAX,
};

enum limit_kind { LK_TIME, LK_SIZE, LK_COUNT };

struct limit_desc {
	const char *key;     /* JSON key under "limits" */
	const char *option;  /* hutch run option */
	enum limit_kind kind;
	uint64_t absurd;     /* anything above is rejected as a typo */
	const char *help;
};

/* The table of limits: JSON key, CLI option, unit. Index: enum limit_id. */
extern const struct limit_desc limit_table[LIM__MAX];

struct profile {
	char *name;
	char *path;        /* file of the profile itself (not its parents) */
	char *description;
	bool admin;        /* may raise ceilings above its parent's */
	uint64_t def[LIM__MAX];  /* 0: unlimited */
	uint64_t ceil[LIM__MAX]; /* 0: unlimited */
	char *image;       /* runtime image name or absolute path; NULL: host view */
	char **masked;     /* NULL-terminated */
	struct hutch_bind *binds;
	size_t n_binds;
	bool workdir_exec;
	enum hutch_net_mode net;
	unsigned net_allowed; /* bit per enum hutch_net_mode a run may choose */
	/* network.allow, publish, host_ports, dns, pool (docs/network.md);
	 * the arrays are the profile's own. */
	struct hutch_net_options net_opts;
	bool seccomp_enabled;
	struct hutch_sc_policy seccomp;
	struct hutch_sc_rule *sc_rules;
	char **env_set;    /* "K=V", NULL-terminated */
	char **env_allow;  /* names passed from the caller's environment */
	uid_t uid;
	gid_t gid;
};

/* Search path: $HUTCH_PROFILE_PATH (colon-separated) if set, else
 * /etc/hutch/profiles, then the installed and source profiles dirs.
 * name_or_path containing '/' or ending in .json is a path. */
int profile_load(const char *name_or_path, const char *search_path, struct profile **ret,
		 struct hutch_error *err);
void profile_free(struct profile *p);

/* profile_load() of a profile given as JSON text (len bytes, no NUL
 * needed) rather than a file: a request body, an upload, the fuzzer. name
 * stands for it in messages and gives the profile its name ("x.json" ->
 * "x"); its `extends` are still files found through search_path. */
int profile_load_text(const char *text, size_t len, const char *name, const char *search_path,
		      struct profile **ret, struct hutch_error *err);

/* Resolve a name to the file that would be loaded (for list/show). */
int profile_find(const char *name, const char *search_path, char **ret_path, struct hutch_error *err);

/* Per-run choices from the command line or an API request. A limit set
 * here must be <= the profile's ceiling or building the spec fails. */
struct run_overrides {
	bool set[LIM__MAX];
	uint64_t val[LIM__MAX];
	bool net_set;
	enum hutch_net_mode net;
	bool workdir_exec;
};

/* Fill spec (hutch_spec_init first) from profile + overrides. Strings in
 * spec point into profile, which must outlive the run. */
int profile_apply_limits(const struct profile *p, const struct run_overrides *o,
			 struct hutch_limits *ret, struct hutch_error *err);

/* Parse profile JSON text (bounded depth); exposed for the fuzzer. */
struct cJSON;
int profile_parse_json_text(const char *text, size_t len, const char *path, struct cJSON **ret,
			    struct hutch_error *err);

const char *net_mode_name(enum hutch_net_mode m);
int net_mode_parse(const char *s, enum hutch_net_mode *ret);

#endif
