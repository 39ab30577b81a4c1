/* SPDX-License-Identifier: MIT */
/*
 * seccomp policies (prefix sc_ for internals, hutch_seccomp_ for the public
 * API). A policy is data: a default action and a list of rules naming
 * syscalls or groups ("@mount", "@privileged", "@network", ...), each with
 * an action and optional argument conditions. It is compiled once with
 * libseccomp into a BPF program (struct hutch_seccomp) that every run loads
 * as is: no per-run compile.
 *
 * Syscalls of foreign architectures (i386 int 0x80, x32) always kill the
 * process; syscall numbers newer than hutch's table always fail with
 * ENOSYS, as on an older kernel. Rules with action KILL are compiled to SECCOMP_RET_USER_NOTIF so
 * that the supervisor learns exactly which syscall was denied (it receives
 * the notification, records the syscall and kills the sandbox before
 * answering); see docs/seccomp.md.
 */
#ifndef HUTCH_SECCOMP_H
#define HUTCH_SECCOMP_H

#include "hutch.h"

enum hutch_sc_action {
	HUTCH_SC_ALLOW = 0,
	HUTCH_SC_ERRNO, /* fail with errno_value (default EPERM) */
	HUTCH_SC_KILL,  /* kill the sandbox and report the syscall */
	HUTCH_SC_LOG,   /* allow and log (SECCOMP_RET_LOG) */
};

enum hutch_sc_op {
	HUTCH_SC_EQ = 0,
	HUTCH_SC_NE,
	HUTCH_SC_LT,
	HUTCH_SC_LE,
	HUTCH_SC_GT,
	HUTCH_SC_GE,
	HUTCH_SC_MASKED_EQ, /* (arg & mask) == value */
};

struct hutch_sc_arg {
	unsigned index; /* 0..5 */
	enum hutch_sc_op op;
	uint64_t value;
	uint64_t mask; /* HUTCH_SC_MASKED_EQ only */
};

struct hutch_sc_rule {
	const char *syscall; /* a name ("ptrace") or a group ("@mount") */
	enum hutch_sc_action action;
	int errno_value; /* HUTCH_SC_ERRNO; 0 means EPERM */
	struct hutch_sc_arg args[6];
	unsigned n_args;
};

struct hutch_sc_policy {
	const char *name; /* for messages: "profile default" */
	enum hutch_sc_action default_action;
	int default_errno;
	const struct hutch_sc_rule *rules;
	size_t n_rules;
};

/* Compile policy into a reusable program. Unknown syscall or group names,
 * bad argument indexes and conflicting rules are errors naming the rule by
 * its 0-based index in policy->rules ("rule 3: unknown syscall 'sokcet'").
 * Names that exist only on other architectures are accepted and skipped. */
int hutch_seccomp_compile(const struct hutch_sc_policy *policy,
			  struct hutch_seccomp **ret, struct hutch_error *err);
void hutch_seccomp_free(struct hutch_seccomp *prog);

/* hutch_seccomp_compile() through a cache of compiled programs in the
 * directory cache_dirfd (owned by the caller's euid, not writable by group or
 * others; otherwise, or when cache_dirfd < 0, it just compiles). A cached
 * program is used only if the policy, the executable and libseccomp are the
 * same as when it was made (seccomp-cache.c); else the policy is compiled and
 * the cache refreshed. Failing to write the cache is not an error. */
int hutch_seccomp_compile_cached(const struct hutch_sc_policy *policy, int cache_dirfd,
				 struct hutch_seccomp **ret, struct hutch_error *err);

/* Members of a named group ("@mount" or "mount"); NULL-terminated array of
 * syscall names, or NULL if there is no such group. A member may itself be
 * a group ("@privileged" holds "@clock"); members that do not exist on this
 * architecture are listed too (docs/seccomp.md lists every group). */
const char *const *hutch_seccomp_group(const char *name);
/* NULL-terminated list of all group names (without '@'). */
const char *const *hutch_seccomp_group_names(void);
/* Native syscall number for name, or -1. */
int hutch_seccomp_syscall_nr(const char *name);
/* Whether hutch knows name as a syscall of some architecture (native or
 * not: a policy naming a syscall this machine lacks is valid, the compiler
 * skips it). A table lookup, no compile. */
