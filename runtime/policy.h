/* SPDX-License-Identifier: MIT */
/*
 * Reading a seccomp policy the way an admin asks about it (prefix pol_):
 * "what happens to ptrace?", "is @mount denied?". Used by `hutch profile
 * explain`, `diff`, `audit` and `learn`. The compiler (sandbox/seccomp.c)
 * stays the authority on what runs; this only reads the rules.
 */
#ifndef HUTCH_POLICY_H
#define HUTCH_POLICY_H

#include <stdbool.h>

#include "seccomp.h"

/* What a policy does with one syscall. */
struct pol_verdict {
	enum hutch_sc_action action; /* unconditional rule's, else the default */
	int errno_value;             /* HUTCH_SC_ERRNO: resolved (0 -> EPERM) */
	bool conditional;            /* rules that look at arguments exist too */
	bool native;                 /* exists on this architecture */
};

/* Whether rule_name ("ptrace" or "@debug", groups nest) covers syscall. */
bool pol_name_covers(const char *rule_name, const char *syscall);

/* The verdict of policy for syscall (a name). */
void pol_syscall(const struct hutch_sc_policy *policy, const char *syscall, struct pol_verdict *ret);

/* Whether policy refuses syscall outright (errno or kill, no condition). */
bool pol_denies(const struct hutch_sc_policy *policy, const char *syscall);

/* Native syscalls a group stands for (nested groups expanded, foreign
 * ones left out), written to names (up to max); returns how many. */
size_t pol_group_syscalls(const char *group, const char **names, size_t max);

/* A deep copy of policy (rules and names owned), to compare a profile
 * layer with what it replaced. NULL when out of memory. */
struct hutch_sc_policy *pol_copy(const struct hutch_sc_policy *policy);
void pol_copy_free(struct hutch_sc_policy *copy);

/*
 * Whether child refuses everything parent refuses, syscall by syscall (the
 * "ceilings only go down" rule of profiles, for seccomp). Accepted:
 *   - a syscall the parent denies outright stays denied outright (errno
 *     or kill, either);
 *   - a syscall the parent decides by its arguments is denied outright, or
 *     decided by the same rules, or (a deny-by-default child, such as one
 *     `hutch profile learn` wrote) allowed only by conditional rules that
 *     no call the parent denies can match;
 *   - the filter stays enabled if the parent's is.
 * Returns true, or false with the first offending syscall and why in why.
 */
bool pol_is_tighter(const struct hutch_sc_policy *parent, bool parent_enabled,
		    const struct hutch_sc_policy *child, bool child_enabled, char *why, size_t len);

/* "allow", "errno(EPERM)", "kill", "log" */
const char *pol_verdict_str(const struct pol_verdict *v, char *buf, size_t len);

#endif
