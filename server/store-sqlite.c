/* SPDX-License-Identifier: MIT */
/*
 * The SQLite store. WAL journal (readers never wait for the writer),
 * foreign keys on, synchronous FULL by default (a committed job survives a
 * power cut; NORMAL: survives a crash of hutchd, which is cheaper).
 *
 * Two connections: one for writes, one for reads, each behind its own
 * mutex, so that an HTTP GET or a token check never waits behind a
 * worker's commit (its fsync). Statements are prepared once per connection
 * and reused.
 *
 * Migrations are versioned in the code (migrations[] below, applied in
 * order inside one transaction each; PRAGMA user_version is the version).
 * A database newer than this hutchd is refused rather than guessed at.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "error.h"
#include "store.h"
#include "util.h"

static const char *const migrations[] = {
	/* 1: tokens and jobs */
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  role TEXT NOT NULL CHECK (role IN ('admin', 'client')),"
	"  name TEXT NOT NULL DEFAULT '',"
	"  created_ms INTEGER NOT NULL,"
	"  revoked_ms INTEGER"
	");"
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY,"
	"  token TEXT NOT NULL UNIQUE,"
	"  kind TEXT NOT NULL,"
	"  state INTEGER NOT NULL CHECK (state IN (1, 2, 3)),"
	"  status INTEGER NOT NULL DEFAULT 0,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  owner INTEGER REFERENCES tokens(id) ON DELETE SET NULL,"
	"  node TEXT,"
	"  created_ms INTEGER NOT NULL,"
	"  started_ms INTEGER,"
	"  finished_ms INTEGER,"
	"  request TEXT NOT NULL,"
	"  result TEXT,"
	"  callback_url TEXT,"
	"  callback_state INTEGER NOT NULL DEFAULT 0,"
	"  callback_tries INTEGER NOT NULL DEFAULT 0,"
	"  callback_next_ms INTEGER"
	");"
	"CREATE INDEX jobs_state ON jobs (state, id);"
	"CREATE INDEX jobs_owner ON jobs (owner, id);"
	"CREATE INDEX jobs_callback ON jobs (callback_next_ms) WHERE callback_state = 1;",
};

#define JOB_COLS                                                                                   \
	"id, token, kind, state, status, attempts, owner, created_ms, started_ms, finished_ms, "   \
	"request, result, callback_url, callback_state, callback_tries"

enum sq_stmt {
	S_TOKEN_ADD, S_TOKEN_FIND, S_TOKEN_LIST, S_TOKEN_REVOKE, S_TOKEN_COUNT,
	S_QUEUED_COUNT, S_JOB_INSERT, S_JOB_CLAIM, S_JOB_FINISH, S_JOB_RELEASE, S_JOB_RECOVER,
	S_JOB_GET, S_JOB_LIST, S_JOB_COUNT_OWNER, S_JOB_DELETE, S_JOB_STATE_COUNTS, S_JOB_OLDEST,
	S_CB_DUE, S_CB_UPDATE, S_BEGIN, S_COMMIT, S_ROLLBACK, S_SYNC_NORMAL, S_SYNC_FULL,
	S__MAX,
};

