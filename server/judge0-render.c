/* SPDX-License-Identifier: MIT */
/*
 * A job as Judge0 shows a submission: its fields (?fields=), text as
 * UTF-8 or base64 (?base64_encoded=), times as decimal strings, status
 * {id, description}, plus hutch's verdict and test_cases.
 */
#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "judge.h"
#include "judge0-internal.h"
#include "lang.h"
#include "server.h"
#include "store.h"
#include "util.h"

const char *const j0_field_names[F__MAX] = {
	[F_TOKEN] = "token",
	[F_SOURCE_CODE] = "source_code",
	[F_LANGUAGE_ID] = "language_id",
	[F_LANGUAGE] = "language",
	[F_STDIN] = "stdin",
	[F_EXPECTED_OUTPUT] = "expected_output",
	[F_STDOUT] = "stdout",
	[F_STDERR] = "stderr",
	[F_COMPILE_OUTPUT] = "compile_output",
	[F_MESSAGE] = "message",
	[F_STATUS] = "status",
	[F_STATUS_ID] = "status_id",
	[F_CREATED_AT] = "created_at",
	[F_FINISHED_AT] = "finished_at",
	[F_TIME] = "time",
	[F_WALL_TIME] = "wall_time",
	[F_MEMORY] = "memory",
	[F_EXIT_CODE] = "exit_code",
	[F_EXIT_SIGNAL] = "exit_signal",
	[F_NUMBER_OF_RUNS] = "number_of_runs",
	[F_CPU_TIME_LIMIT] = "cpu_time_limit",
	[F_CPU_EXTRA_TIME] = "cpu_extra_time",
	[F_WALL_TIME_LIMIT] = "wall_time_limit",
	[F_MEMORY_LIMIT] = "memory_limit",
	[F_STACK_LIMIT] = "stack_limit",
	[F_MAX_PROCESSES] = "max_processes_and_or_threads",
	[F_PER_PROCESS_TIME] = "enable_per_process_and_thread_time_limit",
	[F_PER_PROCESS_MEMORY] = "enable_per_process_and_thread_memory_limit",
	[F_MAX_FILE_SIZE] = "max_file_size",
	[F_COMPILER_OPTIONS] = "compiler_options",
	[F_COMMAND_LINE_ARGUMENTS] = "command_line_arguments",
	[F_REDIRECT_STDERR] = "redirect_stderr_to_stdout",
	[F_CALLBACK_URL] = "callback_url",
	[F_ADDITIONAL_FILES] = "additional_files",
	[F_ENABLE_NETWORK] = "enable_network",
	[F_VERDICT] = "verdict",
	[F_TEST_CASES] = "test_cases",
};

#define BIT(f) (1ull << (f))

/* Judge0's default fields, and hutch's two (ignored by Judge0 clients). */
const uint64_t j0_default_fields = BIT(F_TOKEN) | BIT(F_TIME) | BIT(F_MEMORY) | BIT(F_STDOUT) | BIT(F_STDERR) |
				   BIT(F_COMPILE_OUTPUT) | BIT(F_MESSAGE) | BIT(F_STATUS) | BIT(F_VERDICT) |
				   BIT(F_TEST_CASES);

/* Which limit field is which j0_limit. */
static const struct {
	enum j0_field f;
	enum j0_limit l;
} limit_fields[] = {
	{ F_CPU_TIME_LIMIT, J0L_CPU }, { F_CPU_EXTRA_TIME, J0L_EXTRA }, { F_WALL_TIME_LIMIT, J0L_WALL },
	{ F_MEMORY_LIMIT, J0L_MEMORY }, { F_STACK_LIMIT, J0L_STACK }, { F_MAX_PROCESSES, J0L_PROCS },
	{ F_MAX_FILE_SIZE, J0L_FSIZE },
};

int j0_fields_parse(const char *s, uint64_t *ret, char *bad, size_t bad_len)
{
	uint64_t mask = 0;
	bool any_bad = false;

	bad[0] = '\0';
	if (!s || !*s) {
		*ret = j0_default_fields;
		return 0;
	}
	for (const char *p = s; *p;) {
		const char *e = strchrnul(p, ',');
		const char *a = p, *b = e;
		bool found = false;

		while (a < b && *a == ' ')
			a++;
		while (b > a && b[-1] == ' ')
			b--;
		if (b - a == 1 && *a == '*') {
			mask = ~0ull;
			found = true;
		}
		for (int f = 0; f < F__MAX && !found; f++)
			if (strlen(j0_field_names[f]) == (size_t)(b - a) && strncmp(j0_field_names[f], a, (size_t)(b - a)) == 0) {
				mask |= BIT(f);
				found = true;
			}
		if (!found && b > a) {
			size_t used = strlen(bad);
			snprintf(bad + used, bad_len - used, "%s%.*s", any_bad ? ", " : "", (int)(b - a > 64 ? 64 : b - a), a);
			any_bad = true;
		}
		p = *e ? e + 1 : e;
	}
	if (any_bad)
		return -EINVAL;
	*ret = mask ? mask : j0_default_fields;
	return 0;
}

