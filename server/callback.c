/* SPDX-License-Identifier: MIT */
#include "callback.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "error.h"
#include "log.h"
#include "metrics.h"
#include "queue.h"
#include "server.h"
#include "store.h"
#include "util.h"

#define CALLBACK_URL_MAX 2048
#define CALLBACK_BATCH 16

struct callbacks {
	struct app *app;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stopping;
	bool kicked;
};

int callbacks_global_init(struct hutch_error *err)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK)
		return herr(err, EIO, "curl_global_init: %s", curl_easy_strerror(rc));
	return 0;
}

bool callback_url_valid(const char *url, char *msg, size_t msg_len)
{
	CURLU *u;
	char *scheme = NULL, *host = NULL;
	bool ok = false;

	if (strlen(url) > CALLBACK_URL_MAX) {
		snprintf(msg, msg_len, "longer than %d bytes", CALLBACK_URL_MAX);
		return false;
	}
	u = curl_url();
	if (!u) {
		snprintf(msg, msg_len, "out of memory");
		return false;
	}
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		snprintf(msg, msg_len, "not a valid absolute URL");
	} else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
		   (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
		snprintf(msg, msg_len, "only http and https URLs are called");
	} else if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !*host) {
		snprintf(msg, msg_len, "no host");
	} else {
		ok = true;
	}
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return ok;
}

/* Answers are not read: at most this much is accepted, then the
 * transfer is cut (the status line is what counts). */
static size_t discard_body(char *ptr, size_t size, size_t n, void *ud)
{
	size_t *seen = ud;

	*seen += size * n;
	return *seen > 64 * 1024 ? 0 : size * n;
}

