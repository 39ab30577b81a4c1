/* SPDX-License-Identifier: MIT */
#include "auth.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "error.h"
#include "store.h"

#define AUTH_TOKEN_MAX 1024

static void hex(const unsigned char *in, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * n] = '\0';
}

int auth_token_new(char out[AUTH_TOKEN_LEN + 1], struct hutch_error *err)
{
	unsigned char b[32];

	if (getrandom(b, sizeof(b), 0) != (ssize_t)sizeof(b))
		return herr(err, errno ? errno : EIO, "getrandom");
	memcpy(out, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX));
	hex(b, sizeof(b), out + strlen(AUTH_TOKEN_PREFIX));
	return 0;
}

int auth_token_hash(const char *token, char out[AUTH_HASH_LEN + 1])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len = 0;
	size_t n = strnlen(token, AUTH_TOKEN_MAX + 1);

	if (n == 0 || n > AUTH_TOKEN_MAX)
		return -EINVAL;
	if (EVP_Digest(token, n, md, &md_len, EVP_sha256(), NULL) != 1 || md_len != 32)
		return -EIO;
	hex(md, md_len, out);
	return 0;
}

int auth_token_create(struct store *st, enum role role, const char *name, char out[AUTH_TOKEN_LEN + 1],
		      int64_t *ret_id, struct hutch_error *err)
{
	char hash[AUTH_HASH_LEN + 1];
	int r;

	if (role != ROLE_ADMIN && role != ROLE_CLIENT)
		return herr(err, 0, "token role: admin or client");
	r = auth_token_new(out, err);
	if (r < 0)
		return r;
	if (auth_token_hash(out, hash) < 0)
		return herr(err, EIO, "sha256");
	return st->ops->token_add(st, hash, role, name, ret_id, err);
}

int auth_check(struct store *st, const char *token, enum role *ret_role, int64_t *ret_id,
	       struct hutch_error *err)
{
	char hash[AUTH_HASH_LEN + 1];

	/* Anything that is not shaped like our tokens cannot be one: no
	 * lookup for it. */
	if (strncmp(token, AUTH_TOKEN_PREFIX, strlen(AUTH_TOKEN_PREFIX)) != 0 ||
	    strlen(token) != AUTH_TOKEN_LEN)
		return -ENOENT;
	if (auth_token_hash(token, hash) < 0)
		return -ENOENT;
	return st->ops->token_find(st, hash, ret_role, ret_id, err);
}
