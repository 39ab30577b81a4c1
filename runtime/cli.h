/* SPDX-License-Identifier: MIT */
/* What the `hutch` command's subcommands share (runtime/main.c dispatches). */
#ifndef HUTCH_CLI_H
#define HUTCH_CLI_H

/* hutch's state directory: $HUTCH_STATE_DIR, else /var/lib/hutch. */
const char *cli_state_dir(void);

/* `hutch profile ...` (profile_cmd.c) */
int cmd_profile(int argc, char **argv);

/* `hutch profile learn` and `audit` (profile_learn.c, profile_audit.c);
 * search_path: --profile-path given before the subcommand, or NULL. */
int cmd_profile_learn(int argc, char **argv, const char *search_path);
int cmd_profile_audit(int argc, char **argv, const char *search_path);

/* SRC[:DST][:rw][:exec] as hutch run's --bind; arg is modified and
 * borrowed. 0 or -EINVAL with err set. */
struct hutch_bind;
struct hutch_error;
int cli_parse_bind(char *arg, struct hutch_bind *ret, struct hutch_error *err);

/* The sandboxing commands need root and no supplementary groups (they
 * would follow the program in with their host ids): check and drop them,
 * or print why not. 0 or -1. */
int cli_require_root(const char *what);

/* `hutch runtime ...` (runtime_cmd.c) */
int cmd_runtime(int argc, char **argv);

/* `hutch serve ...`, `hutch client ...` (serve.c) */
int cmd_serve(int argc, char **argv);
int cmd_client(int argc, char **argv);

/* hutch's runtime state that must not outlive a boot (tmpfs). */
#define HUTCH_RUN_DIR "/run/hutch"

struct hutch_cgroup_host;
/* On hosts whose runs join v1 cgroups, turn favordynmods on (main.c). */
void cli_favor_dynmods(const struct hutch_cgroup_host *host);
/* The directory of compiled seccomp programs, opened; -1 if unusable. */
int cli_seccomp_cache_dir(void);

#endif
