/* SPDX-License-Identifier: MIT */
/*
 * Judge0's HTTP API: /submissions (single, batch, list, wait), /languages,
 * /statuses, /config_info, /workers, /about. Names, defaults, status ids
 * and error shapes follow Judge0 1.13 so that its clients work unchanged;
 * docs/hutchd.md lists where hutch differs and what it adds.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec.h"
#include "http.h"
#include "judge.h"
#include "judge0-internal.h"
#include "lang.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define NOT_UTF8 "some attributes for this submission cannot be converted to UTF-8, use base64_encoded=true query parameter"

static bool query_true(struct http_request *req, const char *key)
{
	const char *v = http_query(req, key);

	return v && strcmp(v, "true") == 0;
}

/* A refused request in Judge0's shape: 422 {"field": ["message"]}; other
 * statuses {"error": "field message"}. */
static void reply_problem(struct http_reply *rep, const struct j0_problem *p)
{
	cJSON *o, *a;
	char both[512];

	snprintf(both, sizeof(both), "%s %s", p->field, p->msg);
	if (p->http != 422) {
		http_reply_error(rep, p->http ? p->http : 400, "%s", both);
		return;
	}
	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, p->field);
	cJSON_AddItemToArray(a, cJSON_CreateString(p->msg));
	cJSON_AddStringToObject(o, "error", both);
	http_reply_json(rep, 422, o);
}

/* Seconds a client should wait before retrying a full queue: the queue's
 * length over the workers, times the mean job time. */
static unsigned retry_after(struct app *app)
{
	struct job_stats st;
	struct hutch_error err;
	uint64_t n = atomic_load(&app->metrics->job_seconds.count);
	double mean = n ? (double)atomic_load(&app->metrics->job_seconds.sum_us) / 1e6 / (double)n : 1.0;
	double s;

	if (app->store->ops->job_stats(app->store, &st, &err) < 0)
		return 5;
	s = ceil((double)st.by_state[JOB_QUEUED] / (double)(queue_size(app->queue) ? queue_size(app->queue) : 1) * mean);
	return s < 1 ? 1 : s > 120 ? 120 : (unsigned)s;
}

static void reply_full(struct app *app, struct http_reply *rep, const char *why)
{
	atomic_fetch_add(&app->metrics->jobs_rejected_full, 1);
	http_reply_error(rep, 503, "queue is full (%s); retry later", why);
	rep->retry_after = retry_after(app);
}

static void reply_job(struct app *app, struct http_reply *rep, unsigned status, const struct job *job, uint64_t fields,
		      bool base64)
{
	bool not_utf8;
	cJSON *o = j0_render(app, job, fields, base64, &not_utf8);

	if (not_utf8) {
		cJSON_Delete(o);
		o = cJSON_CreateObject();
		/* After a create with wait, Judge0 still gives the token. */
		if (status == 201)
			cJSON_AddStringToObject(o, "token", job->token);
		cJSON_AddStringToObject(o, "error", NOT_UTF8);
		http_reply_json(rep, status == 201 ? 201 : 400, o);
		return;
	}
	http_reply_json(rep, status, o);
}

/* Parse the body as a JSON object with the depth bound; 400/413 sent. */
static cJSON *body_json(struct app *app, struct http_request *req, struct http_reply *rep)
{
	size_t len;
	const char *body = http_body(req, &len);
	char msg[256];
	cJSON *j = NULL;
	int r = json_parse_body(body, len, (unsigned)app->cfg->max_json_depth, &j, msg, sizeof(msg));

	if (r < 0) {
		http_reply_error(rep, r == -E2BIG ? 413 : 400, "%s", msg);
		return NULL;
	}
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		http_reply_error(rep, 400, "expected a JSON object");
		return NULL;
	}
	return j;
}

static bool fields_ok(struct http_request *req, struct http_reply *rep, uint64_t *fields)
{
	char bad[256];

	if (j0_fields_parse(http_query(req, "fields"), fields, bad, sizeof(bad)) < 0) {
		http_reply_error(rep, 400, "invalid fields: [%s]", bad);
		return false;
	}
	return true;
}

/* ---------- POST /submissions ---------- */

struct wait_state {
	char token[JOB_TOKEN_LEN + 1];
	uint64_t fields;
	bool base64;
};

