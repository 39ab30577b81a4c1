/* SPDX-License-Identifier: MIT */
#include "queue.h"

#include <cJSON.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "callback.h"
#include "error.h"
#include "judge.h"
#include "log.h"
#include "metrics.h"
#include "server.h"
#include "util.h"

static const struct job_kind *const job_kinds[] = {
	&judge0_job_kind,
};

const struct job_kind *job_kind_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(job_kinds); i++)
		if (strcmp(job_kinds[i]->name, name) == 0)
			return job_kinds[i];
	return NULL;
}

struct worker {
	struct queue *q;
	pthread_t thread;
	bool started;
	struct worker_ctx ctx;
	/* What it does now, for /workers (under q->mu). */
	bool busy;
	char token[JOB_TOKEN_LEN + 1];
	char kind[JOB_KIND_MAX];
	uint64_t since_us;
	uint64_t jobs_done;
};

struct waiter {
	struct waiter *next;
	char token[JOB_TOKEN_LEN + 1];
	struct http_request *req;
	uint64_t deadline_us;
};

struct queue {
	struct app *app;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t generation; /* bumped by queue_kick */
	bool stopping;
	int cancel_fd;
	struct worker *w;
	unsigned n;
	unsigned busy;
	struct waiter *waiters;
};

static void cond_wait_ms(struct queue *q, unsigned ms)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	(void)pthread_cond_timedwait(&q->cv, &q->mu, &ts); /* ETIMEDOUT is the point */
}

/* Store a job's end, retrying a little: a store that refuses (disk full)
 * leaves the job running, and the next start runs it again. */
static int finish_job(struct app *app, const struct job *job, int status, const char *result, bool callback)
{
	struct hutch_error err = { 0 };
	int r = -EIO;

	for (int attempt = 0; attempt < 5; attempt++) {
		r = app->store->ops->job_finish(app->store, job->id, status, result, callback, &err);
		if (r == 0 || r == -ENOENT)
			return r;
		log_error("cannot store a job's result; retrying", LSTR("token", job->token), LSTR("error", err.msg));
		usleep(200000u << attempt);
	}
	return r;
}

