/* SPDX-License-Identifier: MIT */
/*
 * Structured logs (prefix log_): one JSON object per line on stderr,
 *   {"ts":"2025-01-02T03:04:05.678Z","level":"info","msg":"job finished",
 *    "token":"…","status":3}
 * so that journald, `jq` and log shippers read them without a grammar.
 * Keys and values are typed (struct log_kv) and escaped here: a value that
 * came from a request (a path, a header) cannot forge a field or a line.
 * Each line is written with one write(2) and bounded (LOG_LINE_MAX); long
 * values are cut with a trailing "…".
 */
#ifndef HUTCHD_LOG_H
#define HUTCHD_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_LINE_MAX 4096

enum log_level { LOG_DEBUG = 0, LOG_INFO, LOG_WARN, LOG_ERROR };

enum log_kv_type { LKV_NONE = 0, LKV_STR, LKV_INT, LKV_UINT, LKV_DBL, LKV_BOOL };

struct log_kv {
	const char *key;
	enum log_kv_type type;
	union {
		const char *s;
		long long i;
		unsigned long long u;
		double d;
		bool b;
	};
};

#define LSTR(k, v) ((struct log_kv){ .key = (k), .type = LKV_STR, .s = (v) })
#define LINT(k, v) ((struct log_kv){ .key = (k), .type = LKV_INT, .i = (long long)(v) })
#define LUINT(k, v) ((struct log_kv){ .key = (k), .type = LKV_UINT, .u = (unsigned long long)(v) })
#define LDBL(k, v) ((struct log_kv){ .key = (k), .type = LKV_DBL, .d = (double)(v) })
#define LBOOL(k, v) ((struct log_kv){ .key = (k), .type = LKV_BOOL, .b = (v) })

/* Lines below min are dropped. fd is where lines go (2 by default). */
void log_setup(enum log_level min, int fd);
int log_level_parse(const char *s, enum log_level *ret);
bool log_enabled(enum log_level level);

/* Format one line into buf (always NUL-terminated, ends in '\n').
 * Returns its length. Exposed for tests. */
size_t log_format(char *buf, size_t len, enum log_level level, const char *msg,
		  const struct log_kv *kv, size_t n_kv);

void log_emit(enum log_level level, const char *msg, const struct log_kv *kv, size_t n_kv);

/* log_at(LOG_INFO, "listening", LSTR("addr", a), LUINT("port", p)); */
#define log_at(level, msg, ...)                                                                   \
	do {                                                                                      \
		const struct log_kv _lkv[] = { { .key = NULL }, ##__VA_ARGS__ };                  \
		log_emit((level), (msg), _lkv + 1, sizeof(_lkv) / sizeof(_lkv[0]) - 1);           \
	} while (0)
#define log_debug(msg, ...) log_at(LOG_DEBUG, msg, ##__VA_ARGS__)
#define log_info(msg, ...) log_at(LOG_INFO, msg, ##__VA_ARGS__)
#define log_warn(msg, ...) log_at(LOG_WARN, msg, ##__VA_ARGS__)
#define log_error(msg, ...) log_at(LOG_ERROR, msg, ##__VA_ARGS__)

#endif
