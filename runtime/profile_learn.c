/* SPDX-License-Identifier: MIT */
/*
 * `hutch profile learn -- CMD...`: run CMD once in a sandbox made from a
 * profile, record every syscall it makes, and print a profile that extends
 * that one with a deny-by-default seccomp allowlist of exactly those calls.
 *
 * How calls are recorded: a tracing variant of the profile's own compiled
 * program (hutch_seccomp_trace(), sandbox/seccomp-trace.c, which says why
 * user notifications and not SECCOMP_RET_LOG). So the learning run is the
 * profile's run: what the profile denies stays denied and is not learnt,
 * and the allowlist can only be tighter than the profile it extends.
 *
 * Arguments: where the profile's policy looks at a syscall's arguments
 * (clone's namespace flags, socket families, TIOCSTI, personality), an
 * allow rule for the whole syscall would be looser than the profile. For
 * those syscalls the run records the argument bits the profile's rules
 * look at (the union of their masks per argument), and the allowlist
 * allows exactly the combinations seen, as masked_eq conditions. Since the
 * profile decided each seen call on those bits alone, every call the
 * allowlist admits is one the profile admits too.
 *
 * Always allowed besides what was seen: what hutch's own start-up calls
 * before the supervisor listens (hutch_seccomp_trace_unreported(): the
 * listener's sendmsg), and the calls the kernel makes a program do at
 * times a single run may not show (rt_sigreturn after a signal handler,
 * restart_syscall after a stop, exit, exit_group).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "error.h"
#include "overrides.h"
#include "policy.h"
#include "profile.h"
#include "prun.h"
#include "seccomp.h"
#include "util.h"

#define LEARN_MAX_NR 1024    /* syscall numbers recorded (x86_64 tops ~470) */
#define LEARN_MAX_TUPLES 64  /* distinct argument combinations kept per syscall */

static const char *const always_allowed[] = { "rt_sigreturn", "restart_syscall", "exit",
					      "exit_group", NULL };

struct learn_tuple {
	uint64_t v[6];
};

struct learn_state {
	bool seen[LEARN_MAX_NR];
	uint64_t mask[LEARN_MAX_NR][6]; /* argument bits the profile inspects; 0: none */
	bool inspected[LEARN_MAX_NR];
	struct learn_tuple *tuples[LEARN_MAX_NR];
	size_t n_tuples[LEARN_MAX_NR];
	bool overflow[LEARN_MAX_NR];
	unsigned long calls;
};

/* The bits a condition looks at: its mask, or all 64 for comparisons. */
static uint64_t cond_mask(const struct hutch_sc_arg *a)
{
	return a->op == HUTCH_SC_MASKED_EQ ? a->mask : UINT64_MAX;
}

/* Fill state->inspected/mask from the profile's conditional rules. */
static void learn_prepare(struct learn_state *st, const struct hutch_sc_policy *pol)
{
	for (size_t i = 0; i < pol->n_rules; i++) {
		const struct hutch_sc_rule *r = &pol->rules[i];
		const char *names[512];
		size_t n;

		if (!r->n_args)
			continue;
		if (r->syscall[0] == '@') {
			n = pol_group_syscalls(r->syscall, names, ARRAY_SIZE(names));
		} else {
			names[0] = r->syscall;
			n = hutch_seccomp_syscall_nr(r->syscall) >= 0 ? 1 : 0;
		}
		for (size_t k = 0; k < n; k++) {
			int nr = hutch_seccomp_syscall_nr(names[k]);
			if (nr < 0 || nr >= LEARN_MAX_NR)
				continue;
			st->inspected[nr] = true;
			for (unsigned a = 0; a < r->n_args; a++)
				st->mask[nr][r->args[a].index] |= cond_mask(&r->args[a]);
		}
	}
}