static void on_wait_done(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct wait_state *ws = http_state(req);
	struct hutch_error err = { 0 };
	struct job *job = NULL;

	if (app->store->ops->job_get(app->store, ws->token, &job, &err) < 0) {
		http_reply_error(rep, 500, "submission %s: %s", ws->token, err.msg);
		return;
	}
	reply_job(app, rep, 201, job, ws->fields, ws->base64);
	job_free(job);
}

/* Enqueue n parsed requests; tokens land in jobs[]. 0, or a reply sent. */
static int enqueue(struct app *app, struct http_request *req, struct http_reply *rep, struct j0_request *rqs, size_t n,
		   struct job_new *jobs)
{
	struct hutch_error err = { 0 };
	char **texts = calloc(n, sizeof(char *));
	int r = 0;

	if (!texts) {
		http_reply_error(rep, 503, "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *s = j0_request_store(&rqs[i]);
		texts[i] = s ? cJSON_PrintUnformatted(s) : NULL;
		cJSON_Delete(s);
		if (!texts[i]) {
			http_reply_error(rep, 503, "out of memory");
			r = -ENOMEM;
			goto out;
		}
		jobs[i].kind = judge0_job_kind.name;
		jobs[i].owner = http_token_id(req);
		jobs[i].request = texts[i];
		jobs[i].callback_url = rqs[i].callback_url;
	}
	r = app->store->ops->job_enqueue(app->store, jobs, n, app->cfg->max_queue, &err);
	if (r == -EAGAIN) {
		reply_full(app, rep, err.msg);
	} else if (r < 0) {
		log_error("cannot store submissions", LSTR("error", err.msg));
		http_reply_error(rep, 503, "cannot store the submission: %s", err.msg);
		rep->retry_after = 5;
	} else {
		atomic_fetch_add(&app->metrics->jobs_submitted, n);
		queue_kick(app->queue);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(texts[i]);
	free(texts);
	return r;
}

static bool accepting(struct app *app, struct http_reply *rep)
{
	if (!atomic_load(&app->stopping))
		return true;
	http_reply_error(rep, 503, "hutchd is shutting down; retry later");
	rep->retry_after = 5;
	return false;
}

static void h_create(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct j0_env env = { .cfg = app->cfg, .langs = app->langs };
	struct j0_request rq;
	struct j0_problem p = { 0 };
	struct job_new jn = { 0 };
	bool base64 = query_true(req, "base64_encoded"), wait = query_true(req, "wait");
	uint64_t fields;
	cJSON *body;

	if (!accepting(app, rep) || !fields_ok(req, rep, &fields))
		return;
	if (wait && !app->cfg->enable_wait_result) {
		http_reply_error(rep, 400, "wait not allowed");
		return;
	}
	if (!(body = body_json(app, req, rep)))
		return;
	if (j0_request_parse(body, base64, &env, &rq, &p) < 0) {
		cJSON_Delete(body);
		reply_problem(rep, &p);
		return;
	}
	cJSON_Delete(body);
	if (enqueue(app, req, rep, &rq, 1, &jn) < 0) {
		j0_request_free(&rq);
		return;
	}
	j0_request_free(&rq);
	if (!wait) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "token", jn.token);
		http_reply_json(rep, 201, o);
		return;
	}
	{
		struct wait_state *ws = calloc(1, sizeof(*ws));
		int r;
		if (!ws) {
			http_reply_error(rep, 503, "out of memory");
			return;
		}
		hu_strlcpy(ws->token, jn.token, sizeof(ws->token));
		ws->fields = fields;
		ws->base64 = base64;
		http_set_state(req, ws, free);
		r = queue_wait(app->queue, jn.token, req, rep, on_wait_done,
			       hu_now_us() + app->cfg->wait_timeout);
		if (r == 1)
			on_wait_done(app, req, rep);
		else if (r < 0)
			http_reply_error(rep, 500, "wait: %s", strerror(-r));
	}
}

/* ---------- POST /submissions/batch ---------- */

