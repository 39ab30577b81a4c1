/* SPDX-License-Identifier: MIT */
/*
 * The error contract (docs/errors.md): a function that can fail returns a
 * negative errno and fills a struct hutch_error with that errno and a one-line
 * message made where the failure happened. Callers add context on the way up
 * with herr_prefix(); the front end prints once.
 */
#ifndef HUTCH_ERROR_H
#define HUTCH_ERROR_H

#include "hutch.h"

/* Set err (may be NULL) to errno_value (positive) and the formatted message,
 * with ": <strerror>" appended when errno_value != 0. Returns -errno_value,
 * or -EINVAL when errno_value is 0, so that `return herr(...)` works. */
int herr(struct hutch_error *err, int errno_value, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepend "<context>: " to err->msg. Returns -err->code (or -EIO). */
int herr_prefix(struct hutch_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void herr_clear(struct hutch_error *err);

#ifdef __clang_analyzer__
/* herr() and herr_prefix() never return >= 0. Said here for clang-tidy's
 * analyzer (make lint), which cannot see into error.c and otherwise follows
 * impossible "error path returned success" paths into false reports. */
#define herr(...) ({ int _hr = herr(__VA_ARGS__); if (_hr >= 0) __builtin_unreachable(); _hr; })
#define herr_prefix(...) ({ int _hr = herr_prefix(__VA_ARGS__); if (_hr >= 0) __builtin_unreachable(); _hr; })
#endif

#endif
