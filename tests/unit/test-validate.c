/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unit tests of validate.c: names, hostnames, sizes, numbers and message escaping. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "validate.h"

struct case_str {
	const char *in;
	int ret;	     /* 0 or -EINVAL */
	const char *message; /* a part of the message when ret < 0 */
};

static void test_names(void)
{
	static const struct case_str cases[] = {
		{ "web1", 0, NULL },
		{ "a", 0, NULL },
		{ "9", 0, NULL },
		{ "Web-1.example_2", 0, NULL },
		{ "a..b", 0, NULL },
		{ "x-", 0, NULL },
		{ "123456789012345678901234567890123456789012345678901234567890123", 0, NULL },
		{ "", -EINVAL, "invalid vServer name '': is empty" },
		{ "1234567890123456789012345678901234567890123456789012345678901234", -EINVAL,
		  "is longer than 63 characters" },
		{ "../x", -EINVAL,
		  "invalid vServer name '../x': only letters, digits, '.', '_' and '-' allowed" },
		{ "a/b", -EINVAL, "invalid vServer name 'a/b': only letters" },
		{ "a\nb", -EINVAL, "invalid vServer name 'a\\x0ab': only letters" },
		{ "a\x1b[2Jb", -EINVAL, "'a\\x1b[2Jb'" },
		{ "a b", -EINVAL, "only letters" },
		{ "caf\xc3\xa9", -EINVAL, "'caf\\xc3\\xa9'" },
		{ ".", -EINVAL, "invalid vServer name '.': must start with a letter or digit" },
		{ "..", -EINVAL, "must start with a letter or digit" },
		{ "-x", -EINVAL, "must start with a letter or digit" },
		{ "_x", -EINVAL, "must start with a letter or digit" },
		{ ".hidden", -EINVAL, "must start with a letter or digit" },
	};
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CONTEXT(cases[i].in);
		wirt_error_clear(&err);
		CHECK_EQ_INT(cases[i].ret, wirt_name_validate("vServer", cases[i].in, &err));
		if (cases[i].message)
			CHECK_CONTAINS(err.msg, cases[i].message);
		else
			CHECK_EQ_STR("", err.msg);
	}
	CHECK_CONTEXT("template kind");
	CHECK_EQ_INT(-EINVAL, wirt_name_validate("template", "a/b", &err));
	CHECK_CONTAINS(err.msg, "invalid template name 'a/b'");
	CHECK_CONTEXT(NULL);
}

static void test_hostnames(void)
{
	static const struct case_str cases[] = {
		{ "web1", 0, NULL },
		{ "web1.example.com", 0, NULL },
		{ "1.2.3.4", 0, NULL },
		{ "a-b.c-d", 0, NULL },
		{ "A", 0, NULL },
		/* 63 + 1: the longest label and the longest name */
		{ "123456789012345678901234567890123456789012345678901234567890123", 0, NULL },
		{ "12345678901234567890123456789012345678901234567890123456789012.4", 0, NULL },
		{ "", -EINVAL, "invalid hostname '': is empty" },
		{ "12345678901234567890123456789012345678901234567890123456789012.45", -EINVAL,
		  "is longer than 64 characters" },
		{ "1234567890123456789012345678901234567890123456789012345678901234", -EINVAL,
		  "a label is longer than 63 characters" },
		{ "a..b", -EINVAL, "invalid hostname 'a..b': empty label" },
		{ ".a", -EINVAL, "empty label" },
		{ "a.", -EINVAL, "empty label" },
		{ "-a", -EINVAL, "invalid hostname '-a': a label starts with '-'" },
		{ "a-.b", -EINVAL, "a label ends with '-'" },
		{ "a_b", -EINVAL,
		  "invalid hostname 'a_b': only letters, digits, '-' and '.' allowed" },
		{ "a b", -EINVAL, "only letters" },
		{ "a\tb", -EINVAL, "'a\\x09b'" },
	};
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CHECK_CONTEXT(cases[i].in);
		wirt_error_clear(&err);
		CHECK_EQ_INT(cases[i].ret, wirt_hostname_validate(cases[i].in, &err));
		if (cases[i].message)
			CHECK_CONTAINS(err.msg, cases[i].message);
	}
	CHECK_CONTEXT(NULL);
}

struct case_size {
	const char *in;
	int ret;
	uint64_t bytes;
	const char *message;
};

