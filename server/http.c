/* SPDX-License-Identifier: MIT */
#include "http.h"

#include <arpa/inet.h>
#include <cJSON.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "log.h"
#include "util.h"

#define HTTP_MAX_PARAMS 2
/* MHD's per-connection pool holds the request line, the headers and the
 * reply headers; it bounds what a client can make us keep per connection
 * before a handler runs. 64 KiB fits any sane request line and headers. */
#define HTTP_CONN_MEMORY (64 * 1024)

struct http_server {
	struct MHD_Daemon *mhd;
	struct http_options o;
	uint16_t port;
};

struct http_request {
	struct http_server *srv;
	struct MHD_Connection *conn;
	char method[16];
	char *url;
	const struct http_route *route;
	char *params[HTTP_MAX_PARAMS];
	char *body;
	size_t body_len, body_cap;
	bool replied;       /* a reply was queued early (401, 413 from Content-Length...) */
	unsigned reject;    /* refuse with this status once the body is read (413) */
	const char *reject_msg;
	uint64_t discarded; /* body bytes read and dropped after a reject */
	bool suspended;
	http_handler on_resume;
	enum role role;
	int64_t token_id;
	void *state;
	void (*state_free)(void *);
	uint64_t t0;
	unsigned status;
};

/* ---------- replies ---------- */

void http_reply_text(struct http_reply *rep, unsigned status, const char *content_type, char *body,
		     size_t len)
{
	free(rep->body);
	rep->status = status;
	rep->body = body;
	rep->len = body ? len : 0;
	rep->content_type = content_type;
}

void http_reply_json(struct http_reply *rep, unsigned status, cJSON *obj)
{
	char *s = obj ? cJSON_PrintUnformatted(obj) : NULL;

	cJSON_Delete(obj);
	if (!s) {
		http_reply_error(rep, 500, "out of memory");
		return;
	}
	http_reply_text(rep, status, "application/json; charset=utf-8", s, strlen(s));
}

void http_reply_error(struct http_reply *rep, unsigned status, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	cJSON *o;
	char *s;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = cJSON_CreateObject();
	if (o && cJSON_AddStringToObject(o, "error", msg) && (s = cJSON_PrintUnformatted(o))) {
		http_reply_text(rep, status, "application/json; charset=utf-8", s, strlen(s));
	} else {
		/* Out of memory: a static reply (MHD copies it). */
		free(rep->body);
		rep->body = NULL;
		rep->len = 0;
		rep->status = 500;
	}
	cJSON_Delete(o);
}

void http_reply_suspend(struct http_request *req, struct http_reply *rep, http_handler on_resume)
{
	/* Suspended now, inside the handler, so that an http_resume() from
	 * another thread right after (the job finished) finds the connection
	 * suspended and is not lost. */
	req->on_resume = on_resume;
	req->suspended = true;
	rep->suspend = true;
	MHD_suspend_connection(req->conn);
}

void http_resume(struct http_request *req)
{
	MHD_resume_connection(req->conn);
}

/* ---------- accessors ---------- */

const char *http_method(const struct http_request *req) { return req->method; }
const char *http_path(const struct http_request *req) { return req->url; }
enum role http_role(const struct http_request *req) { return req->role; }
int64_t http_token_id(const struct http_request *req) { return req->token_id; }
void *http_state(const struct http_request *req) { return req->state; }

const char *http_param(const struct http_request *req, unsigned i)
{
	return i < HTTP_MAX_PARAMS ? req->params[i] : NULL;
}

const char *http_query(const struct http_request *req, const char *key)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

const char *http_body(const struct http_request *req, size_t *ret_len)
{
	*ret_len = req->body_len;
	return req->body ? req->body : "";
}

void http_set_state(struct http_request *req, void *state, void (*free_fn)(void *))
{
	if (req->state && req->state_free)
		req->state_free(req->state);
	req->state = state;
	req->state_free = free_fn;
}

/* ---------- plumbing ---------- */

static void request_free(struct http_request *req)
{
	if (!req)
		return;
	for (unsigned i = 0; i < HTTP_MAX_PARAMS; i++)
		free(req->params[i]);
	free(req->body);
	free(req->url);
	if (req->state && req->state_free)
		req->state_free(req->state);
	free(req);
}

static enum MHD_Result send_reply(struct http_request *req, struct http_reply *rep)
{
	static const char oom[] = "{\"error\":\"out of memory\"}";
	struct MHD_Response *resp;
	enum MHD_Result ret;
	char ra[16];

