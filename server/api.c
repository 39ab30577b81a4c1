/* SPDX-License-Identifier: MIT */
/*
 * The route table and the operational endpoints: /health, /version.
 * The Judge0 endpoints live in judge0.c.
 */
#include <cJSON.h>
#include <errno.h>
#include <string.h>

#include "auth.h"
#include "http.h"
#include "log.h"
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

static const struct http_route routes[] = {
	{ "GET", "/health", h_health, ROLE_NONE, 0 },
	{ "GET", "/version", h_version, ROLE_NONE, 0 },
	{ "GET", "/whoami", h_whoami, ROLE_CLIENT, 0 },
	{ "GET", "/tokens", h_tokens, ROLE_ADMIN, 0 },
};

const struct http_route *api_routes(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(routes);
	return routes;
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
