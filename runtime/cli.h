/* SPDX-License-Identifier: MIT */
#ifndef HUTCH_CLI_H
#define HUTCH_CLI_H

/* hutch's state directory: $HUTCH_STATE_DIR, else /var/lib/hutch. */
const char *cli_state_dir(void);

/* `hutch profile ...` */
int cmd_profile(int argc, char **argv);

#endif
