/* SPDX-License-Identifier: MIT */
#include "codec.h"

#include <cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

void bytes_free(struct bytes *b)
{
	if (!b)
		return;
	free(b->p);
	b->p = NULL;
	b->n = 0;
}

/* ---------- base64 ---------- */

static const char b64_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *b64_encode(const void *in, size_t len)
{
	const unsigned char *s = in;
	size_t out_len = 4 * ((len + 2) / 3), o = 0;
	char *out;

	if (len > SIZE_MAX / 2)
		return NULL;
	out = malloc(out_len + 1);
	if (!out)
		return NULL;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < len)
			v |= s[i + 2];
		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = i + 1 < len ? b64_alphabet[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < len ? b64_alphabet[v & 63] : '=';
	}
	out[o] = '\0';
	return out;
}

int b64_decode(const char *in, size_t len, struct bytes *ret)
{
	static signed char map[256];
	static bool map_ready;
	uint32_t acc = 0;
	unsigned bits = 0, pad = 0;
	size_t o = 0;
	char *out;

	/* Built on first use; racing threads write the same values. */
	if (!__atomic_load_n(&map_ready, __ATOMIC_ACQUIRE)) {
		memset(map, -1, sizeof(map));
		for (int i = 0; i < 64; i++)
			map[(unsigned char)b64_alphabet[i]] = (signed char)i;
		__atomic_store_n(&map_ready, true, __ATOMIC_RELEASE);
	}
	out = malloc(len / 4 * 3 + 4);
	if (!out)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c == ' ' || c == '\n' || c == '\r' || c == '\t')
			continue;
		if (c == '=') {
			pad++;
			continue;
		}
		if (map[c] < 0 || pad) {
			free(out);
			return -EINVAL;
		}
		acc = (acc << 6) | (uint32_t)map[c];
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	/* Leftover bits must be the zero padding of the last group; 6
	 * leftover bits are a lone character, which no encoder makes. */
	if (bits >= 6 || pad > 2 || (acc & ((1u << bits) - 1))) {
		free(out);
		return -EINVAL;
	}
	out[o] = '\0';
	ret->p = out;
	ret->n = o;
	return 0;
}

/* ---------- UTF-8 ---------- */

bool utf8_valid(const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0; i < n;) {
		unsigned char c = s[i];
		uint32_t cp;
		size_t len;

		if (c == 0)
			return false;
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07;
		else
			return false;
		if (i + len > n)
			return false;
		for (size_t k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += len;
	}
	return true;
}

/* ---------- JSON ---------- */

static void line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

int json_parse_body(const char *text, size_t len, unsigned max_depth, cJSON **ret, char *msg, size_t msg_len)
{
	unsigned depth = 0, line, col;
	bool in_str = false, esc = false;
	const char *end = NULL;
	cJSON *j;

	for (size_t i = 0; i < len; i++) {
		char c = text[i];
		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '[' || c == '{') {
			if (++depth > max_depth) {
				line_col(text, i, &line, &col);
				snprintf(msg, msg_len, "JSON nested deeper than %u levels (line %u, column %u)",
					 max_depth, line, col);
				return -E2BIG;
			}
		} else if ((c == ']' || c == '}') && depth > 0) {
			depth--;
		} else if (c == '\0') {
			line_col(text, i, &line, &col);
			snprintf(msg, msg_len, "malformed JSON: NUL byte (line %u, column %u)", line, col);
			return -EINVAL;
		}
	}
	j = cJSON_ParseWithLengthOpts(text, len, &end, false);
	if (j) {
		/* Only whitespace may follow the value. (cJSON's own check wants
		 * the NUL inside len.) */
		size_t off = (size_t)(end - text);
		while (off < len && (text[off] == ' ' || text[off] == '\t' || text[off] == '\n' || text[off] == '\r'))
			off++;
		if (off < len) {
			cJSON_Delete(j);
			line_col(text, off, &line, &col);
			snprintf(msg, msg_len, "malformed JSON: text after the value at line %u, column %u", line, col);
			return -EINVAL;
		}
	}
	if (!j) {
		size_t off = end && end >= text && end <= text + len ? (size_t)(end - text) : 0;
		char near[24] = "";
		size_t k = 0;

		for (size_t i = off; i < len && k < sizeof(near) - 1 && text[i] != '\n'; i++)
			near[k++] = (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7f ? text[i] : '?';
		near[k] = '\0';
		line_col(text, off, &line, &col);
		if (len == 0)
			snprintf(msg, msg_len, "malformed JSON: empty body");
		else
			snprintf(msg, msg_len, "malformed JSON at line %u, column %u%s%s%s", line, col,
				 k ? " (near '" : "", near, k ? "')" : " (unexpected end)");
		return -EINVAL;
	}
	*ret = j;
	return 0;
}

