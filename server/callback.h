/* SPDX-License-Identifier: MIT */
/*
 * Callbacks (prefix callbacks_): when a job with a callback_url finishes,
 * its result is PUT there as JSON (Judge0's webhook), by one thread with
 * libcurl: http and https only, no redirects, a timeout per attempt
 * (callbacks_timeout), up to callbacks_max_tries attempts with doubling
 * backoff (1 s, 2 s, 4 s ... at most 60 s). Any 2xx answer delivers it.
 *
 * The pending set lives in the store (jobs.callback_state), so a callback
 * due when hutchd stops is delivered after the restart.
 */
#ifndef HUTCHD_CALLBACK_H
#define HUTCHD_CALLBACK_H

#include <stdbool.h>
#include <stddef.h>

#include "hutch.h"

struct app;
struct callbacks;

/* curl_global_init: once, before any thread starts. */
int callbacks_global_init(struct hutch_error *err);

int callbacks_start(struct app *app, struct callbacks **ret, struct hutch_error *err);
/* A job with a callback just finished. */
void callbacks_kick(struct callbacks *cb);
/* Stop after the attempt in progress (if any). */
void callbacks_stop(struct callbacks *cb);

/* Whether url is one we would call: an absolute http(s) URL with a host,
 * at most 2048 bytes. msg says what is wrong. */
bool callback_url_valid(const char *url, char *msg, size_t msg_len);

#endif