bool hutch_seccomp_syscall_known(const char *name);
/* Name of native syscall nr, or NULL. */
const char *hutch_seccomp_syscall_name(int nr);

/* The built-in policy for untrusted code, used until profiles express it
 * in JSON: allow by default, deny the kernel interfaces a sandboxed program
 * has no use for (namespaces, mounts, ptrace, modules, bpf, io_uring, rare
 * socket families, TIOCSTI, ...). Static data, never freed. Its table and
 * the reasons are in docs/seccomp.md. */
const struct hutch_sc_policy *hutch_seccomp_default_policy(void);

/* ---- tracing: what `hutch profile learn` records (seccomp-trace.c) ---- */

/* One syscall of a traced program, as the kernel reported it. */
struct hutch_sc_call {
	int nr;        /* native syscall number */
	uint32_t arch; /* AUDIT_ARCH_* */
	pid_t pid;     /* the calling thread, in the host's pid namespace */
	uint64_t args[6];
};

/* Called in hutch_run()'s thread, before the call runs. */
typedef void (*hutch_sc_trace_fn)(const struct hutch_sc_call *call, void *arg);

/* Make a tracing variant of prog: the same decisions, except that every
 * call prog would allow is first reported to fn(call, arg) and then runs
 * (SECCOMP_RET_USER_NOTIF + SECCOMP_USER_NOTIF_FLAG_CONTINUE, Linux 5.5).
 * Calls prog denies are denied unreported; calls of its kill rules kill at
 * once with SIGSYS. Give the result to hutch_run() as spec->seccomp; free it
 * with hutch_seccomp_free(). Each syscall costs a round trip through the
 * supervisor: for learning runs, not for grading. */
int hutch_seccomp_trace(const struct hutch_seccomp *prog, hutch_sc_trace_fn fn, void *arg,
			struct hutch_seccomp **ret, struct hutch_error *err);

/* Syscalls a tracing program lets through without a report, because the
 * sandbox's own start-up makes them before the supervisor listens
 * (NULL-terminated: "sendmsg"). A policy learnt by tracing must allow them. */
const char *const *hutch_seccomp_trace_unreported(void);

/* ---- used by the core (run.c) ---- */

/* Whether the program asks for a user-notification listener. */
bool sc_wants_listener(const struct hutch_seccomp *prog);

/* Load prog into the calling thread (after PR_SET_NO_NEW_PRIVS). If the
 * program wants a listener, *ret_listener receives its fd (O_CLOEXEC),
 * else -1. Async-signal-safe: no allocation. 0 or -errno. */
int sc_load(const struct hutch_seccomp *prog, int *ret_listener);

/* Supervisor side: receive one notification from listener. Returns 0 with
 * *ret_nr and *ret_arch filled and *ret_id set so the caller can answer
 * later with sc_notify_deny(); -errno on failure (ENOENT: the task died). */
int sc_notify_receive(int listener, int *ret_nr, uint32_t *ret_arch, uint64_t *ret_id);
/* Answer notification id with -EPERM (used after the sandbox is killed). */
int sc_notify_deny(int listener, uint64_t id);

/* Whether prog is a tracing program (hutch_seccomp_trace()). */
bool sc_is_trace(const struct hutch_seccomp *prog);

/* Supervisor side of a tracing program: receive one notification from
 * listener, report it to prog's callback, let the syscall run. 0 or -errno
 * (ENOENT: the task died meanwhile). */
int sc_trace_event(const struct hutch_seccomp *prog, int listener);

/* One-line description of a denied syscall for result.message, e.g.
 * "seccomp: socket(41) denied by profile default". */
void sc_describe_denied(const struct hutch_seccomp *prog, int nr, uint32_t arch,
			char *buf, size_t len);

#endif

/* libseccomp's header is also called seccomp.h, and the Makefile's
 * -Isandbox makes <seccomp.h> find this file first. The module's own
 * sources define HUTCH_SECCOMP_LIBSECCOMP and #include <seccomp.h> to get
 * libseccomp's through here (outside the include guard on purpose). This
 * can go once the Makefile uses -iquote for sandbox/. */
#ifdef HUTCH_SECCOMP_LIBSECCOMP
#include_next <seccomp.h>
#endif
