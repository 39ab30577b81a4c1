/* SPDX-License-Identifier: MIT */
/* Building runtime images from recipes (rtbuild.c; the layout of the state
 * directory is described there). */
#ifndef HUTCH_RTBUILD_H
#define HUTCH_RTBUILD_H

#include <stdbool.h>
#include <stddef.h>

#include "recipe.h"

/* Build the image of rc into runtimes/NAME (runtimes: the state
 * directory's runtimes/), unless it is up to date and !force. Progress on
 * stdout (steps only when quiet); sig_fd (a signalfd, or -1) interrupts it.
 * A failed or interrupted build leaves nothing behind. 0 or -1 (printed). */
int rt_build(const struct recipe *rc, const char *runtimes, bool force, bool quiet, int sig_fd);

/* Remove a tree, never crossing into another filesystem or following a
 * symlink. 0 or -errno. */
int rt_rm_tree(const char *path);

/* snprintf for paths: 0, or -1 (with buf emptied) when it does not fit. */
int rt_pathf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