static cJSON *iso_time(int64_t ms)
{
	char buf[96];
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!ms)
		return cJSON_CreateNull();
	gmtime_r(&t, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	return cJSON_CreateString(buf);
}

/* Judge0's decimals are strings: "0.002", "5.0". */
static cJSON *decimal(double v, int places)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.*f", places, v);
	return cJSON_CreateString(buf);
}

struct render {
	bool base64;
	bool not_utf8;
	uint64_t fields;
};

/* Text out: UTF-8 as is, or base64; NULL stays null. */
static cJSON *text(struct render *rd, const struct bytes *b, bool present)
{
	cJSON *j;
	char *s;

	if (!present)
		return cJSON_CreateNull();
	if (rd->base64) {
		s = b64_encode(b->p ? b->p : "", b->n);
		j = s ? cJSON_CreateString(s) : NULL;
		free(s);
		return j;
	}
	if (!utf8_valid(b->p ? b->p : "", b->n)) {
		rd->not_utf8 = true;
		return cJSON_CreateNull();
	}
	return cJSON_CreateString(b->p ? b->p : "");
}

static cJSON *ctext(struct render *rd, const char *s)
{
	struct bytes b = { .p = (char *)s, .n = s ? strlen(s) : 0 };

	return text(rd, &b, s != NULL);
}

static cJSON *status_obj(int id)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "id", id);
	cJSON_AddStringToObject(o, "description", id > 0 && id < J0__MAX ? j0_status_names[id] : "Unknown");
	return o;
}

static const struct {
	const char *code;
	const char *description;
} verdict_descriptions[] = {
	{ "AC", "Accepted" },
	{ "WA", "Wrong Answer" },
	{ "TLE", "Time Limit Exceeded" },
	{ "MLE", "Memory Limit Exceeded" },
	{ "OLE", "Output Limit Exceeded" },
	{ "RE", "Runtime Error" },
	{ "EFE", "Exec Format Error" },
	{ "CE", "Compilation Error" },
	{ "IE", "Internal Error" },
	{ "SKIPPED", "Not run: an earlier test case failed" },
};

static cJSON *verdict_obj(const char *code, const char *sandbox, const char *detail)
{
	cJSON *o = cJSON_CreateObject();
	const char *desc = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(verdict_descriptions); i++)
		if (code && strcmp(code, verdict_descriptions[i].code) == 0)
			desc = verdict_descriptions[i].description;
	if (code)
		cJSON_AddStringToObject(o, "code", code);
	else
		cJSON_AddNullToObject(o, "code");
	if (desc)
		cJSON_AddStringToObject(o, "description", desc);
	else
		cJSON_AddNullToObject(o, "description");
	if (sandbox && *sandbox)
		cJSON_AddStringToObject(o, "sandbox_status", sandbox);
	else
		cJSON_AddNullToObject(o, "sandbox_status");
	if (detail)
		cJSON_AddStringToObject(o, "detail", detail);
	else
		cJSON_AddNullToObject(o, "detail");
	cJSON_AddBoolToObject(o, "memory_limit_exceeded", code && strcmp(code, "MLE") == 0);
	cJSON_AddBoolToObject(o, "output_limit_exceeded", code && strcmp(code, "OLE") == 0);
	return o;
}

