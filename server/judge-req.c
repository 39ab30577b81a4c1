/* SPDX-License-Identifier: MIT */
/*
 * Judge0 requests and results: parsing and validation of what a client
 * sends, the stored forms, and output comparison. Nothing here runs a
 * sandbox.
 */
#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "callback.h"
#include "judge.h"
#include "lang.h"
#include "util.h"

#define J0_OPTIONS_MAX 512 /* compiler_options, command_line_arguments: Judge0's bound */
#define J0_WORDS_MAX 128

const char *const j0_status_names[J0__MAX] = {
	NULL,
	"In Queue",
	"Processing",
	"Accepted",
	"Wrong Answer",
	"Time Limit Exceeded",
	"Compilation Error",
	"Runtime Error (SIGSEGV)",
	"Runtime Error (SIGXFSZ)",
	"Runtime Error (SIGFPE)",
	"Runtime Error (SIGABRT)",
	"Runtime Error (NZEC)",
	"Runtime Error (Other)",
	"Internal Error",
	"Exec Format Error",
};

const struct j0_limit_desc j0_limits[J0L__MAX] = {
	[J0L_CPU] = { "cpu_time_limit", LIM_TIME, 1e6, false },
	[J0L_EXTRA] = { "cpu_extra_time", -1, 1e6, false },
	[J0L_WALL] = { "wall_time_limit", LIM_WALL_TIME, 1e6, false },
	[J0L_MEMORY] = { "memory_limit", LIM_MEMORY, 1024, true },
	[J0L_STACK] = { "stack_limit", LIM_STACK, 1024, true },
	[J0L_PROCS] = { "max_processes_and_or_threads", LIM_PIDS, 1, true },
	[J0L_FSIZE] = { "max_file_size", LIM_FSIZE, 1024, true },
};

/* Judge0's default cpu_extra_time (seconds). */
#define J0_DEFAULT_EXTRA 1.0

__attribute__((format(printf, 4, 5))) static int problem(struct j0_problem *p, unsigned http, const char *field,
							 const char *fmt, ...)
{
	va_list ap;

	p->http = http;
	hu_strlcpy(p->field, field, sizeof(p->field));
	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void j0_request_free(struct j0_request *rq)
{
	if (!rq)
		return;
	bytes_free(&rq->source);
	free(rq->compiler_options);
	free(rq->command_line_arguments);
	for (size_t i = 0; i < rq->n_cases; i++) {
		bytes_free(&rq->cases[i].in);
		bytes_free(&rq->cases[i].expected);
	}
	free(rq->cases);
	bytes_free(&rq->additional_files);
	free(rq->callback_url);
	memset(rq, 0, sizeof(*rq));
}

/* ---------- typed getters: missing and null are "not given" ---------- */

static const cJSON *field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return v && !cJSON_IsNull(v) ? v : NULL;
}

/* A number, or a string holding one (Judge0 clients send both). */
static int get_number(const cJSON *o, const char *name, bool *present, double *ret, struct j0_problem *p)
{
	const cJSON *v = field(o, name);
	char *end;

	*present = false;
	if (!v)
		return 0;
	if (cJSON_IsNumber(v)) {
		*ret = v->valuedouble;
	} else if (cJSON_IsString(v) && *v->valuestring) {
		*ret = strtod(v->valuestring, &end);
		if (*end)
			return problem(p, 422, name, "is not a number");
	} else {
		return problem(p, 422, name, "is not a number");
	}
	if (!isfinite(*ret))
		return problem(p, 422, name, "is not a number");
	*present = true;
	return 0;
}

static int get_bool(const cJSON *o, const char *name, bool *ret, struct j0_problem *p)
{
	const cJSON *v = field(o, name);

	if (!v)
		return 0;
	if (cJSON_IsBool(v))
		*ret = cJSON_IsTrue(v);
	else if (cJSON_IsString(v) && (strcmp(v->valuestring, "true") == 0 || strcmp(v->valuestring, "false") == 0))
		*ret = strcmp(v->valuestring, "true") == 0;
	else
		return problem(p, 422, name, "is not a boolean");
	return 0;
}

/* Text that may be base64: at most max bytes once decoded (413 beyond). */
static int get_text(const cJSON *o, const char *name, bool base64, uint64_t max, struct bytes *ret, bool *present,
		    struct j0_problem *p)
{
	const cJSON *v = field(o, name);
	size_t len;
	int r;

