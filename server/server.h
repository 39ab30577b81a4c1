/* SPDX-License-Identifier: MIT */
/*
 * hutchd's process-wide state: one struct app made by main() and handed to
 * every module by pointer (no globals but the log level). Modules:
 *   config.c   the configuration table          http.c    HTTP front
 *   api.c      routes and operational endpoints  store*.c  storage backends
 *   queue.c    worker pool, waiters              judge*.c  grading (Judge0)
 *   lang.c     languages file                    callback.c  webhooks
 *   metrics.c  Prometheus counters               auth.c    API tokens
 */
#ifndef HUTCHD_SERVER_H
#define HUTCHD_SERVER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"

struct http_server;
struct http_route;
struct store;
struct queue;
struct langs;
struct metrics;
struct profiles;
struct callbacks;

struct app {
	struct hutchd_config *cfg;
	struct store *store;
	struct http_server *http;
	struct queue *queue;
	struct langs *langs;
	struct profiles *profiles;
	struct metrics *metrics;
	struct callbacks *callbacks;
	struct hutch_cgroup_host *cgroups;
	int work_dirfd;        /* <state_dir>/work, O_PATH|O_DIRECTORY */
	atomic_bool stopping;  /* SIGTERM seen: refuse new jobs */
	uint64_t started_us;   /* CLOCK_MONOTONIC */
	char node[64];         /* this process in the store: "host:pid" */
};

/* The route table (api.c), for http_start(). */
const struct http_route *api_routes(const struct hutchd_config *cfg, size_t *ret_n);
/* Per-request metrics hook for the http layer. */
void api_observe(void *app, const char *method, unsigned status, uint64_t dur_us);

/* Authentication callback for the http layer (api.c). */
int api_authenticate(void *app, const char *token, enum role *ret_role, int64_t *ret_id);

#endif
