/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * wirt-oci's front door against its own parser: the config.json `wirt-oci spec` writes
 * (also --rootless) parses, and every value `wirt-oci features` lists (namespaces,
 * capabilities, hooks, seccomp actions, operators and architectures) is taken by
 * wirt_oci_config_parse, so the document claims nothing the parser refuses. Also the
 * --log records in runc's two formats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "oci/cli.h"
#include "oci/config.h"

#define BASE "{\"ociVersion\": \"1.1.0\", \"root\": {\"path\": \"rootfs\"}, " \
	     "\"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"args\": [\"sh\"], \"cwd\": \"/\"%s}, %s}"

/* Parses BASE with 'process_extra' inside process and 'extra' at the top. */
static int parse_with(const char *process_extra, const char *extra, struct wirt_oci_spec *s,
		      struct wirt_error *err)
{
	char buf[2048];

	snprintf(buf, sizeof(buf), BASE, process_extra, extra);
	memset(s, 0, sizeof(*s));
	return wirt_oci_config_parse(buf, strlen(buf), s, err);
}

static void test_spec(bool rootless)
{
	struct wirt_oci_spec s = { 0 };
	struct wirt_error err = { 0 };
	char *text = oci_spec_build(rootless);

	CHECK_CONTEXT(rootless ? "spec --rootless" : "spec");
	CHECK(text != NULL);
	if (!text)
		return;
	CHECK_EQ_INT(0, wirt_oci_config_parse(text, strlen(text), &s, &err));
	CHECK_EQ_STR("", err.msg);
	CHECK_EQ_STR(OCI_SPEC_VERSION, s.oci_version);
	CHECK_EQ_STR("wirt-oci", s.spec.hostname);
	CHECK_EQ_STR("rootfs", s.root_path);
	CHECK_EQ_INT(7, (int)s.n_mounts);
	CHECK_EQ_INT(5, (int)s.n_namespaces); /* rootless: user in place of network */
	CHECK_EQ_INT(rootless ? 1 : 0, (int)s.n_uid_mappings);
	CHECK_EQ_INT(rootless ? 0 : 1, (int)s.n_device_rules);
	CHECK_EQ_INT(10, (int)s.masked_paths.n);
	CHECK(text[strlen(text) - 1] == '}'); /* no final newline, as runc */
	wirt_oci_spec_free(&s);
	free(text);
}

static void check_listed(json_t *list, const char *what, const char *process_fmt,
			 const char *fmt)
{
	size_t i;
	json_t *v;

	CHECK(json_is_array(list) && json_array_size(list) > 0);
	json_array_foreach (list, i, v) {
		struct wirt_oci_spec s;
		struct wirt_error err = { 0 };
		char pe[512], ex[1024];
		const char *name = json_string_value(v);

		snprintf(pe, sizeof(pe), process_fmt, name);
		snprintf(ex, sizeof(ex), fmt, name);
		CHECK_CONTEXT(name);
		CHECK_EQ_INT(0, parse_with(pe, ex, &s, &err));
		CHECK_EQ_STR("", err.msg);
		if (strcmp(what, "hooks") == 0) {
			size_t n = 0;

			for (int k = 0; k < WIRT_OCI_HOOK_KINDS; k++)
				n += s.hooks[k].n;
			CHECK_EQ_INT(1, (int)n); /* read, not passed over as an unknown key */
		}
		wirt_oci_spec_free(&s);
	}
}

static void test_features(void)
{
	json_t *doc = oci_features_build(), *linux_, *sc;

	CHECK_CONTEXT("features");
	CHECK(doc != NULL);
	if (!doc)
		return;
	CHECK_EQ_STR(OCI_SPEC_VERSION_MIN, json_string_value(json_object_get(doc, "ociVersionMin")));
	CHECK_EQ_STR(OCI_SPEC_VERSION, json_string_value(json_object_get(doc, "ociVersionMax")));
	linux_ = json_object_get(doc, "linux");
	sc = json_object_get(linux_, "seccomp");
	check_listed(json_object_get(doc, "hooks"), "hooks", "",
		     "\"hooks\": {\"%s\": [{\"path\": \"/bin/true\"}]}");
	check_listed(json_object_get(linux_, "namespaces"), "namespaces", "",
		     "\"linux\": {\"namespaces\": [{\"type\": \"%s\"}]}");
	check_listed(json_object_get(linux_, "capabilities"), "capabilities",
		     ", \"capabilities\": {\"bounding\": [\"%s\"]}", "\"x\": 0");
	check_listed(json_object_get(sc, "actions"), "actions", "",
		     "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		     " \"listenerPath\": \"/run/l\","
		     " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"%s\"}]}}");
	check_listed(json_object_get(sc, "operators"), "operators", "",
		     "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		     " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\","
		     " \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"%s\"}]}]}}");
	check_listed(json_object_get(sc, "archs"), "archs", "",
		     "\"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\","
		     " \"architectures\": [\"%s\"]}}");
	CHECK(json_is_true(json_object_get(json_object_get(linux_, "cgroup"), "systemd")));
	json_decref(doc);
}

static void test_log_records(void)
{
	long long when = 1796094000; /* 2026-12-01T03:00:00Z */
	char *line;
	json_t *rec;

	CHECK_CONTEXT("log records");
	setenv("TZ", "UTC", 1);
	tzset();
	line = oci_log_record(false, "error", "state: not implemented yet", when);
	CHECK_EQ_STR("time=\"2026-12-01T03:00:00Z\" level=error msg=\"state: not implemented yet\"\n",
		     line);
	free(line);
	line = oci_log_record(false, "error", "plain", when);
	CHECK_EQ_STR("time=\"2026-12-01T03:00:00Z\" level=error msg=plain\n", line);
	free(line);
	line = oci_log_record(false, "error", "a \"q\"\n\x01", when);
	CHECK_EQ_STR("time=\"2026-12-01T03:00:00Z\" level=error msg=\"a \\\"q\\\"\\n\\x01\"\n", line);
	free(line);
	line = oci_log_record(true, "error", "a \"q\"\n\x01", when);
	CHECK_EQ_STR("{\"level\":\"error\",\"msg\":\"a \\\"q\\\"\\n\\u0001\",\"time\":\"2026-12-01T03:00:00Z\"}\n",
		     line);
	free(line);
	/* not UTF-8: still one valid JSON object */
	line = oci_log_record(true, "error", "bad \xff byte", when);
	rec = json_loads(line, 0, NULL);
	CHECK(rec != NULL);
	CHECK_EQ_STR("bad ? byte", json_string_value(json_object_get(rec, "msg")));
	json_decref(rec);
	free(line);
	setenv("TZ", "CET-1", 1);
	tzset();
	line = oci_log_record(true, "debug", "x", when);
	CHECK_CONTAINS(line, "\"time\":\"2026-12-01T04:00:00+01:00\"");
	free(line);
}

int main(void)
{
	test_spec(false);
	test_spec(true);
	test_features();
	test_log_records();
	return check_exit("test-oci-cli");
}