	*present = false;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return problem(p, 422, name, "is not a string");
	len = strlen(v->valuestring);
	/* Decoded size is at most 3/4 of the text: refuse before decoding. */
	if ((base64 ? len / 4 * 3 : len) > max + 3)
		return problem(p, 413, name, "is larger than %llu bytes", (unsigned long long)max);
	if (base64) {
		r = b64_decode(v->valuestring, len, ret);
		if (r == -ENOMEM)
			return problem(p, 503, name, "out of memory");
		if (r < 0)
			return problem(p, 422, name, "is not valid base64 (base64_encoded=true)");
	} else {
		ret->p = strdup(v->valuestring);
		if (!ret->p)
			return problem(p, 503, name, "out of memory");
		ret->n = len;
	}
	if (ret->n > max) {
		bytes_free(ret);
		return problem(p, 413, name, "is larger than %llu bytes", (unsigned long long)max);
	}
	*present = true;
	return 0;
}

/* A plain string (never base64), at most max bytes, or NULL. */
static int get_string(const cJSON *o, const char *name, size_t max, char **ret, struct j0_problem *p)
{
	const cJSON *v = field(o, name);

	*ret = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return problem(p, 422, name, "is not a string");
	if (strlen(v->valuestring) > max)
		return problem(p, 422, name, "is too long (maximum is %zu characters)", max);
	*ret = strdup(v->valuestring);
	return *ret ? 0 : problem(p, 503, name, "out of memory");
}

/* ---------- limits: defaults and ceilings from the profile ---------- */

static void fmt_limit(char *buf, size_t len, enum j0_limit i, double v)
{
	if (j0_limits[i].integer)
		snprintf(buf, len, "%.0f", v);
	else
		snprintf(buf, len, "%g", v);
}

/* Whether one hutch limit value passes the profile's ceiling, through the
 * profile loader's own check. */
static bool within_ceiling(const struct profile *prof, int lim, uint64_t v)
{
	struct run_overrides ov = { 0 };
	struct hutch_limits l;
	struct hutch_error ignored;

	ov.set[lim] = true;
	ov.val[lim] = v;
	return profile_apply_limits(prof, &ov, &l, &ignored) == 0;
}

static int parse_limits(const cJSON *o, const struct profile *prof, struct j0_request *rq, struct j0_problem *p)
{
	bool given[J0L__MAX] = { 0 };
	char got[32], ceil[32];
	int r;

	for (int i = 0; i < J0L__MAX; i++) {
		double v = 0;
		r = get_number(o, j0_limits[i].name, &given[i], &v, p);
		if (r < 0)
			return r;
		if (!given[i])
			continue;
		if (v <= 0 && !(i == J0L_EXTRA && v == 0))
			return problem(p, 422, j0_limits[i].name, "must be greater than 0");
		if (v > 1e7)
			return problem(p, 422, j0_limits[i].name, "is too large");
		if (j0_limits[i].integer && v != floor(v))
			return problem(p, 422, j0_limits[i].name, "must be a whole number");
		rq->limit[i] = v;
	}
	/* Defaults: the profile's, in Judge0's units. */
	for (int i = 0; i < J0L__MAX; i++) {
		if (given[i] || j0_limits[i].lim < 0)
			continue;
		rq->limit[i] = (double)prof->def[j0_limits[i].lim] / j0_limits[i].scale;
		if (j0_limits[i].integer)
			rq->limit[i] = floor(rq->limit[i]);
	}
	if (!given[J0L_EXTRA]) {
		/* Judge0's 1 s, less what would pass the ceiling when the
		 * client did not ask for it. */
		double room = prof->ceil[LIM_TIME] ? (double)prof->ceil[LIM_TIME] / 1e6 - rq->limit[J0L_CPU] : J0_DEFAULT_EXTRA;
		rq->limit[J0L_EXTRA] = room < J0_DEFAULT_EXTRA ? (room > 0 ? room : 0) : J0_DEFAULT_EXTRA;
	}
	/* Ceilings. cpu_time_limit + cpu_extra_time is the CPU time at which
	 * the program is killed: that is what the profile's time bounds. */
	for (int i = 0; i < J0L__MAX; i++) {
		int lim = j0_limits[i].lim;
		double v = rq->limit[i];
		if (i == J0L_EXTRA) {
			lim = LIM_TIME;
			v = rq->limit[J0L_CPU] + rq->limit[J0L_EXTRA];
		}
		if (lim < 0 || !v)
			continue;
		if (!within_ceiling(prof, lim, (uint64_t)llround(v * j0_limits[i].scale))) {
			double c = (double)prof->ceil[lim] / j0_limits[i].scale;
			if (i == J0L_EXTRA) {
				snprintf(got, sizeof(got), "%g", rq->limit[J0L_EXTRA]);
				snprintf(ceil, sizeof(ceil), "%g", c - rq->limit[J0L_CPU]);
				return problem(p, 422, j0_limits[i].name,
					       "%s is above the ceiling of profile %s: cpu_time_limit + cpu_extra_time "
					       "may be at most %g (limits.time.ceiling), so at most %s here",
					       got, prof->name, c, ceil);
			}
			fmt_limit(got, sizeof(got), (enum j0_limit)i, v);
			fmt_limit(ceil, sizeof(ceil), (enum j0_limit)i, c);
			return problem(p, 422, j0_limits[i].name,
				       "%s is above the ceiling of profile %s: must be less than or equal to %s "
				       "(limits.%s.ceiling)",
				       got, prof->name, ceil, limit_table[lim].key);
		}
	}
	return 0;
}

