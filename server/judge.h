/* SPDX-License-Identifier: MIT */
/*
 * Judge0-compatible grading (prefix j0_): the submission model, its
 * validation against the language's profile, the grading engine (compile
 * once, run every test case, compare) and the stored forms of both.
 *
 *   judge-req.c   request: JSON (client or stored) -> struct j0_request,
 *                 defaults and ceilings from the language's profile; the
 *                 stored (canonical) form; results to and from JSON
 *   judge-run.c   the engine: work dir, additional files, compile, runs,
 *                 verdicts; the "judge0" job kind
 *   judge0.c      the HTTP endpoints and Judge0's response shapes
 *
 * Status ids are Judge0's, 1 to 14, exactly (j0_status_names). What
 * Judge0 cannot say (memory limit, output limit, the sandbox's own
 * status) goes in hutch's "verdict" object beside them.
 */
#ifndef HUTCHD_JUDGE_H
#define HUTCHD_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "config.h"
#include "profile.h"

struct cJSON;
struct lang;
struct langs;
struct job_kind;

enum j0_status {
	J0_IN_QUEUE = 1,
	J0_PROCESSING,
	J0_ACCEPTED,
	J0_WRONG_ANSWER,
	J0_TIME_LIMIT,
	J0_COMPILATION_ERROR,
	J0_SIGSEGV,
	J0_SIGXFSZ,
	J0_SIGFPE,
	J0_SIGABRT,
	J0_NZEC,
	J0_RUNTIME_OTHER,
	J0_INTERNAL_ERROR,
	J0_EXEC_FORMAT,
	J0__MAX,
};

/* Index: status id; [0] is NULL. */
extern const char *const j0_status_names[J0__MAX];

/* Limits a request may set, in Judge0's units (seconds, KB, count). */
enum j0_limit { J0L_CPU = 0, J0L_EXTRA, J0L_WALL, J0L_MEMORY, J0L_STACK, J0L_PROCS, J0L_FSIZE, J0L__MAX };

struct j0_limit_desc {
	const char *name;    /* Judge0 field */
	int lim;             /* enum limit_id it sets, -1: none (cpu_extra_time adds to time) */
	double scale;        /* Judge0 unit -> hutch unit (s -> us: 1e6; KB -> bytes: 1024) */
	bool integer;
};
extern const struct j0_limit_desc j0_limits[J0L__MAX];

enum j0_cmp { J0_CMP_JUDGE0 = 0, J0_CMP_FLOAT };

struct j0_case {
	struct bytes in;
	struct bytes expected;
	bool has_expected;
};

struct j0_request {
	int language_id;
	struct bytes source;
	char *compiler_options;       /* NULL: none */
	char *command_line_arguments; /* NULL: none */
	struct j0_case *cases;        /* at least one */
	size_t n_cases;
	bool multi;                   /* given as test_cases (hutch's extension) */
	bool stop_on_failure;
	enum j0_cmp cmp;
	double float_tolerance;
	double limit[J0L__MAX];       /* effective: defaults filled in */
	unsigned number_of_runs;
	bool per_process_time, per_process_memory;
	bool redirect_stderr, enable_network;
	struct bytes additional_files; /* zip; n == 0: none */
	char *callback_url;
	bool base64;                  /* how the client encodes text (callbacks, waits) */
};

/* Why a request was refused: HTTP status (400, 413, 422), the field and
 * the message, in Judge0's shape {"field": ["message"]}. */
struct j0_problem {
	unsigned http;
	char field[80];
	char msg[384];
};

/* What request parsing needs from the server. */
struct j0_env {
	const struct hutchd_config *cfg;
	const struct langs *langs;
};

/* From a client's JSON object (base64: the ?base64_encoded= flag). Fills
 * defaults from the language's profile and checks every limit against
 * its ceilings (422 naming the field). */
int j0_request_parse(const struct cJSON *o, bool base64, const struct j0_env *env, struct j0_request *ret,
		     struct j0_problem *p);
/* The stored form: every field explicit, text base64. */
struct cJSON *j0_request_store(const struct j0_request *rq);
/* Back from the stored form (no defaults, no switches, no bounds). */
int j0_request_load(const char *json, struct j0_request *ret, char *msg, size_t msg_len);
void j0_request_free(struct j0_request *rq);

/* hutch's run_overrides for the run step of rq under language l. */
void j0_run_overrides(const struct j0_request *rq, const struct profile *p, uint64_t max_output,
		      struct run_overrides *ov);

/* One test case's outcome. */
struct j0_run {
	int status;            /* 0: not run (stopped at an earlier failure) */
	struct bytes out, err;
	char *message;
	int exit_code;         /* -1: none */
	int exit_signal;       /* 0: none */
	double time, wall_time;
	uint64_t memory;       /* KB */
	const char *verdict;   /* "AC" "WA" "TLE" "MLE" "OLE" "RE" "EFE" "IE" "SKIPPED" */
	char sandbox[3];       /* hutch status: "OK" ... "XX", "" if not run */
	char *detail;          /* hutch's message */
};

struct j0_result {
	int status;
	bool has_compile_output;
	struct bytes compile_output;
	char *message;         /* top-level message (compile or internal errors) */
	struct j0_run *runs;
	size_t n_runs;
	int decisive;          /* run the top-level fields come from; -1: none */
};

struct cJSON *j0_result_store(const struct j0_result *res);
int j0_result_load(const char *json, struct j0_result *ret);
void j0_result_free(struct j0_result *res);
/* The result of a job that could not run: status 13 and why. */
char *j0_internal_error_json(const char *why);

/* Judge0's output comparison: each line's trailing whitespace and the
 * trailing blank lines are ignored. Float: tokens compared as numbers
 * within tolerance (absolute or relative), other tokens exactly. */
bool j0_output_matches(const struct bytes *got, const struct bytes *want, enum j0_cmp cmp, double tol);

extern const struct job_kind judge0_job_kind;

struct app;
struct job;
/* Unmount and remove the work dir <state_dir>/work/name (at path). */
void work_dir_remove(struct app *app, const char *name, const char *path);
/* A finished job as Judge0 PUTs it to callback_url (judge0.c). */
char *j0_callback_body(struct app *app, const struct job *job);

#endif