static void h_batch_create(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct j0_env env = { .cfg = app->cfg, .langs = app->langs };
	struct j0_request *rqs = NULL;
	struct j0_problem *probs = NULL;
	struct job_new *jobs = NULL;
	bool base64 = query_true(req, "base64_encoded");
	size_t n, n_ok = 0, i = 0;
	const cJSON *arr, *e;
	cJSON *body, *out;
	size_t *ok_index = NULL;

	if (!accepting(app, rep) || !(body = body_json(app, req, rep)))
		return;
	arr = cJSON_GetObjectItemCaseSensitive(body, "submissions");
	if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) == 0) {
		http_reply_error(rep, 400, "there should be at least one submission in a batch");
		goto out;
	}
	n = (size_t)cJSON_GetArraySize(arr);
	if (n > app->cfg->max_batch) {
		http_reply_error(rep, 413, "number of submissions in a batch should be less than or equal to %llu",
				 (unsigned long long)app->cfg->max_batch);
		goto out;
	}
	rqs = calloc(n, sizeof(*rqs));
	probs = calloc(n, sizeof(*probs));
	jobs = calloc(n, sizeof(*jobs));
	ok_index = calloc(n, sizeof(*ok_index));
	if (!rqs || !probs || !jobs || !ok_index) {
		http_reply_error(rep, 503, "out of memory");
		goto out;
	}
	cJSON_ArrayForEach(e, arr) {
		if (j0_request_parse(e, base64, &env, &rqs[n_ok], &probs[i]) == 0) {
			ok_index[n_ok++] = i;
		} else if (probs[i].http != 422) {
			/* A bound passed (413) or a bad item (400): the whole
			 * batch is refused, as for a single submission. */
			char f[sizeof(probs[i].field) + 32];
			snprintf(f, sizeof(f), "submissions[%zu].%s", i, probs[i].field);
			hu_strlcpy(probs[i].field, f, sizeof(probs[i].field));
			reply_problem(rep, &probs[i]);
			goto out;
		}
		i++;
	}
	if (n_ok && enqueue(app, req, rep, rqs, n_ok, jobs) < 0)
		goto out;
	out = cJSON_CreateArray();
	for (size_t k = 0, next = 0; k < n; k++) {
		cJSON *o = cJSON_CreateObject();
		if (next < n_ok && ok_index[next] == k) {
			cJSON_AddStringToObject(o, "token", jobs[next].token);
			next++;
		} else {
			cJSON *a = cJSON_AddArrayToObject(o, probs[k].field);
			cJSON_AddItemToArray(a, cJSON_CreateString(probs[k].msg));
		}
		cJSON_AddItemToArray(out, o);
	}
	http_reply_json(rep, n_ok ? 201 : 422, out);
out:
	for (size_t k = 0; rqs && k < n_ok; k++)
		j0_request_free(&rqs[k]);
	free(rqs);
	free(probs);
	free(jobs);
	free(ok_index);
	cJSON_Delete(body);
}

/* ---------- GET ---------- */

static bool token_ok(const char *t)
{
	if (!t || strlen(t) != JOB_TOKEN_LEN)
		return false;
	for (const char *c = t; *c; c++)
		if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') || *c == '-'))
			return false;
	return true;
}

static void h_show(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	const char *token = http_param(req, 0);
	struct hutch_error err = { 0 };
	struct job *job = NULL;
	uint64_t fields;
	int r;

	if (!fields_ok(req, rep, &fields))
		return;
	r = token_ok(token) ? app->store->ops->job_get(app->store, token, &job, &err) : -ENOENT;
	if (r == -ENOENT) {
		http_reply_error(rep, 404, "Not found");
		return;
	}
	if (r < 0) {
		http_reply_error(rep, 500, "%s", err.msg);
		return;
	}
	reply_job(app, rep, 200, job, fields, query_true(req, "base64_encoded"));
	job_free(job);
}

