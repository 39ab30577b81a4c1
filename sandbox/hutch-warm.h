/* SPDX-License-Identifier: MIT */
/*
 * Warm sandboxes: for callers that run many programs (hutchd, `hutch
 * serve`), one sandbox made ahead of time runs them one after another.
 *
 * hutch_warm_new() does the expensive part of a run once: the cgroup, the
 * user, pid, net, uts and cgroup namespaces with their id maps, the root
 * (overlay, binds, /dev, masked /proc) and the compiled seccomp program
 * (the template's). hutch_warm_run() then only starts the program: in a new
 * mount namespace whose writable places (/tmp, /var/tmp, /dev/shm, /box or
 * the run's workdir) are new tmpfs instances, a new IPC namespace, with the
 * template's limits, identity, privilege drop and seccomp filter, and the
 * same result contract as hutch_run(). When it ends, every process of the
 * run is killed and reaped before the next may start: a later run sees no
 * file, process, IPC object or tmpfs content of an earlier one (zygote.c
 * says why nothing else outlives a run).
 *
 * Differences from hutch_run(): the root itself is read-only (only the
 * places above are writable); limits, identity, network mode and binds are
 * the template's and cannot change per run; the memory peak is the largest
 * process's (max RSS), not the cgroup's; net modes egress and publish are
 * not offered. A run that ends by hutch killing it (a limit, a denied
 * syscall, cancel) takes the warm sandbox with it: hutch_warm_alive() is
 * then false and the caller makes a new one.
 *
 * One thing the runs of a warm sandbox share that only the seccomp policy
 * keeps apart: the kernel keyrings of the program's uid (user, user-session
 * and persistent keyrings live in the user namespace, which is the warm
 * sandbox's). The default profile denies @keyring; a profile that allows it
 * should not be served warm.
 *
 * One warm sandbox runs one program at a time; use one per thread.
 */
#ifndef HUTCH_WARM_H
#define HUTCH_WARM_H

#include "hutch.h"

struct hutch_warm;

/* Make a warm sandbox from tmpl (argv and envp unused). tmpl, and what it
 * points to (seccomp program, cgroup host, strings), must outlive it. */
int hutch_warm_new(const struct hutch_spec *tmpl, struct hutch_warm **ret, struct hutch_error *err);

/* Run job->argv in w. Taken from job: argv, envp, stdin_fd, stdout_fd,
 * stderr_fd, redirect_stderr, cancel_fd, cwd, workdir and workdir_exec;
 * the rest is the template's. Returns as hutch_run() does. */
int hutch_warm_run(struct hutch_warm *w, const struct hutch_spec *job, struct hutch_result *res,
		   struct hutch_error *err);

/* Whether w can take another run. */
bool hutch_warm_alive(const struct hutch_warm *w);

/* Runs served so far by w. */
uint64_t hutch_warm_runs(const struct hutch_warm *w);

/* Kill the sandbox, remove its cgroup, free. Accepts NULL. */
void hutch_warm_free(struct hutch_warm *w);

#endif