	if (rep->body)
		resp = MHD_create_response_from_buffer(rep->len, rep->body, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom, MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(rep->body);
		rep->body = NULL;
		return MHD_NO;
	}
	rep->body = NULL; /* owned by resp now */
	/* Header failures only happen on exhausted memory; the reply still
	 * goes out without them. */
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				      rep->content_type ? rep->content_type : "application/json; charset=utf-8");
	(void)MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	if (rep->retry_after) {
		snprintf(ra, sizeof(ra), "%u", rep->retry_after);
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	if (rep->allow)
		(void)MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, rep->allow);
	req->status = rep->status ? rep->status : 500;
	ret = MHD_queue_response(req->conn, req->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result reply_error_now(struct http_request *req, unsigned status, const char *msg)
{
	struct http_reply rep = { 0 };

	http_reply_error(&rep, status, "%s", msg);
	req->replied = true;
	return send_reply(req, &rep);
}

/* Match path against pattern; on success fill req->params. */
static bool route_match(const char *pattern, const char *path, struct http_request *req)
{
	char *params[HTTP_MAX_PARAMS] = { 0 };
	unsigned np = 0;
	const char *p = pattern, *u = path;

	while (*p && *u) {
		if (p[0] == '{' && p[1] == '}') {
			size_t n = strcspn(u, "/");
			if (n == 0 || np >= HTTP_MAX_PARAMS)
				goto fail;
			params[np] = strndup(u, n);
			if (!params[np])
				goto fail;
			np++;
			u += n;
			p += 2;
			continue;
		}
		if (*p != *u)
			goto fail;
		p++, u++;
	}
	/* A trailing slash is tolerated: "/languages/" is "/languages". */
	if (*p || (*u && strcmp(u, "/") != 0))
		goto fail;
	for (unsigned i = 0; i < HTTP_MAX_PARAMS; i++)
		req->params[i] = params[i];
	return true;
fail:
	for (unsigned i = 0; i < np; i++)
		free(params[i]);
	return false;
}

/* Find the route; *ret_allow lists the methods of a path that matched
 * with another method (for 405). */
static const struct http_route *route_find(struct http_request *req, char *allow, size_t allow_len)
{
	const struct http_options *o = &req->srv->o;

	allow[0] = '\0';
	for (size_t i = 0; i < o->n_routes; i++) {
		const struct http_route *r = &o->routes[i];
		if (!route_match(r->pattern, req->url, req))
			continue;
		if (strcmp(r->method, req->method) == 0)
			return r;
		for (unsigned k = 0; k < HTTP_MAX_PARAMS; k++) {
			free(req->params[k]);
			req->params[k] = NULL;
		}
		if (!strstr(allow, r->method))
			snprintf(allow + strlen(allow), allow_len - strlen(allow), "%s%s", allow[0] ? ", " : "",
				 r->method);
	}
	return NULL;
}

static const char *request_token(struct http_request *req)
{
	const char *a = http_header(req, MHD_HTTP_HEADER_AUTHORIZATION);

	if (a && strncasecmp(a, "Bearer ", 7) == 0) {
		a += 7;
		while (*a == ' ')
			a++;
		return a;
	}
	if ((a = http_header(req, "X-Auth-Token")) && *a)
		return a;
	if ((a = http_header(req, "X-Auth-User")) && *a)
		return a;
	return NULL;
}

/* Authenticate and authorize for req->route. 0, or an error already sent. */
static int request_authorize(struct http_request *req, enum MHD_Result *ret)
{
	const struct http_options *o = &req->srv->o;
	const char *tok = request_token(req);

	req->role = o->anonymous_role;
	req->token_id = -1;
	if (tok) {
		enum role role;
		int64_t id;
		int r = o->auth(o->app, tok, &role, &id);
		if (r == -ENOENT) {
			*ret = reply_error_now(req, 401, "authentication failed: unknown or revoked token");
			return -1;
		}
		if (r < 0) {
			*ret = reply_error_now(req, 500, "authentication failed: token store unavailable");
			return -1;
		}
		req->role = role;
		req->token_id = id;
	}
	if (req->role < req->route->min_role) {
		if (!tok && req->role == ROLE_NONE)
			*ret = reply_error_now(req, 401,
					       "authentication required: send \"Authorization: Bearer TOKEN\" or "
					       "\"X-Auth-Token: TOKEN\"");
		else
			*ret = reply_error_now(req, 403, req->route->min_role == ROLE_ADMIN
								 ? "forbidden: this needs an admin token"
								 : "forbidden");
		return -1;
	}
	return 0;
}

static enum MHD_Result count_header(void *cls, enum MHD_ValueKind kind, const char *key,
				    const char *value)
{
	(*(unsigned *)cls)++;
	return MHD_YES;
}

/* First call for a request: bounds that do not need the body. */
static enum MHD_Result request_begin(struct http_request *req)
{
	const struct http_options *o = &req->srv->o;
	unsigned n_headers = 0;
	const char *cl;
	char allow[64];
	enum MHD_Result ret;

	(void)MHD_get_connection_values(req->conn, MHD_HEADER_KIND, count_header, &n_headers);
	if (n_headers > o->max_headers) {
		char msg[128];
		snprintf(msg, sizeof(msg), "too many headers: %u, at most %u", n_headers, o->max_headers);
		return reply_error_now(req, 431, msg);
	}
	req->route = route_find(req, allow, sizeof(allow));
	if (!req->route) {
		struct http_reply rep = { 0 };
		if (allow[0]) {
			http_reply_error(&rep, 405, "method %s not allowed on %s (allowed: %s)", req->method,
					 req->url, allow);
			rep.allow = allow;
		} else {
			http_reply_error(&rep, 404, "no such endpoint: %s %s", req->method, req->url);
		}
		req->replied = true;
		return send_reply(req, &rep);
	}
	if (request_authorize(req, &ret) < 0)
		return ret;
	cl = http_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl) {
		char *end;
		unsigned long long n;
		errno = 0;
		n = strtoull(cl, &end, 10);
		if (errno || *end || !*cl || cl[0] == '-')
			return reply_error_now(req, 400, "bad Content-Length");
		if (n > o->max_body) {
			char msg[128];
			snprintf(msg, sizeof(msg), "request body too large: %llu bytes, at most %llu", n,
				 (unsigned long long)o->max_body);
			return reply_error_now(req, 413, msg);
		}
		if (n > 0 && !(req->route->flags & ROUTE_BODY))
			return reply_error_now(req, 413, "this endpoint takes no request body");
	}
	return MHD_YES;
}