static const char *const sq_sql[S__MAX] = {
	[S_TOKEN_ADD] = "INSERT INTO tokens (hash, role, name, created_ms) VALUES (?1, ?2, ?3, ?4)",
	[S_TOKEN_FIND] = "SELECT id, role FROM tokens WHERE hash = ?1 AND revoked_ms IS NULL",
	[S_TOKEN_LIST] = "SELECT id, role, name, created_ms, revoked_ms FROM tokens ORDER BY id",
	[S_TOKEN_REVOKE] = "UPDATE tokens SET revoked_ms = ?2 WHERE id = ?1 AND revoked_ms IS NULL",
	[S_TOKEN_COUNT] = "SELECT count(*) FROM tokens WHERE revoked_ms IS NULL",
	[S_QUEUED_COUNT] = "SELECT count(*) FROM jobs WHERE state = 1",
	[S_JOB_INSERT] = "INSERT INTO jobs (token, kind, state, owner, created_ms, request, callback_url) "
			 "VALUES (?1, ?2, 1, ?3, ?4, ?5, ?6)",
	[S_JOB_CLAIM] = "UPDATE jobs SET state = 2, attempts = attempts + 1, node = ?1, started_ms = ?2 "
			"WHERE id = (SELECT id FROM jobs WHERE state = 1 ORDER BY id LIMIT 1) "
			"RETURNING " JOB_COLS,
	[S_JOB_FINISH] = "UPDATE jobs SET state = 3, status = ?2, result = ?3, finished_ms = ?4, "
			 "callback_state = CASE WHEN ?5 THEN 1 ELSE callback_state END, "
			 "callback_next_ms = CASE WHEN ?5 THEN ?4 ELSE callback_next_ms END "
			 "WHERE id = ?1 AND state = 2",
	[S_JOB_RELEASE] = "UPDATE jobs SET state = 1, node = NULL, started_ms = NULL, "
			  "attempts = max(attempts - 1, 0) WHERE id = ?1 AND state = 2",
	[S_JOB_RECOVER] = "UPDATE jobs SET state = 1, node = NULL, started_ms = NULL WHERE state = 2",
	[S_JOB_GET] = "SELECT " JOB_COLS " FROM jobs WHERE token = ?1",
	[S_JOB_LIST] = "SELECT " JOB_COLS " FROM jobs WHERE ?1 < 0 OR owner = ?1 "
		       "ORDER BY id DESC LIMIT ?2 OFFSET ?3",
	[S_JOB_COUNT_OWNER] = "SELECT count(*) FROM jobs WHERE ?1 < 0 OR owner = ?1",
	[S_JOB_DELETE] = "DELETE FROM jobs WHERE token = ?1 AND state = 3",
	[S_JOB_STATE_COUNTS] = "SELECT state, count(*) FROM jobs GROUP BY state",
	[S_JOB_OLDEST] = "SELECT min(created_ms) FROM jobs WHERE state = 1",
	[S_CB_DUE] = "SELECT id, token, callback_url, callback_tries FROM jobs "
		     "WHERE callback_state = 1 AND callback_next_ms <= ?1 ORDER BY callback_next_ms LIMIT ?2",
	[S_CB_UPDATE] = "UPDATE jobs SET callback_state = ?2, callback_tries = ?3, callback_next_ms = ?4 "
			"WHERE id = ?1",
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SYNC_NORMAL] = "PRAGMA synchronous = NORMAL",
	[S_SYNC_FULL] = "PRAGMA synchronous = FULL",
};

struct sq_conn {
	pthread_mutex_t mu;
	sqlite3 *db;
	sqlite3_stmt *stmt[S__MAX];
};

struct sq_store {
	struct store base;
	struct sq_conn w, r;
	bool full; /* synchronous = FULL for what must survive a power cut */
};

static const struct store_ops sq_ops;

int64_t store_now_ms(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int sq_errno(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM: return ENOMEM;
	case SQLITE_FULL: return ENOSPC;
	case SQLITE_BUSY: case SQLITE_LOCKED: return ETIMEDOUT;
	case SQLITE_READONLY: case SQLITE_PERM: case SQLITE_AUTH: return EACCES;
	case SQLITE_CONSTRAINT: return EEXIST;
	case SQLITE_CANTOPEN: return ENOENT;
	default: return EIO;
	}
}

