/* SPDX-License-Identifier: MIT */
/*
 * A cache of compiled seccomp programs on disk (hutch_seccomp_compile_cached
 * in seccomp.h), for front ends that live for one run: `hutch run` compiled
 * the default policy in every process, 250-370 µs with libseccomp 2.5.4,
 * the largest piece of its own start-up. Reading the program back takes
 * ~15 µs.
 *
 * A cached program is used only when everything it was made from is the
 * same, compared byte for byte, not by hash:
 *   - the policy, serialised field by field (name, actions, errnos, every
 *     rule with its arguments);
 *   - the executable that compiled it (device, inode, size, mtime of
 *     /proc/self/exe): a rebuilt or upgraded hutch has other syscall
 *     tables, groups or prologue, so its programs are made anew;
 *   - libseccomp's version.
 * The file name is a hash of all of it, so two builds of hutch in use at
 * once (a developer's worktrees) do not take turns overwriting one file;
 * when a write finds more than SCC_MAX_FILES files, the others are removed
 * (made again on their next use). Files are written to a temporary name and
 * renamed, so a reader sees a whole file or none; a file that is not a
 * regular file of ours, not private, or malformed is ignored (compiled
 * instead, and replaced). The directory is the caller's (the CLI uses
 * /run/hutch/seccomp, mode 0700: tmpfs, gone at reboot).
 */
#include "seccomp-internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define HUTCH_SECCOMP_LIBSECCOMP /* libseccomp's header, see the end of seccomp.h */
#include <seccomp.h>

#include "error.h"
#include "util.h"

#define SCC_MAGIC "hutch-seccomp-cache 1\n"
#define SCC_MAX_FILE (4u << 20) /* far above any real program + key */
#define SCC_MAX_FILES 64         /* policies x builds kept at once */

/* A growable byte buffer with a bound. */
struct scc_buf {
	unsigned char *p;
	size_t len, cap;
	bool failed;
};

static void scc_put(struct scc_buf *b, const void *data, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		unsigned char *np;

		while (cap < b->len + n)
			cap *= 2;
		if (cap > SCC_MAX_FILE || !(np = realloc(b->p, cap))) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void scc_put_u64(struct scc_buf *b, uint64_t v)
{
	scc_put(b, &v, sizeof(v));
}

static void scc_put_str(struct scc_buf *b, const char *s)
{
	size_t n = s ? strlen(s) : 0;

	scc_put_u64(b, s ? n : UINT64_MAX); /* NULL and "" differ */
	scc_put(b, s ? s : "", n);
}

/* Every field of the policy that the compiler reads. */
static void scc_put_policy(struct scc_buf *b, const struct hutch_sc_policy *pol)
{
	scc_put_str(b, pol->name);
	scc_put_u64(b, (uint64_t)pol->default_action);
	scc_put_u64(b, (uint64_t)(int64_t)pol->default_errno);
	scc_put_u64(b, pol->n_rules);
	for (size_t i = 0; i < pol->n_rules; i++) {
		const struct hutch_sc_rule *r = &pol->rules[i];

		scc_put_str(b, r->syscall);
		scc_put_u64(b, (uint64_t)r->action);
		scc_put_u64(b, (uint64_t)(int64_t)r->errno_value);
		scc_put_u64(b, r->n_args);
		for (unsigned a = 0; a < r->n_args && a < ARRAY_SIZE(r->args); a++) {
			scc_put_u64(b, r->args[a].index);
			scc_put_u64(b, (uint64_t)r->args[a].op);
			scc_put_u64(b, r->args[a].value);
			scc_put_u64(b, r->args[a].mask);
		}
	}
}

/* What the program was made by: this executable and libseccomp. -errno
 * when it cannot be told (no /proc): then nothing is cached. */
static int scc_put_maker(struct scc_buf *b)
{
	const struct scmp_version *v = seccomp_version();
	struct stat st;

	if (stat("/proc/self/exe", &st) < 0)
		return -errno;
	scc_put_u64(b, (uint64_t)st.st_dev);
	scc_put_u64(b, (uint64_t)st.st_ino);
	scc_put_u64(b, (uint64_t)st.st_size);
	scc_put_u64(b, (uint64_t)st.st_mtim.tv_sec);
	scc_put_u64(b, (uint64_t)st.st_mtim.tv_nsec);
	scc_put_u64(b, v ? v->major : 0);
	scc_put_u64(b, v ? v->minor : 0);
	scc_put_u64(b, v ? v->micro : 0);
	return 0;
}

/* FNV-1a, 64 bit: names the file; equality is checked on the bytes. */
static uint64_t scc_hash(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/* File layout: magic, u64 key length, key, u32 arch, u32 wants_listener,
 * u32 instruction count, the instructions. The program's name is the
 * policy's (it is in the key). */
static struct hutch_seccomp *scc_read(int dirfd, const char *fname, const struct scc_buf *key,
				      const char *name)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ unsigned char *data = NULL;
	struct hutch_seccomp *prog;
	struct stat st;
	uint64_t klen;
	uint32_t arch, listener, len;
	size_t off = sizeof(SCC_MAGIC) - 1, nlen = strnlen(name, 255); /* as sc_export() */
	ssize_t n;

	fd = openat(dirfd, fname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) < 0)
		return NULL;
	/* Ours alone: a file others could have written is not trusted. */
	if (!S_ISREG(st.st_mode) || st.st_uid != geteuid() || (st.st_mode & 022) ||
	    st.st_size <= 0 || (uint64_t)st.st_size > SCC_MAX_FILE)
		return NULL;
	data = malloc((size_t)st.st_size);
	if (!data)
		return NULL;
	n = hu_read_full(fd, data, (size_t)st.st_size);
	if (n != st.st_size)
		return NULL;
	if ((size_t)n < off + 8 || memcmp(data, SCC_MAGIC, off) != 0)
		return NULL;
	memcpy(&klen, data + off, 8);
	off += 8;
	if (klen != key->len || (size_t)n - off < klen + 12 || memcmp(data + off, key->p, klen) != 0)
		return NULL;
	off += klen;
	memcpy(&arch, data + off, 4);
	memcpy(&listener, data + off + 4, 4);
	memcpy(&len, data + off + 8, 4);
	off += 12;
	if (len == 0 || len > BPF_MAXINSNS || (size_t)n - off != (size_t)len * sizeof(struct sock_filter))
		return NULL;
	prog = calloc(1, sizeof(*prog) + (size_t)len * sizeof(struct sock_filter) + nlen + 1);
	if (!prog)
		return NULL;
	prog->arch = arch;
	prog->wants_listener = listener != 0;
	prog->len = (unsigned short)len;
	memcpy(prog->insns, data + off, (size_t)len * sizeof(struct sock_filter));
	prog->name = (const char *)(prog->insns + len);
	memcpy((char *)(prog->insns + len), name, nlen);
	((char *)(prog->insns + len))[nlen] = '\0';
	return prog;
}