/* A body past the bound (announced with chunked encoding, so not refused
 * up front) is read to its end and dropped, then refused: this version of
 * libmicrohttpd cannot queue a reply in the middle of an upload. The
 * dropping is bounded too: past 4 x max_body + 64 MiB the connection is
 * closed. */
static enum MHD_Result request_body(struct http_request *req, const char *data, size_t n)
{
	const struct http_options *o = &req->srv->o;

	if (!req->reject && !(req->route->flags & ROUTE_BODY)) {
		req->reject = 413;
		req->reject_msg = "this endpoint takes no request body";
	} else if (!req->reject && req->body_len + n > o->max_body) {
		req->reject = 413;
		req->reject_msg = "request body too large";
	}
	if (req->reject) {
		free(req->body);
		req->body = NULL;
		req->body_len = req->body_cap = 0;
		req->discarded += n;
		return req->discarded > 4 * o->max_body + (64u << 20) ? MHD_NO : MHD_YES;
	}
	if (req->body_len + n + 1 > req->body_cap) {
		size_t cap = req->body_cap ? req->body_cap : 4096;
		char *nb;
		while (cap < req->body_len + n + 1)
			cap *= 2;
		if (cap > o->max_body + 1)
			cap = o->max_body + 1;
		nb = realloc(req->body, cap);
		if (!nb) {
			req->reject = 503;
			req->reject_msg = "out of memory";
			return MHD_YES;
		}
		req->body = nb;
		req->body_cap = cap;
	}
	memcpy(req->body + req->body_len, data, n);
	req->body_len += n;
	req->body[req->body_len] = '\0';
	return MHD_YES;
}

static enum MHD_Result request_dispatch(struct http_request *req)
{
	struct http_reply rep = { 0 };
	http_handler fn = req->route->fn;

