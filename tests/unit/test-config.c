/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Unit tests of config.c: a valid file, each kind of error with its message, the
 * round trip parse(format(spec)) == spec, and load/save on a temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "config.h"
#include "spec.h"

static const char valid[] =
	"# wirt vServer configuration (written by wirt; `wirt set` changes it)\n"
	"[vserver]\n"
	"name = web1\n"
	"template = busybox\n"
	"hostname = web1.example.com\n"
	"autostart = yes\n"
	"stop-signal = SIGPWR\n"
	"stop-timeout = 45\n"
	"\n"
	"[ids]\n"
	"base = 1000065536\n"
	"count = 65536\n";

static int parse(const char *text, struct wirt_spec *spec, struct wirt_error *err)
{
	wirt_error_clear(err);
	return wirt_config_parse(text, strlen(text), spec, err);
}

static void test_valid(void)
{
	struct wirt_spec spec;
	struct wirt_error err;

	CHECK_EQ_INT(0, parse(valid, &spec, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("web1", spec.name);
	CHECK_EQ_STR("busybox", spec.template_name);
	CHECK_EQ_STR("web1.example.com", spec.hostname);
	CHECK_EQ_INT(true, spec.autostart);
	CHECK_EQ_INT(SIGPWR, spec.stop_signal);
	CHECK_EQ_INT(45, spec.stop_timeout);
	CHECK_EQ_U64(1000065536u, spec.id_base);
	CHECK_EQ_U64(65536, spec.id_count);
}

static void test_defaults(void)
{
	static const char minimal[] =
		"[vserver]\nname=db\ntemplate=debian\n[ids]\nbase=1000000000\n";
	struct wirt_spec spec;
	struct wirt_error err;

	CHECK_EQ_INT(0, parse(minimal, &spec, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("db", spec.name);
	CHECK_EQ_STR("debian", spec.template_name);
	CHECK_EQ_STR("db", spec.hostname); /* hostname defaults to the name */
	CHECK_EQ_INT(false, spec.autostart);
	CHECK_EQ_INT(0, spec.stop_signal);
	CHECK_EQ_INT(WIRT_STOP_TIMEOUT_DEFAULT, spec.stop_timeout); /* missing key: the default */
	CHECK_EQ_U64(1000000000u, spec.id_base);
	CHECK_EQ_U64(WIRT_ID_COUNT, spec.id_count);
}

static void test_accepted_spellings(void)
{
	static const struct {
		const char *line;
		int signal;
		bool autostart;
	} cases[] = {
		{ "stop-signal = auto", 0, false },
		{ "stop-signal = PWR", SIGPWR, false },
		{ "stop-signal = sigterm", SIGTERM, false },
		{ "stop-signal = 15", SIGTERM, false },
		{ "stop-signal = RTMIN", 0 /* SIGRTMIN */, false },
		{ "stop-signal = RTMIN+4", 4 /* SIGRTMIN + 4 */, false },
		{ "stop-signal = SIGRTMIN+3", 3 /* SIGRTMIN + 3 */, false },
		{ "stop-signal = RTMAX", -1 /* SIGRTMAX */, false },
		{ "stop-signal = RTMAX-1", -2 /* SIGRTMAX - 1 */, false },
		{ "autostart = yes", 0, true },
		{ "autostart = True", 0, true },
		{ "autostart = on", 0, true },
		{ "autostart = 1", 0, true },
		{ "autostart = off", 0, false },
		{ "autostart = 0", 0, false },
		{ "name : web1", 0, false },  /* inih also splits at ':' */
		{ "name = web1 ; a comment", 0, false },
	};
	char text[512];
	struct wirt_spec spec;
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool rt = strstr(cases[i].line, "RT") != NULL;
		int expected = cases[i].signal;

		if (rt)
			expected = expected >= 0 ? SIGRTMIN + expected : SIGRTMAX + expected + 1;
		CHECK_CONTEXT(cases[i].line);
		snprintf(text, sizeof(text), "[vserver]\n%s\n%s%s[ids]\nbase = 1000000000\n",
			 strncmp(cases[i].line, "name", 4) == 0 ? "" : "name = web1\n",
			 cases[i].line, "\ntemplate = busybox\n");
		CHECK_EQ_INT(0, parse(text, &spec, &err));
		CHECK_EQ_STR("", err.msg);
		CHECK_EQ_STR("web1", spec.name);
		CHECK_EQ_INT(expected, spec.stop_signal);
		CHECK_EQ_INT(cases[i].autostart, spec.autostart);
	}
	CHECK_CONTEXT(NULL);
}

/* Builds a config from the valid one with 'from' replaced by 'to'. */
static void replace(char *out, size_t size, const char *from, const char *to)
{
	const char *at = strstr(valid, from);

	if (!at) {
		fprintf(stderr, "test bug: '%s' not in the valid config\n", from);
		abort();
	}
	snprintf(out, size, "%.*s%s%s", (int)(at - valid), valid, to, at + strlen(from));
}

static void test_errors(void)
{
	static const struct {
		const char *from, *to;
		const char *message;
	} cases[] = {
		/* syntax, named by line */
		{ "name = web1\n", "name = web1\nfoo = 1\n",
		  "line 4: unknown key 'foo' in [vserver]" },
		{ "count = 65536\n", "count = 65536\nname = x\n",
		  "line 13: unknown key 'name' in [ids]" },
		{ "[ids]\n", "[idz]\n", "line 10: unknown section '[idz]'" },
		{ "\n[ids]\n", "\n[extra]\n[ids]\n", "line 10: unknown section '[extra]'" },
		{ "[ids]\n", "[ids\n", "line 10: expected ']'" },
		{ "[ids]\n", "[ids] x\n", "line 10: unexpected text after ']'" },
		{ "hostname = web1.example.com\n", "hostname = a\nhostname = b\n",
		  "line 6: duplicate key 'hostname' in [vserver]" },
		{ "name = web1\n", "name = web1\njunk\n", "line 4: expected 'key = value'" },
		{ "name = web1\n", "name = web1\n  template = x\n",
		  "line 4: unexpected indentation" },
		{ "# wirt", "name = x\n# wirt", "line 1: key 'name' outside of a section" },
		{ "name = web1\n", "name = web\x01\n", "invalid vServer name 'web\\x01'" },
		{ "name = web1\n", "na\x1bme = web1\n",
		  "line 3: unknown key 'na\\x1bme' in [vserver]" },
		/* values that do not parse, named by line and field */
		{ "autostart = yes", "autostart = maybe",
		  "line 6: [vserver] autostart: invalid boolean 'maybe': expected 'yes' or 'no'" },
		{ "stop-signal = SIGPWR", "stop-signal = SIGFOO",
		  "line 7: [vserver] stop-signal: invalid signal 'SIGFOO'" },
		{ "stop-signal = SIGPWR", "stop-signal = RTMIN+99", "invalid signal 'RTMIN+99'" },
		{ "stop-signal = SIGPWR", "stop-signal = RTMIN-1", "invalid signal 'RTMIN-1'" },
		{ "stop-signal = SIGPWR", "stop-signal = 65", "invalid signal '65'" },
		{ "stop-timeout = 45", "stop-timeout = -1",
		  "line 8: [vserver] stop-timeout: invalid number '-1': "
		  "expected an integer from 0 to 86400" },
		{ "base = 1000065536", "base = 4294967296", "line 11: [ids] base: invalid number" },
		{ "name = web1\n",
		  "name = 1234567890123456789012345678901234567890123456789012345678901234\n",
		  "line 3: [vserver] name: invalid vServer name" },
		/* meaning, named by field (the validation pass) */
		{ "hostname = web1.example.com", "hostname = a..b",
		  "[vserver] hostname: invalid hostname 'a..b': empty label" },
		{ "name = web1", "name = ../x",
		  "[vserver] name: invalid vServer name '../x': only letters" },
		{ "template = busybox", "template = .",
		  "[vserver] template: invalid template name '.'" },
		{ "base = 1000065536", "base = 1000000001",
		  "[ids] base: must be a multiple of 65536 at or above 1000000000" },
		{ "base = 1000065536", "base = 65536", "[ids] base: must be a multiple of 65536" },
		{ "base = 1000065536", "base = 4221225472", "[ids] base: must be a multiple" },
		{ "count = 65536", "count = 65535", "[ids] count: must be 65536" },
		{ "stop-signal = SIGPWR", "stop-signal = SIGKILL",
		  "[vserver] stop-signal: must not be SIGKILL or SIGSTOP" },
		{ "stop-signal = SIGPWR", "stop-signal = 19", "must not be SIGKILL or SIGSTOP" },
		/* required keys */
		{ "name = web1\n", "", "missing key 'name' in [vserver]" },
		{ "template = busybox\n", "", "missing key 'template' in [vserver]" },
		{ "base = 1000065536\n", "", "missing key 'base' in [ids]" },
	};
	char text[2048];
	struct wirt_spec spec;
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		replace(text, sizeof(text), cases[i].from, cases[i].to);
		CHECK_CONTEXT(cases[i].to);
		CHECK_EQ_INT(-EINVAL, parse(text, &spec, &err));
		CHECK_CONTAINS(err.msg, cases[i].message);
	}
	CHECK_CONTEXT(NULL);
}

static void test_bytes(void)
{
	char text[1024];
	char long_line[400];
	struct wirt_spec spec;
	size_t len;
	struct wirt_error err;

	/* An embedded NUL: the parser is given a length, not a C string. */
	memcpy(text, valid, sizeof(valid));
	text[strstr(valid, "busybox") - valid + 3] = '\0';
	wirt_error_clear(&err);
	CHECK_EQ_INT(-EINVAL, wirt_config_parse(text, sizeof(valid) - 1, &spec, &err));
	CHECK_CONTAINS(err.msg, "line 4: contains a NUL byte");

	/* Only 'len' bytes count: the rest of the buffer is never read. */
	wirt_error_clear(&err);
	CHECK_EQ_INT(0, wirt_config_parse(valid, sizeof(valid) - 1, &spec, &err));
	len = (size_t)(strstr(valid, "[ids]") - valid);
	CHECK_EQ_INT(-EINVAL, wirt_config_parse(valid, len, &spec, &err));
	CHECK_CONTAINS(err.msg, "missing key 'base' in [ids]");

	/* inih would read an over-long line as two: the second half must not become a key. */
	memset(long_line, 'x', sizeof(long_line));
	snprintf(text, sizeof(text), "# %.*sname = evil\n%s", 188, long_line, valid);
	CHECK_EQ_INT(-EINVAL, parse(text, &spec, &err));
	CHECK_CONTAINS(err.msg, "line 1: longer than 190 characters");

	/* CRLF line ends and a UTF-8 byte order mark are fine. */
	snprintf(text, sizeof(text),
		 "\xef\xbb\xbf[vserver]\r\nname = web1\r\ntemplate = busybox\r\n[ids]\r\nbase = "
		 "1000000000\r\n");
	CHECK_EQ_INT(0, parse(text, &spec, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR("busybox", spec.template_name);

	/* A value with a carriage return inside is not a line end. */
	snprintf(text, sizeof(text),
		 "[vserver]\nname = we\rb1\ntemplate = busybox\n[ids]\nbase = 1000000000\n");
	CHECK_EQ_INT(-EINVAL, parse(text, &spec, &err));
	CHECK_CONTAINS(err.msg, "'we\\x0db1'");

	CHECK_EQ_INT(-EINVAL, parse("", &spec, &err));
	CHECK_CONTAINS(err.msg, "missing key 'name' in [vserver]");
}

static void check_spec_eq(const struct wirt_spec *a, const struct wirt_spec *b)
{
	CHECK_EQ_STR(a->name, b->name);
	CHECK_EQ_STR(a->template_name, b->template_name);
	CHECK_EQ_STR(a->hostname, b->hostname);
	CHECK_EQ_U64(a->id_base, b->id_base);
	CHECK_EQ_U64(a->id_count, b->id_count);
	CHECK_EQ_INT(a->autostart, b->autostart);
	CHECK_EQ_INT(a->stop_signal, b->stop_signal);
	CHECK_EQ_INT(a->stop_timeout, b->stop_timeout);
}

static void test_round_trip(void)
{
	int signals[] = { 0, SIGTERM, SIGPWR, SIGINT, SIGRTMIN, SIGRTMIN + 4, SIGRTMAX, 32, 33, 1 };
	char text[4096];
	struct wirt_spec spec, back;
	struct wirt_error err;
	int n;

	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		char ctx[32];

		snprintf(ctx, sizeof(ctx), "signal %d", signals[i]);
		CHECK_CONTEXT(ctx);
		wirt_spec_init(&spec, "web-1.x");
		snprintf(spec.hostname, sizeof(spec.hostname), "h%zu.example.org", i);
		snprintf(spec.template_name, sizeof(spec.template_name), "debian_12");
		spec.id_base = 1000000000u + (uint32_t)i * 65536u;
		spec.autostart = i % 2;
		spec.stop_signal = signals[i];
		spec.stop_timeout = (unsigned)i * 7;
		n = wirt_config_format(&spec, text, sizeof(text));
		CHECK(n > 0);
		CHECK_EQ_INT(strlen(text), n);
		CHECK_EQ_INT(0, parse(text, &back, &err));
		CHECK_EQ_STR("", err.msg);
		check_spec_eq(&spec, &back);
	}
	CHECK_CONTEXT(NULL);

	/* The exact text: documented, and hand-edited by operators. */
	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	spec.stop_signal = SIGPWR;
	spec.stop_timeout = 30;
	n = wirt_config_format(&spec, text, sizeof(text));
	CHECK_EQ_STR("# wirt vServer configuration (written by wirt; `wirt set` changes it)\n"
		     "[vserver]\n"
		     "name = web1\n"
		     "template = busybox\n"
		     "hostname = web1\n"
		     "autostart = no\n"
		     "stop-signal = SIGPWR\n"
		     "stop-timeout = 30\n"
		     "\n"
		     "[ids]\n"
		     "base = 1000000000\n"
		     "count = 65536\n",
		     text);
	spec.stop_signal = SIGRTMIN + 4;
	wirt_config_format(&spec, text, sizeof(text));
	CHECK_CONTAINS(text, "stop-signal = RTMIN+4\n");
	spec.stop_signal = 0;
	wirt_config_format(&spec, text, sizeof(text));
	CHECK_CONTAINS(text, "stop-signal = auto\n");

	/* Too small a buffer: -ENOSPC, never a cut file. */
	n = wirt_config_format(&spec, text, sizeof(text));
	CHECK_EQ_INT(strlen(text), n);
	CHECK_EQ_INT(-ENOSPC, wirt_config_format(&spec, text, 40));
	CHECK_EQ_INT(-ENOSPC, wirt_config_format(&spec, NULL, 0));
	CHECK_EQ_INT(-ENOSPC, wirt_config_format(&spec, text, (size_t)n));
	CHECK_EQ_INT(n, wirt_config_format(&spec, text, (size_t)n + 1));
}

static void test_validate(void)
{
	struct wirt_spec spec;
	struct wirt_error err;

	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));
	spec.id_base = 0;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[ids] base: must be a multiple of 65536 at or above 1000000000");
	spec.id_base = 1000000000u;
	snprintf(spec.hostname, sizeof(spec.hostname), "bad\nhost");
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[vserver] hostname: invalid hostname 'bad\\x0ahost'");
	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	spec.stop_timeout = 86401;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[vserver] stop-timeout: must be at most 86400");
	spec.stop_timeout = 0;
	spec.stop_signal = 65;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[vserver] stop-signal:");
}

static void test_load_save(void)
{
	char dir[] = "/tmp/wirt-test-config.XXXXXX";
	char path[PATH_MAX], text[128 * 1024];
	struct wirt_spec spec, back;
	struct wirt_error err;
	struct stat st;
	FILE *f;

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		CHECK(false);
		return;
	}
	snprintf(path, sizeof(path), "%s/config", dir);

	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000131072u;
	spec.autostart = true;
	CHECK_EQ_INT(0, wirt_config_save(path, &spec, &err));
	CHECK_EQ_INT(0, stat(path, &st));
	CHECK_EQ_INT(0644, st.st_mode & 07777);
	CHECK_EQ_INT(0, wirt_config_load(path, &back, &err));
	check_spec_eq(&spec, &back);

	/* An invalid spec is not written: the old file stays. */
	snprintf(spec.hostname, sizeof(spec.hostname), "-bad");
	CHECK_EQ_INT(-EINVAL, wirt_config_save(path, &spec, &err));
	CHECK_CONTAINS(err.msg, "config '");
	CHECK_CONTAINS(err.msg, "[vserver] hostname: invalid hostname '-bad'");
	CHECK_EQ_INT(0, wirt_config_load(path, &back, &err));
	CHECK_EQ_STR("web1", back.hostname);

	/* Load errors name the file. */
	f = fopen(path, "w");
	fputs("[vserver]\nname = web1\nbogus = 1\n", f);
	fclose(f);
	CHECK_EQ_INT(-EINVAL, wirt_config_load(path, &back, &err));
	snprintf(text, sizeof(text), "config '%s': line 3: unknown key 'bogus' in [vserver]", path);
	CHECK_EQ_STR(text, err.msg);

	f = fopen(path, "w");
	memset(text, '#', sizeof(text));
	fwrite(text, 1, 64 * 1024 + 1, f);
	fclose(f);
	CHECK_EQ_INT(-EFBIG, wirt_config_load(path, &back, &err));
	CHECK_CONTAINS(err.msg, "larger than 65536 bytes");

	unlink(path);
	CHECK_EQ_INT(-ENOENT, wirt_config_load(path, &back, &err));
	snprintf(text, sizeof(text), "config '%s'", path);
	CHECK_EQ_STR(text, err.msg);
	CHECK_EQ_INT(ENOENT, err.code);

	CHECK_EQ_INT(-EINVAL, wirt_config_load(dir, &back, &err));
	CHECK_CONTAINS(err.msg, "not a regular file");

	/* No temporary file is left behind. */
	CHECK_EQ_INT(0, rmdir(dir));
}

int main(void)
{
	test_valid();
	test_defaults();
	test_accepted_spellings();
	test_errors();
	test_bytes();
	test_round_trip();
	test_validate();
	test_load_save();
	return check_exit("test-config");
}
