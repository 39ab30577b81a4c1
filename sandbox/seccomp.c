/* SPDX-License-Identifier: MIT */
/*
 * seccomp: compile a struct hutch_sc_policy once into a BPF program, load it
 * in the sandbox's child with the raw seccomp(2) syscall, and serve the
 * user notifications that KILL rules raise. docs/seccomp.md has the why;
 * this is the map of the file:
 *
 *   sc_rule_normalize()   validate one rule into struct sc_rule
 *   sc_expand()           names and "@groups" -> native syscall numbers
 *   sc_add_rules()        reject conflicting rules, hand the rest to libseccomp
 *   sc_export()           libseccomp's BPF into memory, behind hutch's prologue
 *   sc_load()             the child: seccomp(2), no libseccomp, no allocation
 *   sc_notify_*()         the supervisor: the listener's ioctls
 */
#include "seccomp-internal.h"

#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#define HUTCH_SECCOMP_LIBSECCOMP /* libseccomp's, see the end of seccomp.h */
#include <seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "error.h"
#include "util.h"

#define _cleanup_(f) __attribute__((cleanup(f)))

#define SC_ARGS 6u                  /* syscall arguments seccomp sees */
#define SC_RULES_MAX 4096u          /* bound on a policy's rules */
#define SC_GROUP_DEPTH_MAX 4u       /* "@privileged" -> "@clock" is depth 1 */
#define SC_NAME_MAX 256u            /* policy name kept for messages */
#define SC_SYSCALL_NAME_MAX 64u     /* longest syscall or group name accepted */
#define SC_ERRNO_MAX 4095           /* MAX_ERRNO: larger is not an error return */
#define SC_X32_SYSCALL_BIT 0x40000000u
#define SC_NOTIF_BUF 512u           /* >= the kernel's seccomp_notif{,_resp} */

