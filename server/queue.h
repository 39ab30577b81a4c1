/* SPDX-License-Identifier: MIT */
/*
 * The job queue's runtime side (prefix queue_): a pool of worker threads
 * that claim jobs from the store, run them through their kind's handler
 * (which calls hutch_run() directly) and store the result; and the
 * waiters, HTTP requests suspended until a job is done (?wait=true).
 *
 * The queue itself is the store: a job is claimed, run and finished by
 * id, so what a crash leaves behind is exactly the set of jobs in state
 * running, which the next start queues again (store job_recover). A job
 * that was started max_attempts times without finishing (it keeps taking
 * hutchd down, or hutchd keeps being killed while it runs) is failed
 * rather than retried forever.
 *
 * Shutdown (queue_stop): workers stop claiming; running jobs get the
 * grace period to finish; then the cancel eventfd fires, every run in
 * progress is killed by libhutch (spec.cancel_fd) and its job is put back
 * in the queue, not failed.
 *
 * Job kinds are a table (struct job_kind): "judge0" today; course grading
 * and deploys add theirs.
 */
#ifndef HUTCHD_QUEUE_H
#define HUTCHD_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "hutch.h"
#include "http.h"
#include "store.h"

struct app;
struct queue;
struct cJSON;

/* What a worker gives a job's handler. */
struct worker_ctx {
	struct app *app;
	unsigned index;
	int cancel_fd; /* readable once shutdown cancels running jobs */
	char node[64];
};

enum job_outcome {
	JOB_OUTCOME_DONE = 0,  /* result and status filled */
	JOB_OUTCOME_CANCELLED, /* shutdown: put the job back in the queue */
};

struct job_kind {
	const char *name;
	/* Run job; fill *ret_result (malloc'd JSON) and *ret_status, or
	 * return JOB_OUTCOME_CANCELLED. A failure of hutchd itself is still
	 * a result: the handler reports it in its own terms (Judge0: status
	 * 13, Internal Error). */
	enum job_outcome (*run)(struct worker_ctx *w, const struct job *job, char **ret_result, int *ret_status);
	/* The result of a job that cannot be run at all (why: one line). */
	char *(*failed)(struct app *app, const struct job *job, const char *why, int *ret_status);
	/* The JSON body PUT to the job's callback_url, or NULL. */
	char *(*callback_body)(struct app *app, const struct job *job);
};

/* Kinds known to this hutchd (queue.c). NULL if unknown. */
const struct job_kind *job_kind_find(const char *name);

int queue_start(struct app *app, unsigned workers, struct queue **ret, struct hutch_error *err);
/* New jobs were stored: wake idle workers. */
void queue_kick(struct queue *q);
/* Stop claiming, give running jobs grace_us, cancel and requeue the rest,
 * join the workers. */
void queue_stop(struct queue *q, uint64_t grace_us);
void queue_free(struct queue *q);

/* Workers busy now, and a JSON array describing each worker. */
unsigned queue_busy(struct queue *q);
unsigned queue_size(struct queue *q);
struct cJSON *queue_workers_json(struct queue *q);

/* ---- waiters ---- */

/* Decide under the queue's lock whether the job is done; if not, suspend
 * req (http_reply_suspend with on_resume) and keep it until the job
 * finishes or deadline_us (CLOCK_MONOTONIC) passes. Returns 1 if the job
 * is already done (nothing suspended), 0 if suspended, or -errno. */
int queue_wait(struct queue *q, const char *token, struct http_request *req, struct http_reply *rep,
	       http_handler on_resume, uint64_t deadline_us);
/* A job is done: resume its waiters. */
void queue_notify(struct queue *q, const char *token);
/* Resume waiters past their deadline (called every second). */
void queue_tick(struct queue *q);
/* Resume every waiter (shutdown). */
void queue_resume_all(struct queue *q);

#endif
