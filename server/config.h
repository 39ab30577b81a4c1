/* SPDX-License-Identifier: MIT */
/*
 * hutchd's configuration (prefix cfg_). One table (cfg_table in config.c)
 * names every key, its type, its default, its bounds and its help; the file
 * parser, the --set override, the defaults and `hutchd config` all walk it,
 * so a key exists in exactly one place.
 *
 * File format (/etc/hutch/hutchd.conf): one "key = value" per line, '#'
 * starts a comment, blank lines are ignored, values may be "quoted".
 * Sizes take K/M/G suffixes, times take decimals and "ms". Unknown keys,
 * bad values and values out of bounds are errors naming file:line.
 */
#ifndef HUTCHD_CONFIG_H
#define HUTCHD_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "hutch.h"
#include "log.h"

#define HUTCHD_DEFAULT_CONFIG "/etc/hutch/hutchd.conf"

enum role { ROLE_NONE = 0, ROLE_CLIENT, ROLE_ADMIN };

enum sync_mode { SYNC_NORMAL = 0, SYNC_FULL };

struct hutchd_config {
	/* listening */
	char *listen;            /* address to bind; loopback by default */
	uint64_t port;           /* 0: any free port (logged, and written to port_file) */
	char *port_file;         /* write the bound port here once listening */
	uint64_t http_threads;
	uint64_t max_connections;
	uint64_t connection_timeout; /* microseconds, as every time here */

	/* storage */
	char *state_dir;         /* database, work dirs */
	char *database;          /* "" : <state_dir>/hutchd.db */
	enum sync_mode sqlite_synchronous;

	/* work */
	uint64_t workers;        /* 0: one per online CPU */
	uint64_t max_queue;      /* jobs waiting; more -> 503 */
	uint64_t max_attempts;   /* runs of one job cut by a crash before it is failed */
	uint64_t shutdown_grace;
	uint64_t wait_timeout;
	char *languages;         /* languages file; "": the shipped one */
	char *profile_path;      /* "": profile loader's default search path */

	/* request bounds */
	uint64_t max_body;
	uint64_t max_headers;
	uint64_t max_json_depth;
	uint64_t max_source;
	uint64_t max_stdin;      /* each of stdin, expected_output (per test case) */
	uint64_t max_additional_files;
	uint64_t max_batch;
	uint64_t max_test_cases;
	uint64_t max_number_of_runs;
	uint64_t max_output;     /* kept of each of stdout, stderr, compile output */
	uint64_t work_size;      /* a job's work dir: a tmpfs of this size */
	uint64_t work_inodes;    /* ... with at most this many files */

	/* auth */
	enum role anonymous_role; /* role of requests without a token */
	bool public_metrics;

	/* Judge0 switches (names as in Judge0's config_info) */
	bool enable_wait_result;
	bool enable_compiler_options;
	bool enable_command_line_arguments;
	bool enable_submission_delete;
	bool enable_callbacks;
	bool enable_additional_files;
	uint64_t callbacks_max_tries;
	uint64_t callbacks_timeout;

	enum log_level log_level;
};

/* Set every key to its default. Strings are allocated: cfg_free(). */
int cfg_defaults(struct hutchd_config *c, struct hutch_error *err);
void cfg_free(struct hutchd_config *c);

/* Read a config file over c. A missing file is an error unless optional. */
int cfg_load_file(struct hutchd_config *c, const char *path, bool optional, struct hutch_error *err);

/* Parse text (the contents of a file called name) over c. For tests. */
int cfg_load_text(struct hutchd_config *c, const char *text, const char *name, struct hutch_error *err);

/* Apply one "key=value" (the --set option). */
int cfg_set(struct hutchd_config *c, const char *key_eq_value, struct hutch_error *err);

/* Fill what depends on other keys (database path, workers = CPUs). */
int cfg_finish(struct hutchd_config *c, struct hutch_error *err);

/* Print every key with its value and help, in file syntax. */
void cfg_print(const struct hutchd_config *c, FILE *f);

const char *role_name(enum role r);
int role_parse(const char *s, enum role *ret);

#endif