void j0_run_overrides(const struct j0_request *rq, const struct profile *p, uint64_t max_output,
		      struct run_overrides *ov)
{
	memset(ov, 0, sizeof(*ov));
	for (int i = 0; i < J0L__MAX; i++) {
		int lim = j0_limits[i].lim;
		if (lim < 0 || rq->limit[i] <= 0)
			continue;
		ov->set[lim] = true;
		ov->val[lim] = (uint64_t)llround(rq->limit[i] * j0_limits[i].scale);
	}
	if (rq->limit[J0L_CPU] > 0)
		ov->val[LIM_TIME] = (uint64_t)llround((rq->limit[J0L_CPU] + rq->limit[J0L_EXTRA]) * 1e6);
	/* Output kept per stream: the profile's default, at most max_output. */
	if (max_output && (!p->def[LIM_OUTPUT] || p->def[LIM_OUTPUT] > max_output)) {
		ov->set[LIM_OUTPUT] = true;
		ov->val[LIM_OUTPUT] = max_output;
	}
	if (rq->enable_network) {
		ov->net_set = true;
		ov->net = HUTCH_NET_EGRESS;
	}
}

/* ---------- the client's request ---------- */

static int parse_words_field(const char *name, const char *s, struct j0_problem *p)
{
	char **words = NULL, msg[128];
	size_t n;
	int r = words_split(s, J0_WORDS_MAX, &words, &n, msg, sizeof(msg));

	words_free(words);
	if (r < 0)
		return problem(p, 422, name, "%s", msg);
	return 0;
}

static int parse_cases(const cJSON *o, bool base64, const struct hutchd_config *cfg, struct j0_request *rq,
		       struct j0_problem *p)
{
	const cJSON *tc = field(o, "test_cases"), *e;
	bool present;
	size_t i = 0;
	int r;

	if (!tc) {
		rq->cases = calloc(1, sizeof(*rq->cases));
		if (!rq->cases)
			return problem(p, 503, "stdin", "out of memory");
		rq->n_cases = 1;
		r = get_text(o, "stdin", base64, cfg->max_stdin, &rq->cases[0].in, &present, p);
		if (r == 0)
			r = get_text(o, "expected_output", base64, cfg->max_stdin, &rq->cases[0].expected,
				     &rq->cases[0].has_expected, p);
		return r;
	}
	if (field(o, "stdin") || field(o, "expected_output"))
		return problem(p, 422, "test_cases", "give either test_cases or stdin/expected_output, not both");
	if (!cJSON_IsArray(tc) || cJSON_GetArraySize(tc) == 0)
		return problem(p, 422, "test_cases", "must be a non-empty array of {stdin, expected_output}");
	if ((uint64_t)cJSON_GetArraySize(tc) > cfg->max_test_cases)
		return problem(p, 413, "test_cases", "has %d items, at most %llu", cJSON_GetArraySize(tc),
			       (unsigned long long)cfg->max_test_cases);
	rq->multi = true;
	rq->cases = calloc((size_t)cJSON_GetArraySize(tc), sizeof(*rq->cases));
	if (!rq->cases)
		return problem(p, 503, "test_cases", "out of memory");
	cJSON_ArrayForEach(e, tc) {
		if (!cJSON_IsObject(e))
			return problem(p, 422, "test_cases", "item %zu is not an object", i);
		rq->n_cases = i + 1;
		r = get_text(e, "stdin", base64, cfg->max_stdin, &rq->cases[i].in, &present, p);
		if (r == 0)
			r = get_text(e, "expected_output", base64, cfg->max_stdin, &rq->cases[i].expected,
				     &rq->cases[i].has_expected, p);
		if (r < 0) {
			char f[sizeof(p->field) + 32];
			snprintf(f, sizeof(f), "test_cases[%zu].%s", i, p->field);
			hu_strlcpy(p->field, f, sizeof(p->field));
			return r;
		}
		i++;
	}
	return 0;
}

