/* SPDX-License-Identifier: MIT */
/* Size and time parsers: what users type on the command line and in
 * profiles. */
#include <errno.h>

#include "tap.h"
#include "units.h"

int main(void)
{
	static const struct {
		const char *in;
		int ret;
		uint64_t want;
	} sizes[] = {
		{ "0", 0, 0 },
		{ "123", 0, 123 },
		{ "64K", 0, 64ull << 10 },
		{ "64k", 0, 64ull << 10 },
		{ "64M", 0, 64ull << 20 },
		{ "64MiB", 0, 64ull << 20 },
		{ "64MB", 0, 64ull << 20 },
		{ "2G", 0, 2ull << 30 },
		{ "1T", 0, 1ull << 40 },
		{ "100B", 0, 100 },
		{ "", -EINVAL, 0 },
		{ "M", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1.5M", -EINVAL, 0 },
		{ "64Q", -EINVAL, 0 },
		{ "64 M", -EINVAL, 0 },
		{ "64MM", -EINVAL, 0 },
		{ "99999999999999999999", -ERANGE, 0 },
		{ "5000000T", -ERANGE, 0 },
	};
	static const struct {
		const char *in;
		int ret;
		uint64_t want;
	} times[] = {
		{ "1", 0, 1000000 },
		{ "0.5", 0, 500000 },
		{ ".25", 0, 250000 },
		{ "2.25s", 0, 2250000 },
		{ "1500ms", 0, 1500000 },
		{ "10us", 0, 10 },
		{ "0.0000001", 0, 0 },
		{ "", -EINVAL, 0 },
		{ ".", -EINVAL, 0 },
		{ "-1", -EINVAL, 0 },
		{ "1h", -EINVAL, 0 },
		{ "1.5.2", -EINVAL, 0 },
		{ "99999999999999999", -ERANGE, 0 },
	};
	char buf[32];

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t v = 0;
		int r = hu_parse_size(sizes[i].in, &v);
		is_int(r, sizes[i].ret, "parse_size('%s') returns %d", sizes[i].in, sizes[i].ret);
		if (r == 0)
			is_int(v, sizes[i].want, "parse_size('%s') = %llu", sizes[i].in,
			       (unsigned long long)sizes[i].want);
	}
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		uint64_t v = 0;
		int r = hu_parse_time(times[i].in, &v);
		is_int(r, times[i].ret, "parse_time('%s') returns %d", times[i].in, times[i].ret);
		if (r == 0)
			is_int(v, times[i].want, "parse_time('%s') = %llu us", times[i].in,
			       (unsigned long long)times[i].want);
	}
	hu_format_size(64ull << 20, buf, sizeof(buf));
	is_str(buf, "64M", "format 64M");
	hu_format_size(1000, buf, sizeof(buf));
	is_str(buf, "1000", "format 1000 bytes");
	hu_format_time(1500000, buf, sizeof(buf));
	is_str(buf, "1.5s", "format 1.5s");
	return done_testing();
}