/* SQLite's own message is the whole story: no strerror appended. */
static int sq_fail(struct hutch_error *err, sqlite3 *db, int rc, const char *what)
{
	int e = sq_errno(rc);

	herr(err, 0, "sqlite %s: %s", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
	if (err)
		err->code = e;
	return -e;
}

/* The statement id of conn, prepared on first use, reset and unbound. */
static sqlite3_stmt *sq_stmt(struct sq_conn *c, enum sq_stmt id, struct hutch_error *err)
{
	sqlite3_stmt *s = c->stmt[id];
	int rc;

	if (!s) {
		rc = sqlite3_prepare_v3(c->db, sq_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
		if (rc != SQLITE_OK) {
			sq_fail(err, c->db, rc, "prepare");
			return NULL;
		}
		c->stmt[id] = s;
	}
	return s;
}

static void sq_done(sqlite3_stmt *s)
{
	if (s) {
		/* reset() repeats the last step's error, already reported. */
		(void)sqlite3_reset(s);
		(void)sqlite3_clear_bindings(s);
	}
}

static int sq_exec_stmt(struct sq_conn *c, enum sq_stmt id, struct hutch_error *err)
{
	sqlite3_stmt *s = sq_stmt(c, id, err);
	int rc;

	if (!s)
		return -EIO;
	rc = sqlite3_step(s);
	sq_done(s);
	if (rc != SQLITE_DONE)
		return sq_fail(err, c->db, rc, sq_sql[id]);
	return 0;
}

static void sq_rollback(struct sq_conn *c)
{
	struct hutch_error ignored;

	/* After a failed statement the transaction may already be gone. */
	(void)sq_exec_stmt(c, S_ROLLBACK, &ignored);
}

static void lock(struct sq_conn *c) { pthread_mutex_lock(&c->mu); }
static void unlock(struct sq_conn *c) { pthread_mutex_unlock(&c->mu); }

static char *col_strdup(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t ? strdup((const char *)t) : NULL;
}

static int64_t col_i64(sqlite3_stmt *s, int i)
{
	return sqlite3_column_type(s, i) == SQLITE_NULL ? 0 : sqlite3_column_int64(s, i);
}

/* A job from a row in JOB_COLS order. */
static struct job *job_from_row(sqlite3_stmt *s)
{
	struct job *j = calloc(1, sizeof(*j));
	const unsigned char *t;

	if (!j)
		return NULL;
	j->id = sqlite3_column_int64(s, 0);
	if ((t = sqlite3_column_text(s, 1)))
		hu_strlcpy(j->token, (const char *)t, sizeof(j->token));
	if ((t = sqlite3_column_text(s, 2)))
		hu_strlcpy(j->kind, (const char *)t, sizeof(j->kind));
	j->state = (enum job_state)sqlite3_column_int(s, 3);
	j->status = sqlite3_column_int(s, 4);
	j->attempts = (unsigned)sqlite3_column_int(s, 5);
	j->owner = sqlite3_column_type(s, 6) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 6);
	j->created_ms = col_i64(s, 7);
	j->started_ms = col_i64(s, 8);
	j->finished_ms = col_i64(s, 9);
	j->request = col_strdup(s, 10);
	j->result = col_strdup(s, 11);
	j->callback_url = col_strdup(s, 12);
	j->callback_state = (enum callback_state)sqlite3_column_int(s, 13);
	j->callback_tries = (unsigned)sqlite3_column_int(s, 14);
	if (!j->request || (sqlite3_column_type(s, 11) != SQLITE_NULL && !j->result) ||
	    (sqlite3_column_type(s, 12) != SQLITE_NULL && !j->callback_url)) {
		job_free(j);
		return NULL;
	}
	return j;
}

void job_free(struct job *j)
{
	if (!j)
		return;
	free(j->request);
	free(j->result);
	free(j->callback_url);
	free(j);
}

void job_freep(struct job **j)
{
	job_free(*j);
	*j = NULL;
}

void jobs_free(struct job **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		job_free(v[i]);
	free(v);
}

void callback_items_free(struct callback_item *v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i].url);
	free(v);
}

/* Random UUID v4 (RFC 9562). */
static int uuid4(char out[JOB_TOKEN_LEN + 1], struct hutch_error *err)
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return herr(err, errno ? errno : EIO, "getrandom");
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
	snprintf(out, JOB_TOKEN_LEN + 1,
		 "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
		 b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
	return 0;
}

/* ---------- tokens ---------- */

static int sq_token_add(struct store *st, const char *hash, enum role role, const char *name,
			int64_t *ret_id, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_TOKEN_ADD, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, role_name(role), -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, name ? name : "", -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, store_now_ms());
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "add token");
	else
		*ret_id = sqlite3_last_insert_rowid(q->w.db);
	sq_done(s);
out:
	unlock(&q->w);
	return r;
}

static int sq_token_find(struct store *st, const char *hash, enum role *ret_role, int64_t *ret_id,
			 struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r;

	lock(&q->r);
	s = sq_stmt(&q->r, S_TOKEN_FIND, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		const unsigned char *role = sqlite3_column_text(s, 1);
		*ret_id = sqlite3_column_int64(s, 0);
		r = role_parse(role ? (const char *)role : "", ret_role) < 0 ? herr(err, EIO, "bad role in store") : 0;
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sq_fail(err, q->r.db, rc, "find token");
	}
	sq_done(s);
out:
	unlock(&q->r);
	return r;
}

