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

/* ---- [resources] ---- */

/* The valid config with a [resources] section of 'lines' after [ids]. */
static void with_resources(char *out, size_t size, const char *lines)
{
	snprintf(out, size, "%s\n[resources]\n%s", valid, lines);
}

static void test_resources_valid(void)
{
	static const char lines[] = "cpu-weight = 300\n"
				    "cpus = 1.25\n"
				    "cpuset = 0-3,6\n"
				    "memory = 512M\n"
				    "memory-low = 128M\n"
				    "swap = 1G\n"
				    "pids = 64\n"
				    "io-weight = 50\n"
				    "io-max = 8:0:rbps=10M,wbps=1048576;8:16:riops=100\n"
				    "io-max = 253:1:wiops=5,rbps=1.5K\n";
	char text[2048];
	struct wirt_spec spec;
	struct wirt_error err;
	const struct wirt_resources *res = &spec.resources;

	with_resources(text, sizeof(text), lines);
	CHECK_EQ_INT(0, parse(text, &spec, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_INT(300, res->cpu_weight);
	CHECK_EQ_INT(1250, res->cpus_milli);
	CHECK_EQ_STR("0-3,6", res->cpuset);
	CHECK_EQ_U64(512ull << 20, res->memory);
	CHECK_EQ_U64(128ull << 20, res->memory_low);
	CHECK_EQ_U64(1ull << 30, res->swap);
	CHECK_EQ_U64(64, res->pids);
	CHECK_EQ_INT(50, res->io_weight);
	CHECK_EQ_INT(3, res->io_max_n);
	CHECK_EQ_INT(8, res->io_max[0].major);
	CHECK_EQ_INT(0, res->io_max[0].minor);
	CHECK_EQ_U64(10ull << 20, res->io_max[0].rbps);
	CHECK_EQ_U64(1048576, res->io_max[0].wbps);
	CHECK_EQ_U64(0, res->io_max[0].riops);
	CHECK_EQ_U64(0, res->io_max[0].wiops);
	CHECK_EQ_INT(16, res->io_max[1].minor);
	CHECK_EQ_U64(100, res->io_max[1].riops);
	CHECK_EQ_U64(0, res->io_max[1].rbps);
	CHECK_EQ_INT(253, res->io_max[2].major);
	CHECK_EQ_INT(1, res->io_max[2].minor);
	CHECK_EQ_U64(5, res->io_max[2].wiops);
	CHECK_EQ_U64(1536, res->io_max[2].rbps);

	/* No [resources] at all: every knob is "not set". */
	CHECK_EQ_INT(0, parse(valid, &spec, &err));
	CHECK_EQ_INT(0, res->cpu_weight);
	CHECK_EQ_INT(0, res->cpus_milli);
	CHECK_EQ_STR("", res->cpuset);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->memory);
	CHECK_EQ_U64(0, res->memory_low);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->swap);
	CHECK_EQ_U64(WIRT_UNLIMITED, res->pids);
	CHECK_EQ_INT(0, res->io_weight);
	CHECK_EQ_INT(0, res->io_max_n);
}

