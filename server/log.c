/* SPDX-License-Identifier: MIT */
#include "log.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static _Atomic int log_min = LOG_INFO;
static _Atomic int log_fd = 2;

static const char *const level_names[] = { "debug", "info", "warn", "error" };

void log_setup(enum log_level min, int fd)
{
	log_min = (int)min;
	log_fd = fd;
}

int log_level_parse(const char *s, enum log_level *ret)
{
	for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
		if (strcmp(s, level_names[i]) == 0) {
			*ret = (enum log_level)i;
			return 0;
		}
	return -EINVAL;
}

bool log_enabled(enum log_level level)
{
	return (int)level >= log_min;
}

/* A bounded appender. Pieces are added whole or not at all; once one does
 * not fit the line is cut: nothing more is added but the closing of the
 * string being written ("…\"") and of the object ("}\n"), for which
 * LOG_RESERVE bytes are always kept free. */
struct lbuf {
	char *p;
	size_t len, cap;
	bool cut;
};

#define LOG_RESERVE 16

static bool lb_put(struct lbuf *b, const char *s, size_t n)
{
	if (b->cut || b->len + n + LOG_RESERVE > b->cap) {
		b->cut = true;
		return false;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	return true;
}

/* Escape one byte for a JSON string into esc; returns its length. Bytes
 * >= 0x80 pass as they are (a value cut inside a UTF-8 sequence is left
 * for the reader to replace). */
static size_t json_escape_byte(unsigned char c, char esc[7])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"': memcpy(esc, "\\\"", 2); return 2;
	case '\\': memcpy(esc, "\\\\", 2); return 2;
	case '\n': memcpy(esc, "\\n", 2); return 2;
	case '\r': memcpy(esc, "\\r", 2); return 2;
	case '\t': memcpy(esc, "\\t", 2); return 2;
	default:
		if (c < 0x20 || c == 0x7f) {
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			return 6;
		}
		esc[0] = (char)c;
		return 1;
	}
}

/* The body of a string whose opening quote is already written, and its
 * closing quote. */
static void lb_json_body(struct lbuf *b, const char *s)
{
	char esc[7];

	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!lb_put(b, esc, json_escape_byte(*c, esc)))
			break;
	if (b->cut || !lb_put(b, "\"", 1)) {
		memcpy(b->p + b->len, "\xe2\x80\xa6\"", 4); /* fits: LOG_RESERVE */
		b->len += 4;
	}
}

/* ,"key": into tmp (keys are short names from the code; escaped anyway). */
static size_t kv_prefix(char *tmp, size_t len, const char *key)
{
	size_t n = 0;
	char esc[7];

	tmp[n++] = ',';
	tmp[n++] = '"';
	for (const unsigned char *c = (const unsigned char *)key; *c && n + 10 < len; c++) {
		size_t e = json_escape_byte(*c, esc);
		memcpy(tmp + n, esc, e);
		n += e;
	}
	tmp[n++] = '"';
	tmp[n++] = ':';
	return n;
}

size_t log_format(char *buf, size_t len, enum log_level level, const char *msg,
		  const struct log_kv *kv, size_t n_kv)
{
	struct lbuf b = { .p = buf, .cap = len };
	struct timespec ts;
	struct tm tm;
	char tmp[160];
	size_t n;

	if (len < 128) {
		if (len)
			buf[0] = '\0';
		return 0;
	}
	(void)clock_gettime(CLOCK_REALTIME, &ts); /* cannot fail for CLOCK_REALTIME */
	gmtime_r(&ts.tv_sec, &tm);
	n = (size_t)snprintf(tmp, sizeof(tmp),
			     "{\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ\",\"level\":\"%s\",\"msg\":\"",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
			     ts.tv_nsec / 1000000,
			     level_names[(unsigned)level < ARRAY_SIZE(level_names) ? level : LOG_ERROR]);
	lb_put(&b, tmp, n);
	lb_json_body(&b, msg ? msg : "");
	for (size_t i = 0; i < n_kv && !b.cut; i++) {
		n = kv_prefix(tmp, 64, kv[i].key ? kv[i].key : "?");
		switch (kv[i].type) {
		case LKV_STR:
			if (!kv[i].s) {
				n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "null");
				break;
			}
			tmp[n++] = '"';
			if (lb_put(&b, tmp, n))
				lb_json_body(&b, kv[i].s);
			continue;
		case LKV_INT: n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%lld", kv[i].i); break;
		case LKV_UINT: n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%llu", kv[i].u); break;
		case LKV_DBL:
			if (isfinite(kv[i].d))
				n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%.6g", kv[i].d);
			else
				n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "null");
			break;
		case LKV_BOOL: n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%s", kv[i].b ? "true" : "false"); break;
		default: n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "null");
		}
		lb_put(&b, tmp, n);
	}
	memcpy(b.p + b.len, "}\n", 3); /* fits: LOG_RESERVE */
	return b.len + 2;
}

void log_emit(enum log_level level, const char *msg, const struct log_kv *kv, size_t n_kv)
{
	char line[LOG_LINE_MAX];
	size_t n;

	if (!log_enabled(level))
		return;
	n = log_format(line, sizeof(line), level, msg, kv, n_kv);
	/* A log that cannot be written has nowhere to report to. */
	(void)hu_write_all(log_fd, line, n);
}