static void run_one(struct worker *w, struct job *job)
{
	struct queue *q = w->q;
	struct app *app = q->app;
	const struct job_kind *kind = job_kind_find(job->kind);
	struct hutch_error err = { 0 };
	char *result = NULL;
	int status = 0;
	enum job_outcome outcome = JOB_OUTCOME_DONE;
	uint64_t t0 = hu_now_us();
	bool callback;

	if (job->started_ms > job->created_ms)
		metrics_observe(&app->metrics->queue_wait_seconds, (uint64_t)(job->started_ms - job->created_ms) * 1000);
	if (!kind) {
		log_error("job of an unknown kind: failed", LSTR("token", job->token), LSTR("kind", job->kind));
		result = strdup("{\"error\":\"unknown job kind\"}");
		status = 0;
	} else if (job->attempts > app->cfg->max_attempts) {
		char why[160];
		snprintf(why, sizeof(why), "hutchd stopped %u times while running this job; it is not run again",
			 job->attempts - 1);
		log_error("job started too many times: failed", LSTR("token", job->token), LUINT("attempts", job->attempts));
		result = kind->failed(app, job, why, &status);
	} else {
		log_debug("job started", LSTR("token", job->token), LSTR("kind", job->kind),
			  LUINT("attempt", job->attempts));
		outcome = kind->run(&w->ctx, job, &result, &status);
	}
	if (outcome == JOB_OUTCOME_CANCELLED) {
		if (app->store->ops->job_release(app->store, job->id, &err) < 0)
			log_error("cannot requeue a cancelled job (it is recovered at the next start)",
				  LSTR("token", job->token), LSTR("error", err.msg));
		atomic_fetch_add(&app->metrics->jobs_requeued, 1);
		log_info("job cancelled by shutdown; requeued", LSTR("token", job->token));
		free(result);
		return;
	}
	if (!result) {
		log_error("out of memory making a job's result", LSTR("token", job->token));
		return; /* stays running: recovered at the next start */
	}
	callback = job->callback_url && app->cfg->enable_callbacks;
	if (finish_job(app, job, status, result, callback) == 0) {
		if (status >= 0 && status < METRICS_MAX_STATUS)
			atomic_fetch_add(&app->metrics->jobs_finished[status], 1);
		metrics_observe(&app->metrics->job_seconds, hu_now_us() - t0);
		log_info("job finished", LSTR("token", job->token), LSTR("kind", job->kind), LINT("status", status),
			 LDBL("ms", (double)(hu_now_us() - t0) / 1000.0));
		queue_notify(q, job->token);
		if (callback)
			callbacks_kick(app->callbacks);
	}
	free(result);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct queue *q = w->q;
	struct app *app = q->app;

	for (;;) {
		struct hutch_error err = { 0 };
		struct job *job = NULL;
		uint64_t gen;
		int r;

		pthread_mutex_lock(&q->mu);
		if (q->stopping) {
			pthread_mutex_unlock(&q->mu);
			break;
		}
		gen = q->generation;
		pthread_mutex_unlock(&q->mu);

		r = app->store->ops->job_claim(app->store, w->ctx.node, &job, &err);
		if (r < 0) {
			if (r != -ENOENT)
				log_error("cannot claim a job", LSTR("error", err.msg));
			pthread_mutex_lock(&q->mu);
			/* Nothing queued: sleep until kicked. The timeout picks up
			 * jobs stored by another process (hutchd token... or a
			 * second node on a shared database). */
			if (!q->stopping && q->generation == gen)
				cond_wait_ms(q, r == -ENOENT ? 1000 : 2000);
			pthread_mutex_unlock(&q->mu);
			continue;
		}
		pthread_mutex_lock(&q->mu);
		w->busy = true;
		q->busy++;
		hu_strlcpy(w->token, job->token, sizeof(w->token));
		hu_strlcpy(w->kind, job->kind, sizeof(w->kind));
		w->since_us = hu_now_us();
		pthread_mutex_unlock(&q->mu);

		run_one(w, job);

		pthread_mutex_lock(&q->mu);
		w->busy = false;
		q->busy--;
		w->jobs_done++;
		w->token[0] = '\0';
		pthread_cond_broadcast(&q->cv);
		pthread_mutex_unlock(&q->mu);
		job_free(job);
	}
	return NULL;
}

int queue_start(struct app *app, unsigned workers, struct queue **ret, struct hutch_error *err)
{
	struct queue *q = calloc(1, sizeof(*q));
	pthread_condattr_t ca;

	if (!q)
		return herr(err, ENOMEM, "queue");
	q->app = app;
	q->cancel_fd = -1;
	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	q->cancel_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (q->cancel_fd < 0) {
		int e = errno;
		queue_free(q);
		return herr(err, e, "eventfd");
	}
	q->w = calloc(workers, sizeof(*q->w));
	if (!q->w) {
		queue_free(q);
		return herr(err, ENOMEM, "queue");
	}
	q->n = workers;
	for (unsigned i = 0; i < workers; i++) {
		struct worker *w = &q->w[i];
		int r;

		w->q = q;
		w->ctx.app = app;
		w->ctx.index = i;
		w->ctx.cancel_fd = q->cancel_fd;
		hu_strlcpy(w->ctx.node, app->node, sizeof(w->ctx.node));
		r = pthread_create(&w->thread, NULL, worker_main, w);
		if (r != 0) {
			queue_stop(q, 0);
			queue_free(q);
			return herr(err, r, "start worker %u", i);
		}
		w->started = true;
	}
	*ret = q;
	return 0;
}

