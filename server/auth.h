/* SPDX-License-Identifier: MIT */
/*
 * API tokens (prefix auth_). A token is "hutch_" and 64 hex digits (256
 * random bits from getrandom). Only its SHA-256 is stored: a leaked
 * database gives no usable token, and with 256 bits of entropy a plain
 * hash is enough (no salt or slow hash needed: there is nothing to guess).
 */
#ifndef HUTCHD_AUTH_H
#define HUTCHD_AUTH_H

#include "config.h"
#include "hutch.h"

#define AUTH_TOKEN_PREFIX "hutch_"
#define AUTH_TOKEN_LEN (6 + 64)
#define AUTH_HASH_LEN 64

struct store;

/* A fresh random token. */
int auth_token_new(char out[AUTH_TOKEN_LEN + 1], struct hutch_error *err);

/* Hex SHA-256 of token. Tokens longer than 1 KiB are refused (-EINVAL). */
int auth_token_hash(const char *token, char out[AUTH_HASH_LEN + 1]);

/* Make a token with role and name, store its hash, return the token. */
int auth_token_create(struct store *st, enum role role, const char *name,
		      char out[AUTH_TOKEN_LEN + 1], int64_t *ret_id, struct hutch_error *err);

/* Check a presented token: 0 with role and id, -ENOENT if unknown or
 * revoked, another -errno if the store failed. */
int auth_check(struct store *st, const char *token, enum role *ret_role, int64_t *ret_id,
	       struct hutch_error *err);

#endif
