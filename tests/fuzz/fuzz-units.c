/* SPDX-License-Identifier: MIT */
/*
 * Fuzz target: the size and time parsers of the command line and of
 * profiles (runtime/units.c), against a second, deliberately naive
 * implementation of units.h's grammar in 128-bit arithmetic:
 *
 *   size: DIGITS [ K|M|G|T [i] ] [B]   (case-insensitive), value <= 2^62
 *   time: DIGITS [. DIGITS*] | . DIGITS+, then "", "s", "ms" or "us";
 *         decimals past the 9th are ignored; value <= 10^12 s
 *
 * Both must accept the same strings with the same value, and what the
 * formatters print for a value must parse back to it (sizes exactly,
 * times to the microsecond).
 */
#include <errno.h>

#include "fuzz.h"
#include "units.h"

#define SIZE_MAX_ACCEPTED (1ull << 62)
#define TIME_MAX_US 1000000000000000000ull

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* 1: accepted with *ret; 0: refused (bad syntax or out of range). */
static int ref_size(const char *s, uint64_t *ret)
{
	unsigned __int128 v = 0, mult = 1;
	const char *p = s;

	if (!is_digit(*p))
		return 0;
	for (; is_digit(*p); p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > SIZE_MAX_ACCEPTED)
			return 0;
	}
	if (*p && strchr("kKmMgGtT", *p)) {
		static const char units[] = "kmgt";
		char lower = (char)(*p | 0x20);
		mult = (unsigned __int128)1 << (10 * (strchr(units, lower) - units + 1));
		p++;
		if (*p == 'i')
			p++;
	}
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p || v * mult > SIZE_MAX_ACCEPTED)
		return 0;
	*ret = (uint64_t)(v * mult);
	return 1;
}

static int ref_time(const char *s, uint64_t *ret)
{
	unsigned __int128 whole = 0, frac = 0, div = 1, unit = 1000000, v;
	const char *p = s;
	int int_digits = 0, frac_digits = 0;

	for (; is_digit(*p); p++, int_digits++) {
		whole = whole * 10 + (unsigned)(*p - '0');
		if (whole > TIME_MAX_US)
			return 0;
	}
	if (*p == '.') {
		for (p++; is_digit(*p); p++, frac_digits++)
			if (frac_digits < 9) {
				frac = frac * 10 + (unsigned)(*p - '0');
				div *= 10;
			}
	}
	if (int_digits == 0 && frac_digits == 0)
		return 0;
	if (strcmp(p, "ms") == 0)
		unit = 1000;
	else if (strcmp(p, "us") == 0)
		unit = 1;
	else if (strcmp(p, "s") != 0 && *p)
		return 0;
	v = whole * unit + frac * unit / div;
	if (v > TIME_MAX_US)
		return 0;
	*ret = (uint64_t)v;
	return 1;
}

static void check_size(const char *s)
{
	uint64_t got = 0, want = 0, back = 0;
	int r = hu_parse_size(s, &got), ok = ref_size(s, &want);
	char buf[32];

	fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE, "hu_parse_size(\"%s\") returned %d", s,
		   r);
	fuzz_check((r == 0) == ok, "hu_parse_size(\"%s\"): %s, the grammar says %s", s,
		   r == 0 ? "accepted" : "refused", ok ? "valid" : "invalid");
	if (r != 0)
		return;
	fuzz_check(got == want, "hu_parse_size(\"%s\") = %llu, want %llu", s,
		   (unsigned long long)got, (unsigned long long)want);
	hu_format_size(got, buf, sizeof(buf));
	fuzz_check(hu_parse_size(buf, &back) == 0 && back == got,
		   "size %llu formats as \"%s\", which parses back to %llu",
		   (unsigned long long)got, buf, (unsigned long long)back);
}

static void check_time(const char *s)
{
	uint64_t got = 0, want = 0, back = 0;
	int r = hu_parse_time(s, &got), ok = ref_time(s, &want);
	char buf[64];

	fuzz_check(r == 0 || r == -EINVAL || r == -ERANGE, "hu_parse_time(\"%s\") returned %d", s,
		   r);
	fuzz_check((r == 0) == ok, "hu_parse_time(\"%s\"): %s, the grammar says %s", s,
		   r == 0 ? "accepted" : "refused", ok ? "valid" : "invalid");
	if (r != 0)
		return;
	fuzz_check(got == want, "hu_parse_time(\"%s\") = %llu us, want %llu", s,
		   (unsigned long long)got, (unsigned long long)want);
	hu_format_time(got, buf, sizeof(buf));
	fuzz_check(hu_parse_time(buf, &back) == 0 && back == got,
		   "time %llu us formats as \"%s\", which parses back to %llu",
		   (unsigned long long)got, buf, (unsigned long long)back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;

	if (size > 256) /* the grammar has nothing to find in long inputs */
		return 0;
	s = fuzz_strndup(data, size);
	check_size(s);
	check_time(s);
	free(s);
	return 0;
}