/* One run's fields (top level of a submission, or an item of test_cases). */
static void add_run(struct render *rd, cJSON *o, const struct j0_run *r, bool want_all)
{
	bool ran = r && r->status != 0;
	uint64_t f = want_all ? ~0ull : rd->fields;

	if (f & BIT(F_STDOUT))
		cJSON_AddItemToObject(o, "stdout", ran ? text(rd, &r->out, r->out.n > 0) : cJSON_CreateNull());
	if (f & BIT(F_STDERR))
		cJSON_AddItemToObject(o, "stderr", ran ? text(rd, &r->err, r->err.n > 0) : cJSON_CreateNull());
	if (f & BIT(F_TIME))
		cJSON_AddItemToObject(o, "time", ran ? decimal(r->time, 3) : cJSON_CreateNull());
	if (f & BIT(F_WALL_TIME))
		cJSON_AddItemToObject(o, "wall_time", ran ? decimal(r->wall_time, 3) : cJSON_CreateNull());
	if (f & BIT(F_MEMORY)) {
		if (ran)
			cJSON_AddNumberToObject(o, "memory", (double)r->memory);
		else
			cJSON_AddNullToObject(o, "memory");
	}
	if (f & BIT(F_EXIT_CODE)) {
		/* Judge0 reports 0 when the program had no exit code of its own. */
		if (ran)
			cJSON_AddNumberToObject(o, "exit_code", r->exit_code >= 0 ? r->exit_code : 0);
		else
			cJSON_AddNullToObject(o, "exit_code");
	}
	if (f & BIT(F_EXIT_SIGNAL)) {
		if (ran && r->exit_signal > 0)
			cJSON_AddNumberToObject(o, "exit_signal", r->exit_signal);
		else
			cJSON_AddNullToObject(o, "exit_signal");
	}
}

