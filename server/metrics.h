/* SPDX-License-Identifier: MIT */
/*
 * Prometheus metrics (prefix metrics_): lock-free counters and histograms
 * updated by the HTTP threads and the workers, rendered as the text
 * exposition format (version 0.0.4) by /metrics. Gauges that live in the
 * store (queue depth, jobs by state) are read at scrape time.
 */
#ifndef HUTCHD_METRICS_H
#define HUTCHD_METRICS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_STATUS 16
#define METRICS_BUCKETS 14

enum metrics_method { MM_GET = 0, MM_POST, MM_DELETE, MM_OTHER, MM__MAX };
enum metrics_step { MS_COMPILE = 0, MS_RUN, MS_EXTRACT, MS__MAX };

struct histogram {
	_Atomic uint64_t buckets[METRICS_BUCKETS]; /* counts of observations <= bound (not cumulative) */
	_Atomic uint64_t count;
	_Atomic uint64_t sum_us;
};

struct metrics {
	_Atomic uint64_t http[MM__MAX][6];   /* by method and status class 1xx..5xx (index 1..5) */
	_Atomic uint64_t jobs_submitted;
	_Atomic uint64_t jobs_rejected_full; /* 503: queue full */
	_Atomic uint64_t jobs_finished[METRICS_MAX_STATUS]; /* by Judge0 status id */
	_Atomic uint64_t jobs_requeued;       /* released at shutdown */
	_Atomic uint64_t jobs_recovered;      /* found running at start */
	_Atomic uint64_t sandbox_runs[MS__MAX];
	_Atomic uint64_t sandbox_failures;    /* hutch_run() < 0: the sandbox itself failed */
	_Atomic uint64_t callbacks_ok, callbacks_failed, callbacks_retried;
	struct histogram run_seconds[MS__MAX]; /* wall time of each sandbox run */
	struct histogram job_seconds;          /* claim to finish */
	struct histogram queue_wait_seconds;   /* created to claim */
};

extern const double metrics_bucket_bounds[METRICS_BUCKETS];

void metrics_observe(struct histogram *h, uint64_t us);
void metrics_http(struct metrics *m, const char *method, unsigned status);

/* Gauges from outside, filled at scrape time. */
struct metrics_gauges {
	uint64_t queued, running, done;
	double oldest_queued_age_s;
	unsigned workers, workers_busy;
	double uptime_s;
	double start_time_s;
};

/* The whole exposition text (malloc'd). status_names[i] names status i. */
char *metrics_render(const struct metrics *m, const struct metrics_gauges *g,
		     const char *const *status_names, size_t n_status, size_t *ret_len);

#endif
