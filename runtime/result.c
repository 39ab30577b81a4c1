/* SPDX-License-Identifier: MIT */
#include "result.h"

#include <cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "seccomp.h"
#include "util.h"

static double round3(double x)
{
	return round(x * 1000.0) / 1000.0;
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
	char *s = NULL;

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
	cJSON_AddNumberToObject(o, "memory_peak", (double)r->memory_peak);
	cJSON_AddBoolToObject(o, "oom_killed", r->oom_killed);
	if (r->timed_out == HUTCH_TIMEOUT_CPU)
		cJSON_AddStringToObject(o, "timed_out", "cpu");
	else if (r->timed_out == HUTCH_TIMEOUT_WALL)
		cJSON_AddStringToObject(o, "timed_out", "wall");
	else
		cJSON_AddNullToObject(o, "timed_out");
	cJSON_AddBoolToObject(o, "stdout_truncated", r->stdout_truncated);
	cJSON_AddBoolToObject(o, "stderr_truncated", r->stderr_truncated);
	cJSON_AddStringToObject(o, "message", r->message);
	/* hutch's own additions */
	cJSON_AddNumberToObject(o, "stdout_bytes", (double)r->stdout_bytes);
	cJSON_AddNumberToObject(o, "stderr_bytes", (double)r->stderr_bytes);
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
				cJSON_AddNumberToObject(t, step_names[i], (double)r->step_us[i]);
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
