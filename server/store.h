/* SPDX-License-Identifier: MIT */
/*
 * Storage (prefix store_): everything hutchd keeps goes through this one
 * interface, a table of function pointers (struct store_ops) that each
 * backend fills, after crun's cgroup managers. The SQLite backend
 * (store-sqlite.c) is the default: embedded, zero setup, one file in the
 * state directory. A PostgreSQL backend shared by several hutchd nodes
 * fits the same table: job_claim is then
 *   UPDATE jobs SET state = 2, ... WHERE id = (SELECT id FROM jobs
 *     WHERE state = 1 ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1)
 *   RETURNING ...
 * and job_recover only touches the jobs of its own node (or of nodes
 * whose lease expired).
 *
 * Jobs are generic: a kind ("judge0"; later "grade", "deploy"), a state
 * (queued, running, done), a kind-specific status code, and two JSON
 * documents the kind owns: its request and its result. The store never
 * looks inside them.
 *
 * Durability: job_enqueue returns only after the jobs are committed, so a
 * 201 is never sent for a job that a crash could lose.
 *
 * Every function returns 0 or a negative errno and fills err; "not found"
 * is -ENOENT, "queue full" -EAGAIN, "not in a state that allows it" -EBUSY.
 */
#ifndef HUTCHD_STORE_H
#define HUTCHD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hutch.h"

#define JOB_TOKEN_LEN 36 /* UUID text */
#define JOB_KIND_MAX 16

enum job_state { JOB_QUEUED = 1, JOB_RUNNING = 2, JOB_DONE = 3 };

enum callback_state { CB_NONE = 0, CB_PENDING, CB_DELIVERED, CB_FAILED };

struct job {
	int64_t id;
	char token[JOB_TOKEN_LEN + 1];
	char kind[JOB_KIND_MAX];
	enum job_state state;
	int status;          /* the kind's status code once done (Judge0: status id) */
	unsigned attempts;   /* times a worker started it */
	int64_t owner;       /* token id of the submitter; -1: none */
	int64_t created_ms, started_ms, finished_ms; /* unix ms; 0: not yet */
	char *request;       /* JSON, the kind's */
	char *result;        /* JSON or NULL */
	char *callback_url;  /* or NULL */
	enum callback_state callback_state;
	unsigned callback_tries;
};

void job_free(struct job *j);
void job_freep(struct job **j);
void jobs_free(struct job **v, size_t n);

/* One job to enqueue. token and id are filled by the store. */
struct job_new {
	const char *kind;
	int64_t owner;
	const char *request;
	const char *callback_url; /* NULL: none */
	char token[JOB_TOKEN_LEN + 1];
	int64_t id;
	int64_t created_ms;
};

struct token_info {
	int64_t id;
	enum role role;
	char name[64];
	int64_t created_ms;
	int64_t revoked_ms; /* 0: active */
};

struct job_stats {
	uint64_t by_state[4];     /* index: enum job_state */
	int64_t oldest_queued_ms; /* 0: none queued */
};

/* A callback to deliver. */
struct callback_item {
	int64_t job_id;
	char token[JOB_TOKEN_LEN + 1];
	char *url;
	unsigned tries;
};

struct store;

struct store_ops {
	const char *name;
	void (*close)(struct store *st);

	int (*token_add)(struct store *st, const char *hash, enum role role, const char *name,
			 int64_t *ret_id, struct hutch_error *err);
	/* Active tokens only: a revoked or unknown hash is -ENOENT. */
	int (*token_find)(struct store *st, const char *hash, enum role *ret_role, int64_t *ret_id,
			  struct hutch_error *err);
	int (*token_list)(struct store *st, struct token_info **ret, size_t *ret_n, struct hutch_error *err);
	int (*token_revoke)(struct store *st, int64_t id, struct hutch_error *err);
	int (*token_count)(struct store *st, uint64_t *ret, struct hutch_error *err);

	/* All or none: -EAGAIN (nothing stored) when the queue would pass
	 * max_queued. Fills each job_new's token, id and created_ms. */
	int (*job_enqueue)(struct store *st, struct job_new *jobs, size_t n, uint64_t max_queued,
			   struct hutch_error *err);
	/* Take the oldest queued job: state running, attempts + 1, node set.
	 * -ENOENT when none is queued. */
	int (*job_claim)(struct store *st, const char *node, struct job **ret, struct hutch_error *err);
	/* Record the result (state done). callback: mark its callback pending. */
	int (*job_finish)(struct store *st, int64_t id, int status, const char *result, bool callback,
			  struct hutch_error *err);
	/* Put a running job back in the queue, this start not counted (a
	 * shutdown cancelled its run). */
	int (*job_release)(struct store *st, int64_t id, struct hutch_error *err);
	/* At start: every job left running by a dead process of this node is
	 * queued again, its attempts kept (a job that keeps killing hutchd is
	 * failed by the worker after max_attempts). SQLite: one node per
	 * database file (hutchd holds a lock), so every running job. */
	int (*job_recover)(struct store *st, const char *node, uint64_t *ret_n, struct hutch_error *err);
	int (*job_get)(struct store *st, const char *token, struct job **ret, struct hutch_error *err);
	/* Newest first. owner -1: everyone's. */
	int (*job_list)(struct store *st, int64_t owner, uint64_t offset, uint64_t limit, struct job ***ret,
			size_t *ret_n, uint64_t *ret_total, struct hutch_error *err);
	/* -EBUSY while queued or running. */
	int (*job_delete)(struct store *st, const char *token, struct hutch_error *err);
	int (*job_stats)(struct store *st, struct job_stats *ret, struct hutch_error *err);

	/* Callbacks due at now_ms (pending, next attempt time reached). */
	int (*callback_due)(struct store *st, int64_t now_ms, size_t max, struct callback_item **ret,
			    size_t *ret_n, struct hutch_error *err);
	/* After an attempt: state delivered/failed, or pending again at next_ms. */
	int (*callback_update)(struct store *st, int64_t job_id, enum callback_state state, unsigned tries,
			       int64_t next_ms, struct hutch_error *err);
};

struct store {
	const struct store_ops *ops;
};

struct store_options {
	const char *path;
	enum sync_mode sync;
};

/* The SQLite backend. Creates the file (mode 0600) and migrates it. */
int store_sqlite_open(const struct store_options *o, struct store **ret, struct hutch_error *err);

void callback_items_free(struct callback_item *v, size_t n);

/* Milliseconds since the epoch (CLOCK_REALTIME). */
int64_t store_now_ms(void);

#endif