static int sq_token_list(struct store *st, struct token_info **ret, size_t *ret_n, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	struct token_info *v = NULL;
	size_t n = 0, cap = 0;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->r);
	s = sq_stmt(&q->r, S_TOKEN_LIST, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t;
		if (n == cap) {
			struct token_info *nv = reallocarray(v, cap ? cap * 2 : 16, sizeof(*v));
			if (!nv) {
				r = herr(err, ENOMEM, "list tokens");
				goto out;
			}
			v = nv;
			cap = cap ? cap * 2 : 16;
		}
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = sqlite3_column_int64(s, 0);
		t = sqlite3_column_text(s, 1);
		if (role_parse(t ? (const char *)t : "", &v[n].role) < 0)
			v[n].role = ROLE_NONE;
		t = sqlite3_column_text(s, 2);
		hu_strlcpy(v[n].name, t ? (const char *)t : "", sizeof(v[n].name));
		v[n].created_ms = col_i64(s, 3);
		v[n].revoked_ms = col_i64(s, 4);
		n++;
	}
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->r.db, rc, "list tokens");
out:
	sq_done(s);
	unlock(&q->r);
	if (r < 0) {
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int sq_token_revoke(struct store *st, int64_t id, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_TOKEN_REVOKE, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int64(s, 2, store_now_ms());
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "revoke token");
	else if (sqlite3_changes(q->w.db) == 0)
		r = herr(err, ENOENT, "no active token with id %lld", (long long)id);
	sq_done(s);
out:
	unlock(&q->w);
	return r;
}

/* SELECT count(*)-like statement with at most one integer parameter. */
static int sq_count(struct sq_conn *c, enum sq_stmt id, bool has_param, int64_t param, uint64_t *ret,
		    struct hutch_error *err)
{
	sqlite3_stmt *s = sq_stmt(c, id, err);
	int rc, r = 0;

	if (!s)
		return -EIO;
	if (has_param)
		sqlite3_bind_int64(s, 1, param);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		*ret = (uint64_t)sqlite3_column_int64(s, 0);
	else
		r = sq_fail(err, c->db, rc, sq_sql[id]);
	sq_done(s);
	return r;
}

static int sq_token_count(struct store *st, uint64_t *ret, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	int r;

	lock(&q->r);
	r = sq_count(&q->r, S_TOKEN_COUNT, false, 0, ret, err);
	unlock(&q->r);
	return r;
}

/* ---------- jobs ---------- */

static int sq_job_enqueue(struct store *st, struct job_new *jobs, size_t n, uint64_t max_queued,
			  struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	uint64_t queued = 0;
	int64_t now = store_now_ms();
	int r;

	for (size_t i = 0; i < n; i++) {
		r = uuid4(jobs[i].token, err);
		if (r < 0)
			return r;
		jobs[i].created_ms = now;
	}
	lock(&q->w);
	r = sq_exec_stmt(&q->w, S_BEGIN, err);
	if (r < 0)
		goto out;
	r = sq_count(&q->w, S_QUEUED_COUNT, false, 0, &queued, err);
	if (r < 0)
		goto fail;
	if (queued + n > max_queued) {
		r = herr(err, EAGAIN, "queue is full: %llu jobs waiting, at most %llu",
			 (unsigned long long)queued, (unsigned long long)max_queued);
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *s = sq_stmt(&q->w, S_JOB_INSERT, err);
		int rc;
		if (!s) {
			r = -EIO;
			goto fail;
		}
		sqlite3_bind_text(s, 1, jobs[i].token, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, jobs[i].kind, -1, SQLITE_STATIC);
		if (jobs[i].owner >= 0)
			sqlite3_bind_int64(s, 3, jobs[i].owner);
		else
			sqlite3_bind_null(s, 3);
		sqlite3_bind_int64(s, 4, now);
		sqlite3_bind_text(s, 5, jobs[i].request, -1, SQLITE_STATIC);
		if (jobs[i].callback_url)
			sqlite3_bind_text(s, 6, jobs[i].callback_url, -1, SQLITE_STATIC);
		else
			sqlite3_bind_null(s, 6);
		rc = sqlite3_step(s);
		if (rc == SQLITE_DONE)
			jobs[i].id = sqlite3_last_insert_rowid(q->w.db);
		else
			r = sq_fail(err, q->w.db, rc, "insert job");
		sq_done(s);
		if (r < 0)
			goto fail;
	}
	r = sq_exec_stmt(&q->w, S_COMMIT, err);
	if (r == 0)
		goto out;
fail:
	sq_rollback(&q->w);
out:
	unlock(&q->w);
	return r;
}