int j0_request_parse(const cJSON *o, bool base64, const struct j0_env *env, struct j0_request *rq,
		     struct j0_problem *p)
{
	const struct hutchd_config *cfg = env->cfg;
	const struct lang *l;
	const struct profile *prof;
	bool present;
	double v;
	const cJSON *c;
	char msg[160];
	int r;

	memset(rq, 0, sizeof(*rq));
	rq->base64 = base64;
	rq->number_of_runs = 1;
	rq->float_tolerance = 1e-6;
	if (!cJSON_IsObject(o))
		return problem(p, 400, "body", "expected a JSON object");

	if ((r = get_number(o, "language_id", &present, &v, p)) < 0)
		goto fail;
	if (!present) {
		r = problem(p, 422, "language_id", "can't be blank");
		goto fail;
	}
	if (v != floor(v) || v < 1 || v > 1e6) {
		r = problem(p, 422, "language_id", "language with id %g doesn't exist", v);
		goto fail;
	}
	rq->language_id = (int)v;
	l = lang_find_any(env->langs, rq->language_id);
	if (!l) {
		r = problem(p, 422, "language_id", "language with id %d doesn't exist", rq->language_id);
		goto fail;
	}
	if (!l->available) {
		r = problem(p, 422, "language_id", "language with id %d (%s) is not available on this host: %s",
			    rq->language_id, l->name, l->unavailable ? l->unavailable : "?");
		goto fail;
	}
	prof = l->prof->p;

	if ((r = get_text(o, "source_code", base64, cfg->max_source, &rq->source, &present, p)) < 0)
		goto fail;
	if (!present || rq->source.n == 0) {
		r = problem(p, 422, "source_code", "can't be blank");
		goto fail;
	}
	if ((r = parse_cases(o, base64, cfg, rq, p)) < 0)
		goto fail;
	if ((r = parse_limits(o, prof, rq, p)) < 0)
		goto fail;

	if ((r = get_number(o, "number_of_runs", &present, &v, p)) < 0)
		goto fail;
	if (present) {
		if (v < 1 || v != floor(v) || v > (double)cfg->max_number_of_runs) {
			r = problem(p, 422, "number_of_runs", "must be a whole number from 1 to %llu",
				    (unsigned long long)cfg->max_number_of_runs);
			goto fail;
		}
		rq->number_of_runs = (unsigned)v;
	}
	if ((uint64_t)rq->n_cases * rq->number_of_runs > cfg->max_test_cases) {
		r = problem(p, 413, "number_of_runs", "test cases times number_of_runs is %llu, at most %llu",
			    (unsigned long long)rq->n_cases * rq->number_of_runs,
			    (unsigned long long)cfg->max_test_cases);
		goto fail;
	}
	if ((r = get_bool(o, "enable_per_process_and_thread_time_limit", &rq->per_process_time, p)) < 0 ||
	    (r = get_bool(o, "enable_per_process_and_thread_memory_limit", &rq->per_process_memory, p)) < 0 ||
	    (r = get_bool(o, "redirect_stderr_to_stdout", &rq->redirect_stderr, p)) < 0 ||
	    (r = get_bool(o, "enable_network", &rq->enable_network, p)) < 0 ||
	    (r = get_bool(o, "stop_on_first_failure", &rq->stop_on_failure, p)) < 0)
		goto fail;
	if (rq->enable_network && !(prof->net_allowed & (1u << HUTCH_NET_EGRESS))) {
		r = problem(p, 422, "enable_network", "network access is not allowed by profile %s (network.allowed)",
			    prof->name);
		goto fail;
	}

