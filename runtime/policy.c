/* SPDX-License-Identifier: MIT */
#include "policy.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
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

struct hutch_sc_policy *pol_copy(const struct hutch_sc_policy *policy)
{
	struct hutch_sc_policy *c = calloc(1, sizeof(*c));
	struct hutch_sc_rule *rules = calloc(policy->n_rules ? policy->n_rules : 1, sizeof(*rules));

	if (!c || !rules) {
		free(c);
		free(rules);
		return NULL;
	}
	*c = *policy;
	c->name = NULL; /* not needed to compare */
	c->rules = rules;
	for (size_t i = 0; i < policy->n_rules; i++) {
		rules[i] = policy->rules[i];
		rules[i].syscall = strdup(policy->rules[i].syscall);
		if (!rules[i].syscall) {
			c->n_rules = i;
			pol_copy_free(c);
			return NULL;
		}
	}
	return c;
}

void pol_copy_free(struct hutch_sc_policy *copy)
{
	if (!copy)
		return;
	for (size_t i = 0; i < copy->n_rules; i++)
		free((char *)copy->rules[i].syscall);
	free((void *)copy->rules);
	free(copy);
}

static bool is_deny(enum hutch_sc_action a)
{
	return a == HUTCH_SC_ERRNO || a == HUTCH_SC_KILL;
}

/* The condition of rule r on argument k, if any. */
static const struct hutch_sc_arg *cond_on(const struct hutch_sc_rule *r, unsigned k)
{
	for (unsigned i = 0; i < r->n_args; i++)
		if (r->args[i].index == k)
			return &r->args[i];
	return NULL;
}

static bool cmp_holds(enum hutch_sc_op op, uint64_t x, uint64_t v)
{
	switch (op) {
	case HUTCH_SC_EQ: return x == v;
	case HUTCH_SC_NE: return x != v;
	case HUTCH_SC_LT: return x < v;
	case HUTCH_SC_LE: return x <= v;
	case HUTCH_SC_GT: return x > v;
	case HUTCH_SC_GE: return x >= v;
	default: return true;
	}
}

/* Whether no call can match both a (an allow rule of the child) and d (a
 * deny rule of the parent): on some argument their conditions cannot both
 * hold. Conservative: false when unsure. */
static bool rules_disjoint(const struct hutch_sc_rule *a, const struct hutch_sc_rule *d)
{
	for (unsigned k = 0; k < 6; k++) {
		const struct hutch_sc_arg *x = cond_on(a, k), *y = cond_on(d, k);
		uint64_t mx, vx;

		if (!x || !y)
			continue;
		if (x->op == HUTCH_SC_EQ) {
			mx = UINT64_MAX;
		} else if (x->op == HUTCH_SC_MASKED_EQ) {
			mx = x->mask;
		} else {
			continue;
		}
		vx = x->value & mx;
		if (y->op == HUTCH_SC_MASKED_EQ || y->op == HUTCH_SC_EQ) {
			uint64_t my = y->op == HUTCH_SC_EQ ? UINT64_MAX : y->mask;
			if ((vx ^ y->value) & mx & my)
				return true;
		} else if (mx == UINT64_MAX && !cmp_holds(y->op, vx, y->value)) {
			return true; /* a known value the comparison rejects */
		}
	}
	return false;
}

static bool same_rule(const struct hutch_sc_rule *a, const struct hutch_sc_rule *b)
{
	int ea = a->errno_value ? a->errno_value : EPERM, eb = b->errno_value ? b->errno_value : EPERM;

	if (a->action != b->action || a->n_args != b->n_args ||
	    (a->action == HUTCH_SC_ERRNO && ea != eb))
		return false;
	for (unsigned i = 0; i < a->n_args; i++) {
		const struct hutch_sc_arg *y = cond_on(b, a->args[i].index);
		if (!y || y->op != a->args[i].op || y->value != a->args[i].value ||
		    (y->op == HUTCH_SC_MASKED_EQ && y->mask != a->args[i].mask))
			return false;
	}
	return true;
}

/* Every rule of p covering name has its equal among q's rules covering name. */
static bool rules_within(const struct hutch_sc_policy *p, const struct hutch_sc_policy *q, const char *name)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		bool found = false;
		if (!pol_name_covers(p->rules[i].syscall, name))
			continue;
		for (size_t k = 0; k < q->n_rules && !found; k++)
			found = pol_name_covers(q->rules[k].syscall, name) && same_rule(&p->rules[i], &q->rules[k]);
		if (!found)
			return false;
	}
	return true;
}

/* The child allows name only through conditional rules that none of the
 * parent's deny rules for name can match. */
static bool allows_contained(const struct hutch_sc_policy *parent, const struct hutch_sc_policy *child,
			     const char *name)
{
	if (!is_deny(child->default_action) || is_deny(parent->default_action))
		return false;
	for (size_t i = 0; i < child->n_rules; i++) {
		const struct hutch_sc_rule *a = &child->rules[i];
		if (is_deny(a->action) || !pol_name_covers(a->syscall, name))
			continue;
		if (!a->n_args)
			return false;
		for (size_t k = 0; k < parent->n_rules; k++) {
			const struct hutch_sc_rule *d = &parent->rules[k];
			if (is_deny(d->action) && pol_name_covers(d->syscall, name) && !rules_disjoint(a, d))
				return false;
		}
	}
	return true;
}

bool pol_is_tighter(const struct hutch_sc_policy *parent, bool parent_enabled,
		    const struct hutch_sc_policy *child, bool child_enabled, char *why, size_t len)
{
	if (!parent_enabled)
		return true;
	if (!child_enabled) {
		snprintf(why, len, "turns off the parent's seccomp filter");
		return false;
	}
	for (int nr = 0; nr < 1024; nr++) {
		const char *name = hutch_seccomp_syscall_name(nr);
		struct pol_verdict vp, vc;

		if (!name)
			continue;
		pol_syscall(parent, name, &vp);
		pol_syscall(child, name, &vc);
		if (!vc.conditional && is_deny(vc.action))
			continue; /* denied outright: as tight as it gets */
		if (!vp.conditional && !is_deny(vp.action))
			continue; /* the parent allows it: anything goes */
		if (!vp.conditional) {
			snprintf(why, len, "allows %s, which the parent denies", name);
			return false;
		}
		if (vc.conditional && vc.action == vp.action && rules_within(parent, child, name) &&
		    rules_within(child, parent, name))
			continue; /* the same argument rules */
		if (allows_contained(parent, child, name))
			continue;
		snprintf(why, len, "%s %s, which the parent allows only for some arguments", vc.conditional ? "changes the argument rules of" : "allows", name);
		return false;
	}
	return true;
}