static int sq_job_claim(struct store *st, const char *node, struct job **ret, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	/* A claim need not survive a power cut: lost, its job is still
	 * queued and runs again. The next FULL commit (the result) syncs the
	 * WAL up to and including it anyway. */
	if (q->full && (r = sq_exec_stmt(&q->w, S_SYNC_NORMAL, err)) < 0)
		goto out;
	s = sq_stmt(&q->w, S_JOB_CLAIM, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, node, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, store_now_ms());
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret = job_from_row(s);
		if (!*ret)
			r = herr(err, ENOMEM, "claim job");
		/* RETURNING: the update is applied when the statement runs to
		 * its end. */
		rc = sqlite3_step(s);
		if (rc != SQLITE_DONE && r == 0) {
			r = sq_fail(err, q->w.db, rc, "claim job");
			job_freep(ret);
		}
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sq_fail(err, q->w.db, rc, "claim job");
	}
	sq_done(s);
out:
	if (q->full) {
		struct hutch_error e2;
		if (sq_exec_stmt(&q->w, S_SYNC_FULL, &e2) < 0 && r >= 0) {
			*err = e2;
			job_freep(ret);
			r = -EIO;
		}
	}
	unlock(&q->w);
	return r;
}

static int sq_job_finish(struct store *st, int64_t id, int status, const char *result, bool callback,
			 struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_JOB_FINISH, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	sqlite3_bind_int(s, 2, status);
	sqlite3_bind_text(s, 3, result, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, store_now_ms());
	sqlite3_bind_int(s, 5, callback ? 1 : 0);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "finish job");
	else if (sqlite3_changes(q->w.db) == 0)
		r = herr(err, ENOENT, "job %lld is not running", (long long)id);
	sq_done(s);
out:
	unlock(&q->w);
	return r;
}

static int sq_job_release(struct store *st, int64_t id, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_JOB_RELEASE, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, id);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "release job");
	sq_done(s);
out:
	unlock(&q->w);
	return r;
}

static int sq_job_recover(struct store *st, const char *node, uint64_t *ret_n, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	int r;

	lock(&q->w);
	r = sq_exec_stmt(&q->w, S_JOB_RECOVER, err);
	if (r == 0)
		*ret_n = (uint64_t)sqlite3_changes(q->w.db);
	unlock(&q->w);
	return r;
}

static int sq_job_get(struct store *st, const char *token, struct job **ret, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->r);
	s = sq_stmt(&q->r, S_JOB_GET, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		*ret = job_from_row(s);
		if (!*ret)
			r = herr(err, ENOMEM, "get job");
	} else if (rc == SQLITE_DONE) {
		r = -ENOENT;
	} else {
		r = sq_fail(err, q->r.db, rc, "get job");
	}
	sq_done(s);
out:
	unlock(&q->r);
	return r;
}

static int sq_job_list(struct store *st, int64_t owner, uint64_t offset, uint64_t limit, struct job ***ret,
		       size_t *ret_n, uint64_t *ret_total, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	struct job **v = NULL;
	size_t n = 0;
	sqlite3_stmt *s = NULL;
	int rc = SQLITE_DONE, r;

	if (limit > 1000)
		limit = 1000;
	/* an array of pointers: sizeof(*v) is right */
	v = calloc(limit ? limit : 1, sizeof(*v)); // NOLINT(bugprone-sizeof-expression)
	if (!v)
		return herr(err, ENOMEM, "list jobs");
	lock(&q->r);
	r = sq_count(&q->r, S_JOB_COUNT_OWNER, true, owner, ret_total, err);
	if (r < 0)
		goto out;
	s = sq_stmt(&q->r, S_JOB_LIST, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, owner);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)limit);
	sqlite3_bind_int64(s, 3, (sqlite3_int64)(offset > INT64_MAX ? INT64_MAX : offset));
	while (n < limit && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		v[n] = job_from_row(s);
		if (!v[n]) {
			r = herr(err, ENOMEM, "list jobs");
			goto out;
		}
		n++;
	}
	if (n < limit && rc != SQLITE_DONE)
		r = sq_fail(err, q->r.db, rc, "list jobs");