	if ((r = get_string(o, "compiler_options", J0_OPTIONS_MAX, &rq->compiler_options, p)) < 0)
		goto fail;
	if (rq->compiler_options && *rq->compiler_options) {
		if (!cfg->enable_compiler_options) {
			r = problem(p, 422, "compiler_options", "setting compiler options is not allowed");
			goto fail;
		}
		if (!l->compile) {
			r = problem(p, 422, "compiler_options", "language %s is not compiled", l->name);
			goto fail;
		}
		if ((r = parse_words_field("compiler_options", rq->compiler_options, p)) < 0)
			goto fail;
	}
	if ((r = get_string(o, "command_line_arguments", J0_OPTIONS_MAX, &rq->command_line_arguments, p)) < 0)
		goto fail;
	if (rq->command_line_arguments && *rq->command_line_arguments) {
		if (!cfg->enable_command_line_arguments) {
			r = problem(p, 422, "command_line_arguments", "setting command line arguments is not allowed");
			goto fail;
		}
		if ((r = parse_words_field("command_line_arguments", rq->command_line_arguments, p)) < 0)
			goto fail;
	}

	/* additional_files is always base64 (a zip), as in Judge0. */
	if ((r = get_text(o, "additional_files", true, cfg->max_additional_files, &rq->additional_files, &present,
			  p)) < 0)
		goto fail;
	if (present && rq->additional_files.n) {
		if (!cfg->enable_additional_files) {
			r = problem(p, 422, "additional_files", "additional files are not allowed");
			goto fail;
		}
		if (rq->additional_files.n < 4 || memcmp(rq->additional_files.p, "PK", 2) != 0) {
			r = problem(p, 422, "additional_files", "is not a zip archive (base64 of a .zip)");
			goto fail;
		}
	}
	if ((r = get_string(o, "callback_url", 4096, &rq->callback_url, p)) < 0)
		goto fail;
	if (rq->callback_url && !*rq->callback_url) {
		free(rq->callback_url);
		rq->callback_url = NULL;
	}
	if (rq->callback_url) {
		if (!cfg->enable_callbacks) {
			r = problem(p, 422, "callback_url", "callbacks are not allowed");
			goto fail;
		}
		if (!callback_url_valid(rq->callback_url, msg, sizeof(msg))) {
			r = problem(p, 422, "callback_url", "%s", msg);
			goto fail;
		}
	}
	if ((c = field(o, "comparison"))) {
		if (cJSON_IsString(c) && strcmp(c->valuestring, "judge0") == 0)
			rq->cmp = J0_CMP_JUDGE0;
		else if (cJSON_IsString(c) && strcmp(c->valuestring, "float") == 0)
			rq->cmp = J0_CMP_FLOAT;
		else {
			r = problem(p, 422, "comparison", "must be \"judge0\" or \"float\"");
			goto fail;
		}
	}
	if ((r = get_number(o, "float_tolerance", &present, &v, p)) < 0)
		goto fail;
	if (present) {
		if (!(v > 0 && v <= 1)) {
			r = problem(p, 422, "float_tolerance", "must be greater than 0 and at most 1");
			goto fail;
		}
		rq->float_tolerance = v;
	}
	return 0;
fail:
	j0_request_free(rq);
	return r;
}

/* ---------- stored forms ---------- */

static cJSON *b64_item(const struct bytes *b)
{
	char *s = b64_encode(b->p ? b->p : "", b->n);
	cJSON *j = s ? cJSON_CreateString(s) : NULL;

	free(s);
	return j;
}

static void add_b64(cJSON *o, const char *name, const struct bytes *b, bool present)
{
	cJSON_AddItemToObject(o, name, present ? b64_item(b) : cJSON_CreateNull());
}

static void add_str_or_null(cJSON *o, const char *name, const char *s)
{
	if (s)
		cJSON_AddStringToObject(o, name, s);
	else
		cJSON_AddNullToObject(o, name);
}

