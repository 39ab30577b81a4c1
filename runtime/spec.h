/* SPDX-License-Identifier: MIT */
/*
 * Profile + overrides -> struct hutch_spec (prefix spec_): the one way a
 * front end turns a validated profile into what libhutch runs. Limits go
 * through profile_apply_limits (a value above the profile's ceiling is an
 * error), the network mode must be in the profile's network.allowed, the
 * environment is the profile's "set" plus the caller's variables it
 * "allow"s plus the front end's extras, binds are the profile's plus the
 * front end's, and a named runtime image is looked up in the state dir.
 *
 * The spec's strings point into the profile and into struct spec_parts,
 * which both must outlive the run. What stays the caller's: argv, workdir,
 * cwd, streams, cancel_fd, cgroups.
 */
#ifndef HUTCH_SPEC_H
#define HUTCH_SPEC_H

#include <limits.h>

#include "hutch.h"
#include "profile.h"

struct spec_parts {
	char **env;    /* NULL-terminated; strings borrowed */
	size_t n_env, cap_env;
	struct hutch_bind *binds;
	char image_path[PATH_MAX];
};

struct spec_extras {
	const char *const *caller_env;   /* for the profile's environment.allow; may be NULL */
	const char *const *env;          /* "K=V" set last; may be NULL */
	const struct hutch_bind *binds;  /* after the profile's */
	size_t n_binds;
	const struct hutch_seccomp *seccomp; /* the profile's compiled policy, or NULL */
	const char *state_dir;           /* runtime images: <state_dir>/runtimes/<name>/rootfs */
};

/* Fill spec (hutch_spec_init() first) from p, o and x. On failure parts
 * is left empty and err names the limit, network mode or image. */
int spec_build(const struct profile *p, const struct run_overrides *o, const struct spec_extras *x,
	       struct spec_parts *parts, struct hutch_spec *spec, struct hutch_error *err);

void spec_parts_free(struct spec_parts *parts);

#endif