static void test_sizes(void)
{
	static const struct case_size cases[] = {
		{ "0", 0, 0, NULL },
		{ "512", 0, 512, NULL },
		{ "512B", 0, 512, NULL },
		{ "64K", 0, 64ull << 10, NULL },
		{ "64k", 0, 64ull << 10, NULL },
		{ "64KB", 0, 64ull << 10, NULL },
		{ "64KiB", 0, 64ull << 10, NULL },
		{ "64kib", 0, 64ull << 10, NULL },
		{ "64M", 0, 64ull << 20, NULL },
		{ "64MiB", 0, 64ull << 20, NULL },
		{ "64mb", 0, 64ull << 20, NULL },
		{ "1G", 0, 1ull << 30, NULL },
		{ "1.5G", 0, 3ull << 29, NULL },
		{ "0.5K", 0, 512, NULL },
		{ "1.1K", 0, 1126, NULL }, /* 1126.4: whole bytes, rounded down */
		{ "2T", 0, 2ull << 40, NULL },
		{ "2.25t", 0, 9ull << 38, NULL },
		{ "1.0", 0, 1, NULL },
		{ "007", 0, 7, NULL },
		{ "18446744073709551615", 0, UINT64_MAX, NULL },
		{ "16777215T", 0, 16777215ull << 40, NULL },
		{ "16777215.999999999999999999T", 0, UINT64_MAX, NULL }, /* 2^64 - 1 */
		{ "", -EINVAL, 0, "invalid size '': is empty" },
		{ "-1", -EINVAL, 0, "invalid size '-1': is negative" },
		{ "-1G", -EINVAL, 0, "is negative" },
		{ "+1", -EINVAL, 0, "invalid size '+1': not a number" },
		{ " 1", -EINVAL, 0, "not a number" },
		{ "G", -EINVAL, 0, "not a number" },
		{ ".5G", -EINVAL, 0, "not a number" },
		{ "abc", -EINVAL, 0, "invalid size 'abc': not a number" },
		{ "1 G", -EINVAL, 0, "unknown unit ' G'" },
		{ "1G ", -EINVAL, 0, "unknown unit 'G '" },
		{ "1X", -EINVAL, 0, "invalid size '1X': unknown unit 'X'" },
		{ "1GG", -EINVAL, 0, "unknown unit" },
		{ "1iB", -EINVAL, 0, "unknown unit" },
		{ "1KiBB", -EINVAL, 0, "unknown unit" },
		{ "1P", -EINVAL, 0, "unknown unit" },
		{ "1.", -EINVAL, 0, "expected a digit after '.'" },
		{ "1.G", -EINVAL, 0, "expected a digit after '.'" },
		{ "1.2.3G", -EINVAL, 0, "unknown unit" },
		{ "1.5", -EINVAL, 0, "invalid size '1.5': a fraction of a byte" },
		{ "1.5B", -EINVAL, 0, "a fraction of a byte" },
		{ "1.1234567890123456789G", -EINVAL, 0, "too many digits after '.'" },
		{ "18446744073709551616", -EINVAL, 0,
		  "invalid size '18446744073709551616': too large" },
		{ "99999999999999999999999999", -EINVAL, 0, "too large" },
		{ "16777216T", -EINVAL, 0, "too large" },
		{ "17179869184G", -EINVAL, 0, "too large" },
		{ "18446744073709551615.5K", -EINVAL, 0, "too large" },
		{ "1a\x01", -EINVAL, 0, "'1a\\x01'" },
	};
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t bytes = 4242;

		CHECK_CONTEXT(cases[i].in);
		wirt_error_clear(&err);
		CHECK_EQ_INT(cases[i].ret, wirt_size_parse(cases[i].in, &bytes, &err));
		if (cases[i].ret == 0) {
			CHECK_EQ_U64(cases[i].bytes, bytes);
		} else {
			CHECK_EQ_U64(4242, bytes); /* untouched on error */
			CHECK_CONTAINS(err.msg, cases[i].message);
		}
	}
	CHECK_CONTEXT(NULL);
}