static void test_resources_spellings(void)
{
	static const struct {
		const char *line;
		uint64_t value; /* of the field the key sets */
	} cases[] = {
		{ "cpu-weight = 1", 1 },
		{ "cpu-weight = 10000", 10000 },
		{ "cpus = 0.5", 500 },
		{ "cpus = 2", 2000 },
		{ "cpus = 1.25", 1250 },
		{ "cpus = 0.001", 1 },
		{ "cpus = 3.100", 3100 },
		{ "cpus = 4096", 4096000 },
		{ "cpus = max", 0 },
		{ "memory = max", WIRT_UNLIMITED },
		{ "memory = 4M", 4ull << 20 },
		{ "memory = 4194304", 4ull << 20 },
		{ "memory = 2GiB", 2ull << 30 },
		{ "memory-low = 0", 0 },
		{ "memory-low = 1K", 1024 },
		{ "swap = 0", 0 },
		{ "swap = max", WIRT_UNLIMITED },
		{ "swap = 100", 100 },
		{ "pids = 1", 1 },
		{ "pids = 4194304", 4194304 },
		{ "pids = max", WIRT_UNLIMITED },
		{ "io-weight = 10000", 10000 },
		{ "io-weight = 1", 1 },
	};
	char text[1024];
	struct wirt_spec spec;
	struct wirt_error err;
	const struct wirt_resources *res = &spec.resources;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *l = cases[i].line;
		uint64_t got;

		CHECK_CONTEXT(l);
		with_resources(text, sizeof(text), l);
		CHECK_EQ_INT(0, parse(text, &spec, &err));
		CHECK_EQ_STR("", err.msg);
		if (strncmp(l, "cpu-weight", 10) == 0)
			got = res->cpu_weight;
		else if (strncmp(l, "cpus", 4) == 0)
			got = res->cpus_milli;
		else if (strncmp(l, "memory-low", 10) == 0)
			got = res->memory_low;
		else if (strncmp(l, "memory", 6) == 0)
			got = res->memory;
		else if (strncmp(l, "swap", 4) == 0)
			got = res->swap;
		else if (strncmp(l, "pids", 4) == 0)
			got = res->pids;
		else
			got = res->io_weight;
		CHECK_EQ_U64(cases[i].value, got);
	}
	CHECK_CONTEXT(NULL);

	static const char *const cpusets[] = { "0", "0-3", "0-3,6", "1,3,5", "0-0", "4095",
					       "0-4095", "2,4-7,9" };
	for (size_t i = 0; i < sizeof(cpusets) / sizeof(cpusets[0]); i++) {
		char line[64];

		snprintf(line, sizeof(line), "cpuset = %s\n", cpusets[i]);
		CHECK_CONTEXT(line);
		with_resources(text, sizeof(text), line);
		CHECK_EQ_INT(0, parse(text, &spec, &err));
		CHECK_EQ_STR("", err.msg);
		CHECK_EQ_STR(cpusets[i], res->cpuset);
	}
	CHECK_CONTEXT(NULL);
}

