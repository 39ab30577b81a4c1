/* SPDX-License-Identifier: MIT */
/*
 * HTTP front (prefix http_): libmicrohttpd with an epoll thread pool,
 * listening on one address. This layer owns the HTTP mechanics and every
 * bound on what a client sends before a handler sees it:
 *   - header count (431), Content-Length and streamed body size (413),
 *     MHD's per-connection memory pool (request line + headers),
 *     connection count and idle timeout;
 *   - authentication (the token from "Authorization: Bearer", Judge0's
 *     "X-Auth-Token" or "X-Auth-User") and the route's minimum role
 *     (401 without a valid token, 403 with too small a role);
 *   - routing from a table of {method, pattern, handler, role};
 *   - one access-log line per request.
 * A handler fills a struct http_reply. A handler that must wait for
 * something (?wait=true) suspends the request instead (http_reply_suspend)
 * and whoever it waits on calls http_resume(); the request's on_resume
 * handler then makes the reply, on an HTTP thread.
 */
#ifndef HUTCHD_HTTP_H
#define HUTCHD_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hutch.h"

struct cJSON;
struct http_server;
struct http_request;

struct http_reply {
	unsigned status;
	char *body;           /* malloc'd; freed by the http layer */
	size_t len;
	const char *content_type;
	unsigned retry_after; /* seconds; 0: no Retry-After header */
	const char *allow;    /* Allow header (405) */
	bool suspend;         /* set by http_reply_suspend() */
};

typedef void (*http_handler)(void *app, struct http_request *req, struct http_reply *rep);

enum http_route_flags {
	ROUTE_BODY = 1u << 0, /* reads a request body (else a body is refused: 413) */
};

struct http_route {
	const char *method;
	const char *pattern; /* "/submissions/{}": {} is one path segment */
	http_handler fn;
	enum role min_role;  /* ROLE_NONE: no token needed */
	unsigned flags;
};

/* Look up a token: fill role and the token's id (for ownership). 0, or
 * -ENOENT for an unknown or revoked token, or another -errno. */
typedef int (*http_auth_fn)(void *app, const char *token, enum role *ret_role, int64_t *ret_id);
typedef void (*http_observe_fn)(void *app, const char *method, unsigned status, uint64_t dur_us);

struct http_options {
	const char *listen;
	uint16_t port;
	unsigned threads;
	unsigned max_connections;
	unsigned connection_timeout_s;
	uint64_t max_body;
	unsigned max_headers;
	enum role anonymous_role;
	const struct http_route *routes;
	size_t n_routes;
	http_auth_fn auth;
	http_observe_fn observe;
	void *app;
};

int http_start(const struct http_options *o, struct http_server **ret, struct hutch_error *err);
/* The port actually bound (useful with port 0). */
uint16_t http_port(const struct http_server *s);
/* Stop accepting new connections; served ones go on. */
void http_quiesce(struct http_server *s);
/* Close everything. Every suspended request must have been resumed. */
void http_stop(struct http_server *s);

/* ---- for handlers ---- */

const char *http_method(const struct http_request *req);
const char *http_path(const struct http_request *req);
/* The i-th {} segment of the route's pattern (URL-decoded by MHD). */
const char *http_param(const struct http_request *req, unsigned i);
/* A query argument or header, or NULL. */
const char *http_query(const struct http_request *req, const char *key);
const char *http_header(const struct http_request *req, const char *name);
/* The body (NUL-terminated, may contain NULs: use len). */
const char *http_body(const struct http_request *req, size_t *ret_len);
enum role http_role(const struct http_request *req);
int64_t http_token_id(const struct http_request *req);

/* Per-request slot for the handler's own state across a suspension; freed
 * with free_fn when the request ends. */
void http_set_state(struct http_request *req, void *state, void (*free_fn)(void *));
void *http_state(const struct http_request *req);

/* Reply helpers. They take ownership of what they are given. */
void http_reply_json(struct http_reply *rep, unsigned status, struct cJSON *obj);
void http_reply_error(struct http_reply *rep, unsigned status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void http_reply_text(struct http_reply *rep, unsigned status, const char *content_type, char *body,
		     size_t len);

/* Suspend req at once: no reply now. on_resume is called (on an HTTP
 * thread) after http_resume(req) and must fill the reply. */
void http_reply_suspend(struct http_request *req, struct http_reply *rep, http_handler on_resume);
/* Thread-safe; at most once per suspension. */
void http_resume(struct http_request *req);

#endif