cJSON *j0_request_store(const struct j0_request *rq)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	if (!o || !a) {
		cJSON_Delete(o);
		cJSON_Delete(a);
		return NULL;
	}
	cJSON_AddNumberToObject(o, "language_id", rq->language_id);
	add_b64(o, "source_code", &rq->source, true);
	add_str_or_null(o, "compiler_options", rq->compiler_options);
	add_str_or_null(o, "command_line_arguments", rq->command_line_arguments);
	for (size_t i = 0; i < rq->n_cases; i++) {
		cJSON *c = cJSON_CreateObject();
		add_b64(c, "stdin", &rq->cases[i].in, true);
		add_b64(c, "expected_output", &rq->cases[i].expected, rq->cases[i].has_expected);
		cJSON_AddItemToArray(a, c);
	}
	cJSON_AddItemToObject(o, "cases", a);
	cJSON_AddBoolToObject(o, "multi", rq->multi);
	cJSON_AddBoolToObject(o, "stop_on_first_failure", rq->stop_on_failure);
	cJSON_AddStringToObject(o, "comparison", rq->cmp == J0_CMP_FLOAT ? "float" : "judge0");
	cJSON_AddNumberToObject(o, "float_tolerance", rq->float_tolerance);
	for (int i = 0; i < J0L__MAX; i++)
		cJSON_AddNumberToObject(o, j0_limits[i].name, rq->limit[i]);
	cJSON_AddNumberToObject(o, "number_of_runs", rq->number_of_runs);
	cJSON_AddBoolToObject(o, "enable_per_process_and_thread_time_limit", rq->per_process_time);
	cJSON_AddBoolToObject(o, "enable_per_process_and_thread_memory_limit", rq->per_process_memory);
	cJSON_AddBoolToObject(o, "redirect_stderr_to_stdout", rq->redirect_stderr);
	cJSON_AddBoolToObject(o, "enable_network", rq->enable_network);
	add_b64(o, "additional_files", &rq->additional_files, rq->additional_files.n > 0);
	add_str_or_null(o, "callback_url", rq->callback_url);
	cJSON_AddBoolToObject(o, "base64_encoded", rq->base64);
	return o;
}

static int load_b64(const cJSON *o, const char *name, struct bytes *b, bool *present)
{
	const cJSON *v = field(o, name);

	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return -EINVAL;
	return b64_decode(v->valuestring, strlen(v->valuestring), b);
}

static int load_str(const cJSON *o, const char *name, char **ret)
{
	const cJSON *v = field(o, name);

	*ret = NULL;
	if (!v)
		return 0;
	if (!cJSON_IsString(v))
		return -EINVAL;
	*ret = strdup(v->valuestring);
	return *ret ? 0 : -ENOMEM;
}

static double load_num(const cJSON *o, const char *name, double def)
{
	const cJSON *v = field(o, name);

	return cJSON_IsNumber(v) ? v->valuedouble : def;
}

static bool load_bool(const cJSON *o, const char *name)
{
	return cJSON_IsTrue(field(o, name));
}

int j0_request_load(const char *json, struct j0_request *rq, char *msg, size_t msg_len)
{
	cJSON *o = cJSON_Parse(json);
	const cJSON *a, *e, *c;
	size_t i = 0;
	int r = -EINVAL;

	memset(rq, 0, sizeof(*rq));
	if (!o) {
		snprintf(msg, msg_len, "stored request is not JSON");
		return -EINVAL;
	}
	rq->language_id = (int)load_num(o, "language_id", 0);
	a = field(o, "cases");
	if (!cJSON_IsArray(a) || cJSON_GetArraySize(a) < 1)
		goto bad;
	rq->cases = calloc((size_t)cJSON_GetArraySize(a), sizeof(*rq->cases));
	if (!rq->cases)
		goto bad;
	cJSON_ArrayForEach(e, a) {
		rq->n_cases = i + 1;
		if (load_b64(e, "stdin", &rq->cases[i].in, NULL) < 0 ||
		    load_b64(e, "expected_output", &rq->cases[i].expected, &rq->cases[i].has_expected) < 0)
			goto bad;
		i++;
	}
	if (load_b64(o, "source_code", &rq->source, NULL) < 0 ||
	    load_str(o, "compiler_options", &rq->compiler_options) < 0 ||
	    load_str(o, "command_line_arguments", &rq->command_line_arguments) < 0 ||
	    load_b64(o, "additional_files", &rq->additional_files, NULL) < 0 ||
	    load_str(o, "callback_url", &rq->callback_url) < 0)
		goto bad;
	rq->multi = load_bool(o, "multi");
	rq->stop_on_failure = load_bool(o, "stop_on_first_failure");
	c = field(o, "comparison");
	rq->cmp = cJSON_IsString(c) && strcmp(c->valuestring, "float") == 0 ? J0_CMP_FLOAT : J0_CMP_JUDGE0;
	rq->float_tolerance = load_num(o, "float_tolerance", 1e-6);
	for (int k = 0; k < J0L__MAX; k++)
		rq->limit[k] = load_num(o, j0_limits[k].name, 0);
	rq->number_of_runs = (unsigned)load_num(o, "number_of_runs", 1);
	if (rq->number_of_runs < 1)
		rq->number_of_runs = 1;
	rq->per_process_time = load_bool(o, "enable_per_process_and_thread_time_limit");
	rq->per_process_memory = load_bool(o, "enable_per_process_and_thread_memory_limit");
	rq->redirect_stderr = load_bool(o, "redirect_stderr_to_stdout");
	rq->enable_network = load_bool(o, "enable_network");
	rq->base64 = load_bool(o, "base64_encoded");
	cJSON_Delete(o);
	return 0;
bad:
	snprintf(msg, msg_len, "stored request is damaged");
	cJSON_Delete(o);
	j0_request_free(rq);
	return r;
}

