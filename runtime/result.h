/* SPDX-License-Identifier: MIT */
#ifndef HUTCH_RESULT_H
#define HUTCH_RESULT_H

#include "hutch.h"

/* Write the result as one JSON object (design.md's keys, then hutch's own
 * additions) and a newline to fd. 0 or -errno. */
int result_write_json(int fd, const struct hutch_result *r, bool timings);

/* The same as a malloc'd string (caller frees), or NULL. */
char *result_to_json(const struct hutch_result *r, bool timings);

#endif
