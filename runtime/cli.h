/* SPDX-License-Identifier: MIT */
#ifndef HUTCH_CLI_H
#define HUTCH_CLI_H

/* hutch's state directory: $HUTCH_STATE_DIR, else /var/lib/hutch. */
const char *cli_state_dir(void);

/* `hutch profile ...` */
int cmd_profile(int argc, char **argv);

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
