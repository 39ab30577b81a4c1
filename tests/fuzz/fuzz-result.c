/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the result JSON writer (runtime/result.c), round trip. The
 * input fills a struct hutch_result field by field, including values the
 * library should never produce (unknown statuses, negative codes, unknown
 * syscall numbers) and a message of arbitrary bytes: result.message can
 * quote what the program controls (its path, a denied syscall). The JSON
 * is parsed back and must be one valid UTF-8 object whose every key of
 * design.md's contract has the type and value the struct says.
 */
#include <cJSON.h>
#include <math.h>

#include "fuzz.h"
#include "result.h"
#include "seccomp.h"

struct reader {
	const uint8_t *p;
	size_t left;
};

static void take(struct reader *rd, void *out, size_t n)
{
	size_t k = n < rd->left ? n : rd->left;

	memset(out, 0, n);
	memcpy(out, rd->p, k);
	rd->p += k;
	rd->left -= k;
}

static uint32_t take_u32(struct reader *rd)
{
	uint32_t v;

	take(rd, &v, sizeof(v));
	return v;
}

static uint64_t take_u64(struct reader *rd)
{
	uint64_t v;

	take(rd, &v, sizeof(v));
	return v;
}

/* A time as the library makes one: finite, 0..10^7 s, in microseconds. */
static double take_seconds(struct reader *rd)
{
	return (double)(take_u64(rd) % 10000000000000ull) / 1e6;
}

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	fuzz_check(v != NULL, "result has no \"%s\"", key);
	return v;
}

static void check_number(const cJSON *o, const char *key, double want)
{
	const cJSON *v = get(o, key);

	fuzz_check(cJSON_IsNumber(v), "\"%s\" is not a number", key);
	fuzz_check(v->valuedouble == want, "\"%s\" = %.17g, want %.17g", key, v->valuedouble, want);
}

static void check_bool(const cJSON *o, const char *key, bool want)
{
	const cJSON *v = get(o, key);

	fuzz_check(cJSON_IsBool(v) && cJSON_IsTrue(v) == want, "\"%s\" is not %s", key,
		   want ? "true" : "false");
}

static void check_result(const struct hutch_result *r, bool timings)
{
	char *s = result_to_json(r, timings);
	const cJSON *v;
	cJSON *o;

	fuzz_check(s != NULL, "result_to_json returned NULL");
	fuzz_check(fuzz_valid_utf8((const unsigned char *)s, strlen(s)),
		   "result JSON is not valid UTF-8: %s", s);
	for (const char *c = s; *c; c++)
		fuzz_check((unsigned char)*c >= 0x20, "raw control byte %#x in the JSON",
			   (unsigned)*c);
	o = cJSON_Parse(s);
	fuzz_check(cJSON_IsObject(o), "result JSON does not parse back: %s", s);

	v = get(o, "status");
	fuzz_check(cJSON_IsString(v) && strcmp(v->valuestring, hutch_status_name(r->status)) == 0,
		   "status is not %s", hutch_status_name(r->status));
	fuzz_check(strlen(v->valuestring) == 2 && strstr("OK RE SG TO ML OL XX", v->valuestring),
		   "status \"%s\" is not one of the contract's", v->valuestring);
	if (r->exit_code >= 0 && r->status != HUTCH_XX)
		check_number(o, "exit_code", r->exit_code);
	else
		fuzz_check(cJSON_IsNull(get(o, "exit_code")), "exit_code should be null");
	if (r->signal > 0)
		check_number(o, "signal", r->signal);
	else
		fuzz_check(cJSON_IsNull(get(o, "signal")), "signal should be null");
	check_number(o, "time", round(r->time * 1000.0) / 1000.0);
	check_number(o, "wall_time", round(r->wall_time * 1000.0) / 1000.0);
	check_number(o, "memory_peak", (double)r->memory_peak);
	check_bool(o, "oom_killed", r->oom_killed);
	check_bool(o, "stdout_truncated", r->stdout_truncated);
	check_bool(o, "stderr_truncated", r->stderr_truncated);
	v = get(o, "timed_out");
	if (r->timed_out == HUTCH_TIMEOUT_CPU || r->timed_out == HUTCH_TIMEOUT_WALL)
		fuzz_check(cJSON_IsString(v) &&
				   strcmp(v->valuestring,
					  r->timed_out == HUTCH_TIMEOUT_CPU ? "cpu" : "wall") == 0,
			   "timed_out wrong");
	else
		fuzz_check(cJSON_IsNull(v), "timed_out should be null");

	/* The message: one string; byte-exact when it was valid UTF-8. */
	v = get(o, "message");
	fuzz_check(cJSON_IsString(v), "message is not a string");
	if (fuzz_valid_utf8((const unsigned char *)r->message, strlen(r->message)))
		fuzz_check(strcmp(v->valuestring, r->message) == 0,
			   "message changed on the way: \"%s\"", v->valuestring);
	check_number(o, "stdout_bytes", (double)r->stdout_bytes);
	check_number(o, "stderr_bytes", (double)r->stderr_bytes);
	if (r->seccomp_syscall >= 0) {
		const char *nm = hutch_seccomp_syscall_name(r->seccomp_syscall);
		v = get(o, "seccomp_denied");
		fuzz_check(cJSON_IsString(v) && strcmp(v->valuestring, nm ? nm : "?") == 0,
			   "seccomp_denied wrong");
	}
	fuzz_check(cJSON_IsArray(get(o, "unenforced")), "unenforced is not an array");
	if (timings)
		fuzz_check(cJSON_IsObject(get(o, "timings_us")), "timings_us missing");
	cJSON_Delete(o);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct reader rd = { data, size };
	struct hutch_result r;
	uint32_t flags;
	size_t n;

	memset(&r, 0, sizeof(r));
	r.status = (enum hutch_status)(int32_t)take_u32(&rd);
	r.exit_code = (int32_t)take_u32(&rd);
	r.signal = (int32_t)take_u32(&rd);
	r.time = take_seconds(&rd);
	r.wall_time = take_seconds(&rd);
	r.memory_peak = take_u64(&rd);
	flags = take_u32(&rd);
	r.oom_killed = flags & 1;
	r.stdout_truncated = flags & 2;
	r.stderr_truncated = flags & 4;
	r.timed_out = (enum hutch_timeout)((flags >> 3) & 3);
	r.unenforced = take_u32(&rd);
	r.seccomp_syscall = (int32_t)take_u32(&rd);
	r.stdout_bytes = take_u64(&rd);
	r.stderr_bytes = take_u64(&rd);
	for (int i = 0; i < HUTCH_STEP__MAX; i++)
		r.step_us[i] = take_u64(&rd) & 0xffffffffffull;
	/* The rest is the message, NUL-terminated as the library always leaves it. */
	n = rd.left < sizeof(r.message) - 1 ? rd.left : sizeof(r.message) - 1;
	memcpy(r.message, rd.p, n);
	r.message[n] = '\0';
	check_result(&r, flags & 32);
	return 0;
}