/* ---------- shell words ---------- */

void words_free(char **v)
{
	if (!v)
		return;
	for (char **w = v; *w; w++)
		free(*w);
	free(v);
}

int words_split(const char *s, size_t max_words, char ***ret, size_t *ret_n, char *msg, size_t msg_len)
{
	size_t len = strlen(s), n = 0, cap = 8, wl = 0;
	char **v = calloc(cap + 1, sizeof(char *));
	char *w = malloc(len + 1); /* a word is never longer than the line */
	bool in_word = false;
	int r = 0;

	if (!v || !w) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i <= len; i++) {
		char c = s[i];

		if (c == '\0' || c == ' ' || c == '\t' || c == '\n') {
			if (!in_word)
				continue;
			if (n >= max_words) {
				snprintf(msg, msg_len, "more than %zu words", max_words);
				r = -E2BIG;
				goto fail;
			}
			if (n == cap) {
				char **nv = reallocarray(v, cap * 2 + 1, sizeof(char *));
				if (!nv) {
					r = -ENOMEM;
					goto fail;
				}
				v = nv;
				cap *= 2;
			}
			w[wl] = '\0';
			v[n] = strdup(w);
			if (!v[n]) {
				r = -ENOMEM;
				goto fail;
			}
			v[++n] = NULL;
			wl = 0;
			in_word = false;
			continue;
		}
		in_word = true;
		if (c == '\\') {
			if (s[i + 1] == '\0') {
				snprintf(msg, msg_len, "a backslash ends the line");
				r = -EINVAL;
				goto fail;
			}
			if (s[i + 1] != '\n')
				w[wl++] = s[i + 1];
			i++;
		} else if (c == '\'') {
			const char *q = strchr(s + i + 1, '\'');
			if (!q) {
				snprintf(msg, msg_len, "unterminated single quote at byte %zu", i + 1);
				r = -EINVAL;
				goto fail;
			}
			memcpy(w + wl, s + i + 1, (size_t)(q - (s + i + 1)));
			wl += (size_t)(q - (s + i + 1));
			i = (size_t)(q - s);
		} else if (c == '"') {
			size_t k = i + 1;
			for (; s[k] && s[k] != '"'; k++) {
				if (s[k] == '\\' && s[k + 1] && strchr("\"\\$`\n", s[k + 1])) {
					if (s[k + 1] != '\n')
						w[wl++] = s[k + 1];
					k++;
				} else {
					w[wl++] = s[k];
				}
			}
			if (!s[k]) {
				snprintf(msg, msg_len, "unterminated double quote at byte %zu", i + 1);
				r = -EINVAL;
				goto fail;
			}
			i = k;
		} else {
			w[wl++] = c;
		}
	}
	free(w);
	*ret = v;
	*ret_n = n;
	return 0;
fail:
	free(w);
	words_free(v);
	return r;
}

/* ---------- removing a work directory ---------- */

static int remove_below(int dfd, dev_t dev, unsigned depth)
{
	DIR *d;
	struct dirent *e;
	int r = 0;

	/* The program could have built a very deep tree; bounded recursion,
	 * and what is past the bound stays (logged by the caller). */
	if (depth > 256) {
		(void)close(dfd); /* a directory fd: nothing to flush */
		return -ELOOP;
	}
	d = fdopendir(dfd);
	if (!d) {
		int saved = errno;
		(void)close(dfd); /* fdopendir failed: the fd is still ours */
		return -saved;
	}
	while ((errno = 0, e = readdir(d))) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			if (errno != ENOENT && r == 0)
				r = -errno;
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub;
			if (st.st_dev != dev) {
				if (r == 0)
					r = -EXDEV;
				continue;
			}
			sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub < 0) {
				if (r == 0)
					r = -errno;
				continue;
			}
			/* A directory without write or search permission for
			 * its owner is still ours to empty: we are root. */
			int rr = remove_below(sub, dev, depth + 1);
			if (rr < 0 && r == 0)
				r = rr;
			if (unlinkat(dirfd(d), e->d_name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
				r = -errno;
		} else if (unlinkat(dirfd(d), e->d_name, 0) < 0 && errno != ENOENT && r == 0) {
			r = -errno;
		}
	}
	if (errno && r == 0)
		r = -errno;
	(void)closedir(d); /* a directory stream: nothing to flush */
	return r;
}

int fs_remove_tree_at(int dirfd, const char *name)
{
	struct stat st;
	int fd, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISDIR(st.st_mode))
		return unlinkat(dirfd, name, 0) < 0 && errno != ENOENT ? -errno : 0;
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = remove_below(fd, st.st_dev, 0);
	if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
		r = -errno;
	return r;
}
