/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the sandbox modules: scope cleanup, fd and
 * string utilities. Nothing here keeps state. */
#ifndef HUTCH_UTIL_H
#define HUTCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static inline void freep(void *p) { free(*(void **)p); }
/* Close *fd if open and mark it closed: a second closep() (a release path
 * then a destroy path, as cg_run_destroy after ->release) is a no-op. In a
 * threaded caller (hutchd) a second close() of the same number closes
 * whatever another thread opened in between. */
static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd); /* nothing useful to do on close failure here */
		*fd = -1;
		errno = saved;
	}
}
#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_close_ __attribute__((cleanup(closep)))

/* Hand ownership out of a cleanup-scoped variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _tp = (p); (p) = NULL; _tp; })
#define TAKE_FD(fd) ({ int _tf = (fd); (fd) = -1; _tf; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t hu_now_us(void);

/* write() all of buf, retrying on EINTR and short writes. 0 or -errno. */
int hu_write_all(int fd, const void *buf, size_t len);

/* read() exactly len bytes unless EOF. Returns bytes read or -errno. */
ssize_t hu_read_full(int fd, void *buf, size_t len);

/* Write a string to a file at dirfd/path (O_WRONLY|O_CLOEXEC|O_NOFOLLOW),
 * checking for short writes. 0 or -errno. */
int hu_write_file_at(int dirfd, const char *path, const char *s);

/* strerror that is async-signal-safe and thread-safe (usable in a child
 * made by a raw clone in a threaded process): "Unknown error N" falls back
 * to a static string. */
const char *hu_strerror(int errnum);

/* Copy src into dst of size len, truncating; always NUL-terminates. */
void hu_strlcpy(char *dst, const char *src, size_t len);

#endif
