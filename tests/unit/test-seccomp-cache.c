/* SPDX-License-Identifier: MIT */
/* hutch_seccomp_compile_cached(): a cached program is the compiled one,
 * byte for byte; a changed policy, a tampered or foreign file and an unsafe
 * directory all lead to a fresh compile, never to a wrong filter. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seccomp-internal.h"
#include "tap.h"

static bool same_prog(const struct hutch_seccomp *a, const struct hutch_seccomp *b)
{
	return a && b && a->len == b->len && a->arch == b->arch &&
	       a->wants_listener == b->wants_listener && strcmp(a->name, b->name) == 0 &&
	       memcmp(a->insns, b->insns, a->len * sizeof(a->insns[0])) == 0;
}

/* The one cache file in dir (tests make one policy per directory). */
static int cache_file(const char *dir, char *path, size_t len)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, len, "%s/%s", dir, e->d_name);
			n++;
		}
	if (d)
		closedir(d);
	return n;
}

static long mtime_ns(const char *path)
{
	struct stat st;

	return stat(path, &st) < 0 ? -1 : st.st_mtim.tv_sec * 1000000000L + st.st_mtim.tv_nsec;
}

int main(void)
{
	struct hutch_sc_rule rules[] = {
		{ .syscall = "ptrace", .action = HUTCH_SC_KILL },
		{ .syscall = "@mount", .action = HUTCH_SC_ERRNO, .errno_value = EPERM },
		{ .syscall = "personality", .action = HUTCH_SC_ERRNO, .n_args = 1,
		  .args = { { .index = 0, .op = HUTCH_SC_NE, .value = 0 } } },
	};
	struct hutch_sc_policy pol = { .name = "cache test", .default_action = HUTCH_SC_ALLOW,
				       .rules = rules, .n_rules = 3 };
	struct hutch_seccomp *direct = NULL, *first = NULL, *again = NULL, *other = NULL;
	struct hutch_error err = { 0 };
	char dir[] = "/tmp/hutch-sc-cache.XXXXXX", file[512];
	int dfd, r, fd;
	long m1, m2;

	if (!mkdtemp(dir))
		return 1;
	chmod(dir, 0700);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	r = hutch_seccomp_compile(&pol, &direct, &err);
	ok(r == 0, "policy compiles (%s)", err.msg);

	r = hutch_seccomp_compile_cached(&pol, dfd, &first, &err);
	ok(r == 0 && same_prog(first, direct), "first cached compile = direct compile");
	is_int(cache_file(dir, file, sizeof(file)), 1, "one cache file written");
	m1 = mtime_ns(file);

	r = hutch_seccomp_compile_cached(&pol, dfd, &again, &err);
	ok(r == 0 && same_prog(again, direct), "second call: the cached program is the compiled one");
	ok(mtime_ns(file) == m1, "second call read the cache (file not rewritten)");
	hutch_seccomp_free(again);
	again = NULL;

	/* A changed policy must not get the old program. */
	rules[2].args[0].value = 1;
	r = hutch_seccomp_compile_cached(&pol, dfd, &other, &err);
	ok(r == 0 && other && !same_prog(other, direct), "changed argument value: a different program");
	hutch_seccomp_free(other);
	other = NULL;
	is_int(cache_file(dir, file, sizeof(file)), 2, "one file per policy");
	while (cache_file(dir, file, sizeof(file)) > 0)
		unlink(file); /* start over with no file */
	rules[2].args[0].value = 0;

	/* A file whose key does not match byte for byte is not used. */
	r = hutch_seccomp_compile_cached(&pol, dfd, &again, &err); /* write ours again */
	hutch_seccomp_free(again);
	again = NULL;
	cache_file(dir, file, sizeof(file));
	fd = open(file, O_WRONLY);
	ok(fd >= 0 && pwrite(fd, "X", 1, 40) == 1, "corrupt a byte of the key");
	if (fd >= 0)
		close(fd);
	m1 = mtime_ns(file);
	usleep(10000);
	r = hutch_seccomp_compile_cached(&pol, dfd, &again, &err);
	m2 = mtime_ns(file);
	ok(r == 0 && same_prog(again, direct) && m2 != m1,
	   "corrupted file: compiled afresh and the file replaced");
	hutch_seccomp_free(again);
	again = NULL;

	/* A file others may write is not trusted. */
	chmod(file, 0666);
	m1 = mtime_ns(file);
	usleep(10000);
	r = hutch_seccomp_compile_cached(&pol, dfd, &again, &err);
	ok(r == 0 && same_prog(again, direct) && mtime_ns(file) != m1,
	   "group/other-writable cache file: ignored and replaced");
	hutch_seccomp_free(again);
	again = NULL;

	/* Nor is a directory others may write: plain compile, nothing read. */
	chmod(dir, 0777);
	ok(unlink(file) == 0, "remove the cache file %s", file);
	r = hutch_seccomp_compile_cached(&pol, dfd, &again, &err);
	ok(r == 0 && same_prog(again, direct), "world-writable directory: compiled");
	is_int(cache_file(dir, file, sizeof(file)), 0, "world-writable directory: nothing cached");
	hutch_seccomp_free(again);
	again = NULL;

	r = hutch_seccomp_compile_cached(&pol, -1, &again, &err);
	ok(r == 0 && same_prog(again, direct), "no directory: plain compile");
	hutch_seccomp_free(again);

	close(dfd);
	rmdir(dir);
	hutch_seccomp_free(direct);
	hutch_seccomp_free(first);
	return done_testing();
}