static void test_resources_errors(void)
{
	static const struct {
		const char *lines;
		const char *message;
	} cases[] = {
		{ "cpu-weight = 0\n",
		  "[resources] cpu-weight: invalid number '0': expected an integer from 1 to 10000" },
		{ "cpu-weight = 10001\n", "[resources] cpu-weight: invalid number '10001'" },
		{ "cpu-weight = -5\n", "[resources] cpu-weight: invalid number '-5'" },
		{ "cpu-weight = 1.5\n", "[resources] cpu-weight: invalid number '1.5'" },
		{ "cpus = 0\n", "[resources] cpus: invalid number of CPUs '0': must be more than 0" },
		{ "cpus = 0.000\n", "[resources] cpus: invalid number of CPUs '0.000'" },
		{ "cpus = -1\n", "[resources] cpus: invalid number of CPUs '-1'" },
		{ "cpus = 1.2345\n",
		  "[resources] cpus: invalid number of CPUs '1.2345': at most 3 digits after '.'" },
		{ "cpus = .5\n", "[resources] cpus: invalid number of CPUs '.5'" },
		{ "cpus = 1.\n", "[resources] cpus: invalid number of CPUs '1.'" },
		{ "cpus = 2x\n", "[resources] cpus: invalid number of CPUs '2x'" },
		{ "cpus = 4096.001\n", "[resources] cpus: invalid number of CPUs '4096.001': "
				       "must be at most 4096" },
		{ "cpus = 99999999999999999999\n", "[resources] cpus: invalid number of CPUs" },
		{ "cpuset = 3-1\n", "[resources] cpuset: invalid CPU list '3-1': range '3-1' "
				    "is not ascending" },
		{ "cpuset = 4,2\n", "[resources] cpuset: invalid CPU list '4,2': '2' "
				    "does not come after '4'" },
		{ "cpuset = 0-3,3\n", "[resources] cpuset: invalid CPU list '0-3,3'" },
		{ "cpuset = 4096\n", "[resources] cpuset: invalid CPU list '4096': CPU numbers "
				     "must be below 4096" },
		{ "cpuset = 0-4096\n", "[resources] cpuset: invalid CPU list '0-4096'" },
		{ "cpuset = 0,,1\n", "[resources] cpuset: invalid CPU list '0,,1'" },
		{ "cpuset = 1,\n", "[resources] cpuset: invalid CPU list '1,'" },
		{ "cpuset = a\n", "[resources] cpuset: invalid CPU list 'a'" },
		{ "cpuset = 1-\n", "[resources] cpuset: invalid CPU list '1-'" },
		{ "cpuset = -1\n", "[resources] cpuset: invalid CPU list '-1'" },
		{ "cpuset = 1 2\n", "[resources] cpuset: invalid CPU list '1 2'" },
		{ "cpuset = "
		  "0,2,4,6,8,10,12,14,16,18,20,22,24,26,28,30,32,34,36,38,40,42,44,46,48,50,52,54,"
		  "56,58,60,62,64,66,68,70,72,74,76,78,80,82,84,86,88,90,92,94\n",
		  "[resources] cpuset: invalid CPU list '0,2,4" },
		{ "memory = abc\n", "[resources] memory: invalid size 'abc': not a number" },
		{ "memory = -1M\n", "[resources] memory: invalid size '-1M': is negative" },
		{ "memory = 1M\n", "[resources] memory: must be at least 3M (what a busybox init "
				   "needs), not '1M'" },
		{ "memory = 0\n", "[resources] memory: must be at least 3M" },
		{ "memory = 3145727\n", "[resources] memory: must be at least 3M" },
		{ "memory = \n", "[resources] memory: invalid size '': is empty" },
		{ "memory-low = max\n", "[resources] memory-low: invalid size 'max'" },
		{ "memory-low = x\n", "[resources] memory-low: invalid size 'x'" },
		{ "memory = 64M\nmemory-low = 65M\n",
		  "[resources] memory-low: must not be more than memory (64M), not '65M'" },
		{ "swap = 1Q\n", "[resources] swap: invalid size '1Q': unknown unit 'Q'" },
		{ "swap = -1\n", "[resources] swap: invalid size '-1'" },
		{ "pids = 0\n", "[resources] pids: invalid number '0': expected an integer from 1 "
				"to 4194304 or 'max'" },
		{ "pids = 4194305\n", "[resources] pids: invalid number '4194305'" },
		{ "pids = unlimited\n", "[resources] pids: invalid number 'unlimited'" },
		{ "io-weight = 0\n", "[resources] io-weight: invalid number '0': expected an "
				     "integer from 1 to 10000" },
		{ "io-weight = 10001\n", "[resources] io-weight: invalid number '10001'" },
		{ "io-max = 8:0\n", "[resources] io-max: invalid entry '8:0': expected "
				    "'MAJ:MIN:rbps=..,wbps=..,riops=..,wiops=..'" },
		{ "io-max = 8:0:\n", "[resources] io-max: invalid entry '8:0:'" },
		{ "io-max = 8:rbps=1M\n", "[resources] io-max: invalid entry '8:rbps=1M'" },
		{ "io-max = x:0:rbps=1M\n", "[resources] io-max: invalid entry 'x:0:rbps=1M'" },
		{ "io-max = 4096:0:rbps=1M\n", "[resources] io-max: invalid entry '4096:0:rbps=1M': "
					       "major number must be below 4096" },
		{ "io-max = 8:1048576:rbps=1M\n",
		  "[resources] io-max: invalid entry '8:1048576:rbps=1M': minor number must be "
		  "below 1048576" },
		{ "io-max = 8:0:xbps=1M\n",
		  "[resources] io-max: invalid entry '8:0:xbps=1M': unknown limit 'xbps' (limits: "
		  "rbps, wbps, riops, wiops)" },
		{ "io-max = 8:0:rbps=1M,rbps=2M\n",
		  "[resources] io-max: invalid entry '8:0:rbps=1M,rbps=2M': 'rbps' given twice" },
		{ "io-max = 8:0:rbps=abc\n",
		  "[resources] io-max: invalid entry '8:0:rbps=abc': rbps: invalid size 'abc'" },
		{ "io-max = 8:0:riops=1M\n",
		  "[resources] io-max: invalid entry '8:0:riops=1M': riops: invalid number '1M'" },
		{ "io-max = 8:0:rbps=0\n", "[resources] io-max: invalid entry '8:0:rbps=0': rbps: "
					   "must be more than 0 (leave it out for no limit)" },
		{ "io-max = 8:0:wiops=0\n", "wiops: must be more than 0" },
		{ "io-max = 8:0:rbps\n", "[resources] io-max: invalid entry '8:0:rbps': expected "
					 "'rbps=VALUE'" },
		{ "io-max = 8:0:rbps=1M,\n", "[resources] io-max: invalid entry '8:0:rbps=1M,'" },
		{ "io-max = 8:0:rbps=1M;;8:1:rbps=1M\n", "[resources] io-max: empty entry" },
		{ "io-max = 8:0:rbps=1M;8:0:wbps=1M\n",
		  "[resources] io-max: device 8:0 is given twice" },
		{ "io-max = 8:0:rbps=1M\nio-max = 8:0:wbps=1M\n",
		  "[resources] io-max: device 8:0 is given twice" },
		{ "io-max = 8:0:rbps=1\nio-max = 8:1:rbps=1\nio-max = 8:2:rbps=1\n"
		  "io-max = 8:3:rbps=1\nio-max = 8:4:rbps=1\nio-max = 8:5:rbps=1\n"
		  "io-max = 8:6:rbps=1\nio-max = 8:7:rbps=1\nio-max = 8:8:rbps=1\n",
		  "[resources] io-max: more than 8 devices" },
		{ "cpu-weight = 5\ncpu-weight = 6\n", "duplicate key 'cpu-weight' in [resources]" },
		{ "frobs = 5\n", "unknown key 'frobs' in [resources]" },
	};
	char text[4096];
	struct wirt_spec spec;
	struct wirt_error err;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		with_resources(text, sizeof(text), cases[i].lines);
		CHECK_CONTEXT(cases[i].lines);
		CHECK_EQ_INT(-EINVAL, parse(text, &spec, &err));
		CHECK_CONTAINS(err.msg, cases[i].message);
	}
	CHECK_CONTEXT(NULL);
}

