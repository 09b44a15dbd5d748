/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A tiny assertion kit for wirt's C unit tests. Every failed check prints where it
 * is, both values and the current context (CHECK_CONTEXT, e.g. the table row), then
 * the test goes on; check_exit() turns the count into the exit status meson reads.
 * An exit status of 77 means "skipped" and must come with a reason on stderr.
 */
#ifndef WIRT_TEST_CHECK_H
#define WIRT_TEST_CHECK_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;
static const char *check_context;

#define CHECK_CONTEXT(s) (check_context = (s))

static inline void check_fail_where(const char *file, int line)
{
	check_failures++;
	fprintf(stderr, "%s:%d: FAIL", file, line);
	if (check_context)
		fprintf(stderr, " [%s]", check_context);
	fprintf(stderr, ": ");
}

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(expr)) {                                                                     \
			check_fail_where(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s\n", #expr);                                            \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_INT(expected, actual)                                                             \
	do {                                                                                       \
		long long _e = (long long)(expected), _a = (long long)(actual);                    \
		check_count++;                                                                     \
		if (_e != _a) {                                                                    \
			check_fail_where(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s == %s: expected %lld, got %lld\n", #expected, #actual, \
				_e, _a);                                                           \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_U64(expected, actual)                                                             \
	do {                                                                                       \
		uint64_t _e = (uint64_t)(expected), _a = (uint64_t)(actual);                       \
		check_count++;                                                                     \
		if (_e != _a) {                                                                    \
			check_fail_where(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s == %s: expected %" PRIu64 ", got %" PRIu64 "\n",       \
				#expected, #actual, _e, _a);                                       \
		}                                                                                  \
	} while (0)

#define CHECK_EQ_STR(expected, actual)                                                             \
	do {                                                                                       \
		const char *_e = (expected), *_a = (actual);                                       \
		check_count++;                                                                     \
		if (!_e || !_a ? _e != _a : strcmp(_e, _a) != 0) {                                 \
			check_fail_where(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s == %s:\n  expected \"%s\"\n  got      \"%s\"\n",       \
				#expected, #actual, _e ? _e : "(null)", _a ? _a : "(null)");       \
		}                                                                                  \
	} while (0)

/* 'haystack' contains 'needle': error messages are checked by their telling part. */
#define CHECK_CONTAINS(haystack, needle)                                                           \
	do {                                                                                       \
		const char *_h = (haystack), *_n = (needle);                                       \
		check_count++;                                                                     \
		if (!_h || !strstr(_h, _n)) {                                                      \
			check_fail_where(__FILE__, __LINE__);                                      \
			fprintf(stderr, "%s contains \"%s\":\n  got \"%s\"\n", #haystack, _n,      \
				_h ? _h : "(null)");                                               \
		}                                                                                  \
	} while (0)

static inline int check_exit(const char *name)
{
	fprintf(stderr, "%s: %d checks, %d failed\n", name, check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