static void h_batch_show(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	const char *tokens = http_query(req, "tokens");
	bool base64 = query_true(req, "base64_encoded");
	uint64_t fields;
	size_t n = 0;
	cJSON *arr, *o;

	if (!fields_ok(req, rep, &fields))
		return;
	if (!tokens || !*tokens) {
		http_reply_error(rep, 400, "there should be at least one submission in a batch");
		return;
	}
	for (const char *p = tokens; *p; p++)
		n += *p == ',';
	if (n + 1 > app->cfg->max_batch) {
		http_reply_error(rep, 413, "number of submissions in a batch should be less than or equal to %llu",
				 (unsigned long long)app->cfg->max_batch);
		return;
	}
	arr = cJSON_CreateArray();
	for (const char *p = tokens; *p;) {
		const char *e = strchrnul(p, ',');
		char tok[JOB_TOKEN_LEN + 1] = "";
		struct hutch_error err = { 0 };
		struct job *job = NULL;
		bool not_utf8 = false;

		if ((size_t)(e - p) == JOB_TOKEN_LEN)
			memcpy(tok, p, JOB_TOKEN_LEN);
		if (token_ok(tok) && app->store->ops->job_get(app->store, tok, &job, &err) == 0) {
			cJSON *item = j0_render(app, job, fields, base64, &not_utf8);
			job_free(job);
			if (not_utf8) {
				cJSON_Delete(item);
				cJSON_Delete(arr);
				http_reply_error(rep, 400, "%s", NOT_UTF8);
				return;
			}
			cJSON_AddItemToArray(arr, item);
		} else {
			cJSON_AddItemToArray(arr, cJSON_CreateNull());
		}
		p = *e ? e + 1 : e;
	}
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "submissions", arr);
	http_reply_json(rep, 200, o);
}

static bool page_arg(struct http_request *req, struct http_reply *rep, const char *key, long def, long max, long *ret)
{
	const char *v = http_query(req, key);
	char *end;

	*ret = def;
	if (!v || !*v)
		return true;
	errno = 0;
	*ret = strtol(v, &end, 10);
	if (errno || *end || *ret < 1 || *ret > max) {
		http_reply_error(rep, 400, "invalid %s: %s", key, v);
		return false;
	}
	return true;
}

/* GET /submissions: an admin sees everyone's, a client its own. */
static void h_index(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct hutch_error err = { 0 };
	struct job **v = NULL;
	bool base64 = query_true(req, "base64_encoded");
	uint64_t fields, total = 0;
	size_t n = 0;
	long page, per_page;
	cJSON *o, *arr, *meta;

	if (!fields_ok(req, rep, &fields) || !page_arg(req, rep, "page", 1, 1000000, &page) ||
	    !page_arg(req, rep, "per_page", 20, 100, &per_page))
		return;
	if (app->store->ops->job_list(app->store, http_role(req) == ROLE_ADMIN ? -1 : http_token_id(req),
				      (uint64_t)(page - 1) * (uint64_t)per_page, (uint64_t)per_page, &v, &n, &total,
				      &err) < 0) {
		http_reply_error(rep, 500, "%s", err.msg);
		return;
	}
	arr = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		bool not_utf8;
		cJSON *item = j0_render(app, v[i], fields, base64, &not_utf8);
		if (not_utf8) {
			cJSON_Delete(item);
			cJSON_Delete(arr);
			jobs_free(v, n);
			http_reply_error(rep, 400,
					 "some attributes for one or more submissions cannot be converted to UTF-8, use "
					 "base64_encoded=true query parameter");
			return;
		}
		cJSON_AddItemToArray(arr, item);
	}
	jobs_free(v, n);
	o = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "submissions", arr);
	meta = cJSON_AddObjectToObject(o, "meta");
	{
		uint64_t pages = (total + (uint64_t)per_page - 1) / (uint64_t)per_page;
		cJSON_AddNumberToObject(meta, "current_page", (double)page);
		if ((uint64_t)page < pages)
			cJSON_AddNumberToObject(meta, "next_page", (double)page + 1);
		else
			cJSON_AddNullToObject(meta, "next_page");
		if (page > 1)
			cJSON_AddNumberToObject(meta, "prev_page", (double)page - 1);
		else
			cJSON_AddNullToObject(meta, "prev_page");
		cJSON_AddNumberToObject(meta, "total_pages", (double)pages);
		cJSON_AddNumberToObject(meta, "total_count", (double)total);
	}
	http_reply_json(rep, 200, o);
}

/* ---------- DELETE /submissions/TOKEN (admin) ---------- */