/* The validation pass on resources a front door filled in by hand. */
static void test_resources_validate(void)
{
	struct wirt_spec spec;
	struct wirt_error err;
	struct wirt_resources *res = &spec.resources;

	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));

	res->cpu_weight = 10001;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] cpu-weight: must be from 1 to 10000, not '10001'");
	res->cpu_weight = 0;

	res->cpus_milli = 4096001;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] cpus: must be at most 4096, not '4096.001'");
	res->cpus_milli = 0;

	snprintf(res->cpuset, sizeof(res->cpuset), "7-2");
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] cpuset: invalid CPU list '7-2'");
	res->cpuset[0] = '\0';

	res->memory = 2ull << 20;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] memory: must be at least 3M (what a busybox init "
				"needs), not '2M'");
	res->memory = WIRT_UNLIMITED;

	/* memory-low without memory is fine: the guarantee is all there is. */
	res->memory_low = 1ull << 40;
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));
	res->memory = 1ull << 30;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] memory-low: must not be more than memory (1G), "
				"not '1T'");
	res->memory_low = 1ull << 30; /* equal is fine */
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));
	res->memory_low = 0;

	res->pids = 0;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] pids: must be from 1 to 4194304 or 'max', not '0'");
	res->pids = WIRT_UNLIMITED;

	res->io_weight = 20000;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] io-weight: must be from 1 to 10000, not '20000'");
	res->io_weight = 0;

	res->io_max_n = 1;
	res->io_max[0] = (struct wirt_io_max){ .major = 8, .minor = 0 };
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] io-max: device 8:0 has no limit");
	res->io_max[0].wiops = 10;
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));
	res->io_max[0].major = 5000;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] io-max: invalid device 5000:0");
	res->io_max[0].major = 8;
	res->io_max_n = 2;
	res->io_max[1] = res->io_max[0];
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] io-max: device 8:0 is given twice");
	res->io_max_n = WIRT_IO_MAX_DEVICES + 1;
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] io-max: more than 8 devices");
}

