/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the profile loader, end to end. The input is the JSON text
 * of a profile. It goes through profile_load_text(): the bounded-depth
 * parse, every section's typed parser, the extends chain (into the shipped
 * profiles/, so a child's ceilings are checked against a real parent) and
 * the final validation. What loads is then used as `hutch run` uses it:
 * limits with command-line overrides at and past each ceiling, and the
 * seccomp policy compiled to BPF (in memory, never loaded).
 *
 * Invariants for every input: an error has a code and a one-line message;
 * a loaded profile keeps every default within its ceiling and under the
 * limit table's "absurd" bound, runs as a non-root uid/gid, picks a network
 * mode it allows, has absolute bind paths, and no override above a ceiling
 * is ever accepted.
 */
#include <errno.h>

#include "error.h"
#include "fuzz.h"
#include "profile.h"
#include "seccomp.h"

static void check_error(const struct hutch_error *err, const char *what)
{
	const char *nul = memchr(err->msg, '\0', sizeof(err->msg));

	fuzz_check(nul != NULL, "%s: error message not terminated", what);
	fuzz_check(err->code > 0, "%s failed with error code %d", what, err->code);
	fuzz_check(err->msg[0] != '\0', "%s failed without a message", what);
}

/* 0 is "unlimited" on both sides. */
static int above(uint64_t v, uint64_t ceil)
{
	return ceil != 0 && (v == 0 || v > ceil);
}

static void check_profile(const struct profile *p)
{
	struct hutch_error err = { 0 };
	struct run_overrides o;
	struct hutch_limits l;

	fuzz_check(p->name && p->path, "loaded profile without name or path");
	fuzz_check(p->uid >= 1 && p->uid <= 65535 && p->gid >= 1 && p->gid <= 65535,
		   "identity %u:%u", (unsigned)p->uid, (unsigned)p->gid);
	fuzz_check(p->net_allowed & (1u << p->net), "network mode %d not in allowed set %#x",
		   (int)p->net, p->net_allowed);
	for (size_t i = 0; i < p->n_binds; i++)
		fuzz_check(p->binds[i].src && p->binds[i].src[0] == '/' && p->binds[i].dst &&
				   p->binds[i].dst[0] == '/',
			   "bind %zu not absolute", i);
	for (int i = 0; i < LIM__MAX; i++) {
		fuzz_check(!above(p->def[i], p->ceil[i]),
			   "limits.%s: default %llu above ceiling %llu", limit_table[i].key,
			   (unsigned long long)p->def[i], (unsigned long long)p->ceil[i]);
		fuzz_check(p->def[i] <= limit_table[i].absurd &&
				   p->ceil[i] <= limit_table[i].absurd,
			   "limits.%s beyond the absurd bound", limit_table[i].key);
	}

	/* No override: exactly the defaults. */
	fuzz_check(profile_apply_limits(p, NULL, &l, &err) == 0, "profile defaults refused: %s",
		   err.msg);
	fuzz_check(l.memory_bytes == p->def[LIM_MEMORY] && l.cpu_time_us == p->def[LIM_TIME] &&
			   l.pids == p->def[LIM_PIDS],
		   "defaults not applied as loaded");

	for (int i = 0; i < LIM__MAX; i++) {
		uint64_t ceil = p->ceil[i];

		memset(&o, 0, sizeof(o));
		o.set[i] = true;
		o.val[i] = ceil ? ceil : 1; /* at the ceiling: accepted */
		fuzz_check(profile_apply_limits(p, &o, &l, &err) == 0,
			   "limits.%s: override at the ceiling refused", limit_table[i].key);
		if (!ceil)
			continue;
		o.val[i] = ceil + 1; /* past it, and "unlimited": refused, and said why */
		fuzz_check(profile_apply_limits(p, &o, &l, &err) == -EPERM,
			   "limits.%s: override above the ceiling accepted", limit_table[i].key);
		check_error(&err, "override");
		o.val[i] = 0;
		fuzz_check(profile_apply_limits(p, &o, &l, &err) == -EPERM,
			   "limits.%s: unlimited override under a ceiling accepted",
			   limit_table[i].key);
	}

	/* The policy the run would load. Compiling is the slow part of an
	 * input: bounded, it still covers every rule shape. */
	if (p->seccomp_enabled && p->seccomp.n_rules <= 64) {
		struct hutch_seccomp *sc = NULL;

		memset(&err, 0, sizeof(err));
		if (hutch_seccomp_compile(&p->seccomp, &sc, &err) < 0)
			check_error(&err, "seccomp compile");
		else
			fuzz_check(sc != NULL, "seccomp compile succeeded without a program");
		hutch_seccomp_free(sc);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hutch_error err = { 0 };
	struct profile *p = NULL;
	int r;

	if (size > (1u << 16))
		return 0;
	r = profile_load_text((const char *)data, size, "fuzz.json", HUTCH_PROFILE_DIR, &p, &err);
	if (r < 0) {
		fuzz_check(p == NULL, "failed load returned a profile");
		fuzz_check(r == -err.code, "returned %d but error code %d", r, err.code);
		check_error(&err, "profile load");
		return 0;
	}
	fuzz_check(p != NULL, "load succeeded without a profile");
	check_profile(p);
	profile_free(p);
	return 0;
}
