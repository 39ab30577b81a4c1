/* SPDX-License-Identifier: MIT */
/*
 * What seccomp.c (compiler, loader, notifications) and seccomp-groups.c
 * (name table, groups, default policy) share. Tests include it to look at
 * the compiled program.
 */
#ifndef HUTCH_SECCOMP_INTERNAL_H
#define HUTCH_SECCOMP_INTERNAL_H

#include <linux/filter.h>

#include "seccomp.h"

/* A compiled policy: hutch's prologue followed by libseccomp's program, in
 * one allocation together with the policy's name. Immutable once made, so
 * any number of runs (and threads) may load it at once. */
struct hutch_seccomp {
	const char *name;    /* policy name for messages; stored after insns */
	uint32_t arch;       /* AUDIT_ARCH_* of the native ABI */
	bool wants_listener; /* some return is SECCOMP_RET_USER_NOTIF */
	unsigned short len;  /* instructions in insns, <= BPF_MAXINSNS */
	/* Tracing programs only (seccomp-trace.c): called by the supervisor
	 * for each call the policy allows. NULL in every other program. */
	hutch_sc_trace_fn trace_fn;
	void *trace_arg;
	struct sock_filter insns[];
};

/* Instructions hutch puts in front of libseccomp's program (see
 * sc_prologue() in seccomp.c and docs/seccomp.md). */
#define SC_PROLOGUE_LEN 9

/* One syscall name hutch knows. Every architecture's names are listed, so
 * that a policy written on one architecture is valid on another: names that
 * do not exist here have nr < 0 and are skipped when compiling. */
struct sc_syscall {
	const char *name;
	int nr; /* native number, or < 0: not on this architecture */
};

/* The table entry for name, or NULL if hutch does not know the name. */
const struct sc_syscall *sc_syscall_find(const char *name);

/* The whole table, sorted by name (for tests and listings). */
const struct sc_syscall *sc_syscall_table(size_t *ret_n);

/* Highest native syscall number in the table. Numbers above it are newer
 * than hutch and get ENOSYS from every compiled program. */
int sc_syscall_max_nr(void);

#endif