/* The tracing program's callback: runs in hutch_run()'s thread. */
static void learn_record(const struct hutch_sc_call *call, void *arg)
{
	struct learn_state *st = arg;
	struct learn_tuple t;
	int nr = call->nr;

	/* Only native calls get here: the prologue kills other ABIs. */
	st->calls++;
	if (nr < 0 || nr >= LEARN_MAX_NR)
		return;
	st->seen[nr] = true;
	if (!st->inspected[nr])
		return;
	for (int i = 0; i < 6; i++)
		t.v[i] = call->args[i] & st->mask[nr][i];
	for (size_t i = 0; i < st->n_tuples[nr]; i++)
		if (memcmp(&st->tuples[nr][i], &t, sizeof(t)) == 0)
			return;
	if (st->n_tuples[nr] == LEARN_MAX_TUPLES) {
		st->overflow[nr] = true;
		return;
	}
	if (!st->tuples[nr]) {
		st->tuples[nr] = calloc(LEARN_MAX_TUPLES, sizeof(t));
		if (!st->tuples[nr]) {
			st->overflow[nr] = true;
			return;
		}
	}
	st->tuples[nr][st->n_tuples[nr]++] = t;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* JSON string of cmd for the description (quotes and controls escaped). */
static void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

/* Write the learnt profile. Returns the number of syscalls allowed. */
static size_t learn_write(FILE *f, struct learn_state *st, const struct profile *base,
			  const char *base_ref, char *const *cmd, bool deny_kill)
{
	const char *names[LEARN_MAX_NR + 16];
	size_t n = 0, col;
	char desc[1024];
	size_t dl = 0;

	for (int nr = 0; nr < LEARN_MAX_NR; nr++) {
		const char *nm = st->seen[nr] ? hutch_seccomp_syscall_name(nr) : NULL;
		if (nm && !st->inspected[nr])
			names[n++] = nm;
	}
	for (int pass = 0; pass < 2; pass++) {
		const char *const *extra = pass ? always_allowed : hutch_seccomp_trace_unreported();
		for (; *extra; extra++) {
			int nr = hutch_seccomp_syscall_nr(*extra);
			bool dup = false;
			if (nr < 0 || nr >= LEARN_MAX_NR || st->inspected[nr] || pol_denies(&base->seccomp, *extra))
				continue;
			for (size_t i = 0; i < n; i++)
				dup |= strcmp(names[i], *extra) == 0;
			if (!dup)
				names[n++] = *extra;
		}
	}
	qsort(names, n, sizeof(names[0]), name_cmp);

	for (size_t i = 0; cmd[i] && dl < sizeof(desc) - 64; i++)
		dl += (size_t)snprintf(desc + dl, sizeof(desc) - dl, "%s%s", i ? " " : "", cmd[i]);
	fprintf(f, "{\n  \"extends\": ");
	put_json_str(f, base_ref);
	fprintf(f, ",\n  \"description\": ");
	{
		char full[1200];
		snprintf(full, sizeof(full), "%s, allowing only the syscalls `%s` made (hutch profile learn)",
			 base->name, desc);
		put_json_str(f, full);
	}
	fprintf(f, ",\n  \"seccomp\": {\n    \"enabled\": true,\n    \"default_action\": \"%s\",\n",
		deny_kill ? "kill" : "errno");
	if (!deny_kill)
		fprintf(f, "    \"default_errno\": \"EPERM\",\n");
	fprintf(f, "    \"rules\": [\n      { \"action\": \"allow\", \"syscalls\": [");
	col = 36;
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(names[i]) + 4;
		if (i && col + w > 96) {
			fprintf(f, ",\n        ");
			col = 8;
		} else if (i) {
			fprintf(f, ", ");
		}
		fprintf(f, "\"%s\"", names[i]);
		col += w;
	}
	fprintf(f, "] }");
	for (int nr = 0; nr < LEARN_MAX_NR; nr++) {
		const char *nm = hutch_seccomp_syscall_name(nr);
		if (!st->seen[nr] || !st->inspected[nr] || !nm)
			continue;
		for (size_t t = 0; t < st->n_tuples[nr]; t++) {
			bool first = true;
			fprintf(f, ",\n      { \"action\": \"allow\", \"syscalls\": [\"%s\"], \"args\": [", nm);
			for (int a = 0; a < 6; a++) {
				uint64_t m = st->mask[nr][a], v = st->tuples[nr][t].v[a];
				if (!m)
					continue;
				if (m == UINT64_MAX)
					fprintf(f, "%s{ \"index\": %d, \"op\": \"eq\", \"value\": \"0x%llx\" }",
						first ? "" : ", ", a, (unsigned long long)v);
				else
					fprintf(f,
						"%s{ \"index\": %d, \"op\": \"masked_eq\", \"value\": \"0x%llx\", "
						"\"mask\": \"0x%llx\" }",
						first ? "" : ", ", a, (unsigned long long)v, (unsigned long long)m);
				first = false;
			}
			fprintf(f, "] }");
		}
		n++;
	}
	fprintf(f, "\n    ]\n  }\n}\n");
	return n;
}