/* libseccomp's comparison for each enum hutch_sc_op. */
static const enum scmp_compare sc_ops[] = {
	[HUTCH_SC_EQ] = SCMP_CMP_EQ,
	[HUTCH_SC_NE] = SCMP_CMP_NE,
	[HUTCH_SC_LT] = SCMP_CMP_LT,
	[HUTCH_SC_LE] = SCMP_CMP_LE,
	[HUTCH_SC_GT] = SCMP_CMP_GT,
	[HUTCH_SC_GE] = SCMP_CMP_GE,
	[HUTCH_SC_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* libseccomp's action for each enum hutch_sc_action (ERRNO gets its errno
 * or'ed in). KILL is a user notification: the supervisor learns the syscall
 * from the listener, then kills the sandbox (seccomp.h). */
static const struct {
	uint32_t action;
	const char *name;
} sc_actions[] = {
	[HUTCH_SC_ALLOW] = { SCMP_ACT_ALLOW, "allow" },
	[HUTCH_SC_ERRNO] = { SCMP_ACT_ERRNO(0), "errno" },
	[HUTCH_SC_KILL] = { SCMP_ACT_NOTIFY, "kill" },
	[HUTCH_SC_LOG] = { SCMP_ACT_LOG, "log" },
};

/* One argument condition, stored at its argument's index. */
struct sc_cond {
	bool set;
	enum hutch_sc_op op;
	uint64_t value;
	uint64_t mask; /* HUTCH_SC_MASKED_EQ only */
};

/* A validated rule: the libseccomp action and at most one condition per
 * argument (libseccomp's limit). */
struct sc_rule {
	uint32_t action;
	unsigned n_args;
	struct sc_cond arg[SC_ARGS];
};

/* One (syscall, rule) pair after names and groups are expanded. */
struct sc_entry {
	int nr;
	size_t rule;
};

struct sc_entries {
	struct sc_entry *v;
	size_t n, cap;
};

static void sc_entries_free(struct sc_entries *e)
{
	free(e->v);
}

static void sc_ctx_release(scmp_filter_ctx *ctx)
{
	if (*ctx)
		seccomp_release(*ctx);
}

/* The libseccomp action for action/errno_value: 0, -EINVAL (no such
 * action) or -ERANGE (errno out of range). */
static int sc_action(enum hutch_sc_action action, int errno_value, uint32_t *ret)
{
	if ((unsigned)action >= ARRAY_SIZE(sc_actions))
		return -EINVAL;
	if (action != HUTCH_SC_ERRNO) {
		*ret = sc_actions[action].action;
		return 0;
	}
	if (errno_value == 0)
		errno_value = EPERM;
	if (errno_value < 1 || errno_value > SC_ERRNO_MAX)
		return -ERANGE;
	*ret = SCMP_ACT_ERRNO((uint32_t)errno_value);
	return 0;
}

/* "kill", "errno(EPERM)", ... for messages. */
static const char *sc_action_str(uint32_t action, char *buf, size_t len)
{
	if ((action & SECCOMP_RET_ACTION_FULL) == SCMP_ACT_ERRNO(0)) {
		const char *name = strerrorname_np((int)(action & SECCOMP_RET_DATA));

		if (name)
			snprintf(buf, len, "errno(%s)", name);
		else
			snprintf(buf, len, "errno(%u)", action & SECCOMP_RET_DATA);
		return buf;
	}
	for (size_t i = 0; i < ARRAY_SIZE(sc_actions); i++)
		if (sc_actions[i].action == action)
			return sc_actions[i].name;
	snprintf(buf, len, "action 0x%08x", action);
	return buf;
}

/* Syscall and group names are [a-z0-9_], groups with a leading '@'. Checked
 * before a name is quoted in a message, so that messages stay one line. */
static bool sc_name_valid(const char *name)
{
	size_t len = strnlen(name, SC_SYSCALL_NAME_MAX + 1);

	if (len == 0 || len > SC_SYSCALL_NAME_MAX)
		return false;
	if (*name == '@')
		name++;
	return *name && strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") ==
			       strlen(name);
}

/* Validate rule i of policy into *out. */
static int sc_rule_normalize(const struct hutch_sc_policy *policy, size_t i, struct sc_rule *out,
			     struct hutch_error *err)
{
	const struct hutch_sc_rule *rule = &policy->rules[i];
	int r;

	if (!rule->syscall)
		return herr(err, 0, "rule %zu: no syscall name", i);
	if (!sc_name_valid(rule->syscall))
		return herr(err, 0,
			    "rule %zu: invalid syscall name (1 to %u letters, digits and '_', "
			    "with a leading '@' for a group)",
			    i, SC_SYSCALL_NAME_MAX);
	r = sc_action(rule->action, rule->errno_value, &out->action);
	if (r == -EINVAL)
		return herr(err, 0, "rule %zu: unknown action %d", i, (int)rule->action);
	if (r == -ERANGE)
		return herr(err, 0, "rule %zu: errno %d out of range 1..%d", i, rule->errno_value,
			    SC_ERRNO_MAX);
	if (rule->n_args > SC_ARGS)
		return herr(err, 0, "rule %zu: %u argument conditions, at most %u", i,
			    rule->n_args, SC_ARGS);

	out->n_args = rule->n_args;
	for (unsigned k = 0; k < rule->n_args; k++) {
		const struct hutch_sc_arg *a = &rule->args[k];

		if (a->index >= SC_ARGS)
			return herr(err, 0, "rule %zu: argument index %u out of range 0..%u", i,
				    a->index, SC_ARGS - 1);
		if ((unsigned)a->op >= ARRAY_SIZE(sc_ops))
			return herr(err, 0, "rule %zu: argument %u: unknown comparison %d", i,
				    a->index, (int)a->op);
		if (out->arg[a->index].set)
			return herr(err, 0,
				    "rule %zu: two conditions on argument %u (libseccomp allows one "
				    "per argument and rule)",
				    i, a->index);
		if (a->op == HUTCH_SC_MASKED_EQ && a->mask == 0)
			return herr(err, 0, "rule %zu: argument %u: mask 0 matches everything", i,
				    a->index);
		if (a->op == HUTCH_SC_MASKED_EQ && (a->value & ~a->mask))
			return herr(err, 0,
				    "rule %zu: argument %u: value 0x%llx has bits outside mask "
				    "0x%llx, so it never matches",
				    i, a->index, (unsigned long long)a->value,
				    (unsigned long long)a->mask);
		out->arg[a->index] = (struct sc_cond){
			.set = true,
			.op = a->op,
			.value = a->value,
			.mask = a->op == HUTCH_SC_MASKED_EQ ? a->mask : 0,
		};
	}
	return 0;
}

static int sc_entries_push(struct sc_entries *e, int nr, size_t rule)
{
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 128;
		struct sc_entry *v = reallocarray(e->v, cap, sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = (struct sc_entry){ .nr = nr, .rule = rule };
	return 0;
}

/* Append the native syscalls that name (a syscall or "@group") stands for.
 * Names that exist only on other architectures add nothing. */
static int sc_expand(struct sc_entries *out, const char *name, size_t rule, unsigned depth,
		     struct hutch_error *err)
{
	const struct sc_syscall *sys;

	if (name[0] == '@') {
		const char *const *member = hutch_seccomp_group(name);

		if (!member)
			return herr(err, 0, "rule %zu: unknown group '%s'", rule, name);
		if (depth >= SC_GROUP_DEPTH_MAX)
			return herr(err, 0, "rule %zu: groups nest deeper than %u at '%s'", rule,
				    SC_GROUP_DEPTH_MAX, name);
		for (; *member; member++) {
			int r = sc_expand(out, *member, rule, depth + 1, err);
			if (r < 0)
				return r;
		}
		return 0;
	}

	sys = sc_syscall_find(name);
	if (!sys)
		return herr(err, 0, "rule %zu: unknown syscall '%s'", rule, name);
	if (sys->nr < 0)
		return 0;
	if (sc_entries_push(out, sys->nr, rule) < 0)
		return herr(err, ENOMEM, "rule %zu: %s", rule, name);
	return 0;
}

static int sc_entry_cmp(const void *x, const void *y)
{
	const struct sc_entry *a = x, *b = y;

	if (a->nr != b->nr)
		return a->nr < b->nr ? -1 : 1;
	return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static bool sc_same_conditions(const struct sc_rule *a, const struct sc_rule *b)
{
	for (unsigned k = 0; k < SC_ARGS; k++) {
		const struct sc_cond *x = &a->arg[k], *y = &b->arg[k];

		if (x->set != y->set)
			return false;
		if (x->set && (x->op != y->op || x->value != y->value || x->mask != y->mask))
			return false;
	}
	return true;
}

/* A condition of the form (arg & mask) == value, if it is one. */
static bool sc_cond_as_masked(const struct sc_cond *c, uint64_t *mask, uint64_t *value)
{
	if (c->op != HUTCH_SC_EQ && c->op != HUTCH_SC_MASKED_EQ)
		return false;
	*mask = c->op == HUTCH_SC_EQ ? UINT64_MAX : c->mask;
	*value = c->value;
	return true;
}

/* Whether no call can match both rules: some argument has equality
 * conditions in both that disagree on a bit both look at, or EQ v against
 * NE v. Conservative: false when unsure (ranges). */
static bool sc_disjoint(const struct sc_rule *a, const struct sc_rule *b)
{
	for (unsigned k = 0; k < SC_ARGS; k++) {
		const struct sc_cond *x = &a->arg[k], *y = &b->arg[k];
		uint64_t mx, vx, my, vy;

		if (!x->set || !y->set)
			continue;
		if (sc_cond_as_masked(x, &mx, &vx) && sc_cond_as_masked(y, &my, &vy) &&
		    ((vx ^ vy) & mx & my))
			return true;
		if (x->value == y->value && ((x->op == HUTCH_SC_EQ && y->op == HUTCH_SC_NE) ||
					     (x->op == HUTCH_SC_NE && y->op == HUTCH_SC_EQ)))
			return true;
	}
	return false;
}

static int sc_rule_add(scmp_filter_ctx ctx, const struct sc_entry *e, const struct sc_rule *rule,
		       struct hutch_error *err)
{
	struct scmp_arg_cmp cmp[SC_ARGS];
	unsigned n = 0;
	int r;

	for (unsigned k = 0; k < SC_ARGS; k++) {
		const struct sc_cond *c = &rule->arg[k];

		if (!c->set)
			continue;
		/* MASKED_EQ: datum_a is the mask, datum_b the value. */
		cmp[n++] = (struct scmp_arg_cmp){
			.arg = k,
			.op = sc_ops[c->op],
			.datum_a = c->op == HUTCH_SC_MASKED_EQ ? c->mask : c->value,
			.datum_b = c->op == HUTCH_SC_MASKED_EQ ? c->value : 0,
		};
	}
	r = seccomp_rule_add_exact_array(ctx, rule->action, e->nr, n, cmp);
	if (r < 0)
		return herr(err, -r, "rule %zu: %s: libseccomp refused the rule", e->rule,
			    hutch_seccomp_syscall_name(e->nr));
	return 0;
}

/*
 * Add the expanded entries (sorted by syscall, then rule) to ctx. libseccomp
 * cannot express an exception to a rule: an unconditional rule swallows
 * every conditional rule of the same syscall, and a rule whose action is the
 * default one is refused. So two rules of one syscall with different actions
 * that can match the same call are an error when either is unconditional,
 * either has the default action, or their conditions are the same. Rules
 * that add nothing (the default action, a repeat) are dropped.
 */
static int sc_add_rules(scmp_filter_ctx ctx, const struct sc_rule *rules,
			const struct sc_entries *entries, uint32_t default_action,
			struct hutch_error *err)
{
	const struct sc_entry *e = entries->v;
	size_t i, j;

	for (i = 0; i < entries->n; i = j) {
		for (j = i; j < entries->n && e[j].nr == e[i].nr; j++)
			;
		for (size_t k = i; k < j; k++) {
			const struct sc_rule *a = &rules[e[k].rule];
			bool redundant = a->action == default_action;

			for (size_t m = i; m < k; m++) {
				const struct sc_rule *b = &rules[e[m].rule];
				char abuf[32], bbuf[32];

				if (e[m].rule == e[k].rule) { /* one rule naming it twice */
					redundant = true;
					continue;
				}
				if (a->action == b->action) {
					if (b->n_args == 0 || sc_same_conditions(a, b))
						redundant = true;
					continue;
				}
				if (sc_disjoint(a, b))
					continue;
				if (a->n_args && b->n_args && a->action != default_action &&
				    b->action != default_action && !sc_same_conditions(a, b))
					continue; /* overlap: either applies (docs/seccomp.md) */
				return herr(err, 0, "rule %zu: %s: %s conflicts with %s of rule %zu",
					    e[k].rule, hutch_seccomp_syscall_name(e[k].nr),
					    sc_action_str(a->action, abuf, sizeof(abuf)),
					    sc_action_str(b->action, bbuf, sizeof(bbuf)), e[m].rule);
			}
			if (!redundant) {
				int r = sc_rule_add(ctx, &e[k], a, err);
				if (r < 0)
					return r;
			}
		}
	}
	return 0;
}

/*
 * hutch's prologue, run before libseccomp's program on every syscall:
 *   - a foreign architecture (i386 int 0x80 from a 64-bit process) kills;
 *   - x86_64: a number with __X32_SYSCALL_BIT (x32 ABI) kills, except -1
 *     (a tracer's "skip this syscall");
 *   - a number above the newest syscall hutch knows fails with ENOSYS, so
 *     a kernel newer than hutch does not open new doors through a policy
 *     that allows by default, and libc falls back as on an older kernel.
 * libseccomp checks the first two as well; doing it here makes it hutch's
 * guarantee, whatever libseccomp version or attributes.
 */
static void sc_prologue(struct sock_filter *out, uint32_t arch, uint32_t max_nr)
{
	const uint32_t high = arch == AUDIT_ARCH_X86_64 ? SECCOMP_RET_KILL_PROCESS
							: SECCOMP_RET_ERRNO | ENOSYS;
	const struct sock_filter prologue[SC_PROLOGUE_LEN] = {
		/* 0 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 1, 0),
		/* 2 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
		/* 3 */ BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		/* 4 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, SC_X32_SYSCALL_BIT, 0, 2),
		/* 5 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, UINT32_MAX, 3, 0),
		/* 6 */ BPF_STMT(BPF_RET | BPF_K, high),
		/* 7 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_nr, 0, 1),
		/* 8 */ BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		/* 9: libseccomp's program */
	};

	memcpy(out, prologue, sizeof(prologue));
}

static bool sc_has_user_notif(const struct sock_filter *insns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (insns[i].code == (BPF_RET | BPF_K) &&
		    (insns[i].k & SECCOMP_RET_ACTION_FULL) == SECCOMP_RET_USER_NOTIF)
			return true;
	return false;
}

/* libseccomp 2.5 exports only to an fd (seccomp_export_bpf_mem() came in
 * 2.6): export into a memfd and read it back behind the prologue. */
static int sc_export(scmp_filter_ctx ctx, const char *name, struct hutch_seccomp **ret,
		     struct hutch_error *err)
{
	_cleanup_free_ struct hutch_seccomp *prog = NULL;
	_cleanup_close_ int fd = -1;
	size_t n, total, name_len;
	struct stat st;
	ssize_t got;
	char *name_copy;
	int r;

	fd = memfd_create("hutch-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return herr(err, errno, "memfd_create");
	r = seccomp_export_bpf(ctx, fd);
	if (r < 0)
		return herr(err, -r, "seccomp_export_bpf");
	if (fstat(fd, &st) < 0)
		return herr(err, errno, "fstat exported seccomp program");
	if (st.st_size <= 0 || (size_t)st.st_size % sizeof(struct sock_filter))
		return herr(err, EIO, "seccomp_export_bpf wrote %lld bytes, not whole instructions",
			    (long long)st.st_size);

	n = (size_t)st.st_size / sizeof(struct sock_filter);
	total = SC_PROLOGUE_LEN + n;
	if (total > BPF_MAXINSNS)
		return herr(err, E2BIG,
			    "policy compiles to %zu BPF instructions, the kernel takes at most %d",
			    total, BPF_MAXINSNS);

	name_len = strnlen(name, SC_NAME_MAX - 1);
	prog = calloc(1, sizeof(*prog) + total * sizeof(struct sock_filter) + name_len + 1);
	if (!prog)
		return herr(err, ENOMEM, "seccomp program");
	if (lseek(fd, 0, SEEK_SET) < 0)
		return herr(err, errno, "lseek exported seccomp program");
	got = hu_read_full(fd, prog->insns + SC_PROLOGUE_LEN, n * sizeof(struct sock_filter));
	if (got < 0)
		return herr(err, (int)-got, "read exported seccomp program");
	if ((size_t)got != n * sizeof(struct sock_filter))
		return herr(err, EIO, "read exported seccomp program: short read");

	prog->arch = seccomp_arch_native();
	sc_prologue(prog->insns, prog->arch, (uint32_t)sc_syscall_max_nr());
	prog->len = (unsigned short)total;
	prog->wants_listener = sc_has_user_notif(prog->insns, total);
	name_copy = (char *)(prog->insns + total);
	memcpy(name_copy, name, name_len);
	name_copy[name_len] = '\0';
	prog->name = name_copy;
	*ret = TAKE_PTR(prog);
	return 0;
}

int hutch_seccomp_compile(const struct hutch_sc_policy *policy, struct hutch_seccomp **ret,
			  struct hutch_error *err)
{
	_cleanup_free_ struct sc_rule *rules = NULL;
	_cleanup_(sc_entries_free) struct sc_entries entries = { 0 };
	_cleanup_(sc_ctx_release) scmp_filter_ctx ctx = NULL;
	uint32_t default_action;
	int r;

	if (!policy || !ret)
		return herr(err, 0, "seccomp: no policy");
	if (policy->n_rules > SC_RULES_MAX)
		return herr(err, E2BIG, "%zu rules, at most %u", policy->n_rules, SC_RULES_MAX);
	if (policy->n_rules && !policy->rules)
		return herr(err, 0, "%zu rules but no rule array", policy->n_rules);
	r = sc_action(policy->default_action, policy->default_errno, &default_action);
	if (r == -EINVAL)
		return herr(err, 0, "unknown default action %d", (int)policy->default_action);
	if (r == -ERANGE)
		return herr(err, 0, "default errno %d out of range 1..%d", policy->default_errno,
			    SC_ERRNO_MAX);

	rules = calloc(policy->n_rules ? policy->n_rules : 1, sizeof(*rules));
	if (!rules)
		return herr(err, ENOMEM, "seccomp rules");
	for (size_t i = 0; i < policy->n_rules; i++) {
		r = sc_rule_normalize(policy, i, &rules[i], err);
		if (r < 0)
			return r;
		r = sc_expand(&entries, policy->rules[i].syscall, i, 0, err);
		if (r < 0)
			return r;
	}
	if (entries.n)
		qsort(entries.v, entries.n, sizeof(entries.v[0]), sc_entry_cmp);

	ctx = seccomp_init(default_action);
	if (!ctx)
		return herr(err, ENOMEM, "seccomp_init");
	/* Foreign architectures kill (the prologue does it first anyway). */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	if (r < 0)
		return herr(err, -r, "seccomp_attr_set(ACT_BADARCH)");
	/* A binary tree of syscall numbers: an allowed syscall walks ~log2(n)
	 * comparisons instead of one per rule. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r < 0)
		return herr(err, -r, "seccomp_attr_set(CTL_OPTIMIZE)");

	r = sc_add_rules(ctx, rules, &entries, default_action, err);
	if (r < 0)
		return r;
	return sc_export(ctx, policy->name ? policy->name : "seccomp policy", ret, err);
}

void hutch_seccomp_free(struct hutch_seccomp *prog)
{
	free(prog);
}

bool sc_wants_listener(const struct hutch_seccomp *prog)
{
	return prog && prog->wants_listener;
}

/* Runs in the child between fork and execve: raw syscall, no allocation,
 * nothing but the program's own memory. */
int sc_load(const struct hutch_seccomp *prog, int *ret_listener)
{
	struct sock_fprog fprog;
	unsigned long flags;
	long fd;

	if (!prog || !ret_listener)
		return -EINVAL;
	fprog.len = prog->len;
	fprog.filter = (struct sock_filter *)prog->insns; /* the kernel only reads it */
	flags = prog->wants_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
	fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &fprog);
	if (fd < 0)
		return -errno;
	/* The listener is O_CLOEXEC (kernel/seccomp.c). */
	*ret_listener = prog->wants_listener ? (int)fd : -1;
	return 0;
}

/* The notification structs may grow in later kernels, and the kernel copies
 * its own size: check that SC_NOTIF_BUF still holds them. */
static int sc_notif_sizes_check(void)
{
	struct seccomp_notif_sizes sizes;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -errno;
	if (sizes.seccomp_notif > SC_NOTIF_BUF || sizes.seccomp_notif_resp > SC_NOTIF_BUF)
		return -EOVERFLOW;
	return 0;
}

union sc_notif_buf {
	struct seccomp_notif notif;
	struct seccomp_notif_resp resp;
	unsigned char raw[SC_NOTIF_BUF];
};

int sc_notify_receive(int listener, int *ret_nr, uint32_t *ret_arch, uint64_t *ret_id)
{
	union sc_notif_buf buf;
	int r;

	r = sc_notif_sizes_check();
	if (r < 0)
		return r;
	for (;;) {
		/* The kernel wants a zeroed buffer (room for extensions). */
		memset(&buf, 0, sizeof(buf));
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_RECV, &buf) == 0)
			break;
		if (errno != EINTR)
			return -errno;
	}
	*ret_nr = buf.notif.data.nr;
	*ret_arch = buf.notif.data.arch;
	*ret_id = buf.notif.id;
	return 0;
}

int sc_notify_deny(int listener, uint64_t id)
{
	union sc_notif_buf buf;
	int r;

	r = sc_notif_sizes_check();
	if (r < 0)
		return r;
	memset(&buf, 0, sizeof(buf));
	buf.resp.id = id;
	buf.resp.error = -EPERM;
	for (;;) {
		if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &buf) == 0)
			return 0;
		if (errno != EINTR)
			return -errno;
	}
}

void sc_describe_denied(const struct hutch_seccomp *prog, int nr, uint32_t arch, char *buf,
			size_t len)
{
	const char *by = prog ? prog->name : "the seccomp policy";
	const char *name;

	if (!buf || len == 0)
		return;
	if (prog && arch != prog->arch) {
		snprintf(buf, len, "seccomp: syscall %d of architecture 0x%08x denied by %s", nr, arch,
			 by);
		return;
	}
	name = hutch_seccomp_syscall_name(nr);
	if (name)
		snprintf(buf, len, "seccomp: %s(%d) denied by %s", name, nr, by);
	else
		snprintf(buf, len, "seccomp: syscall %d denied by %s", nr, by);
}
