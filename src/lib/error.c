/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Error context for the engine: see error.h. Messages read "verb object" with values
 * in single quotes; strerror is applied once, by the front door, in wirt_error_format.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static int set(struct wirt_error *err, int code, int plain, const char *fmt, va_list ap)
{
	if (code < 0)
		code = -code;
	if (code == 0)
		code = EIO;
	err->code = code;
	err->plain = plain;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	return -code;
}

int wirt_errorf(struct wirt_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set(err, code, 0, fmt, ap);
	va_end(ap);
	return r;
}

int wirt_error_invalid(struct wirt_error *err, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set(err, EINVAL, 1, fmt, ap);
	va_end(ap);
	return r;
}

int wirt_error_plain(struct wirt_error *err, int code, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = set(err, code, 1, fmt, ap);
	va_end(ap);
	return r;
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
	if (err->code == 0)
		err->code = EIO;
	return -err->code;
}

const char *wirt_error_format(const struct wirt_error *err, char *buf, size_t size)
{
	if (err->plain || err->code == 0)
		snprintf(buf, size, "%s", err->msg);
	else
		snprintf(buf, size, "%s: %s", err->msg, strerror(err->code));
	return buf;
}

void wirt_error_clear(struct wirt_error *err)
{
	err->code = 0;
	err->plain = 0;
	err->msg[0] = '\0';
}