out:
	sq_done(s);
	unlock(&q->r);
	if (r < 0) {
		jobs_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int sq_job_delete(struct store *st, const char *token, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_JOB_DELETE, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "delete job");
	else if (sqlite3_changes(q->w.db) == 0)
		r = 1; /* decided below: queued/running or absent */
	sq_done(s);
	if (r == 1) {
		s = sq_stmt(&q->w, S_JOB_GET, err);
		if (!s) {
			r = -EIO;
			goto out;
		}
		sqlite3_bind_text(s, 1, token, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		r = rc == SQLITE_ROW ? -EBUSY : rc == SQLITE_DONE ? -ENOENT : sq_fail(err, q->w.db, rc, "delete job");
		sq_done(s);
	}
out:
	unlock(&q->w);
	return r;
}

static int sq_job_stats(struct store *st, struct job_stats *ret, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	memset(ret, 0, sizeof(*ret));
	lock(&q->r);
	s = sq_stmt(&q->r, S_JOB_STATE_COUNTS, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		int state = sqlite3_column_int(s, 0);
		if (state >= JOB_QUEUED && state <= JOB_DONE)
			ret->by_state[state] = (uint64_t)sqlite3_column_int64(s, 1);
	}
	sq_done(s);
	if (rc != SQLITE_DONE) {
		r = sq_fail(err, q->r.db, rc, "job stats");
		goto out;
	}
	s = sq_stmt(&q->r, S_JOB_OLDEST, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		ret->oldest_queued_ms = col_i64(s, 0);
	else
		r = sq_fail(err, q->r.db, rc, "job stats");
	sq_done(s);
out:
	unlock(&q->r);
	return r;
}

static int sq_callback_due(struct store *st, int64_t now_ms, size_t max, struct callback_item **ret,
			   size_t *ret_n, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	struct callback_item *v;
	size_t n = 0;
	sqlite3_stmt *s;
	int rc = SQLITE_DONE, r = 0;

	v = calloc(max ? max : 1, sizeof(*v));
	if (!v)
		return herr(err, ENOMEM, "callbacks");
	lock(&q->r);
	s = sq_stmt(&q->r, S_CB_DUE, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, now_ms);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)max);
	while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(s, 1);
		v[n].job_id = sqlite3_column_int64(s, 0);
		hu_strlcpy(v[n].token, t ? (const char *)t : "", sizeof(v[n].token));
		v[n].url = col_strdup(s, 2);
		v[n].tries = (unsigned)sqlite3_column_int(s, 3);
		if (!v[n].url) {
			r = herr(err, ENOMEM, "callbacks");
			goto out;
		}
		n++;
	}
	if (n < max && rc != SQLITE_DONE)
		r = sq_fail(err, q->r.db, rc, "callbacks");