static void usage_learn(FILE *f)
{
	fputs("Usage: hutch profile learn [OPTIONS] -- PROGRAM [ARG...]\n"
	      "\n"
	      "Run PROGRAM once in a sandbox made from a profile, record every syscall it\n"
	      "makes (seccomp user notifications), and print a profile that extends that\n"
	      "one with a deny-by-default seccomp allowlist of exactly those calls.\n"
	      "\n"
	      "  -p, --profile NAME|PATH   the profile to learn under (default: default)\n"
	      "      --profile-path DIRS   where profile names are looked up\n"
	      "  -d, --workdir DIR         host DIR at /box (read-write), as hutch run\n"
	      "  -b, --bind SRC[:DST][:rw][:exec]   as hutch run\n"
	      "  -e, --env NAME=VALUE      set a variable for the run\n"
	      "      --set PATH=VALUE      a limit for the run (limits.NAME=VALUE); --time,\n"
	      "                            --memory, --pids, ... as hutch run\n"
	      "      --deny kill|errno     what the allowlist does with other syscalls:\n"
	      "                            kill the run and name the syscall (default), or\n"
	      "                            fail it with EPERM\n"
	      "  -o, --output FILE         write the profile to FILE instead of stdout\n"
	      "\n"
	      "Run the learnt profile on the same work (and more inputs) before trusting it:\n"
	      "a syscall one run did not make is not in the list.\n",
	      f);
}

