/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The engine's error type: a fixed-size struct the caller owns. Filling it allocates
 * nothing, so it works after clone(), when memory is short, and it can be written to
 * a pipe as it is (the supervisor reports start failures to the CLI that way).
 */
#ifndef WIRT_ERROR_H
#define WIRT_ERROR_H

#include <stdarg.h>
#include <stddef.h>

#define WIRT_ERROR_MAX 512

struct wirt_error {
	int code;		  /* positive errno of the cause, 0 when none */
	int plain;		  /* the message says it all: no strerror appended */
	char msg[WIRT_ERROR_MAX]; /* "step 'object'" context, outermost first */
};

/* Sets err to "<fmt>" with cause 'code' (a positive errno). Returns -code (or -EIO when
 * code is 0), so callers can write `return wirt_errorf(err, errno, "open '%s'", p);`. */
int wirt_errorf(struct wirt_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Like wirt_errorf with a message that needs no errno text: a validation failure.
 * The cause is EINVAL; wirt_error_format leaves out strerror for these. */
int wirt_error_invalid(struct wirt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A state or lookup failure whose message says it all ("no such vServer", "is
 * running"): returns -code, and the final text has no strerror. */
int wirt_error_plain(struct wirt_error *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prepends "<fmt>: " to err->msg, keeping the cause. Returns -err->code. */
int wirt_error_prefix(struct wirt_error *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Writes the final one-line text ("msg: strerror(code)") into buf. */
const char *wirt_error_format(const struct wirt_error *err, char *buf, size_t size);

void wirt_error_clear(struct wirt_error *err);

#endif
