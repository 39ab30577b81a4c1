/* SPDX-License-Identifier: MIT */
/* Parsers for the sizes and times users type: "64M", "1.5". */
#ifndef HUTCH_UNITS_H
#define HUTCH_UNITS_H

#include <stdint.h>

/* "123", "64K", "64M", "2G", "1T" (binary multiples; optional "B" or "iB"
 * suffix: "64MiB", "64MB" mean the same). No sign, no spaces, no overflow:
 * at most 2^62. 0 or -EINVAL/-ERANGE. */
int hu_parse_size(const char *s, uint64_t *ret);

/* Seconds with optional decimals: "1", "0.5", "2.25s", "1500ms". Result in
 * microseconds, at most 10^12 s. 0 or -EINVAL/-ERANGE. */
int hu_parse_time(const char *s, uint64_t *ret_us);

/* Formats for messages: "64M" when exact, else bytes; "1.5s". */
void hu_format_size(uint64_t bytes, char *buf, unsigned len);
void hu_format_time(uint64_t us, char *buf, unsigned len);

#endif
