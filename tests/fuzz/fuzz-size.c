/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libFuzzer target for the small validators: wirt_size_parse, wirt_uint_parse,
 * wirt_name_validate and wirt_hostname_validate, on the input up to its first NUL.
 * What they accept is checked against simple independent rules, and every error
 * message must be free of raw control characters.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok, const char *what, const char *input)
{
	if (!ok) {
		fprintf(stderr, "%s: input '%s'\n", what, input);
		abort();
	}
}

static void check_message(const struct wirt_error *err, const char *prefix)
{
	if (strncmp(err->msg, prefix, strlen(prefix)) != 0) {
		fprintf(stderr, "message without '%s': %s\n", prefix, err->msg);
		abort();
	}
	for (const unsigned char *p = (const unsigned char *)err->msg; *p; p++) {
		if (*p < 0x20 || *p >= 0x7f) {
			fprintf(stderr, "raw byte 0x%02x in message: %s\n", *p, err->msg);
			abort();
		}
	}
}

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The accepted value against a long double reading of the same text. */
static void check_size(const char *s, uint64_t bytes)
{
	const char *unit = s + strspn(s, "0123456789.");
	long double ref = strtold(s, NULL), diff;
	int shift = 0;

	switch (*unit | 0x20) {
	case 'k': shift = 10; break;
	case 'm': shift = 20; break;
	case 'g': shift = 30; break;
	case 't': shift = 40; break;
	}
	ref = ldexpl(ref, shift);
	diff = fabsl(ref - (long double)bytes);
	/* rounded down to a byte, plus long double's own rounding near 2^64 */
	check(diff <= 1.0L + ref * 1e-17L, "size differs from its long double reading", s);
}

static void check_name(const char *s, bool valid)
{
	size_t len = strlen(s);
	bool expect = len >= 1 && len <= WIRT_NAME_MAX && is_alnum(s[0]);

	for (size_t i = 0; expect && i < len; i++)
		expect = is_alnum(s[i]) || s[i] == '.' || s[i] == '_' || s[i] == '-';
	check(expect == valid, "name validation disagrees with the rule", s);
}

static void check_hostname(const char *s, bool valid)
{
	size_t len = strlen(s), label = 0;
	bool expect = len >= 1 && len <= WIRT_HOSTNAME_MAX;

	for (size_t i = 0; expect && i <= len; i++) {
		char c = s[i];

		if (c == '.' || c == '\0') {
			expect = label >= 1 && label <= 63 && s[i - label] != '-' &&
				 s[i - 1] != '-';
			label = 0;
		} else {
			expect = is_alnum(c) || c == '-';
			label++;
		}
	}
	check(expect == valid, "hostname validation disagrees with the rule", s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wirt_error err = { 0 };
	uint64_t bytes, v;
	char *s;
	int r;

	if (size > 4096)
		return 0;
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	r = wirt_size_parse(s, &bytes, &err);
	if (r == 0)
		check_size(s, bytes);
	else
		check_message(&err, "invalid size '");

	r = wirt_uint_parse(s, 10, 1000000, &v, &err);
	if (r == 0)
		check(v >= 10 && v <= 1000000 && strspn(s, "0123456789") == strlen(s) &&
			      strtoull(s, NULL, 10) == v,
		      "uint out of range", s);
	else
		check_message(&err, "invalid number '");

	r = wirt_name_validate("vServer", s, &err);
	check_name(s, r == 0);
	if (r < 0)
		check_message(&err, "invalid vServer name '");

	r = wirt_hostname_validate(s, &err);
	check_hostname(s, r == 0);
	if (r < 0)
		check_message(&err, "invalid hostname '");

	free(s);
	return 0;
}