/* One PUT. 0 on a 2xx answer; else -1 and why. */
static int put_once(const char *url, const char *body, long timeout_ms, char *why, size_t why_len)
{
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	size_t seen = 0;
	long code = 0;
	CURLcode rc;

	if (!c) {
		snprintf(why, why_len, "curl_easy_init failed");
		return -1;
	}
	h = curl_slist_append(h, "Content-Type: application/json");
	/* Options below only fail on unknown options or out of memory, which
	 * the perform then reports. */
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
	(void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	(void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
	(void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	(void)curl_easy_setopt(c, CURLOPT_USERAGENT, "hutchd/" HUTCH_VERSION);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	(void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L); /* threads: no SIGALRM for DNS timeouts */
	(void)curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard_body);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &seen);
	rc = curl_easy_perform(c);
	if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
		(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	if (code >= 200 && code < 300)
		return 0;
	if (code)
		snprintf(why, why_len, "HTTP %ld", code);
	else
		snprintf(why, why_len, "%s", curl_easy_strerror(rc));
	return -1;
}

static void deliver(struct callbacks *cb, const struct callback_item *it)
{
	struct app *app = cb->app;
	struct hutch_error err = { 0 };
	struct job *job = NULL;
	const struct job_kind *kind;
	char *body = NULL, why[256];
	unsigned tries = it->tries + 1;
	enum callback_state st;
	int64_t next = 0;

	if (app->store->ops->job_get(app->store, it->token, &job, &err) < 0 ||
	    !(kind = job_kind_find(job->kind)) || !kind->callback_body || !(body = kind->callback_body(app, job))) {
		/* Deleted meanwhile, or nothing to send: give up on it. */
		(void)app->store->ops->callback_update(app->store, it->job_id, CB_FAILED, tries, 0, &err);
		job_free(job);
		return;
	}
	if (put_once(it->url, body, (long)(app->cfg->callbacks_timeout / 1000), why, sizeof(why)) == 0) {
		st = CB_DELIVERED;
		atomic_fetch_add(&app->metrics->callbacks_ok, 1);
		log_info("callback delivered", LSTR("token", it->token), LUINT("try", tries));
	} else if (tries >= app->cfg->callbacks_max_tries) {
		st = CB_FAILED;
		atomic_fetch_add(&app->metrics->callbacks_failed, 1);
		log_warn("callback failed; giving up", LSTR("token", it->token), LSTR("url", it->url),
			 LSTR("error", why), LUINT("tries", tries));
	} else {
		unsigned shift = tries - 1 < 6 ? tries - 1 : 6;
		st = CB_PENDING;
		next = store_now_ms() + (int64_t)(1000u << shift);
		atomic_fetch_add(&app->metrics->callbacks_retried, 1);
		log_info("callback failed; will retry", LSTR("token", it->token), LSTR("error", why), LUINT("try", tries));
	}
	if (app->store->ops->callback_update(app->store, it->job_id, st, tries, next, &err) < 0)
		log_error("cannot record a callback attempt", LSTR("token", it->token), LSTR("error", err.msg));
	free(body);
	job_free(job);
}

static void *callbacks_main(void *arg)
{
	struct callbacks *cb = arg;
	struct app *app = cb->app;

	for (;;) {
		struct hutch_error err = { 0 };
		struct callback_item *items = NULL;
		size_t n = 0;
		struct timespec ts;

		pthread_mutex_lock(&cb->mu);
		if (cb->stopping) {
			pthread_mutex_unlock(&cb->mu);
			break;
		}
		cb->kicked = false;
		pthread_mutex_unlock(&cb->mu);

		if (app->store->ops->callback_due(app->store, store_now_ms(), CALLBACK_BATCH, &items, &n, &err) < 0)
			log_error("cannot read pending callbacks", LSTR("error", err.msg));
		for (size_t i = 0; i < n; i++) {
			pthread_mutex_lock(&cb->mu);
			bool stop = cb->stopping;
			pthread_mutex_unlock(&cb->mu);
			if (stop)
				break;
			deliver(cb, &items[i]);
		}
		callback_items_free(items, n);
		if (n == CALLBACK_BATCH)
			continue;
		/* Wait for a kick, or a second for the next retry to be due. */
		pthread_mutex_lock(&cb->mu);
		(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for CLOCK_MONOTONIC */
		ts.tv_sec += 1;
		while (!cb->stopping && !cb->kicked)
			if (pthread_cond_timedwait(&cb->cv, &cb->mu, &ts) == ETIMEDOUT)
				break;
		pthread_mutex_unlock(&cb->mu);
	}
	return NULL;
}

int callbacks_start(struct app *app, struct callbacks **ret, struct hutch_error *err)
{
	struct callbacks *cb = calloc(1, sizeof(*cb));
	pthread_condattr_t ca;
	int r;

	if (!cb)
		return herr(err, ENOMEM, "callbacks");
	cb->app = app;
	pthread_mutex_init(&cb->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cb->cv, &ca);
	pthread_condattr_destroy(&ca);
	r = pthread_create(&cb->thread, NULL, callbacks_main, cb);
	if (r != 0) {
		pthread_cond_destroy(&cb->cv);
		pthread_mutex_destroy(&cb->mu);
		free(cb);
		return herr(err, r, "start the callback thread");
	}
	cb->started = true;
	*ret = cb;
	return 0;
}

void callbacks_kick(struct callbacks *cb)
{
	if (!cb)
		return;
	pthread_mutex_lock(&cb->mu);
	cb->kicked = true;
	pthread_cond_broadcast(&cb->cv);
	pthread_mutex_unlock(&cb->mu);
}

void callbacks_stop(struct callbacks *cb)
{
	if (!cb)
		return;
	pthread_mutex_lock(&cb->mu);
	cb->stopping = true;
	pthread_cond_broadcast(&cb->cv);
	pthread_mutex_unlock(&cb->mu);
	if (cb->started)
		(void)pthread_join(cb->thread, NULL); /* joinable, ours: cannot fail */
	pthread_cond_destroy(&cb->cv);
	pthread_mutex_destroy(&cb->mu);
	free(cb);
}
