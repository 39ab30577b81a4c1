/* SPDX-License-Identifier: MIT */
#include "units.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define SIZE_MAX_ACCEPTED (1ull << 62)
#define TIME_MAX_US 1000000000000000000ull /* 10^12 s */

int hu_parse_size(const char *s, uint64_t *ret)
{
	uint64_t v = 0, mult = 1;
	const char *p = s;

	if (!s || !*s)
		return -EINVAL;
	if (*p < '0' || *p > '9')
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (v > (SIZE_MAX_ACCEPTED - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
		p++;
	}
	switch (*p) {
	case '\0':
		break;
	case 'k': case 'K': mult = 1ull << 10; p++; break;
	case 'm': case 'M': mult = 1ull << 20; p++; break;
	case 'g': case 'G': mult = 1ull << 30; p++; break;
	case 't': case 'T': mult = 1ull << 40; p++; break;
	case 'b': case 'B': break;
	default: return -EINVAL;
	}
	if (mult > 1 && *p == 'i')
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return -EINVAL;
	if (v && mult > SIZE_MAX_ACCEPTED / v)
		return -ERANGE;
	*ret = v * mult;
	return 0;
}

int hu_parse_time(const char *s, uint64_t *ret_us)
{
	uint64_t whole = 0, frac = 0, unit = 1000000;
	unsigned digits = 0;
	const char *p = s;

	if (!s || !*s || ((*p < '0' || *p > '9') && *p != '.'))
		return -EINVAL;
	while (*p >= '0' && *p <= '9') {
		if (whole > TIME_MAX_US) /* keeps whole * 10 + 9 below 2^64 */
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p - '0');
		p++;
	}
	if (*p == '.') {
		p++;
		if ((*p < '0' || *p > '9') && p - s == 1)
			return -EINVAL; /* "." alone */
		while (*p >= '0' && *p <= '9') {
			if (digits < 9) { /* nanosecond precision is plenty */
				frac = frac * 10 + (uint64_t)(*p - '0');
				digits++;
			}
			p++;
		}
	}
	if (strcmp(p, "ms") == 0)
		unit = 1000;
	else if (strcmp(p, "us") == 0)
		unit = 1;
	else if (*p == 's' && p[1] == '\0')
		unit = 1000000;
	else if (*p)
		return -EINVAL;
	{
		uint64_t div = 1, v;
		for (unsigned i = 0; i < digits; i++)
			div *= 10;
		if (whole > TIME_MAX_US / unit)
			return -ERANGE;
		v = whole * unit + frac * unit / div;
		if (v > TIME_MAX_US)
			return -ERANGE;
		*ret_us = v;
	}
	return 0;
}

void hu_format_size(uint64_t b, char *buf, unsigned len)
{
	static const char suffix[] = "KMGT";
	int i;

	for (i = 3; i >= 0; i--) {
		uint64_t m = 1ull << (10 * (i + 1));
		if (b && b % m == 0) {
			snprintf(buf, len, "%llu%c", (unsigned long long)(b / m), suffix[i]);
			return;
		}
	}
	snprintf(buf, len, "%llu", (unsigned long long)b);
}

void hu_format_time(uint64_t us, char *buf, unsigned len)
{
	char frac[8];
	int n;

	if (us % 1000000 == 0) {
		snprintf(buf, len, "%llus", (unsigned long long)(us / 1000000));
		return;
	}
	/* Exact decimals, trailing zeros dropped: "1.5s", "0.000001s". Not
	 * %g, which gave "1e-06s" and "1e+06s" (tests/fuzz/fuzz-units.c). */
	snprintf(frac, sizeof(frac), "%06llu", (unsigned long long)(us % 1000000));
	for (n = 5; n > 0 && frac[n] == '0'; n--)
		frac[n] = '\0';
	snprintf(buf, len, "%llu.%ss", (unsigned long long)(us / 1000000), frac);
}
