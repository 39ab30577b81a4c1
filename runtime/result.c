/* SPDX-License-Identifier: MIT */
#include "result.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp.h"
#include "util.h"

static double round3(double x)
{
	return round(x * 1000.0) / 1000.0;
}

/* A count as an exact JSON integer. cJSON prints numbers as doubles with
 * 15 significant digits: past 10^15 that is "9.00719925474099e+15", not
 * the int of the contract (tests/fuzz/fuzz-result.c). */
static void add_count(cJSON *o, const char *key, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	cJSON_AddRawToObject(o, key, buf);
}

/* JSON must be UTF-8 (RFC 8259), and the message can quote what the
 * program controls (the path of a program that failed to execute): copy
 * it with every byte that is not part of well-formed UTF-8 replaced by
 * U+FFFD, so that strict readers (Python's json) accept the result. */
static char *utf8_clean(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t len = strlen(s), o = 0;
	char *out = malloc(len * 3 + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = p[i] < 0x80 ? 0 : p[i] >= 0xc2 && p[i] <= 0xdf ? 1
					 : p[i] >= 0xe0 && p[i] <= 0xef ? 2
					 : p[i] >= 0xf0 && p[i] <= 0xf4 ? 3 : 4;
		uint32_t cp = n == 0 ? p[i] : p[i] & (0x3f >> n);
		bool good = n < 4 && len - i > n;

		for (size_t k = 1; good && k <= n; k++) {
			good = (p[i + k] & 0xc0) == 0x80;
			cp = cp << 6 | (p[i + k] & 0x3f);
		}
		/* no overlong forms, no surrogates, nothing past U+10FFFF */
		if (good && ((n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
			     (cp >= 0xd800 && cp <= 0xdfff)))
			good = false;
		if (good) {
			memcpy(out + o, p + i, n + 1);
			o += n + 1;
			i += n + 1;
		} else {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	out[o] = '\0';
	return out;
}

char *result_to_json(const struct hutch_result *r, bool timings)
{
	static const char *const step_names[HUTCH_STEP__MAX] = {
		"cgroup", "clone", "idmap", "mounts", "pivot", "seccomp", "exec", "exit", "done",
	};
	static const struct {
		unsigned bit;
		const char *name;
	} unenf[] = {
		{ HUTCH_UNENF_MEMORY, "memory" },       { HUTCH_UNENF_PIDS, "pids" },
		{ HUTCH_UNENF_CPU_TREE, "cpu_tree" },   { HUTCH_UNENF_CPU_BANDWIDTH, "cpu_bandwidth" },
		{ HUTCH_UNENF_CPUSET, "cpuset" },
	};
	cJSON *o = cJSON_CreateObject(), *a;
	char *s = NULL, *msg;

	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "status", hutch_status_name(r->status));
	if (r->exit_code >= 0 && r->status != HUTCH_XX)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	if (r->signal > 0)
		cJSON_AddNumberToObject(o, "signal", r->signal);
	else
		cJSON_AddNullToObject(o, "signal");
	cJSON_AddNumberToObject(o, "time", round3(r->time));
	cJSON_AddNumberToObject(o, "wall_time", round3(r->wall_time));
	add_count(o, "memory_peak", r->memory_peak);
	cJSON_AddBoolToObject(o, "oom_killed", r->oom_killed);
	if (r->timed_out == HUTCH_TIMEOUT_CPU)
		cJSON_AddStringToObject(o, "timed_out", "cpu");
	else if (r->timed_out == HUTCH_TIMEOUT_WALL)
		cJSON_AddStringToObject(o, "timed_out", "wall");
	else
		cJSON_AddNullToObject(o, "timed_out");
	cJSON_AddBoolToObject(o, "stdout_truncated", r->stdout_truncated);
	cJSON_AddBoolToObject(o, "stderr_truncated", r->stderr_truncated);
	msg = utf8_clean(r->message);
	cJSON_AddStringToObject(o, "message", msg ? msg : "");
	free(msg);
	/* hutch's own additions */
	add_count(o, "stdout_bytes", r->stdout_bytes);
	add_count(o, "stderr_bytes", r->stderr_bytes);
	if (r->seccomp_syscall >= 0) {
		const char *nm = hutch_seccomp_syscall_name(r->seccomp_syscall);
		cJSON_AddStringToObject(o, "seccomp_denied", nm ? nm : "?");
	}
	a = cJSON_AddArrayToObject(o, "unenforced");
	for (size_t i = 0; a && i < ARRAY_SIZE(unenf); i++)
		if (r->unenforced & unenf[i].bit)
			cJSON_AddItemToArray(a, cJSON_CreateString(unenf[i].name));
	if (timings) {
		cJSON *t = cJSON_AddObjectToObject(o, "timings_us");
		for (int i = 0; t && i < HUTCH_STEP__MAX; i++)
			if (r->step_us[i])
				add_count(t, step_names[i], r->step_us[i]);
	}
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

int result_write_json(int fd, const struct hutch_result *r, bool timings)
{
	char *s = result_to_json(r, timings);
	int ret;

	if (!s)
		return -ENOMEM;
	ret = hu_write_all(fd, s, strlen(s));
	if (ret == 0)
		ret = hu_write_all(fd, "\n", 1);
	free(s);
	return ret;
}
