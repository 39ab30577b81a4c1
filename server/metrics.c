/* SPDX-License-Identifier: MIT */
#include "metrics.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const double metrics_bucket_bounds[METRICS_BUCKETS] = {
	0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 60, 300,
};

void metrics_observe(struct histogram *h, uint64_t us)
{
	double s = (double)us / 1e6;

	for (int i = 0; i < METRICS_BUCKETS; i++)
		if (s <= metrics_bucket_bounds[i]) {
			atomic_fetch_add(&h->buckets[i], 1);
			break;
		}
	atomic_fetch_add(&h->count, 1);
	atomic_fetch_add(&h->sum_us, us);
}

void metrics_http(struct metrics *m, const char *method, unsigned status)
{
	static const char *const names[MM__MAX] = { "GET", "POST", "DELETE", NULL };
	int mi = MM_OTHER;

	for (int i = 0; i < MM_OTHER; i++)
		if (strcmp(method, names[i]) == 0)
			mi = i;
	if (status >= 100 && status < 600)
		atomic_fetch_add(&m->http[mi][status / 100], 1);
}

/* A growing text buffer; on allocation failure it stays failed. */
struct text {
	char *p;
	size_t len, cap;
	bool failed;
};

__attribute__((format(printf, 2, 3))) static void put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (t->failed)
		return;
	for (;;) {
		size_t room = t->cap - t->len;
		va_start(ap, fmt);
		n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			t->failed = true;
			return;
		}
		if ((size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		size_t nc = t->cap ? t->cap * 2 : 8192;
		while (nc < t->len + (size_t)n + 1)
			nc *= 2;
		char *np = realloc(t->p, nc);
		if (!np) {
			t->failed = true;
			return;
		}
		t->p = np;
		t->cap = nc;
	}
}

