/* SPDX-License-Identifier: MIT */
#include "util.h"

#include <fcntl.h>
#include <string.h>
#include <time.h>

uint64_t hu_now_us(void)
{
	struct timespec ts;

	(void)clock_gettime(CLOCK_MONOTONIC, &ts); /* cannot fail for this clock */
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int hu_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

ssize_t hu_read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, p + got, len - got);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int hu_write_file_at(int dirfd, const char *path, const char *s)
{
	int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
	int r;

	if (fd < 0)
		return -errno;
	r = hu_write_all(fd, s, strlen(s));
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}

void hu_strlcpy(char *dst, const char *src, size_t len)
{
	size_t n = strnlen(src, len ? len - 1 : 0);

	if (!len)
		return;
	memmove(dst, src, n);
	dst[n] = '\0';
}

const char *hu_strerror(int errnum)
{
	const char *s = strerrordesc_np(errnum);

	return s ? s : "Unknown error";
}