out:
	sq_done(s);
	unlock(&q->r);
	if (r < 0) {
		callback_items_free(v, n);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

static int sq_callback_update(struct store *st, int64_t job_id, enum callback_state state, unsigned tries,
			      int64_t next_ms, struct hutch_error *err)
{
	struct sq_store *q = (struct sq_store *)st;
	sqlite3_stmt *s;
	int rc, r = 0;

	lock(&q->w);
	s = sq_stmt(&q->w, S_CB_UPDATE, err);
	if (!s) {
		r = -EIO;
		goto out;
	}
	sqlite3_bind_int64(s, 1, job_id);
	sqlite3_bind_int(s, 2, (int)state);
	sqlite3_bind_int(s, 3, (int)tries);
	sqlite3_bind_int64(s, 4, next_ms);
	rc = sqlite3_step(s);
	if (rc != SQLITE_DONE)
		r = sq_fail(err, q->w.db, rc, "update callback");
	sq_done(s);
out:
	unlock(&q->w);
	return r;
}

/* ---------- open, migrate, close ---------- */

static void sq_conn_close(struct sq_conn *c)
{
	for (int i = 0; i < S__MAX; i++)
		if (c->stmt[i])
			(void)sqlite3_finalize(c->stmt[i]); /* errors were reported at step time */
	if (c->db && sqlite3_close(c->db) != SQLITE_OK)
		(void)sqlite3_close_v2(c->db); /* closes once the last statement is gone */
	c->db = NULL;
	pthread_mutex_destroy(&c->mu);
}

static void sq_close(struct store *st)
{
	struct sq_store *q = (struct sq_store *)st;

	if (!q)
		return;
	sq_conn_close(&q->r);
	sq_conn_close(&q->w);
	free(q);
}

static int sq_conn_open(struct sq_conn *c, const struct store_options *o, bool writer, struct hutch_error *err)
{
	char pragmas[256];
	char *msg = NULL;
	int rc;

	pthread_mutex_init(&c->mu, NULL);
	rc = sqlite3_open_v2(o->path, &c->db,
			     (writer ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) |
				     SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
			     NULL);
	if (rc != SQLITE_OK)
		return herr(err, sq_errno(rc), "sqlite open %s: %s", o->path,
			    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
	(void)sqlite3_extended_result_codes(c->db, 1); /* only fails on a NULL handle */
	snprintf(pragmas, sizeof(pragmas),
		 "PRAGMA busy_timeout = 10000; PRAGMA foreign_keys = ON; %s",
		 writer ? (o->sync == SYNC_FULL ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
						: "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
			: "");
	rc = sqlite3_exec(c->db, pragmas, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		herr(err, sq_errno(rc), "sqlite %s: %s", o->path, msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return -sq_errno(rc);
	}
	return 0;
}

static int sq_migrate(struct sq_conn *c, const char *path, struct hutch_error *err)
{
	sqlite3_stmt *s = NULL;
	int version, rc;
	char *msg = NULL;

	rc = sqlite3_prepare_v2(c->db, "PRAGMA user_version", -1, &s, NULL);
	if (rc != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
		(void)sqlite3_finalize(s);
		return sq_fail(err, c->db, rc, "read schema version");
	}
	version = sqlite3_column_int(s, 0);
	(void)sqlite3_finalize(s);
	if (version > (int)ARRAY_SIZE(migrations))
		return herr(err, EPROTO,
			    "database %s has schema version %d; this hutchd knows up to %zu: use a newer hutchd",
			    path, version, ARRAY_SIZE(migrations));
	for (int v = version; v < (int)ARRAY_SIZE(migrations); v++) {
		char set_version[64];

		snprintf(set_version, sizeof(set_version), "PRAGMA user_version = %d;", v + 1);
		rc = sqlite3_exec(c->db, "BEGIN IMMEDIATE", NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, migrations[v], NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, set_version, NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(c->db, "COMMIT", NULL, NULL, &msg);
		if (rc != SQLITE_OK) {
			herr(err, sq_errno(rc), "migrate %s to schema version %d: %s", path, v + 1,
			     msg ? msg : sqlite3_errstr(rc));
			sqlite3_free(msg);
			(void)sqlite3_exec(c->db, "ROLLBACK", NULL, NULL, NULL); /* may be gone already */
			return -sq_errno(rc);
		}
	}
	return 0;
}

int store_sqlite_open(const struct store_options *o, struct store **ret, struct hutch_error *err)
{
	struct sq_store *q;
	int fd, r;

	/* Created here with mode 0600: it holds token hashes and every
	 * submission. SQLite gives its -wal and -shm files the same mode. */
	fd = open(o->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return herr(err, errno, "database %s", o->path);
	(void)close(fd); /* read-write open of a regular file: nothing to flush */
	q = calloc(1, sizeof(*q));
	if (!q)
		return herr(err, ENOMEM, "store");
	q->base.ops = &sq_ops;
	q->full = o->sync == SYNC_FULL;
	r = sq_conn_open(&q->w, o, true, err);
	if (r == 0)
		r = sq_migrate(&q->w, o->path, err);
	if (r == 0)
		r = sq_conn_open(&q->r, o, false, err);
	if (r < 0) {
		sq_close(&q->base);
		return r;
	}
	*ret = &q->base;
	return 0;
}

static const struct store_ops sq_ops = {
	.name = "sqlite",
	.close = sq_close,
	.token_add = sq_token_add,
	.token_find = sq_token_find,
	.token_list = sq_token_list,
	.token_revoke = sq_token_revoke,
	.token_count = sq_token_count,
	.job_enqueue = sq_job_enqueue,
	.job_claim = sq_job_claim,
	.job_finish = sq_job_finish,
	.job_release = sq_job_release,
	.job_recover = sq_job_recover,
	.job_get = sq_job_get,
	.job_list = sq_job_list,
	.job_delete = sq_job_delete,
	.job_stats = sq_job_stats,
	.callback_due = sq_callback_due,
	.callback_update = sq_callback_update,
};
