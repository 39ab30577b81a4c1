/* SPDX-License-Identifier: MIT */
/*
 * Small parsers and encoders for what clients send (prefixes b64_, utf8_,
 * json_, words_, fs_). Every one is bounded and returns -errno on bad
 * input; they are the fuzz targets of the HTTP bodies.
 */
#ifndef HUTCHD_CODEC_H
#define HUTCHD_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cJSON;

/* A byte string that may hold NULs. */
struct bytes {
	char *p; /* NUL-terminated for convenience; may be NULL when n == 0 */
	size_t n;
};

void bytes_free(struct bytes *b);

/* Base64 (RFC 4648, standard alphabet). Decoding skips ASCII whitespace
 * (Judge0 clients send Ruby's line-wrapped encode64) and accepts missing
 * padding; any other character is -EINVAL. *ret is malloc'd and
 * NUL-terminated. Encoding emits no line breaks. */
int b64_decode(const char *in, size_t len, struct bytes *ret);
char *b64_encode(const void *in, size_t len);

/* Whether s[0..n) is UTF-8 that a JSON string can carry as text: well
 * formed (no overlongs, no surrogates) and without NUL. */
bool utf8_valid(const char *s, size_t n);

/* Parse a request body: at most max_depth nested arrays/objects (checked
 * before cJSON sees it, so depth costs nothing), then cJSON. -E2BIG for
 * too deep, -EINVAL for a syntax error; msg says where ("line 3, column
 * 7"). */
int json_parse_body(const char *text, size_t len, unsigned max_depth, struct cJSON **ret, char *msg,
		    size_t msg_len);

/* Split a command line into words the way a POSIX shell would, without
 * any expansion: blanks separate, '...' is literal, "..." honours \" \\ \$
 * \` and \newline, a backslash outside quotes escapes the next byte.
 * At most max_words words. -EINVAL for an unterminated quote (msg says
 * which), -E2BIG for too many words. *ret is a NULL-terminated array of
 * malloc'd strings (words_free). */
int words_split(const char *s, size_t max_words, char ***ret, size_t *ret_n, char *msg, size_t msg_len);
void words_free(char **v);

/* Remove dirfd/name and everything below it, never following a symlink
 * and never leaving the filesystem it starts on. 0 or -errno (ENOENT is
 * not an error). */
int fs_remove_tree_at(int dirfd, const char *name);

#endif