static void put_histogram(struct text *t, const char *name, const char *help, const char *label,
			  const struct histogram *h, bool header)
{
	uint64_t cum = 0;

	if (header)
		put(t, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (int i = 0; i < METRICS_BUCKETS; i++) {
		cum += atomic_load(&h->buckets[i]);
		put(t, "%s_bucket{%s%sle=\"%g\"} %llu\n", name, label ? label : "", label ? "," : "",
		    metrics_bucket_bounds[i], (unsigned long long)cum);
	}
	put(t, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, label ? label : "", label ? "," : "",
	    (unsigned long long)atomic_load(&h->count));
	put(t, "%s_sum%s%s%s %.6f\n", name, label ? "{" : "", label ? label : "", label ? "}" : "",
	    (double)atomic_load(&h->sum_us) / 1e6);
	put(t, "%s_count%s%s%s %llu\n", name, label ? "{" : "", label ? label : "", label ? "}" : "",
	    (unsigned long long)atomic_load(&h->count));
}

char *metrics_render(const struct metrics *m, const struct metrics_gauges *g, const char *const *status_names,
		     size_t n_status, size_t *ret_len)
{
	static const char *const methods[MM__MAX] = { "GET", "POST", "DELETE", "other" };
	static const char *const steps[MS__MAX] = { "compile", "run", "extract" };
	struct text t = { 0 };

	put(&t, "# HELP hutchd_up Whether hutchd is serving.\n# TYPE hutchd_up gauge\nhutchd_up 1\n");
	put(&t, "# HELP hutchd_start_time_seconds Start time of the process (unix).\n"
		"# TYPE hutchd_start_time_seconds gauge\nhutchd_start_time_seconds %.3f\n", g->start_time_s);
	put(&t, "# HELP hutchd_uptime_seconds Seconds since start.\n# TYPE hutchd_uptime_seconds gauge\n"
		"hutchd_uptime_seconds %.3f\n", g->uptime_s);

	put(&t, "# HELP hutchd_queue_depth Jobs waiting for a worker.\n# TYPE hutchd_queue_depth gauge\n"
		"hutchd_queue_depth %llu\n", (unsigned long long)g->queued);
	put(&t, "# HELP hutchd_jobs Jobs in the store by state.\n# TYPE hutchd_jobs gauge\n");
	put(&t, "hutchd_jobs{state=\"queued\"} %llu\n", (unsigned long long)g->queued);
	put(&t, "hutchd_jobs{state=\"running\"} %llu\n", (unsigned long long)g->running);
	put(&t, "hutchd_jobs{state=\"done\"} %llu\n", (unsigned long long)g->done);
	put(&t, "# HELP hutchd_queue_oldest_age_seconds Age of the oldest queued job (0: none).\n"
		"# TYPE hutchd_queue_oldest_age_seconds gauge\nhutchd_queue_oldest_age_seconds %.3f\n",
	    g->oldest_queued_age_s);
	put(&t, "# HELP hutchd_workers Worker threads by state.\n# TYPE hutchd_workers gauge\n"
		"hutchd_workers{state=\"busy\"} %u\nhutchd_workers{state=\"idle\"} %u\n",
	    g->workers_busy, g->workers - g->workers_busy);

	put(&t, "# HELP hutchd_jobs_submitted_total Jobs accepted into the queue.\n"
		"# TYPE hutchd_jobs_submitted_total counter\nhutchd_jobs_submitted_total %llu\n",
	    (unsigned long long)atomic_load(&m->jobs_submitted));
	put(&t, "# HELP hutchd_jobs_rejected_total Submissions refused with 503 (queue full).\n"
		"# TYPE hutchd_jobs_rejected_total counter\nhutchd_jobs_rejected_total{reason=\"queue_full\"} %llu\n",
	    (unsigned long long)atomic_load(&m->jobs_rejected_full));
	put(&t, "# HELP hutchd_jobs_finished_total Jobs finished, by Judge0 status.\n"
		"# TYPE hutchd_jobs_finished_total counter\n");
	for (size_t i = 0; i < METRICS_MAX_STATUS && i < n_status; i++)
		if (status_names[i])
			put(&t, "hutchd_jobs_finished_total{status_id=\"%zu\",status=\"%s\"} %llu\n", i, status_names[i],
			    (unsigned long long)atomic_load(&m->jobs_finished[i]));
	put(&t, "# HELP hutchd_jobs_requeued_total Running jobs put back in the queue at shutdown.\n"
		"# TYPE hutchd_jobs_requeued_total counter\nhutchd_jobs_requeued_total %llu\n",
	    (unsigned long long)atomic_load(&m->jobs_requeued));
	put(&t, "# HELP hutchd_jobs_recovered_total Jobs found running at start (crash) and queued again.\n"
		"# TYPE hutchd_jobs_recovered_total counter\nhutchd_jobs_recovered_total %llu\n",
	    (unsigned long long)atomic_load(&m->jobs_recovered));

	put(&t, "# HELP hutchd_sandbox_runs_total Sandboxes run, by step.\n# TYPE hutchd_sandbox_runs_total counter\n");
	for (int i = 0; i < MS__MAX; i++)
		put(&t, "hutchd_sandbox_runs_total{step=\"%s\"} %llu\n", steps[i],
		    (unsigned long long)atomic_load(&m->sandbox_runs[i]));
	put(&t, "# HELP hutchd_sandbox_failures_total Sandboxes that failed to start or run (not the program's fault).\n"
		"# TYPE hutchd_sandbox_failures_total counter\nhutchd_sandbox_failures_total %llu\n",
	    (unsigned long long)atomic_load(&m->sandbox_failures));
	put(&t, "# HELP hutchd_callbacks_total Callback deliveries, by result.\n# TYPE hutchd_callbacks_total counter\n"
		"hutchd_callbacks_total{result=\"delivered\"} %llu\nhutchd_callbacks_total{result=\"retried\"} %llu\n"
		"hutchd_callbacks_total{result=\"failed\"} %llu\n",
	    (unsigned long long)atomic_load(&m->callbacks_ok), (unsigned long long)atomic_load(&m->callbacks_retried),
	    (unsigned long long)atomic_load(&m->callbacks_failed));

	put(&t, "# HELP hutchd_http_requests_total HTTP requests, by method and status class.\n"
		"# TYPE hutchd_http_requests_total counter\n");
	for (int mi = 0; mi < MM__MAX; mi++)
		for (int c = 1; c <= 5; c++)
			if (atomic_load(&m->http[mi][c]))
				put(&t, "hutchd_http_requests_total{method=\"%s\",code=\"%dxx\"} %llu\n", methods[mi], c,
				    (unsigned long long)atomic_load(&m->http[mi][c]));

	for (int i = 0; i < MS__MAX; i++) {
		char label[32];
		snprintf(label, sizeof(label), "step=\"%s\"", steps[i]);
		put_histogram(&t, "hutchd_run_duration_seconds", "Wall time of one sandbox run, by step.", label,
			      &m->run_seconds[i], i == 0);
	}
	put_histogram(&t, "hutchd_job_duration_seconds", "Time from claim to result of a job.", NULL, &m->job_seconds, true);
	put_histogram(&t, "hutchd_queue_wait_seconds", "Time a job waited in the queue.", NULL, &m->queue_wait_seconds,
		      true);
	if (t.failed) {
		free(t.p);
		return NULL;
	}
	*ret_len = t.len;
	return t.p;
}
