/* SPDX-License-Identifier: MIT */
/*
 * The route table and the operational endpoints: /health, /version,
 * /metrics, /whoami, /tokens. The Judge0 endpoints live in judge0.c.
 */
#include <cJSON.h>
#include <errno.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "http.h"
#include "judge.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "store.h"
#include "util.h"

static void h_health(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", atomic_load(&app->stopping) ? "stopping" : "ok");
	cJSON_AddStringToObject(o, "version", HUTCH_VERSION);
	cJSON_AddNumberToObject(o, "uptime", (double)(hu_now_us() - app->started_us) / 1e6);
	http_reply_json(rep, atomic_load(&app->stopping) ? 503 : 200, o);
}

static void h_version(void *ctx, struct http_request *req, struct http_reply *rep)
{
	char *s = strdup(HUTCH_VERSION "\n");

	http_reply_text(rep, 200, "text/plain; charset=utf-8", s, s ? strlen(s) : 0);
}

/* Who the caller is: which token (id) and role the server sees. */
static void h_whoami(void *ctx, struct http_request *req, struct http_reply *rep)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "role", role_name(http_role(req)));
	if (http_token_id(req) >= 0)
		cJSON_AddNumberToObject(o, "token_id", (double)http_token_id(req));
	else
		cJSON_AddNullToObject(o, "token_id");
	http_reply_json(rep, 200, o);
}

/* Tokens, without their hashes (admin). */
static void h_tokens(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct hutch_error err = { 0 };
	struct token_info *v = NULL;
	size_t n = 0;
	cJSON *a;

	if (app->store->ops->token_list(app->store, &v, &n, &err) < 0) {
		http_reply_error(rep, 500, "%s", err.msg);
		return;
	}
	a = cJSON_CreateArray();
	for (size_t i = 0; i < n; i++) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "id", (double)v[i].id);
		cJSON_AddStringToObject(o, "role", role_name(v[i].role));
		cJSON_AddStringToObject(o, "name", v[i].name);
		cJSON_AddNumberToObject(o, "created_ms", (double)v[i].created_ms);
		cJSON_AddBoolToObject(o, "revoked", v[i].revoked_ms != 0);
		cJSON_AddItemToArray(a, o);
	}
	free(v);
	http_reply_json(rep, 200, a);
}

static void h_metrics(void *ctx, struct http_request *req, struct http_reply *rep)
{
	struct app *app = ctx;
	struct hutch_error err = { 0 };
	struct metrics_gauges g = { 0 };
	struct job_stats st;
	struct timespec now;
	size_t len = 0;
	char *text;

	if (app->store->ops->job_stats(app->store, &st, &err) < 0) {
		http_reply_error(rep, 500, "%s", err.msg);
		return;
	}
	(void)clock_gettime(CLOCK_REALTIME, &now); /* cannot fail for CLOCK_REALTIME */
	g.queued = st.by_state[JOB_QUEUED];
	g.running = st.by_state[JOB_RUNNING];
	g.done = st.by_state[JOB_DONE];
	g.oldest_queued_age_s = st.oldest_queued_ms ? (double)(store_now_ms() - st.oldest_queued_ms) / 1e3 : 0;
	g.workers = queue_size(app->queue);
	g.workers_busy = queue_busy(app->queue);
	g.uptime_s = (double)(hu_now_us() - app->started_us) / 1e6;
	g.start_time_s = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - g.uptime_s;
	text = metrics_render(app->metrics, &g, j0_status_names, J0__MAX, &len);
	if (!text) {
		http_reply_error(rep, 500, "out of memory");
		return;
	}
	http_reply_text(rep, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

static const struct http_route routes[] = {
	{ "GET", "/health", h_health, ROLE_NONE, 0 },
	{ "GET", "/version", h_version, ROLE_NONE, 0 },
	{ "GET", "/metrics", h_metrics, ROLE_CLIENT, 0 },
	{ "GET", "/whoami", h_whoami, ROLE_CLIENT, 0 },
	{ "GET", "/tokens", h_tokens, ROLE_ADMIN, 0 },
};

extern const struct http_route j0_routes[];
extern const size_t j0_n_routes;

const struct http_route *api_routes(const struct hutchd_config *cfg, size_t *ret_n)
{
	static struct http_route all[ARRAY_SIZE(routes) + 32];
	size_t n = 0;

	/* Made once, by main() before the HTTP threads exist. */
	for (size_t i = 0; i < ARRAY_SIZE(routes); i++) {
		all[n] = routes[i];
		if (all[n].fn == h_metrics && cfg->public_metrics)
			all[n].min_role = ROLE_NONE;
		n++;
	}
	for (size_t i = 0; i < j0_n_routes && n < ARRAY_SIZE(all); i++)
		all[n++] = j0_routes[i];
	*ret_n = n;
	return all;
}

void api_observe(void *ctx, const char *method, unsigned status, uint64_t dur_us)
{
	struct app *app = ctx;

	metrics_http(app->metrics, method, status);
}

int api_authenticate(void *ctx, const char *token, enum role *ret_role, int64_t *ret_id)
{
	struct app *app = ctx;
	struct hutch_error err = { 0 };
	int r = auth_check(app->store, token, ret_role, ret_id, &err);

	if (r < 0 && r != -ENOENT)
		log_error("token check failed", LSTR("error", err.msg));
	return r;
}