/* Bound the directory: past SCC_MAX_FILES entries, keep only keep. */
static void scc_prune(int dirfd, const char *keep)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *e;
	size_t n = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	if (n > SCC_MAX_FILES) {
		rewinddir(d);
		while ((e = readdir(d)))
			if (e->d_name[0] != '.' && strcmp(e->d_name, keep) != 0)
				(void)unlinkat(dirfd, e->d_name, 0); /* gone already: fine */
	}
	closedir(d);
}

/* Best effort: a cache that cannot be written only costs the next run a
 * compile. */
static void scc_write(int dirfd, const char *fname, const struct scc_buf *key,
		      const struct hutch_seccomp *prog)
{
	struct scc_buf b = { 0 };
	uint64_t klen = key->len;
	uint32_t arch = prog->arch, listener = prog->wants_listener, len = prog->len;
	char tmp[64];
	bool ok;
	int fd;

	scc_put(&b, SCC_MAGIC, sizeof(SCC_MAGIC) - 1);
	scc_put_u64(&b, klen);
	scc_put(&b, key->p, key->len);
	scc_put(&b, &arch, 4);
	scc_put(&b, &listener, 4);
	scc_put(&b, &len, 4);
	scc_put(&b, prog->insns, (size_t)len * sizeof(struct sock_filter));
	if (b.failed)
		goto out;
	snprintf(tmp, sizeof(tmp), ".%s.%d", fname, (int)getpid());
	fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	/* No fsync: a file cut short by a crash fails the length checks of
	 * scc_read() and is made again. */
	ok = hu_write_all(fd, b.p, b.len) == 0;
	if (close(fd) < 0)
		ok = false;
	if (!ok || renameat(dirfd, tmp, dirfd, fname) < 0)
		(void)unlinkat(dirfd, tmp, 0); /* a stray temporary is all there is to undo */
out:
	free(b.p);
}

int hutch_seccomp_compile_cached(const struct hutch_sc_policy *policy, int cache_dirfd,
				 struct hutch_seccomp **ret, struct hutch_error *err)
{
	struct scc_buf pol = { 0 }, key = { 0 };
	struct stat st;
	char fname[32];
	int r;

	if (!policy || !ret)
		return herr(err, EINVAL, "seccomp: no policy");
	if (cache_dirfd < 0)
		return hutch_seccomp_compile(policy, ret, err);
	/* A directory others can write to could hand us any filter. */
	if (fstat(cache_dirfd, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022))
		return hutch_seccomp_compile(policy, ret, err);

	scc_put_policy(&pol, policy);
	scc_put(&key, SCC_MAGIC, sizeof(SCC_MAGIC) - 1);
	if (scc_put_maker(&key) < 0 || pol.failed) {
		free(pol.p);
		free(key.p);
		return hutch_seccomp_compile(policy, ret, err);
	}
	scc_put(&key, pol.p, pol.len);
	free(pol.p);
	if (key.failed) {
		free(key.p);
		return hutch_seccomp_compile(policy, ret, err);
	}
	snprintf(fname, sizeof(fname), "%016llx.bpf", (unsigned long long)scc_hash(key.p, key.len));

	*ret = scc_read(cache_dirfd, fname, &key, policy->name ? policy->name : "seccomp policy");
	if (*ret) {
		free(key.p);
		return 0;
	}
	r = hutch_seccomp_compile(policy, ret, err);
	if (r == 0) {
		scc_write(cache_dirfd, fname, &key, *ret);
		scc_prune(cache_dirfd, fname);
	}
	free(key.p);
	return r;
}
