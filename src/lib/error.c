/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error context for the engine: see error.h. Messages read "verb object" with values
 * in single quotes; strerror is applied once, by the front door, in wirt_error_format.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

/* A cause code that marks "the message says it all" (validation errors). */
#define WIRT_ERROR_NO_STRERROR (-1)

static int to_ret(int code)
{
	if (code == WIRT_ERROR_NO_STRERROR)
		return -EINVAL;
	return code > 0 ? -code : -EIO;
}

int wirt_errorf(struct wirt_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code < 0 && code != WIRT_ERROR_NO_STRERROR)
		code = -code;
	if (code == 0)
		code = EIO;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return to_ret(code);
}

int wirt_error_invalid(struct wirt_error *err, const char *fmt, ...)
{
	va_list ap;

	err->code = WIRT_ERROR_NO_STRERROR;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int wirt_error_prefix(struct wirt_error *err, const char *fmt, ...)
{
	char prefix[WIRT_ERROR_MAX];
	char old[WIRT_ERROR_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	if (old[0])
		snprintf(err->msg, sizeof(err->msg), "%s: %s", prefix, old);
	else
		snprintf(err->msg, sizeof(err->msg), "%s", prefix);
	return to_ret(err->code);
}

const char *wirt_error_format(const struct wirt_error *err, char *buf, size_t size)
{
	if (err->code == WIRT_ERROR_NO_STRERROR || err->code == 0)
		snprintf(buf, size, "%s", err->msg);
	else
		snprintf(buf, size, "%s: %s", err->msg, strerror(err->code));
	return buf;
}

void wirt_error_clear(struct wirt_error *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