static void h_delete(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	const char *token = http_param(req, 0);
	struct hutch_error err = { 0 };
	struct job *job = NULL;
	uint64_t fields;
	bool not_utf8;
	cJSON *o;
	int r;

	if (!app->cfg->enable_submission_delete) {
		http_reply_error(rep, 400, "delete not allowed");
		return;
	}
	if (!fields_ok(req, rep, &fields))
		return;
	r = token_ok(token) ? app->store->ops->job_get(app->store, token, &job, &err) : -ENOENT;
	if (r == 0 && job->state != JOB_DONE) {
		http_reply_error(rep, 400, "submission cannot be deleted because its status is %d (%s)",
				 job->state == JOB_QUEUED ? J0_IN_QUEUE : J0_PROCESSING,
				 j0_status_names[job->state == JOB_QUEUED ? J0_IN_QUEUE : J0_PROCESSING]);
		job_free(job);
		return;
	}
	if (r == 0)
		r = app->store->ops->job_delete(app->store, token, &err);
	if (r == -ENOENT) {
		job_free(job);
		http_reply_error(rep, 404, "Not found");
		return;
	}
	if (r < 0) {
		job_free(job);
		http_reply_error(rep, r == -EBUSY ? 400 : 500, "%s", r == -EBUSY ? "submission is queued or running" : err.msg);
		return;
	}
	/* Judge0 answers with the deleted submission, base64 (always
	 * representable). */
	o = j0_render(app, job, fields, true, &not_utf8);
	job_free(job);
	http_reply_json(rep, 200, o);
}

/* ---------- languages, statuses, configuration, workers ---------- */

static cJSON *lang_json(const struct lang *l, bool detail)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", l->id);
	cJSON_AddStringToObject(o, "name", l->name);
	if (!detail)
		return o;
	cJSON_AddBoolToObject(o, "is_archived", !l->available);
	cJSON_AddStringToObject(o, "source_file", l->source_file);
	for (int k = 0; k < 2; k++) {
		char *const *t = k == 0 ? l->compile : l->run;
		char cmd[2048] = "";
		for (char *const *w = t; w && *w; w++)
			snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s", w == t ? "" : " ", *w);
		if (t)
			cJSON_AddStringToObject(o, k == 0 ? "compile_cmd" : "run_cmd", cmd);
		else
			cJSON_AddNullToObject(o, k == 0 ? "compile_cmd" : "run_cmd");
	}
	/* hutch's additions: the profile and its limits in Judge0's units. */
	cJSON_AddStringToObject(o, "profile", l->prof->p->name);
	{
		cJSON *lim = cJSON_AddObjectToObject(o, "limits");
		for (int i = 0; i < J0L__MAX; i++) {
			int id = j0_limits[i].lim;
			cJSON *x;
			if (id < 0)
				continue;
			x = cJSON_AddObjectToObject(lim, j0_limits[i].name);
			cJSON_AddNumberToObject(x, "default", (double)l->prof->p->def[id] / j0_limits[i].scale);
			cJSON_AddNumberToObject(x, "max", (double)l->prof->p->ceil[id] / j0_limits[i].scale);
		}
	}
	if (!l->available && l->unavailable)
		cJSON_AddStringToObject(o, "unavailable", l->unavailable);
	return o;
}

static void h_languages(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	bool all = strstr(http_path(req), "/all") != NULL;
	cJSON *a = cJSON_CreateArray();

	for (size_t i = 0; i < app->langs->n; i++)
		if (all || app->langs->v[i].available)
			cJSON_AddItemToArray(a, lang_json(&app->langs->v[i], false));
	http_reply_json(rep, 200, a);
}

static void h_language(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	const char *id = http_param(req, 0);
	const struct lang *l = NULL;
	char *end;
	long v;

	errno = 0;
	v = strtol(id, &end, 10);
	if (!errno && !*end && v > 0 && v < 1000000)
		l = lang_find_any(app->langs, (int)v);
	if (!l) {
		http_reply_error(rep, 404, "Not found");
		return;
	}
	http_reply_json(rep, 200, lang_json(l, true));
}

static void h_statuses(void *ctx, struct http_request *req, struct http_reply *rep)
{
	cJSON *a = cJSON_CreateArray();

	for (int i = 1; i < J0__MAX; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", i);
		cJSON_AddStringToObject(o, "description", j0_status_names[i]);
		cJSON_AddItemToArray(a, o);
	}
	http_reply_json(rep, 200, a);
}