static void check_resources_eq(const struct wirt_resources *a, const struct wirt_resources *b)
{
	CHECK_EQ_INT(a->cpu_weight, b->cpu_weight);
	CHECK_EQ_INT(a->cpus_milli, b->cpus_milli);
	CHECK_EQ_STR(a->cpuset, b->cpuset);
	CHECK_EQ_U64(a->memory, b->memory);
	CHECK_EQ_U64(a->memory_low, b->memory_low);
	CHECK_EQ_U64(a->swap, b->swap);
	CHECK_EQ_U64(a->pids, b->pids);
	CHECK_EQ_INT(a->io_weight, b->io_weight);
	CHECK_EQ_INT(a->io_max_n, b->io_max_n);
	for (unsigned i = 0; i < a->io_max_n && i < b->io_max_n; i++) {
		CHECK_EQ_INT(a->io_max[i].major, b->io_max[i].major);
		CHECK_EQ_INT(a->io_max[i].minor, b->io_max[i].minor);
		CHECK_EQ_U64(a->io_max[i].rbps, b->io_max[i].rbps);
		CHECK_EQ_U64(a->io_max[i].wbps, b->io_max[i].wbps);
		CHECK_EQ_U64(a->io_max[i].riops, b->io_max[i].riops);
		CHECK_EQ_U64(a->io_max[i].wiops, b->io_max[i].wiops);
	}
}

