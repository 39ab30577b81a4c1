/* SPDX-License-Identifier: MIT */
/* Minimal TAP producer for unit tests: ok()/is_int()/is_str(), skip with a
 * reason, and done_testing() which prints the plan and returns the exit
 * status (0 all passed, 1 some failed). A test binary that needs a kernel
 * feature that is missing calls tap_skip_all(reason) (exit 77). */
#ifndef HUTCH_TAP_H
#define HUTCH_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3), unused)) static int ok(int cond, const char *fmt, ...)
{
	va_list ap;
	tap_n++;
	if (!cond)
		tap_failed++;
	printf("%sok %d - ", cond ? "" : "not ", tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

#define is_int(got, want, ...)                                                                   \
	({                                                                                       \
		long long _g = (long long)(got), _w = (long long)(want);                        \
		int _r = ok(_g == _w, __VA_ARGS__);                                              \
		if (!_r)                                                                         \
			printf("#   got %lld, want %lld\n", _g, _w);                                \
		_r;                                                                              \
	})

#define is_str(got, want, ...)                                                                   \
	({                                                                                       \
		const char *_g = (got), *_w = (want);                                            \
		int _r = ok(_g && _w && strcmp(_g, _w) == 0, __VA_ARGS__);                       \
		if (!_r)                                                                         \
			printf("#   got '%s', want '%s'\n", _g ? _g : "(null)", _w ? _w : "(null)"); \
		_r;                                                                              \
	})

__attribute__((unused)) static void tap_skip(const char *reason)
{
	tap_n++;
	printf("ok %d # SKIP %s\n", tap_n, reason);
}

__attribute__((noreturn, unused)) static void tap_skip_all(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	exit(77);
}

__attribute__((unused)) static int done_testing(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
