/* SPDX-License-Identifier: MIT */
/*
 * Per-run overrides as text (prefix ovr_): the values of hutch run's limit
 * options and of `--set PATH=VALUE`, turned into struct run_overrides. The
 * ceilings are checked later, against the profile, by
 * profile_apply_limits(): here only the syntax and the paths a run may
 * touch at all.
 *
 * --set takes the profile's own JSON paths, so what an admin reads in
 * `hutch profile show` is what a user writes:
 *   limits.NAME=VALUE, limits.NAME.default=VALUE   the run's value (<= ceiling)
 *   network.mode=MODE                              within network.allowed
 * Anything else a profile holds (ceilings, seccomp, rootfs, identity,
 * environment) is the profile's to decide; naming it is an error that says
 * what to do instead.
 */
#ifndef HUTCH_OVERRIDES_H
#define HUTCH_OVERRIDES_H

#include "profile.h"

/* Limit id's value as typed after its option (what names the option in the
 * message: "--memory", "--set limits.memory"). A zero is refused: it would
 * mean "unlimited" in a profile but reads as "nothing" on a command line.
 * 0 or -EINVAL with err set. */
int ovr_limit(struct run_overrides *o, enum limit_id id, const char *value, const char *what,
	      struct hutch_error *err);

/* One "PATH=VALUE" of --set. 0 or -EINVAL with err set. */
int ovr_set(struct run_overrides *o, const char *assignment, struct hutch_error *err);

#endif