void j0_result_free(struct j0_result *res)
{
	if (!res)
		return;
	bytes_free(&res->compile_output);
	free(res->message);
	for (size_t i = 0; i < res->n_runs; i++) {
		bytes_free(&res->runs[i].out);
		bytes_free(&res->runs[i].err);
		free(res->runs[i].message);
		free(res->runs[i].detail);
	}
	free(res->runs);
	memset(res, 0, sizeof(*res));
}

static const char *const verdict_codes[] = { "AC", "WA", "TLE", "MLE", "OLE", "RE", "EFE", "IE", "SKIPPED", NULL };

static const char *verdict_intern(const char *s)
{
	for (const char *const *v = verdict_codes; *v; v++)
		if (s && strcmp(*v, s) == 0)
			return *v;
	return NULL;
}

cJSON *j0_result_store(const struct j0_result *res)
{
	cJSON *o = cJSON_CreateObject(), *a = cJSON_CreateArray();

	if (!o || !a) {
		cJSON_Delete(o);
		cJSON_Delete(a);
		return NULL;
	}
	cJSON_AddNumberToObject(o, "status", res->status);
	add_b64(o, "compile_output", &res->compile_output, res->has_compile_output);
	add_str_or_null(o, "message", res->message);
	cJSON_AddNumberToObject(o, "decisive", res->decisive);
	for (size_t i = 0; i < res->n_runs; i++) {
		const struct j0_run *r = &res->runs[i];
		cJSON *c = cJSON_CreateObject();
		cJSON_AddNumberToObject(c, "status", r->status);
		add_b64(c, "stdout", &r->out, r->status != 0);
		add_b64(c, "stderr", &r->err, r->status != 0);
		add_str_or_null(c, "message", r->message);
		if (r->exit_code >= 0)
			cJSON_AddNumberToObject(c, "exit_code", r->exit_code);
		if (r->exit_signal > 0)
			cJSON_AddNumberToObject(c, "exit_signal", r->exit_signal);
		cJSON_AddNumberToObject(c, "time", r->time);
		cJSON_AddNumberToObject(c, "wall_time", r->wall_time);
		cJSON_AddNumberToObject(c, "memory", (double)r->memory);
		add_str_or_null(c, "verdict", r->verdict);
		add_str_or_null(c, "sandbox", r->sandbox[0] ? r->sandbox : NULL);
		add_str_or_null(c, "detail", r->detail);
		cJSON_AddItemToArray(a, c);
	}
	cJSON_AddItemToObject(o, "runs", a);
	return o;
}