static void test_resources_round_trip(void)
{
	char text[4096];
	struct wirt_spec spec, back;
	struct wirt_error err;
	struct wirt_resources *res = &spec.resources;
	int n;

	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;
	res->cpu_weight = 1;
	res->cpus_milli = 1;
	snprintf(res->cpuset, sizeof(res->cpuset), "0-3,6");
	res->memory = (1ull << 30) + 1;
	res->memory_low = 3ull << 20;
	res->swap = 0;
	res->pids = 4194304;
	res->io_weight = 10000;
	/* Every device with every limit at its largest still fits a line. */
	res->io_max_n = WIRT_IO_MAX_DEVICES;
	for (unsigned i = 0; i < WIRT_IO_MAX_DEVICES; i++)
		res->io_max[i] = (struct wirt_io_max){ 4095, 1048575 - i, UINT64_MAX - 1,
						       UINT64_MAX - 1, UINT64_MAX - 1,
						       UINT64_MAX - 1 };
	res->io_max[1] = (struct wirt_io_max){ 8, 0, 1ull << 20, 0, 0, 7 };
	n = wirt_config_format(&spec, text, sizeof(text));
	CHECK(n > 0);
	CHECK_EQ_INT(0, parse(text, &back, &err));
	CHECK_EQ_STR("", err.msg);
	check_resources_eq(res, &back.resources);

	/* The exact text of the section: sizes with the largest exact unit. */
	res->io_max_n = 2;
	res->io_max[0] = (struct wirt_io_max){ 253, 0, 10ull << 20, 0, 100, 0 };
	res->memory = 512ull << 20;
	res->swap = 1ull << 40;
	res->cpus_milli = 1250;
	n = wirt_config_format(&spec, text, sizeof(text));
	CHECK_CONTAINS(text, "count = 65536\n"
			     "\n"
			     "[resources]\n"
			     "cpu-weight = 1\n"
			     "cpus = 1.25\n"
			     "cpuset = 0-3,6\n"
			     "memory = 512M\n"
			     "memory-low = 3M\n"
			     "swap = 1T\n"
			     "pids = 4194304\n"
			     "io-weight = 10000\n"
			     "io-max = 253:0:rbps=10M,riops=100\n"
			     "io-max = 8:0:rbps=1M,wiops=7\n");
	CHECK_EQ_INT(0, parse(text, &back, &err));
	check_resources_eq(res, &back.resources);

	static const uint32_t cpus[] = { 1, 10, 100, 500, 1000, 1001, 1250, 2000, 4096000 };
	static const char *const cpus_text[] = { "0.001", "0.01", "0.1", "0.5", "1", "1.001",
						 "1.25", "2", "4096" };
	for (size_t i = 0; i < sizeof(cpus) / sizeof(cpus[0]); i++) {
		char want[64];

		CHECK_CONTEXT(cpus_text[i]);
		res->cpus_milli = cpus[i];
		wirt_config_format(&spec, text, sizeof(text));
		snprintf(want, sizeof(want), "\ncpus = %s\n", cpus_text[i]);
		CHECK_CONTAINS(text, want);
		CHECK_EQ_INT(0, parse(text, &back, &err));
		CHECK_EQ_INT(cpus[i], back.resources.cpus_milli);
	}
	CHECK_CONTEXT(NULL);

	/* Knobs that are not set are not written: no section at all when none is. */
	wirt_resources_init(res);
	wirt_config_format(&spec, text, sizeof(text));
	CHECK(strstr(text, "[resources]") == NULL);
	res->pids = 10;
	wirt_config_format(&spec, text, sizeof(text));
	CHECK_CONTAINS(text, "[resources]\npids = 10\n");
	CHECK(strstr(text, "memory") == NULL);
	CHECK(strstr(text, "cpu") == NULL);
	CHECK(strstr(text, "io-") == NULL);
	CHECK(strstr(text, "swap") == NULL);
	res->pids = WIRT_UNLIMITED;
	res->swap = 0; /* no swap at all is a limit, and written */
	wirt_config_format(&spec, text, sizeof(text));
	CHECK_CONTAINS(text, "[resources]\nswap = 0\n");
}

/* ---- wirt_config_set_key ---- */

static int set_key(struct wirt_spec *spec, const char *section, const char *key,
		   const char *value, struct wirt_error *err)
{
	wirt_error_clear(err);
	return wirt_config_set_key(spec, section, key, value, err);
}

