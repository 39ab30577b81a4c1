/* SPDX-License-Identifier: MIT */
/* Shared by judge0.c (endpoints) and judge0-render.c (response shapes). */
#ifndef HUTCHD_JUDGE0_INTERNAL_H
#define HUTCHD_JUDGE0_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

struct app;
struct job;
struct cJSON;

/* Fields of a submission a client may ask for (?fields=a,b or *). */
enum j0_field {
	F_TOKEN = 0, F_SOURCE_CODE, F_LANGUAGE_ID, F_LANGUAGE, F_STDIN, F_EXPECTED_OUTPUT, F_STDOUT, F_STDERR,
	F_COMPILE_OUTPUT, F_MESSAGE, F_STATUS, F_STATUS_ID, F_CREATED_AT, F_FINISHED_AT, F_TIME, F_WALL_TIME,
	F_MEMORY, F_EXIT_CODE, F_EXIT_SIGNAL, F_NUMBER_OF_RUNS, F_CPU_TIME_LIMIT, F_CPU_EXTRA_TIME,
	F_WALL_TIME_LIMIT, F_MEMORY_LIMIT, F_STACK_LIMIT, F_MAX_PROCESSES, F_PER_PROCESS_TIME,
	F_PER_PROCESS_MEMORY, F_MAX_FILE_SIZE, F_COMPILER_OPTIONS, F_COMMAND_LINE_ARGUMENTS, F_REDIRECT_STDERR,
	F_CALLBACK_URL, F_ADDITIONAL_FILES, F_ENABLE_NETWORK, F_VERDICT, F_TEST_CASES,
	F__MAX,
};

extern const char *const j0_field_names[F__MAX];
extern const uint64_t j0_default_fields;

/* "a,b,c" or "*" -> bit mask; NULL or "": the default fields. -EINVAL
 * with the unknown names in bad. */
int j0_fields_parse(const char *s, uint64_t *ret, char *bad, size_t bad_len);

/* The job as a Judge0 submission. *ret_not_utf8: a text field could not
 * go out as UTF-8 (the caller answers with Judge0's error instead). */
struct cJSON *j0_render(struct app *app, const struct job *job, uint64_t fields, bool base64, bool *ret_not_utf8);

#endif