int j0_result_load(const char *json, struct j0_result *res)
{
	cJSON *o = json ? cJSON_Parse(json) : NULL;
	const cJSON *a, *e, *v;
	size_t i = 0;

	memset(res, 0, sizeof(*res));
	res->decisive = -1;
	if (!o)
		return -EINVAL;
	res->status = (int)load_num(o, "status", J0_INTERNAL_ERROR);
	if (load_b64(o, "compile_output", &res->compile_output, &res->has_compile_output) < 0 ||
	    load_str(o, "message", &res->message) < 0)
		goto bad;
	res->decisive = (int)load_num(o, "decisive", -1);
	a = field(o, "runs");
	if (cJSON_IsArray(a) && cJSON_GetArraySize(a) > 0) {
		res->runs = calloc((size_t)cJSON_GetArraySize(a), sizeof(*res->runs));
		if (!res->runs)
			goto bad;
		cJSON_ArrayForEach(e, a) {
			struct j0_run *r = &res->runs[i];
			res->n_runs = i + 1;
			r->status = (int)load_num(e, "status", 0);
			r->exit_code = (int)load_num(e, "exit_code", -1);
			r->exit_signal = (int)load_num(e, "exit_signal", 0);
			r->time = load_num(e, "time", 0);
			r->wall_time = load_num(e, "wall_time", 0);
			r->memory = (uint64_t)load_num(e, "memory", 0);
			v = field(e, "verdict");
			r->verdict = verdict_intern(cJSON_IsString(v) ? v->valuestring : NULL);
			v = field(e, "sandbox");
			if (cJSON_IsString(v))
				hu_strlcpy(r->sandbox, v->valuestring, sizeof(r->sandbox));
			if (load_b64(e, "stdout", &r->out, NULL) < 0 || load_b64(e, "stderr", &r->err, NULL) < 0 ||
			    load_str(e, "message", &r->message) < 0 || load_str(e, "detail", &r->detail) < 0)
				goto bad;
			i++;
		}
	}
	if (res->decisive >= (int)res->n_runs)
		res->decisive = -1;
	cJSON_Delete(o);
	return 0;
bad:
	cJSON_Delete(o);
	j0_result_free(res);
	return -EINVAL;
}

char *j0_internal_error_json(const char *why)
{
	struct j0_result res = { .status = J0_INTERNAL_ERROR, .decisive = -1, .message = (char *)why };
	cJSON *o = j0_result_store(&res);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}

/* ---------- comparing outputs ---------- */

static bool is_ws(char c)
{
	/* Ruby's rstrip: whitespace and NUL. */
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r' || c == '\0';
}

/* Judge0's strip: split on \n, rstrip each line, join with \n, rstrip. */
static char *judge0_strip(const struct bytes *b, size_t *ret_len)
{
	char *out = malloc(b->n + 1);
	size_t o = 0, start = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i <= b->n; i++) {
		if (i < b->n && b->p[i] != '\n')
			continue;
		size_t end = i;
		while (end > start && is_ws(b->p[end - 1]))
			end--;
		memcpy(out + o, b->p + start, end - start);
		o += end - start;
		if (i < b->n)
			out[o++] = '\n';
		start = i + 1;
	}
	while (o > 0 && is_ws(out[o - 1]))
		o--;
	out[o] = '\0';
	*ret_len = o;
	return out;
}

static bool token_number(const char *t, size_t n, double *ret)
{
	char buf[128], *end;

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, t, n);
	buf[n] = '\0';
	*ret = strtod(buf, &end);
	return *end == '\0' && isfinite(*ret);
}

static bool floats_match(const struct bytes *got, const struct bytes *want, double tol)
{
	size_t i = 0, k = 0;

	for (;;) {
		while (i < got->n && is_ws(got->p[i]))
			i++;
		while (k < want->n && is_ws(want->p[k]))
			k++;
		if (i >= got->n || k >= want->n)
			return i >= got->n && k >= want->n;
		size_t gi = i, wk = k;
		while (i < got->n && !is_ws(got->p[i]))
			i++;
		while (k < want->n && !is_ws(want->p[k]))
			k++;
		double a, b;
		if (token_number(got->p + gi, i - gi, &a) && token_number(want->p + wk, k - wk, &b)) {
			double d = fabs(a - b);
			if (d > tol && d > tol * fabs(b))
				return false;
		} else if (i - gi != k - wk || memcmp(got->p + gi, want->p + wk, i - gi) != 0) {
			return false;
		}
	}
}

bool j0_output_matches(const struct bytes *got, const struct bytes *want, enum j0_cmp cmp, double tol)
{
	static const struct bytes empty = { .p = "", .n = 0 };
	char *a, *b;
	size_t an, bn;
	bool same;

	if (!got->p)
		got = &empty;
	if (!want->p)
		want = &empty;
	if (cmp == J0_CMP_FLOAT)
		return floats_match(got, want, tol);
	a = judge0_strip(got, &an);
	b = judge0_strip(want, &bn);
	same = a && b && an == bn && memcmp(a, b, an) == 0;
	free(a);
	free(b);
	return same;
}
