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

/* "allow", "errno(EPERM)", "kill", "log" */
const char *pol_verdict_str(const struct pol_verdict *v, char *buf, size_t len);

#endif