/* Judge0's keys. Limits are those of the first available language's
 * profile (each language's own are under /languages/ID "limits"). */
static void h_config_info(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	const struct hutchd_config *c = app->cfg;
	const struct profile *p = NULL;
	cJSON *o = cJSON_CreateObject();

	for (size_t i = 0; i < app->langs->n && !p; i++)
		if (app->langs->v[i].available)
			p = app->langs->v[i].prof->p;
	cJSON_AddBoolToObject(o, "maintenance_mode", false);
	cJSON_AddBoolToObject(o, "enable_wait_result", c->enable_wait_result);
	cJSON_AddBoolToObject(o, "enable_compiler_options", c->enable_compiler_options);
	cJSON_AddArrayToObject(o, "allowed_languages_for_compile_options");
	cJSON_AddBoolToObject(o, "enable_command_line_arguments", c->enable_command_line_arguments);
	cJSON_AddBoolToObject(o, "enable_submission_delete", c->enable_submission_delete);
	cJSON_AddBoolToObject(o, "enable_callbacks", c->enable_callbacks);
	cJSON_AddNumberToObject(o, "callbacks_max_tries", (double)c->callbacks_max_tries);
	cJSON_AddNumberToObject(o, "callbacks_timeout", (double)c->callbacks_timeout / 1e6);
	cJSON_AddBoolToObject(o, "enable_additional_files", c->enable_additional_files);
	cJSON_AddNumberToObject(o, "max_queue_size", (double)c->max_queue);
	if (p) {
		double t = (double)p->def[LIM_TIME] / 1e6, tmax = (double)p->ceil[LIM_TIME] / 1e6;
		cJSON_AddNumberToObject(o, "cpu_time_limit", t);
		cJSON_AddNumberToObject(o, "max_cpu_time_limit", tmax);
		cJSON_AddNumberToObject(o, "cpu_extra_time", 1.0);
		cJSON_AddNumberToObject(o, "max_cpu_extra_time", tmax > t ? tmax - t : 0);
		cJSON_AddNumberToObject(o, "wall_time_limit", (double)p->def[LIM_WALL_TIME] / 1e6);
		cJSON_AddNumberToObject(o, "max_wall_time_limit", (double)p->ceil[LIM_WALL_TIME] / 1e6);
		cJSON_AddNumberToObject(o, "memory_limit", (double)(p->def[LIM_MEMORY] / 1024));
		cJSON_AddNumberToObject(o, "max_memory_limit", (double)(p->ceil[LIM_MEMORY] / 1024));
		cJSON_AddNumberToObject(o, "stack_limit", (double)(p->def[LIM_STACK] / 1024));
		cJSON_AddNumberToObject(o, "max_stack_limit", (double)(p->ceil[LIM_STACK] / 1024));
		cJSON_AddNumberToObject(o, "max_processes_and_or_threads", (double)p->def[LIM_PIDS]);
		cJSON_AddNumberToObject(o, "max_max_processes_and_or_threads", (double)p->ceil[LIM_PIDS]);
		cJSON_AddNumberToObject(o, "max_file_size", (double)(p->def[LIM_FSIZE] / 1024));
		cJSON_AddNumberToObject(o, "max_max_file_size", (double)(p->ceil[LIM_FSIZE] / 1024));
	}
	cJSON_AddBoolToObject(o, "enable_per_process_and_thread_time_limit", false);
	cJSON_AddBoolToObject(o, "allow_enable_per_process_and_thread_time_limit", true);
	cJSON_AddBoolToObject(o, "enable_per_process_and_thread_memory_limit", false);
	cJSON_AddBoolToObject(o, "allow_enable_per_process_and_thread_memory_limit", true);
	cJSON_AddNumberToObject(o, "number_of_runs", 1);
	cJSON_AddNumberToObject(o, "max_number_of_runs", (double)c->max_number_of_runs);
	cJSON_AddBoolToObject(o, "redirect_stderr_to_stdout", false);
	cJSON_AddNumberToObject(o, "max_extract_size", (double)(c->max_additional_files / 1024));
	cJSON_AddBoolToObject(o, "enable_batched_submissions", true);
	cJSON_AddNumberToObject(o, "max_submission_batch_size", (double)c->max_batch);
	cJSON_AddNumberToObject(o, "submission_cache_duration", 0);
	cJSON_AddBoolToObject(o, "use_docs_as_homepage", false);
	cJSON_AddBoolToObject(o, "allow_enable_network", p && (p->net_allowed & (1u << HUTCH_NET_EGRESS)));
	cJSON_AddBoolToObject(o, "enable_network", false);
	/* hutch's own bounds */
	cJSON_AddNumberToObject(o, "max_source_size", (double)c->max_source);
	cJSON_AddNumberToObject(o, "max_stdin_size", (double)c->max_stdin);
	cJSON_AddNumberToObject(o, "max_test_cases", (double)c->max_test_cases);
	cJSON_AddNumberToObject(o, "max_output_size", (double)c->max_output);
	cJSON_AddNumberToObject(o, "max_body_size", (double)c->max_body);
	http_reply_json(rep, 200, o);
}