static void test_uints(void)
{
	struct wirt_error err;
	uint64_t v = 0;

	CHECK_EQ_INT(0, wirt_uint_parse("30", 0, 86400, &v, &err));
	CHECK_EQ_U64(30, v);
	CHECK_EQ_INT(0, wirt_uint_parse("0", 0, 10, &v, &err));
	CHECK_EQ_U64(0, v);
	CHECK_EQ_INT(0, wirt_uint_parse("18446744073709551615", 0, UINT64_MAX, &v, &err));
	CHECK_EQ_U64(UINT64_MAX, v);
	CHECK_EQ_INT(0, wirt_uint_parse("65535", 1, 65535, &v, &err));
	CHECK_EQ_U64(65535, v);

	v = 7;
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("65536", 1, 65535, &v, &err));
	CHECK_EQ_STR("invalid number '65536': expected an integer from 1 to 65535", err.msg);
	CHECK_EQ_U64(7, v);
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("0", 1, 65535, &v, &err));
	CHECK_CONTAINS(err.msg, "from 1 to 65535");
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("", 0, 9, &v, &err));
	CHECK_EQ_STR("invalid number '': expected an integer from 0 to 9", err.msg);
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("-1", 0, 9, &v, &err));
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("+1", 0, 9, &v, &err));
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse(" 1", 0, 9, &v, &err));
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("1 ", 0, 9, &v, &err));
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("0x1", 0, 9, &v, &err));
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("18446744073709551616", 0, UINT64_MAX, &v, &err));
	CHECK_CONTAINS(err.msg, "expected an integer from 0 to 18446744073709551615");
	CHECK_EQ_INT(-EINVAL, wirt_uint_parse("1\n", 0, 9, &v, &err));
	CHECK_EQ_STR("invalid number '1\\x0a': expected an integer from 0 to 9", err.msg);
	CHECK_EQ_U64(7, v);
}

static void test_escape(void)
{
	char buf[WIRT_ESCAPE_MAX];
	char small[12];
	char longname[200];

	CHECK_EQ_STR("plain", wirt_str_escape("plain", buf, sizeof(buf)));
	CHECK_EQ_STR("a\\x0a\\x7f\\xffb", wirt_str_escape("a\n\x7f\xff"
							   "b",
							   buf, sizeof(buf)));
	CHECK_EQ_STR("back\\\\slash", wirt_str_escape("back\\slash", buf, sizeof(buf)));
	CHECK_EQ_STR("", wirt_str_escape("", buf, sizeof(buf)));
	CHECK_EQ_STR("", wirt_str_escape(NULL, buf, sizeof(buf)));
	/* exactly fits: 11 bytes */
	CHECK_EQ_STR("12345678901", wirt_str_escape("12345678901", small, sizeof(small)));
	CHECK_EQ_STR("12345678...", wirt_str_escape("123456789012", small, sizeof(small)));
	/* an escape is never cut in half */
	CHECK_EQ_STR("123456...", wirt_str_escape("123456\n\n\n\n", small, sizeof(small)));
	CHECK_EQ_STR("..", wirt_str_escape("abcdef", small, 3));

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	wirt_str_escape(longname, buf, sizeof(buf));
	CHECK_EQ_INT(sizeof(buf) - 1, strlen(buf));
	CHECK_CONTAINS(buf, "aaa...");
}

static int collect(const char *item, void *data, struct wirt_error *err)
{
	char *out = data;

	if (strcmp(item, "bad") == 0)
		return wirt_error_invalid(err, "bad item");
	strcat(out, item);
	strcat(out, "|");
	return 0;
}

static void test_list(void)
{
	struct wirt_error err = { 0 };
	char out[256] = "", long_item[100];

	CHECK_EQ_INT(0, wirt_list_each(" a, b\tc,,d ", collect, out, &err));
	CHECK_EQ_STR("a|b|c|d|", out);
	out[0] = '\0';
	CHECK_EQ_INT(0, wirt_list_each("", collect, out, &err));
	CHECK_EQ_STR("", out);
	CHECK_EQ_INT(-EINVAL, wirt_list_each("a bad c", collect, out, &err));
	CHECK_EQ_STR("a|", out); /* stops at the first error */
	memset(long_item, 'x', sizeof(long_item) - 1);
	long_item[sizeof(long_item) - 1] = '\0';
	CHECK_EQ_INT(-EINVAL, wirt_list_each(long_item, collect, out, &err));
	CHECK_CONTAINS(err.msg, "item too long");
}

int main(void)
{
	test_names();
	test_hostnames();
	test_sizes();
	test_uints();
	test_escape();
	test_list();
	return check_exit("test-validate");
}
