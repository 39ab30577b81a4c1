/* SPDX-License-Identifier: MIT */
#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int (herr)(struct hutch_error *err, int errno_value, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (errno_value < 0)
		errno_value = -errno_value;
	if (!err)
		return errno_value ? -errno_value : -EINVAL;
	err->code = errno_value ? errno_value : EINVAL;
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (errno_value && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", hu_strerror(errno_value));
	return -err->code;
}

int (herr_prefix)(struct hutch_error *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;

	if (!err)
		return -EIO;
	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n + 2 < sizeof(err->msg)) {
		memcpy(err->msg + n, ": ", 2);
		hu_strlcpy(err->msg + n + 2, old, sizeof(err->msg) - (size_t)n - 2);
	}
	return err->code ? -err->code : -EIO;
}

void herr_clear(struct hutch_error *err)
{
	if (err) {
		err->code = 0;
		err->msg[0] = '\0';
	}
}