cJSON *j0_render(struct app *app, const struct job *job, uint64_t fields, bool base64, bool *ret_not_utf8)
{
	struct render rd = { .base64 = base64, .fields = fields };
	struct j0_request rq;
	struct j0_result res = { .decisive = -1 };
	const struct j0_run *top = NULL;
	const struct lang *l;
	char msg[128];
	int status;
	cJSON *o;

	*ret_not_utf8 = false;
	if (j0_request_load(job->request, &rq, msg, sizeof(msg)) < 0)
		memset(&rq, 0, sizeof(rq));
	if (job->state == JOB_DONE && j0_result_load(job->result, &res) < 0) {
		res.status = J0_INTERNAL_ERROR;
		res.message = strdup("stored result is damaged");
	}
	status = job->state == JOB_QUEUED ? J0_IN_QUEUE : job->state == JOB_RUNNING ? J0_PROCESSING : res.status;
	if (res.decisive >= 0 && (size_t)res.decisive < res.n_runs)
		top = &res.runs[res.decisive];
	o = cJSON_CreateObject();
	if (!o)
		goto out;

	if (fields & BIT(F_TOKEN))
		cJSON_AddStringToObject(o, "token", job->token);
	if (fields & BIT(F_SOURCE_CODE))
		cJSON_AddItemToObject(o, "source_code", text(&rd, &rq.source, rq.source.p != NULL));
	if (fields & BIT(F_LANGUAGE_ID))
		cJSON_AddNumberToObject(o, "language_id", rq.language_id);
	if (fields & BIT(F_LANGUAGE)) {
		cJSON *lo = cJSON_CreateObject();
		l = lang_find_any(app->langs, rq.language_id);
		cJSON_AddNumberToObject(lo, "id", rq.language_id);
		cJSON_AddStringToObject(lo, "name", l ? l->name : "unknown");
		cJSON_AddItemToObject(o, "language", lo);
	}
	if (fields & BIT(F_STDIN))
		cJSON_AddItemToObject(o, "stdin", rq.n_cases && !rq.multi ? text(&rd, &rq.cases[0].in, rq.cases[0].in.n > 0)
									  : cJSON_CreateNull());
	if (fields & BIT(F_EXPECTED_OUTPUT))
		cJSON_AddItemToObject(o, "expected_output", rq.n_cases && !rq.multi
								    ? text(&rd, &rq.cases[0].expected, rq.cases[0].has_expected)
								    : cJSON_CreateNull());
	add_run(&rd, o, top, false);
	if (fields & BIT(F_COMPILE_OUTPUT))
		cJSON_AddItemToObject(o, "compile_output", text(&rd, &res.compile_output, res.has_compile_output));
	if (fields & BIT(F_MESSAGE))
		cJSON_AddItemToObject(o, "message", ctext(&rd, res.message ? res.message : top ? top->message : NULL));
	if (fields & BIT(F_STATUS))
		cJSON_AddItemToObject(o, "status", status_obj(status));
	if (fields & BIT(F_STATUS_ID))
		cJSON_AddNumberToObject(o, "status_id", status);
	if (fields & BIT(F_CREATED_AT))
		cJSON_AddItemToObject(o, "created_at", iso_time(job->created_ms));
	if (fields & BIT(F_FINISHED_AT))
		cJSON_AddItemToObject(o, "finished_at", iso_time(job->state == JOB_DONE ? job->finished_ms : 0));
	if (fields & BIT(F_NUMBER_OF_RUNS))
		cJSON_AddNumberToObject(o, "number_of_runs", rq.number_of_runs);
	for (size_t i = 0; i < ARRAY_SIZE(limit_fields); i++) {
		double v = rq.limit[limit_fields[i].l];
		if (!(fields & BIT(limit_fields[i].f)))
			continue;
		if (j0_limits[limit_fields[i].l].integer)
			cJSON_AddNumberToObject(o, j0_field_names[limit_fields[i].f], v);
		else
			cJSON_AddItemToObject(o, j0_field_names[limit_fields[i].f], decimal(v, 1 + (v * 10 != (long long)(v * 10)) * 2));
	}
	if (fields & BIT(F_PER_PROCESS_TIME))
		cJSON_AddBoolToObject(o, j0_field_names[F_PER_PROCESS_TIME], rq.per_process_time);
	if (fields & BIT(F_PER_PROCESS_MEMORY))
		cJSON_AddBoolToObject(o, j0_field_names[F_PER_PROCESS_MEMORY], rq.per_process_memory);
	if (fields & BIT(F_COMPILER_OPTIONS))
		cJSON_AddItemToObject(o, "compiler_options", rq.compiler_options ? cJSON_CreateString(rq.compiler_options)
										  : cJSON_CreateNull());
	if (fields & BIT(F_COMMAND_LINE_ARGUMENTS))
		cJSON_AddItemToObject(o, "command_line_arguments", rq.command_line_arguments
									   ? cJSON_CreateString(rq.command_line_arguments)
									   : cJSON_CreateNull());
	if (fields & BIT(F_REDIRECT_STDERR))
		cJSON_AddBoolToObject(o, "redirect_stderr_to_stdout", rq.redirect_stderr);
	if (fields & BIT(F_CALLBACK_URL))
		cJSON_AddItemToObject(o, "callback_url", rq.callback_url ? cJSON_CreateString(rq.callback_url)
									  : cJSON_CreateNull());
	if (fields & BIT(F_ADDITIONAL_FILES)) {
		/* Always base64, like the request. */
		struct render b = { .base64 = true };
		cJSON_AddItemToObject(o, "additional_files", text(&b, &rq.additional_files, rq.additional_files.n > 0));
	}
	if (fields & BIT(F_ENABLE_NETWORK))
		cJSON_AddBoolToObject(o, "enable_network", rq.enable_network);
	if (fields & BIT(F_VERDICT)) {
		const char *code = job->state != JOB_DONE ? NULL
				   : status == J0_COMPILATION_ERROR ? "CE"
				   : top ? top->verdict
				   : status == J0_INTERNAL_ERROR ? "IE" : NULL;
		cJSON *v = verdict_obj(code, top ? top->sandbox : NULL, top ? top->detail : res.message);
		if (rq.multi && job->state == JOB_DONE) {
			int passed = 0;
			for (size_t i = 0; i < res.n_runs; i++)
				passed += res.runs[i].status == J0_ACCEPTED;
			cJSON_AddNumberToObject(v, "passed", passed);
			cJSON_AddNumberToObject(v, "total", (double)rq.n_cases);
		}
		cJSON_AddItemToObject(o, "verdict", v);
	}
	if ((fields & BIT(F_TEST_CASES)) && rq.multi) {
		cJSON *a = cJSON_CreateArray();
		for (size_t i = 0; i < res.n_runs; i++) {
			const struct j0_run *r = &res.runs[i];
			cJSON *c = cJSON_CreateObject();
			cJSON_AddItemToObject(c, "status", r->status ? status_obj(r->status) : cJSON_CreateNull());
			add_run(&rd, c, r, true);
			cJSON_AddItemToObject(c, "message", r->status ? ctext(&rd, r->message) : cJSON_CreateNull());
			cJSON_AddItemToObject(c, "verdict", verdict_obj(r->verdict, r->sandbox, r->detail));
			cJSON_AddItemToArray(a, c);
		}
		cJSON_AddItemToObject(o, "test_cases", a);
	}
out:
	j0_request_free(&rq);
	j0_result_free(&res);
	*ret_not_utf8 = rd.not_utf8;
	return o;
}

char *j0_callback_body(struct app *app, const struct job *job)
{
	bool not_utf8;
	cJSON *o = j0_render(app, job, j0_default_fields, true, &not_utf8);
	char *s = o ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return s;
}
