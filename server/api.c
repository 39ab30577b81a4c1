/* SPDX-License-Identifier: MIT */
/*
 * The route table and the operational endpoints: /health, /version.
 * The Judge0 endpoints live in judge0.c.
 */
#include <cJSON.h>
#include <errno.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "server.h"
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

static const struct http_route routes[] = {
	{ "GET", "/health", h_health, ROLE_NONE, 0 },
	{ "GET", "/version", h_version, ROLE_NONE, 0 },
};

const struct http_route *api_routes(size_t *ret_n)
{
	*ret_n = ARRAY_SIZE(routes);
	return routes;
}

int api_authenticate(void *ctx, const char *token, enum role *ret_role, int64_t *ret_id)
{
	return -ENOENT;
}