static void test_set_key(void)
{
	struct wirt_spec spec, before;
	struct wirt_error err;
	struct wirt_resources *res = &spec.resources;

	wirt_spec_init(&spec, "web1");
	spec.id_base = 1000000000u;

	CHECK_EQ_INT(0, set_key(&spec, NULL, "memory", "512M", &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_U64(512ull << 20, res->memory);
	CHECK_EQ_INT(0, set_key(&spec, "resources", "cpus", "0.5", &err));
	CHECK_EQ_INT(500, res->cpus_milli);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "cpu-weight", "200", &err));
	CHECK_EQ_INT(200, res->cpu_weight);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "pids", "64", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "cpuset", "0-1", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "swap", "0", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "memory-low", "64M", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "io-weight", "300", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "hostname", "www.example.com", &err));
	CHECK_EQ_STR("www.example.com", spec.hostname);
	CHECK_EQ_INT(0, set_key(&spec, "vserver", "autostart", "yes", &err));
	CHECK_EQ_INT(true, spec.autostart);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "stop-timeout", "10", &err));
	CHECK_EQ_INT(10, spec.stop_timeout);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "stop-signal", "SIGTERM", &err));
	CHECK_EQ_INT(SIGTERM, spec.stop_signal);
	CHECK_EQ_INT(0, wirt_config_validate(&spec, &err));

	/* io-max: a value holds the whole list and replaces it. */
	CHECK_EQ_INT(0, set_key(&spec, NULL, "io-max", "8:0:rbps=1M;8:16:wiops=9", &err));
	CHECK_EQ_INT(2, res->io_max_n);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "io-max", "8:32:wbps=2M", &err));
	CHECK_EQ_INT(1, res->io_max_n);
	CHECK_EQ_INT(32, res->io_max[0].minor);
	CHECK_EQ_U64(2ull << 20, res->io_max[0].wbps);
	/* Empty values clear what has no "max" of its own. */
	CHECK_EQ_INT(0, set_key(&spec, NULL, "io-max", "", &err));
	CHECK_EQ_INT(0, res->io_max_n);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "cpuset", "", &err));
	CHECK_EQ_STR("", res->cpuset);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "memory", "max", &err));
	CHECK_EQ_U64(WIRT_UNLIMITED, res->memory);
	CHECK_EQ_INT(0, set_key(&spec, NULL, "cpus", "max", &err));
	CHECK_EQ_INT(0, res->cpus_milli);

	/* A bad value changes nothing; the message is the value's, without the field
	 * (the caller names it as the operator typed it: --memory, memory=). */
	before = spec;
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "memory", "abc", &err));
	CHECK_EQ_STR("invalid size 'abc': not a number", err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "memory", "1M", &err));
	CHECK_EQ_STR("must be at least 3M (what a busybox init needs), not '1M'", err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "io-max", "8:0:rbps=1M;8:1:bogus=1", &err));
	CHECK_CONTAINS(err.msg, "unknown limit 'bogus'");
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "hostname", "-x", &err));
	CHECK_CONTAINS(err.msg, "invalid hostname '-x'");
	CHECK(memcmp(&before, &spec, sizeof(spec)) == 0);

	/* Keys that do not exist, and those that cannot change. */
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "foo", "1", &err));
	CHECK_EQ_STR("unknown key 'foo' (keys: hostname, autostart, stop-signal, stop-timeout, "
		     "cpu-weight, cpus, cpuset, memory, memory-low, swap, pids, io-weight, io-max, "
		     "disk, mode, ip, bridge, mac, gateway, policy, resolver, port)",
		     err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, "vserver", "memory", "1G", &err));
	CHECK_CONTAINS(err.msg, "unknown key 'memory' in [vserver] (keys: ");
	CHECK_EQ_INT(-EINVAL, set_key(&spec, "nope", "memory", "1G", &err));
	CHECK_CONTAINS(err.msg, "unknown key 'memory' in [nope]");
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "me\x1bm", "1G", &err));
	CHECK_CONTAINS(err.msg, "unknown key 'me\\x1bm'");
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "template", "debian", &err));
	CHECK_EQ_STR("key 'template' cannot be changed", err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "name", "web2", &err));
	CHECK_EQ_STR("key 'name' cannot be changed", err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, "ids", "base", "1000065536", &err));
	CHECK_EQ_STR("key 'base' cannot be changed", err.msg);
	CHECK_EQ_INT(-EINVAL, set_key(&spec, NULL, "count", "65536", &err));
	CHECK_EQ_STR("key 'count' cannot be changed", err.msg);
	CHECK(memcmp(&before, &spec, sizeof(spec)) == 0);

	/* Only the value is checked: the whole spec is wirt_config_validate's. */
	CHECK_EQ_INT(0, set_key(&spec, NULL, "memory", "64M", &err));
	CHECK_EQ_INT(0, set_key(&spec, NULL, "memory-low", "128M", &err));
	CHECK_EQ_INT(-EINVAL, wirt_config_validate(&spec, &err));
	CHECK_CONTAINS(err.msg, "[resources] memory-low: must not be more than memory (64M)");
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
	test_resources_valid();
	test_resources_spellings();
	test_resources_errors();
	test_resources_validate();
	test_resources_round_trip();
	test_set_key();
	return check_exit("test-config");
}
