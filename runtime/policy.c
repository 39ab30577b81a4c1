/* SPDX-License-Identifier: MIT */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define POL_GROUP_DEPTH 4

static bool covers(const char *rule_name, const char *syscall, unsigned depth)
{
	const char *const *m;

	if (rule_name[0] != '@')
		return strcmp(rule_name, syscall) == 0;
	if (depth >= POL_GROUP_DEPTH || !(m = hutch_seccomp_group(rule_name)))
		return false;
	for (; *m; m++)
		if (covers(*m, syscall, depth + 1))
			return true;
	return false;
}

bool pol_name_covers(const char *rule_name, const char *syscall)
{
	return rule_name && syscall && covers(rule_name, syscall, 0);
}

void pol_syscall(const struct hutch_sc_policy *policy, const char *syscall, struct pol_verdict *ret)
{
	bool decided = false;

	memset(ret, 0, sizeof(*ret));
	ret->native = hutch_seccomp_syscall_nr(syscall) >= 0;
	for (size_t i = 0; i < policy->n_rules; i++) {
		const struct hutch_sc_rule *r = &policy->rules[i];

		if (!pol_name_covers(r->syscall, syscall))
			continue;
		if (r->n_args) {
			/* a conditional rule with the default action changes nothing */
			if (r->action != policy->default_action)
				ret->conditional = true;
			continue;
		}
		if (!decided) {
			ret->action = r->action;
			ret->errno_value = r->errno_value ? r->errno_value : EPERM;
			decided = true;
		}
	}
	if (!decided) {
		ret->action = policy->default_action;
		ret->errno_value = policy->default_errno ? policy->default_errno : EPERM;
	}
	if (decided)
		ret->conditional = false; /* the unconditional rule swallows them (docs/seccomp.md) */
}

bool pol_denies(const struct hutch_sc_policy *policy, const char *syscall)
{
	struct pol_verdict v;

	pol_syscall(policy, syscall, &v);
	return !v.conditional && (v.action == HUTCH_SC_ERRNO || v.action == HUTCH_SC_KILL);
}

static size_t expand(const char *name, const char **names, size_t n, size_t max, unsigned depth)
{
	const char *const *m;

	if (name[0] != '@') {
		if (hutch_seccomp_syscall_nr(name) < 0)
			return n;
		for (size_t i = 0; i < n; i++)
			if (strcmp(names[i], name) == 0)
				return n;
		if (n < max)
			names[n++] = name;
		return n;
	}
	if (depth >= POL_GROUP_DEPTH || !(m = hutch_seccomp_group(name)))
		return n;
	for (; *m; m++)
		n = expand(*m, names, n, max, depth + 1);
	return n;
}

size_t pol_group_syscalls(const char *group, const char **names, size_t max)
{
	return expand(group, names, 0, max, 0);
}

const char *pol_verdict_str(const struct pol_verdict *v, char *buf, size_t len)
{
	static const char *const names[] = { "allow", "errno", "kill", "log" };
	const char *a = (unsigned)v->action < 4 ? names[v->action] : "?";

	if (v->action == HUTCH_SC_ERRNO) {
		const char *e = strerrorname_np(v->errno_value);
		if (e)
			snprintf(buf, len, "errno(%s)", e);
		else
			snprintf(buf, len, "errno(%d)", v->errno_value);
	} else {
		snprintf(buf, len, "%s", a);
	}
	if (v->conditional) {
		size_t n = strlen(buf);
		snprintf(buf + n, len - n, " (some calls denied by argument)");
	}
	return buf;
}