void queue_kick(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->generation++;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

void queue_stop(struct queue *q, uint64_t grace_us)
{
	uint64_t deadline = hu_now_us() + grace_us;
	uint64_t one = 1;

	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_cond_broadcast(&q->cv);
	if (q->busy)
		log_info("waiting for running jobs", LUINT("running", q->busy),
			 LDBL("grace_s", (double)grace_us / 1e6));
	while (q->busy && hu_now_us() < deadline)
		cond_wait_ms(q, 50);
	if (q->busy) {
		log_info("grace period over: cancelling running jobs (they are requeued)", LUINT("running", q->busy));
		/* Every run in progress watches this fd (spec.cancel_fd). */
		if (write(q->cancel_fd, &one, sizeof(one)) != (ssize_t)sizeof(one))
			log_error("cannot cancel running jobs", LSTR("error", strerror(errno)));
	}
	pthread_mutex_unlock(&q->mu);
	for (unsigned i = 0; i < q->n; i++)
		if (q->w[i].started) {
			(void)pthread_join(q->w[i].thread, NULL); /* joinable, ours: cannot fail */
			q->w[i].started = false;
		}
}

void queue_free(struct queue *q)
{
	if (!q)
		return;
	while (q->waiters) {
		struct waiter *n = q->waiters->next;
		free(q->waiters);
		q->waiters = n;
	}
	if (q->cancel_fd >= 0)
		(void)close(q->cancel_fd); /* an eventfd: nothing to flush */
	free(q->w);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

unsigned queue_busy(struct queue *q)
{
	unsigned n;

	pthread_mutex_lock(&q->mu);
	n = q->busy;
	pthread_mutex_unlock(&q->mu);
	return n;
}

unsigned queue_size(struct queue *q)
{
	return q->n;
}

struct cJSON *queue_workers_json(struct queue *q)
{
	cJSON *a = cJSON_CreateArray();
	uint64_t now = hu_now_us();

	pthread_mutex_lock(&q->mu);
	for (unsigned i = 0; i < q->n; i++) {
		struct worker *w = &q->w[i];
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", i);
		cJSON_AddStringToObject(o, "state", w->busy ? "busy" : q->stopping ? "stopping" : "idle");
		if (w->busy) {
			cJSON_AddStringToObject(o, "job", w->token);
			cJSON_AddStringToObject(o, "kind", w->kind);
			cJSON_AddNumberToObject(o, "running_for", (double)(now - w->since_us) / 1e6);
		}
		cJSON_AddNumberToObject(o, "jobs_done", (double)w->jobs_done);
		cJSON_AddItemToArray(a, o);
	}
	pthread_mutex_unlock(&q->mu);
	return a;
}

/* ---------- waiters ---------- */

int queue_wait(struct queue *q, const char *token, struct http_request *req, struct http_reply *rep,
	       http_handler on_resume, uint64_t deadline_us)
{
	struct app *app = q->app;
	struct hutch_error err = { 0 };
	struct job *job = NULL;
	struct waiter *wt;
	int r;

	wt = calloc(1, sizeof(*wt));
	if (!wt)
		return -ENOMEM;
	/* Under q->mu: a worker stores the result before it takes q->mu to
	 * notify, so either the job reads as done here or the notification
	 * comes after the waiter is in the list. */
	pthread_mutex_lock(&q->mu);
	r = app->store->ops->job_get(app->store, token, &job, &err);
	if (r < 0 || job->state == JOB_DONE || q->stopping) {
		pthread_mutex_unlock(&q->mu);
		free(wt);
		job_free(job);
		return r < 0 ? r : 1;
	}
	job_free(job);
	hu_strlcpy(wt->token, token, sizeof(wt->token));
	wt->req = req;
	wt->deadline_us = deadline_us;
	wt->next = q->waiters;
	q->waiters = wt;
	http_reply_suspend(req, rep, on_resume);
	pthread_mutex_unlock(&q->mu);
	return 0;
}

/* Resume and drop the waiters that match (token, or all past now_us, or
 * everything). */
static void resume_where(struct queue *q, const char *token, uint64_t now_us, bool all)
{
	pthread_mutex_lock(&q->mu);
	for (struct waiter **p = &q->waiters; *p;) {
		struct waiter *wt = *p;
		if (all || (token && strcmp(wt->token, token) == 0) || (!token && now_us && wt->deadline_us <= now_us)) {
			*p = wt->next;
			http_resume(wt->req);
			free(wt);
		} else {
			p = &wt->next;
		}
	}
	pthread_mutex_unlock(&q->mu);
}

void queue_notify(struct queue *q, const char *token)
{
	resume_where(q, token, 0, false);
}

void queue_tick(struct queue *q)
{
	resume_where(q, NULL, hu_now_us(), false);
}

void queue_resume_all(struct queue *q)
{
	if (!q)
		return;
	pthread_mutex_lock(&q->mu);
	q->stopping = true;
	pthread_mutex_unlock(&q->mu);
	resume_where(q, NULL, 0, true);
}