int cmd_profile_learn(int argc, char **argv, const char *search_path)
{
	static const struct option opts[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "profile-path", required_argument, NULL, 1 },
		{ "workdir", required_argument, NULL, 'd' },
		{ "bind", required_argument, NULL, 'b' },
		{ "env", required_argument, NULL, 'e' },
		{ "set", required_argument, NULL, 2 },
		{ "deny", required_argument, NULL, 3 },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		/* hutch run's limit options, as in limit_table */
		{ "time", required_argument, NULL, 1000 + LIM_TIME },
		{ "wall-time", required_argument, NULL, 1000 + LIM_WALL_TIME },
		{ "memory", required_argument, NULL, 1000 + LIM_MEMORY },
		{ "pids", required_argument, NULL, 1000 + LIM_PIDS },
		{ "fsize", required_argument, NULL, 1000 + LIM_FSIZE },
		{ "output-limit", required_argument, NULL, 1000 + LIM_OUTPUT },
		{ "nofile", required_argument, NULL, 1000 + LIM_NOFILE },
		{ "stack", required_argument, NULL, 1000 + LIM_STACK },
		{ "tmpfs-size", required_argument, NULL, 1000 + LIM_TMPFS },
		{ "shm-size", required_argument, NULL, 1000 + LIM_SHM },
		{ 0 },
	};
	struct hutch_error err = { 0 };
	struct run_overrides ov = { 0 };
	struct prun_ctx ctx = { 0 };
	struct hutch_result res;
	struct profile *p = NULL;
	struct hutch_seccomp *trace = NULL;
	struct learn_state *st = NULL;
	_cleanup_free_ struct hutch_bind *binds = NULL;
	_cleanup_free_ const char **env = NULL;
	const char *profile = "default", *workdir = NULL, *output = NULL;
	size_t n_binds = 0, n_env = 0, allowed;
	bool deny_kill = true, ctx_ok = false;
	char *captured = NULL;
	int c, status = 125;
	FILE *f = NULL;

	binds = calloc((size_t)argc + 1, sizeof(*binds));
	env = calloc((size_t)argc + 1, sizeof(*env));
	st = calloc(1, sizeof(*st));
	if (!binds || !env || !st) {
		fprintf(stderr, "hutch: out of memory\n");
		goto out;
	}
	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:d:b:e:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'p': profile = optarg; break;
		case 1: search_path = optarg; break;
		case 'd': workdir = optarg; break;
		case 'b':
			if (cli_parse_bind(optarg, &binds[n_binds], &err) < 0) {
				fprintf(stderr, "hutch: %s\n", err.msg);
				goto out;
			}
			n_binds++;
			break;
		case 'e':
			if (!strchr(optarg, '=') || optarg[0] == '=') {
				fprintf(stderr, "hutch: --env %s: expected NAME=VALUE\n", optarg);
				goto out;
			}
			env[n_env++] = optarg;
			break;
		case 2:
			if (ovr_set(&ov, optarg, &err) < 0) {
				fprintf(stderr, "hutch: %s\n", err.msg);
				goto out;
			}
			break;
		case 3:
			if (strcmp(optarg, "kill") == 0 || strcmp(optarg, "errno") == 0) {
				deny_kill = optarg[0] == 'k';
				break;
			}
			fprintf(stderr, "hutch: --deny %s: expected kill or errno\n", optarg);
			goto out;
		case 'o': output = optarg; break;
		case 'h': usage_learn(stdout); status = 0; goto out;
		default:
			if (c >= 1000 && c < 1000 + LIM__MAX) {
				if (ovr_limit(&ov, (enum limit_id)(c - 1000), optarg,
					      limit_table[c - 1000].option, &err) < 0) {
					fprintf(stderr, "hutch: %s\n", err.msg);
					goto out;
				}
				break;
			}
			fputs("Try 'hutch profile learn --help'.\n", stderr);
			goto out;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "hutch: no program given: hutch profile learn [OPTIONS] -- PROGRAM [ARG...]\n");
		goto out;
	}
	if (cli_require_root("profile learn") < 0)
		goto out;
	if (profile_load(profile, search_path, &p, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		goto out;
	}
	if (prun_init(&ctx, p, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		goto out;
	}
	ctx_ok = true;
	if (!ctx.sc) {
		/* no policy: trace an allow-everything one */
		static const struct hutch_sc_policy allow_all = { .name = "learning",
								  .default_action = HUTCH_SC_ALLOW };
		if (hutch_seccomp_compile(&allow_all, &ctx.sc, &err) < 0) {
			fprintf(stderr, "hutch: %s\n", err.msg);
			goto out;
		}
	}
	learn_prepare(st, &p->seccomp);
	if (hutch_seccomp_trace(ctx.sc, learn_record, st, &trace, &err) < 0) {
		fprintf(stderr, "hutch: %s\n", err.msg);
		goto out;
	}
	{
		struct prun_opts o = {
			.argv = argv + optind,
			.ov = &ov,
			.workdir = workdir,
			.binds = binds,
			.n_binds = n_binds,
			.env = env,
			.seccomp = trace,
			.capture_max = 1u << 20,
		};
		fprintf(stderr, "hutch: learning under profile %s: %s\n", p->name, argv[optind]);
		if (prun_run(&ctx, &o, &res, &captured, &err) < 0) {
			fprintf(stderr, "hutch: %s\n", err.msg);
			goto out;
		}
	}
	if (captured && *captured) {
		fputs("--- output of the learning run ---\n", stderr);
		fputs(captured, stderr);
		if (captured[strlen(captured) - 1] != '\n')
			fputc('\n', stderr);
		fputs("---\n", stderr);
	}
	if (output) {
		f = fopen(output, "w");
		if (!f) {
			fprintf(stderr, "hutch: %s: %s\n", output, strerror(errno));
			goto out;
		}
	}
	allowed = learn_write(f ? f : stdout, st, p, profile, argv + optind, deny_kill);
	if (f && fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "hutch: %s: %s\n", output, strerror(errno));
		goto out;
	}
	f = NULL;
	fprintf(stderr, "hutch: %lu calls, %zu syscalls allowed; the run ended %s%s%s\n", st->calls,
		allowed, hutch_status_name(res.status), res.message[0] ? ": " : "", res.message);
	for (int nr = 0; nr < LEARN_MAX_NR; nr++)
		if (st->overflow[nr])
			fprintf(stderr,
				"hutch: warning: %s was called with more than %d argument combinations; "
				"only the first are allowed\n",
				hutch_seccomp_syscall_name(nr), LEARN_MAX_TUPLES);
	if (res.status != HUTCH_OK) {
		fprintf(stderr, "hutch: warning: the program did not succeed under learning; the list "
				"holds what it did before it ended\n");
		status = 1;
	} else {
		status = 0;
	}
out:
	if (f)
		fclose(f);
	free(captured);
	hutch_seccomp_free(trace);
	if (ctx_ok)
		prun_fini(&ctx);
	profile_free(p);
	if (st)
		for (int nr = 0; nr < LEARN_MAX_NR; nr++)
			free(st->tuples[nr]);
	free(st);
	return status;
}