/* Judge0's shape (one queue) plus every worker, so that a stuck job shows. */
static void h_workers(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct hutch_error err = { 0 };
	struct job_stats st;
	unsigned busy = queue_busy(app->queue), n = queue_size(app->queue);
	cJSON *a = cJSON_CreateArray(), *o = cJSON_CreateObject();

	if (app->store->ops->job_stats(app->store, &st, &err) < 0) {
		cJSON_Delete(a);
		cJSON_Delete(o);
		http_reply_error(rep, 500, "%s", err.msg);
		return;
	}
	cJSON_AddStringToObject(o, "queue", "default");
	cJSON_AddNumberToObject(o, "size", (double)st.by_state[JOB_QUEUED]);
	cJSON_AddNumberToObject(o, "available", n);
	cJSON_AddNumberToObject(o, "idle", n - busy);
	cJSON_AddNumberToObject(o, "working", busy);
	cJSON_AddNumberToObject(o, "paused", 0);
	cJSON_AddNumberToObject(o, "failed", (double)atomic_load(&app->metrics->jobs_finished[J0_INTERNAL_ERROR]));
	cJSON_AddNumberToObject(o, "running", (double)st.by_state[JOB_RUNNING]);
	cJSON_AddNumberToObject(o, "oldest_queued_age",
				st.oldest_queued_ms ? (double)(store_now_ms() - st.oldest_queued_ms) / 1e3 : 0);
	cJSON_AddItemToObject(o, "workers", queue_workers_json(app->queue));
	cJSON_AddItemToArray(a, o);
	http_reply_json(rep, 200, a);
}

static void h_about(void *ctx, struct http_request *req, struct http_reply *rep)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "version", HUTCH_VERSION);
	cJSON_AddStringToObject(o, "homepage", "hutchd, a Judge0-compatible API over libhutch");
	cJSON_AddStringToObject(o, "source_code", "see the hutch repository");
	cJSON_AddStringToObject(o, "maintainer", "hutch maintainers");
	http_reply_json(rep, 200, o);
}

const struct http_route j0_routes[] = {
	{ "POST", "/submissions/batch", h_batch_create, ROLE_CLIENT, ROUTE_BODY },
	{ "GET", "/submissions/batch", h_batch_show, ROLE_CLIENT, 0 },
	{ "POST", "/submissions", h_create, ROLE_CLIENT, ROUTE_BODY },
	{ "GET", "/submissions", h_index, ROLE_CLIENT, 0 },
	{ "GET", "/submissions/{}", h_show, ROLE_CLIENT, 0 },
	{ "DELETE", "/submissions/{}", h_delete, ROLE_ADMIN, 0 },
	{ "GET", "/languages", h_languages, ROLE_CLIENT, 0 },
	{ "GET", "/languages/all", h_languages, ROLE_CLIENT, 0 },
	{ "GET", "/languages/{}", h_language, ROLE_CLIENT, 0 },
	{ "GET", "/statuses", h_statuses, ROLE_CLIENT, 0 },
	{ "GET", "/config_info", h_config_info, ROLE_CLIENT, 0 },
	{ "GET", "/workers", h_workers, ROLE_CLIENT, 0 },
	{ "GET", "/about", h_about, ROLE_NONE, 0 },
};
const size_t j0_n_routes = ARRAY_SIZE(j0_routes);