	if (req->reject) {
		char msg[160];
		snprintf(msg, sizeof(msg), "%s: at most %llu bytes", req->reject_msg,
			 (unsigned long long)req->srv->o.max_body);
		return reply_error_now(req, req->reject, msg);
	}
	if (req->suspended) {
		req->suspended = false;
		fn = req->on_resume;
	}
	fn(req->srv->o.app, req, &rep);
	if (rep.suspend) {
		free(rep.body);
		return MHD_YES;
	}
	return send_reply(req, &rep);
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *conn, const char *url,
				 const char *method, const char *version, const char *upload_data,
				 size_t *upload_data_size, void **con_cls)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;

	if (!req) {
		req = calloc(1, sizeof(*req));
		if (!req)
			return MHD_NO;
		req->srv = srv;
		req->conn = conn;
		/* Copies: MHD's strings live in the connection's pool, which is
		 * reset before on_completed logs the request. */
		hu_strlcpy(req->method, method, sizeof(req->method));
		req->url = strdup(url);
		req->t0 = hu_now_us();
		*con_cls = req;
		if (!req->url)
			return MHD_NO;
		return request_begin(req);
	}
	if (req->replied) {
		/* An early reply (413, 401...) is queued: drop what still comes;
		 * MHD closes the connection after the reply. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (*upload_data_size) {
		enum MHD_Result r = request_body(req, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return r;
	}
	return request_dispatch(req);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct http_server *srv = cls;
	struct http_request *req = *con_cls;
	uint64_t dur;

	if (!req)
		return;
	dur = hu_now_us() - req->t0;
	if (srv->o.observe)
		srv->o.observe(srv->o.app, req->method, req->status, dur);
	log_at(req->status >= 500 ? LOG_WARN : LOG_INFO, "http", LSTR("method", req->method),
	       LSTR("path", req->url), LUINT("status", req->status), LDBL("ms", (double)dur / 1000.0),
	       LSTR("role", role_name(req->role)),
	       LBOOL("completed", toe == MHD_REQUEST_TERMINATED_COMPLETED_OK));
	request_free(req);
	*con_cls = NULL;
}

/* MHD's own messages (socket errors, protocol violations) become log lines.
 * The format string comes from libmicrohttpd, not from a client. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	log_warn("libmicrohttpd", LSTR("detail", msg));
}
#pragma GCC diagnostic pop

int http_start(const struct http_options *o, struct http_server **ret, struct hutch_error *err)
{
	struct http_server *s;
	struct sockaddr_in sin = { 0 };
	struct sockaddr_in6 sin6 = { 0 };
	const struct sockaddr *sa;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
	const union MHD_DaemonInfo *info;

	if (inet_pton(AF_INET, o->listen, &sin.sin_addr) == 1) {
		sin.sin_family = AF_INET;
		sin.sin_port = htons(o->port);
		sa = (const struct sockaddr *)&sin;
	} else if (inet_pton(AF_INET6, o->listen, &sin6.sin6_addr) == 1) {
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(o->port);
		sa = (const struct sockaddr *)&sin6;
		flags |= MHD_USE_IPv6;
	} else {
		return herr(err, 0, "listen = %s: expected an IPv4 or IPv6 address", o->listen);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return herr(err, ENOMEM, "http");
	s->o = *o;
	s->mhd = MHD_start_daemon(flags, o->port, NULL, NULL, on_access, s,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, s, /* first: see MHD docs */
				  MHD_OPTION_SOCK_ADDR, sa,
				  MHD_OPTION_THREAD_POOL_SIZE, (unsigned)o->threads,
				  MHD_OPTION_CONNECTION_LIMIT, (unsigned)o->max_connections,
				  MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)o->connection_timeout_s,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HTTP_CONN_MEMORY,
				  MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
				  MHD_OPTION_END);
	if (!s->mhd) {
		int e = errno ? errno : EADDRINUSE;
		free(s);
		return herr(err, e, "listen on %s port %u", o->listen, (unsigned)o->port);
	}
	info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info ? info->port : o->port;
	*ret = s;
	return 0;
}

uint16_t http_port(const struct http_server *s)
{
	return s->port;
}

void http_quiesce(struct http_server *s)
{
	MHD_socket fd;

	if (!s || !s->mhd)
		return;
	fd = MHD_quiesce_daemon(s->mhd);
	if (fd != MHD_INVALID_SOCKET)
		(void)close(fd); /* the listening socket: nothing to flush */
}

void http_stop(struct http_server *s)
{
	if (!s)
		return;
	if (s->mhd)
		MHD_stop_daemon(s->mhd);
	free(s);
}
